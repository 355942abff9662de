import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataStore } from '@tus/server';
import { expect, test } from '@playwright/test';
import { ExpirationPolicy } from './expiration';
import { composeExtensions } from './extensions';
import { LocalFileStore } from './stores/file';

/** A store that claims termination but keeps DataStore's remove(), which deletes nothing. */
class ClaimsTermination extends DataStore {
  constructor() {
    super();
    this.extensions = ['creation', 'creation-defer-length', 'termination'];
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
