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
