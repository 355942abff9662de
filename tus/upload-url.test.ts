import { expect, test } from '@playwright/test';
import { uploadIdOf } from './upload-url';

test('the id is the segment after the creation URL', () => {
  expect(uploadIdOf('http://h/api/upload/0123abcd')).toBe('0123abcd');
  expect(uploadIdOf('http://h/api/upload/0123abcd/')).toBe('0123abcd');
  expect(uploadIdOf('http://h/api/upload/0123abcd?x=1')).toBe('0123abcd');
});

test('anything else is no id', () => {
  for (const url of [
    'http://h/api/upload',
    'http://h/api/upload/',
    'http://h/api/uploads/abc',
    'http://h/api/upload/a%2Fb',
    'http://h/api/upload/a%00',
    'http://h/api/upload/a.json',
    'http://h/api/upload/%E0%A4%A',
    `http://h/api/upload/${'x'.repeat(129)}`,
  ]) {
    expect(uploadIdOf(url), url).toBeNull();
  }
});
