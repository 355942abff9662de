import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect, test } from '@playwright/test';
import { stageInFile } from './staged-file';

// The S3 store stages a checksummed chunk in a local file. A checksum that
// comes after the bytes (a trailer) is verified on the file read back, before
// commit() sends the same bytes on; either way the file goes.

let dir: string;
test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staged-file-'));
});
test.afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function readAll(bytes: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of bytes) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

test('a staged chunk reads back whole as often as asked, then commit() hands the same bytes on and removes the file', async () => {
  const file = path.join(dir, 'chunk');
  let appended = '';
  const staged = await stageInFile(Readable.from([Buffer.from('hel'), Buffer.from('lo')]), file, async (bytes) => {
    appended = await readAll(bytes);
    return appended.length;
  });
  expect(staged.length).toBe(5);
  expect(await readAll(staged.bytes())).toBe('hello');
  expect(await readAll(staged.bytes())).toBe('hello');
  expect(await staged.commit()).toBe(5);
  expect(appended).toBe('hello');
  expect(fs.existsSync(file)).toBe(false);
});

test('a discarded chunk leaves no file', async () => {
  const file = path.join(dir, 'chunk');
  const staged = await stageInFile(Readable.from([Buffer.from('hello')]), file, () => Promise.reject(new Error('not called')));
  expect(await readAll(staged.bytes())).toBe('hello');
  await staged.discard();
  expect(fs.existsSync(file)).toBe(false);
});
