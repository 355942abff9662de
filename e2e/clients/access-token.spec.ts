import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import * as tus from 'tus-js-client';
import { PROJECT_ROOT, serverForThisFile } from '../support/app-server';
import { runProcess, uploadIdOf } from '../support/clients';
import { randomFile, sha256OfFile } from '../support/files';
import { uploadToEnd } from '../support/tus-js-client';

// A client outside the browser, in token mode: the operator prints a token
// with `npm run token -- <subject> [ttl]` and gives it to tus-js-client (its
// `headers` option) or curl (`-H "Authorization: Bearer …"`).

const SECRET = 'clients-access-secret-0123456789abcdef0';
const SIZE = 5 * 2 ** 20 + 11;

const app = serverForThisFile({ env: { UPLOAD_TOKEN_SECRET: SECRET } });

async function npmToken(args: string[], env: Record<string, string> = { UPLOAD_TOKEN_SECRET: SECRET }) {
  return runProcess('npm', ['run', '--silent', 'token', '--', ...args], { cwd: PROJECT_ROOT, env, timeoutMs: 60_000 });
}

test('a token from npm run token lets tus-js-client upload and curl download; without it, 401', async () => {
  const printed = await npmToken(['backup-job', '2h']);
  expect(printed.code, printed.stderr).toBe(0);
  const token = printed.stdout.trim();
  expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  const claims = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as { sub: string; exp: number };
  expect(claims.sub).toBe('backup-job');
  expect(claims.exp - Date.now()).toBeGreaterThan(2 * 3_600_000 - 60_000);
  expect(claims.exp - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);

  const file = randomFile('nightly.tar', SIZE);
  try {
    // Without the token tus-js-client's creation is refused with 401.
    const refused = new tus.Upload(fs.createReadStream(file), { endpoint: app.endpoint, retryDelays: null, chunkSize: 2 * 2 ** 20 });
    const error = await uploadToEnd(refused).then(
      () => null,
      (caught: unknown) => caught as tus.DetailedError,
    );
    expect(error?.originalResponse?.getStatus()).toBe(401);

    const upload = new tus.Upload(fs.createReadStream(file), {
      endpoint: app.endpoint,
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: 'nightly.tar' },
      chunkSize: 2 * 2 ** 20,
      retryDelays: null,
    });
    await uploadToEnd(upload);
    const id = uploadIdOf(upload.url ?? '');

    // curl downloads it with the same token, byte-exact; without it, 401 and a WWW-Authenticate challenge.
    const out = path.join(path.dirname(file), 'downloaded');
    const fetched = await runProcess('curl', ['-sS', '-f', '-H', `Authorization: Bearer ${token}`, '-o', out, `${app.endpoint}/${id}`]);
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(await sha256OfFile(out)).toBe(await sha256OfFile(file));
    const anonymous = await runProcess('curl', ['-sS', '-o', '/dev/null', '-D', '-', `${app.endpoint}/${id}`]);
    expect(anonymous.stdout).toMatch(/^HTTP\/1\.1 401/);
    expect(anonymous.stdout).toMatch(/^www-authenticate: Bearer/im);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
});

test('npm run token refuses without a secret, with a short one, or without a subject', async () => {
  const open = await npmToken(['someone'], { UPLOAD_TOKEN_SECRET: '' });
  expect(open.code).not.toBe(0);
  expect(open.stderr).toContain('UPLOAD_TOKEN_SECRET is not set');
  const short = await npmToken(['someone'], { UPLOAD_TOKEN_SECRET: 'short' });
  expect(short.code).not.toBe(0);
  expect(short.stderr).toContain('UPLOAD_TOKEN_SECRET must be at least 32 characters');
  expect(short.stderr).not.toContain('short (');
  const noSubject = await npmToken([]);
  expect(noSubject.code).not.toBe(0);
  expect(noSubject.stderr).toContain('usage: npm run token');
});
