import { expect, test } from '@playwright/test';
import { attachmentDisposition, parseRange, safeContentType } from './downloads';

test('Range: one range of each form', () => {
  expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
  expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
  expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
  expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
  expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
});

test('Range: what cannot be served is 416, what cannot be read is ignored', () => {
  expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
  expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
  expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
  expect(parseRange(null, 100)).toBeNull();
  expect(parseRange('bytes=5-1', 100)).toBeNull();
  expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
  expect(parseRange('items=0-1', 100)).toBeNull();
  expect(parseRange('bytes=-', 100)).toBeNull();
});

test('only safe types are passed on to the browser', () => {
  expect(safeContentType('image/png')).toBe('image/png');
  expect(safeContentType('Text/Plain; charset=utf-8')).toBe('text/plain');
  expect(safeContentType('text/html')).toBe('application/octet-stream');
  expect(safeContentType('image/svg+xml')).toBe('application/octet-stream');
  expect(safeContentType(null)).toBe('application/octet-stream');
});

test('file names survive in Content-Disposition, quotes and all', () => {
  expect(attachmentDisposition('report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
  expect(attachmentDisposition('报告 "final".txt')).toBe(
    `attachment; filename="__ _final_.txt"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%22final%22.txt`,
  );
});

test('hostile file names: the header stays one line of printable ASCII and names no path or bidi trick', () => {
  const hostile = [
    'a\r\nSet-Cookie: x=1\r\n\r\n.txt',
    '../../etc/passwd',
    '..\\..\\windows\\system.ini',
    'invoice\u202Etxt.exe',
    'x"; filename="evil.html',
    '<img src=x onerror=alert(1)>.txt',
    `${'名'.repeat(300)}.txt`,
  ];
  for (const name of hostile) {
    const header = attachmentDisposition(name);
    expect(header, name).toMatch(/^attachment; filename="[\x20-\x21\x23-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9%!._~-]+$/);
    const exact = decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(header)![1]);
    expect(exact, name).not.toMatch(/[\r\n/\\\u202e]/);
  }
  expect(attachmentDisposition('../../etc/passwd')).toBe(`attachment; filename=".._.._etc_passwd"; filename*=UTF-8''.._.._etc_passwd`);
  expect(attachmentDisposition('invoice\u202Etxt.exe')).toBe(`attachment; filename="invoice_txt.exe"; filename*=UTF-8''invoice_txt.exe`);
  expect(attachmentDisposition('a\r\nb')).toBe(`attachment; filename="a__b"; filename*=UTF-8''a__b`);
});

test('a very long name is cut to 120 characters, keeping its extension, so the header stays small', () => {
  const header = attachmentDisposition(`${'报'.repeat(5000)}.pdf`);
  const name = decodeURIComponent(header.split("filename*=UTF-8''")[1]);
  expect([...name]).toHaveLength(120);
  expect(name.endsWith('….pdf')).toBe(true);
  expect(header.length).toBeLessThan(1500);
  expect(attachmentDisposition(`${'a'.repeat(120)}`)).toContain(`filename="${'a'.repeat(120)}"`);
});
