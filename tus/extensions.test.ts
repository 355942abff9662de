import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataStore } from '@tus/server';
import { expect, test } from '@playwright/test';
import type { StagedChunk } from './capabilities';
import { ExpirationPolicy } from './expiration';
import { advertisedTo, composeExtensions } from './extensions';
import { fromWeb, type UploadRequest } from './http/request';
import { LocalFileStore } from './stores/file';

/** A store that claims termination but keeps DataStore's remove(), which deletes nothing. */
class ClaimsTermination extends DataStore {
  constructor() {
    super();
    this.extensions = ['creation', 'creation-defer-length', 'termination'];
  }
}

/** A store with nothing but a way to stage chunks (no folder: nothing to race with the cleanup). */
class Stages extends DataStore {
  stageChunk(): Promise<StagedChunk> {
    throw new Error('not called');
  }
}

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'extensions-'));
// Not removed inside the test: the parent FileStore still creates the folder asynchronously after construction.
test.afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

test('the embedded store advertises every extension, expiration only while it is on', () => {
  const store = new LocalFileStore(folder);
  expect(composeExtensions(store, new ExpirationPolicy(60_000)).advertised).toEqual([
    'creation',
    'creation-with-upload',
    'creation-defer-length',
    'termination',
    'checksum',
    'checksum-trailer',
    'concatenation',
    'concatenation-unfinished',
    'expiration',
  ]);
  const withoutExpiry = composeExtensions(store, new ExpirationPolicy(null));
  expect(withoutExpiry.advertised).not.toContain('expiration');
  expect(withoutExpiry.checksumAlgorithms).toEqual(['sha1', 'md5', 'sha256', 'sha512', 'crc32']);
});

test('a store is judged by what it implements, not by what it claims', () => {
  const extensions = composeExtensions(new ClaimsTermination(), new ExpirationPolicy(60_000));
  // No remove() of its own: DELETE would answer 204 and delete nothing, so termination is not offered.
  expect(extensions.termination).toBe(false);
  // Nothing to stage chunks, join pieces, list uploads or keep the expiry clock with.
  expect(extensions.advertised).toEqual(['creation', 'creation-with-upload', 'creation-defer-length']);
  expect(extensions.checksumAlgorithms).toEqual([]);
});

test('checksum-trailer is offered only to a request whose transport delivers trailers', () => {
  const extensions = composeExtensions(new Stages(), new ExpirationPolicy(null));
  expect(extensions.advertised).toEqual(['creation', 'creation-with-upload', 'checksum', 'checksum-trailer']);
  const web = fromWeb(new Request('http://x/api/upload', { method: 'OPTIONS' }));
  const node: UploadRequest = { ...web, trailer: () => null };
  expect(advertisedTo(extensions, node)).toEqual(extensions.advertised);
  expect(advertisedTo(extensions, node)).toContain('checksum-trailer');
  expect(advertisedTo(extensions, web)).toEqual(extensions.advertised.filter((name) => name !== 'checksum-trailer'));
  expect(advertisedTo(extensions, web)).toContain('checksum');
});
