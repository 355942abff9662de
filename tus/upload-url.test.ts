import { expect, test } from '@playwright/test';
import { UploadRoute } from './upload-url';

const route = new UploadRoute('/api/upload');

test('the id is the segment after the creation URL, with or without a trailing slash', () => {
  expect(route.idOf('/api/upload/0123abcd')).toBe('0123abcd');
  expect(route.idOf('/api/upload/0123abcd/')).toBe('0123abcd');
  expect(route.idOf('/api/upload/0123%61bcd')).toBe('0123abcd');
});

test('the creation URL is the path with or without a trailing slash', () => {
  expect(route.isCreation('/api/upload')).toBe(true);
  expect(route.isCreation('/api/upload/')).toBe(true);
  expect(route.isCreation('/api/upload/x')).toBe(false);
  expect(route.isCreation('/api/uploads')).toBe(false);
});

test('anything else is no id', () => {
  for (const path of [
    '/api/upload',
    '/api/upload/',
    '/api/uploads/abc',
    '/api/upload/a%2Fb',
    '/api/upload/a%00',
    '/api/upload/a.json',
    '/api/upload/a/b',
    '/api/upload/%E0%A4%A',
    `/api/upload/${'x'.repeat(129)}`,
  ]) {
    expect(route.idOf(path), path).toBeNull();
  }
});

test('the endpoint covers its own path and what is below it, nothing else', () => {
  expect(route.covers('/api/upload')).toBe(true);
  expect(route.covers('/api/upload/abc')).toBe(true);
  expect(route.covers('/api/uploads')).toBe(false);
  expect(route.covers('/api')).toBe(false);
});

test('a mount path must be absolute and not end in a slash', () => {
  expect(() => new UploadRoute('api/upload')).toThrow(/must start with \//);
  expect(() => new UploadRoute('/api/upload/')).toThrow();
  expect(new UploadRoute('/files').urlOf('abc')).toBe('/files/abc');
});
