import { createHash } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { Readable } from 'node:stream';
import {
  announcesChecksumTrailer,
  bytesMatch,
  CHECKSUM_ALGORITHMS,
  ChunkDigest,
  parseChecksumTrailer,
  parseUploadChecksum,
} from './checksum';
import { UploadError } from './errors';

const hello = Buffer.from('hello world');

function refusal(header: string): UploadError {
  try {
    parseUploadChecksum(header);
  } catch (error) {
    if (error instanceof UploadError) return error;
  }
  throw new Error(`${header} was accepted`);
}

function matches(header: string, data: Buffer): boolean {
  const expected = parseUploadChecksum(header);
  if (!expected) throw new Error('no checksum');
  const digest = new ChunkDigest(expected);
  digest.update(data.subarray(0, 3));
  digest.update(data.subarray(3));
  return digest.matches();
}

test('sha1 is offered first, with md5, sha256, sha512 and crc32', () => {
  expect(CHECKSUM_ALGORITHMS).toEqual(['sha1', 'md5', 'sha256', 'sha512', 'crc32']);
});

test('each hash algorithm verifies bytes that arrive in pieces', () => {
  for (const algorithm of ['sha1', 'md5', 'sha256', 'sha512'] as const) {
    const digest = createHash(algorithm).update(hello).digest('base64');
    expect(matches(`${algorithm} ${digest}`, hello)).toBe(true);
    expect(matches(`${algorithm} ${digest}`, Buffer.from('hello worle'))).toBe(false);
  }
});

test('crc32 is the big-endian CRC-32 of zlib', () => {
  // CRC-32 of "hello world" is 0x0d4a1185.
  expect(matches(`crc32 ${Buffer.from([0x0d, 0x4a, 0x11, 0x85]).toString('base64')}`, hello)).toBe(true);
  expect(matches(`crc32 ${Buffer.from([0x85, 0x11, 0x4a, 0x0d]).toString('base64')}`, hello)).toBe(false);
});

test('no header means no checksum', () => {
  expect(parseUploadChecksum(null)).toBeNull();
});

test('an algorithm not offered is 400 with its own code', () => {
  const error = refusal('md4 AAAAAAAAAAAAAAAAAAAAAA==');
  expect([error.status, error.code]).toEqual([400, 'ERR_UNSUPPORTED_CHECKSUM_ALGORITHM']);
});

test('malformed headers are 400 before any byte is read', () => {
  const sha1 = createHash('sha1').update(hello).digest('base64');
  for (const header of [
    'sha1',
    `sha1:${sha1}`,
    `sha1  ${sha1}`,
    'sha1 !!!notbase64!!!',
    'sha1 AAAA',
    `SHA1 ${sha1}`.replace('SHA1', 'sha1 x'),
  ]) {
    const error = refusal(header);
    expect([header, error.status]).toEqual([header, 400]);
  }
});

test('Trailer announces a checksum when Upload-Checksum is among its names, in any case and spacing', () => {
  for (const trailer of [
    'Upload-Checksum',
    'upload-checksum',
    'X-A, Upload-Checksum',
    ' UPLOAD-CHECKSUM ,X-B',
    'X-A,upload-checksum,X-B',
  ]) {
    expect(announcesChecksumTrailer(trailer), trailer).toBe(true);
  }
  for (const trailer of [null, '', 'X-Upload-Checksum', 'Upload-Checksums', 'Upload-Checksum-X', 'Expires']) {
    expect(announcesChecksumTrailer(trailer), String(trailer)).toBe(false);
  }
});

test('a trailer is read as the header is, and a missing or malformed one is 400 on a connection that can serve the retry', async () => {
  const sha1 = createHash('sha1').update(hello).digest('base64');
  const expected = parseChecksumTrailer(`sha1 ${sha1}`);
  expect(expected).toEqual(parseUploadChecksum(`sha1 ${sha1}`));
  expect(await bytesMatch(expected, Readable.from([hello.subarray(0, 4), hello.subarray(4)]))).toBe(true);
  expect(await bytesMatch(expected, Readable.from([Buffer.from('hello worle')]))).toBe(false);

  const refusals: [string | null, string][] = [
    [null, 'ERR_CHECKSUM_TRAILER_MISSING'],
    ['sha1', 'ERR_INVALID_CHECKSUM'],
    [`sha1 ${sha1}, sha1 ${sha1}`, 'ERR_INVALID_CHECKSUM'],
    ['md4 AAAAAAAAAAAAAAAAAAAAAA==', 'ERR_UNSUPPORTED_CHECKSUM_ALGORITHM'],
  ];
  for (const [trailer, code] of refusals) {
    let refused: unknown = null;
    try {
      parseChecksumTrailer(trailer);
    } catch (error) {
      refused = error;
    }
    expect(refused, String(trailer)).toBeInstanceOf(UploadError);
    const error = refused as UploadError;
    expect([error.status, error.code, error.bodyRead], String(trailer)).toEqual([400, code, true]);
    expect(error.body).toMatch(new RegExp(`^${code}: .*; nothing was stored\n$`));
  }
});
