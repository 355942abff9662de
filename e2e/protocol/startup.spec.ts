import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AppServer, PROJECT_ROOT } from '../support/app-server';
import { listenOnLoopback } from '../support/free-port';

test('the upload folder is created when the server starts, before any request', async () => {
  const app = await AppServer.start();
  try {
    expect(fs.statSync(app.uploadDir).isDirectory()).toBe(true);
  } finally {
    await app.dispose();
  }
});

for (const [variable, value, message] of [
  [
    'UPLOAD_MAX_SIZE',
    'lots',
    'Invalid configuration: UPLOAD_MAX_SIZE must be a size in bytes such as 1073741824, 512MiB or 2GB (got "lots")',
  ],
  ['CORS_ALLOWED_ORIGINS', 'example.com', 'Invalid configuration: CORS_ALLOWED_ORIGINS must be * or a comma-separated list of origins'],
  // The HTTP server's settings and the dashboard's are read by their own readers, with the same errors.
  ['UPLOAD_IDLE_TIMEOUT', 'off', 'Invalid configuration: UPLOAD_IDLE_TIMEOUT must be a duration such as 30s or 2m; it cannot be off'],
  ['UPLOAD_CHUNK_SIZE', '1KiB', 'Invalid configuration: UPLOAD_CHUNK_SIZE must be at least 65536 bytes (got "1KiB")'],
] as const) {
  test(`a bad ${variable} stops start-up with a message naming it`, async () => {
    const started = AppServer.start({ env: { [variable]: value } });
    await expect(started).rejects.toThrow(/server exited \(1\) before it was ready/);
    await expect(started).rejects.toThrow(message);
  });
}

test('a port that is taken stops start-up with a message naming it, and exit status 1', async () => {
  const holder = net.createServer();
  await listenOnLoopback(holder);
  const { port } = holder.address() as net.AddressInfo;
  try {
    const app = path.join(PROJECT_ROOT, 'serve.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', app], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), UPLOAD_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'taken-port-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, output).toBe(1);
    expect(output).toContain(`[server] cannot start: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    expect(output).not.toContain('listening on');
  } finally {
    holder.close();
  }
});
