import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { serverForThisFile } from '../support/app-server';
import { uploadIdOf } from '../support/clients';
import { sha256 } from '../support/files';
import { createUpload, rawRequest } from '../support/http';
import { OpenPatch } from '../support/open-patch';
import { stallThenResume } from '../support/stalled-patch';

// Issue 4, item 3 (first part): two clients on one upload at once. The
// upload's lock lets one PATCH write at a time and the offset check refuses
// the other, so the bytes on disk are exactly one client's, never a mix.
// And a client that stalls in the middle of a PATCH cannot hold an upload
// hostage: another client's HEAD asks for the lock, @tus/server cuts the
// stalled request after its lock drain (lockDrainTimeout, 3 s), keeping
// what it received, and the resume goes on from there.

const app = serverForThisFile();

/** @tus/server's lockDrainTimeout is 3 s; the rest is margin for a loaded two-core CI machine. */
const RESUME_BOUND_MS = 10_000;

function dataFile(url: string): string {
  return path.join(app.uploadDir, uploadIdOf(url));
}

for (const [round, size] of [256 * 1024, 1024 * 1024, 3 * 1024 * 1024 + 5].entries()) {
  test(`two PATCHes at the same offset at once (${size} bytes, round ${round + 1}): one 204, one 409, the bytes of exactly one`, async () => {
    const url = await createUpload(app.endpoint, size);
    const bodies = [randomBytes(size), randomBytes(size)];
    const patches = bodies.map(() => new OpenPatch(url, 0, size));
    // Both heads are out; now the bodies, interleaved in 64 KiB pieces, so that
    // without the lock both would be writing into the file at the same time.
    const piece = 64 * 1024;
    for (let at = 0; at < size; at += piece) {
      for (const [i, body] of bodies.entries()) patches[i].write(body.subarray(at, at + piece));
    }
    const answers = await Promise.all(patches.map((p) => p.answer));
    for (const p of patches) p.close();

    const statuses = answers.map((a) => a.status);
    const winner = statuses.indexOf(204);
    expect(
      statuses.filter((s) => s === 204),
      `statuses ${statuses.join(', ')}`,
    ).toHaveLength(1);
    const loser = answers[1 - winner];
    expect([409, 423], `the other PATCH: ${loser.status}`).toContain(loser.status);
    // The winner stored all of its body; the loser was told where the upload really stands.
    expect(answers[winner].headers['upload-offset']).toBe(String(size));
    if (loser.status === 409) expect(loser.headers['upload-offset']).toBe(String(size));

    const stored = fs.readFileSync(dataFile(url));
    expect(stored.length).toBe(size);
    expect(sha256(stored), 'the stored bytes are the winner’s body, not a mix').toBe(sha256(bodies[winner]));
    expect(sha256(stored)).not.toBe(sha256(bodies[1 - winner]));
    const download = await rawRequest(url, { method: 'GET' });
    expect(sha256(download.body)).toBe(sha256(bodies[winner]));
  });
}

test('a client that stalls mid-PATCH does not block a resume from another client for more than a few seconds', async () => {
  const size = 4 * 1024 * 1024 + 3;
  const sent = 1024 * 1024 + 17;
  // Client A: the head, part of the body, then silence with the socket open; client B, elsewhere: HEAD for the offset, PATCH the rest.
  const { url, data, stalled, head, rest, headMs, resumeMs } = await stallThenResume(app, app, size, sent);
  expect(head.status).toBe(200);
  expect(head.headers['upload-offset']).toBe(String(sent));
  console.log(`stalled PATCH: HEAD answered after ${headMs} ms, resume complete after ${resumeMs} ms`);
  expect(rest.status, rest.text).toBe(204);
  expect(rest.headers['upload-offset']).toBe(String(size));
  expect(resumeMs).toBeLessThan(RESUME_BOUND_MS);

  // The stalled client was answered with what it stored, not left hanging.
  const cut = await stalled.answer;
  expect(cut.status).toBe(204);
  expect(cut.headers['upload-offset']).toBe(String(sent));
  // Its late bytes, should it wake up, change nothing.
  stalled.write(randomBytes(64 * 1024));
  stalled.close();
  const download = await rawRequest(url, { method: 'GET' });
  expect(download.status).toBe(200);
  expect(sha256(download.body)).toBe(sha256(data));
  expect(app.running).toBe(true);
});
