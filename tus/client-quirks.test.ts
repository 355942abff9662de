import { expect, test } from '@playwright/test';
import { withoutEmptyMetadata } from './client-quirks';

test('an empty Upload-Metadata header is dropped, everything else kept', async () => {
  const req = new Request('http://localhost/api/upload', {
    method: 'POST',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '5', 'Upload-Metadata': '' },
    body: 'hello',
  });
  const fixed = withoutEmptyMetadata(req);
  expect(fixed.headers.has('upload-metadata')).toBe(false);
  expect(fixed.method).toBe('POST');
  expect(fixed.url).toBe('http://localhost/api/upload');
  expect(fixed.headers.get('upload-length')).toBe('5');
  expect(await fixed.text()).toBe('hello');
});

test('requests with metadata, or without the header, are passed through untouched', () => {
  const withMetadata = new Request('http://localhost/api/upload', { method: 'POST', headers: { 'Upload-Metadata': 'filename YS50eHQ=' } });
  expect(withoutEmptyMetadata(withMetadata)).toBe(withMetadata);
  const without = new Request('http://localhost/api/upload', { method: 'POST' });
  expect(withoutEmptyMetadata(without)).toBe(without);
});
