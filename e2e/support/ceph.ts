import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';
import { test as base } from '@playwright/test';
import { freePort } from './free-port';

const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'engines', 'ceph-rgw.sh');
/** The script's own bound on start/wait, in seconds; the process gets a little more. */
const WAIT_SECONDS = 120;
const STOP_TIMEOUT_MS = 60_000;
/** Fixed test credentials: the cluster is private to the test and listens on 127.0.0.1 only. */
const ACCESS_KEY_ID = 'tus-test-access-key';
const SECRET_ACCESS_KEY = 'tus-test-secret-key';
const BUCKET = 'uploads';
const LOG_TAIL_BYTES = 4_000;

/**
 * A single-node Ceph cluster with a RADOS Gateway on free loopback ports, in its
 * own temporary folder, run by scripts/engines/ceph-rgw.sh exactly as a user
 * would. The daemons detach from the test process, so every start is paired
 * with dispose() (which also runs when start fails half-way).
 */
export class CephRgw {
  readonly accessKeyId = ACCESS_KEY_ID;
  readonly secretAccessKey = SECRET_ACCESS_KEY;
  readonly bucket = BUCKET;
  readonly region = 'us-east-1';

  private constructor(
    readonly dir: string,
    readonly monPort: number,
    readonly rgwPort: number,
  ) {}

  /** Creates and starts a cluster (about 13 s on an idle machine); the endpoint answers when this resolves. */
  static async start(): Promise<CephRgw> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ceph-rgw-test-'));
    const monPort = await freePort();
    let rgwPort = await freePort();
    while (rgwPort === monPort) rgwPort = await freePort();
    const cluster = new CephRgw(dir, monPort, rgwPort);
    try {
      await cluster.run('start');
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
    return cluster;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.rgwPort}`;
  }

  /** The app's configuration for this cluster (UPLOAD_STORE=s3 and the S3_* variables). */
  get appEnv(): Record<string, string> {
    return {
      UPLOAD_STORE: 's3',
      S3_ENDPOINT: this.endpoint,
      S3_REGION: this.region,
      S3_BUCKET: this.bucket,
      S3_ACCESS_KEY_ID: this.accessKeyId,
      S3_SECRET_ACCESS_KEY: this.secretAccessKey,
    };
  }

  /** An S3 client with the app's default settings (path-style, checksums only when required). */
  client(): S3Client {
    return new S3Client({
      endpoint: this.endpoint,
      region: this.region,
      forcePathStyle: true,
      credentials: { accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** A new empty bucket, so that a test sees only its own uploads. */
  async newBucket(): Promise<string> {
    const bucket = `test-${randomBytes(6).toString('hex')}`;
    const client = this.client();
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
    }
    return bucket;
  }

  /** Stops every daemon; objects written so far survive a later restart(). */
  async stop(): Promise<void> {
    await this.run('stop');
  }

  /** Starts the stopped daemons again on the same ports and data. */
  async restart(): Promise<void> {
    await this.run('start');
  }

  /** Stops the daemons and deletes the folder. */
  async dispose(): Promise<void> {
    try {
      await this.run('stop');
    } finally {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private run(command: 'start' | 'stop'): Promise<void> {
    const timeout = command === 'stop' ? STOP_TIMEOUT_MS : (WAIT_SECONDS + 30) * 1000;
    return new Promise((resolve, reject) => {
      execFile(
        'bash',
        [SCRIPT, command],
        {
          timeout,
          env: {
            ...process.env,
            CEPH_DIR: path.join(this.dir, 'cluster'),
            CEPH_MON_PORT: String(this.monPort),
            CEPH_RGW_PORT: String(this.rgwPort),
            CEPH_WAIT_SECONDS: String(WAIT_SECONDS),
            S3_ACCESS_KEY_ID: this.accessKeyId,
            S3_SECRET_ACCESS_KEY: this.secretAccessKey,
            S3_BUCKET: this.bucket,
          },
        },
        (error, _stdout, stderr) => {
          if (!error) return resolve();
          reject(new Error(`ceph-rgw.sh ${command} failed: ${error.message}\n${stderr}\n${this.logTail()}`));
        },
      );
    });
  }

  /** The end of each daemon's log, for a failure message. */
  private logTail(): string {
    const logDir = path.join(this.dir, 'cluster', 'log');
    if (!fs.existsSync(logDir)) return '';
    return fs
      .readdirSync(logDir)
      .map((name) => {
        const text = fs.readFileSync(path.join(logDir, name), 'utf8');
        return `--- ${name}\n${text.slice(-LOG_TAIL_BYTES)}`;
      })
      .join('\n');
  }
}

/**
 * `ceph`: one cluster per Playwright worker, started by the first test that
 * asks for it and shared by every later file of that worker (each takes its
 * own bucket with newBucket()), so a run pays Ceph's start-up once per worker.
 */
export const test = base.extend<object, { ceph: CephRgw }>({
  ceph: [
    async ({}, use) => {
      const cluster = await CephRgw.start();
      // use() returns when the worker is done, whether its tests passed or not.
      await use(cluster);
      await cluster.dispose();
    },
    { scope: 'worker', timeout: (WAIT_SECONDS + 60) * 1000 },
  ],
});
