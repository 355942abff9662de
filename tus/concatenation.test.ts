import { expect, test } from '@playwright/test';
import { parseUploadConcat, partIdsOf } from './concatenation';
import { UploadError } from './errors';

const request = 'http://127.0.0.1:3000/api/upload';
const bases = [new URL('https://files.example.com/base/api/upload/'), new URL('http://127.0.0.1:3000/api/upload/')];

function refusalOf(action: () => unknown): UploadError {
  try {
    action();
  } catch (error) {
    if (error instanceof UploadError) return error;
  }
  throw new Error('accepted');
}

test('partial and final headers are told apart; a final keeps the header as sent', () => {
  expect(parseUploadConcat(null)).toBeNull();
  expect(parseUploadConcat('partial')).toEqual({ kind: 'partial' });
  expect(parseUploadConcat('final;/api/upload/a  /api/upload/b')).toEqual({
    kind: 'final',
    header: 'final;/api/upload/a  /api/upload/b',
    urls: ['/api/upload/a', '/api/upload/b'],
  });
});

test('anything else, or a final listing nothing, is 400', () => {
  for (const header of ['partial;x', 'final', 'final;', 'final; ', 'whole']) {
    expect(refusalOf(() => parseUploadConcat(header)).status).toBe(400);
  }
});

test('relative and absolute URLs of this server resolve to ids, in order, repeats kept', () => {
  const urls = ['/api/upload/a1', 'http://127.0.0.1:3000/api/upload/b2', 'https://files.example.com/base/api/upload/c3', '/api/upload/a1'];
  expect(partIdsOf(urls, request, bases)).toEqual(['a1', 'b2', 'c3', 'a1']);
});

test('URLs of another host, another path, below an upload or with a query are refused', () => {
  for (const url of [
    'http://evil.example/api/upload/a1',
    'https://files.example.com/api/upload/a1',
    '/api/other/a1',
    '/api/upload/a1/extra',
    '/api/upload/',
    '/api/upload/a1?x=1',
    '/api/upload/..%2fsecret',
  ]) {
    expect([url, refusalOf(() => partIdsOf([url], request, bases)).code]).toEqual([url, 'ERR_INVALID_CONCAT']);
  }
});
