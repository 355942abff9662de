import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import * as tus from 'tus-js-client';
import { AppServer } from './app-server';
import { uploadIdOf } from './clients';
import type { ServerEvent } from './event-log';
import { randomFile, sha256OfDownload, sha256OfFile } from './files';
import { head } from './http';
import { prng } from './prng';
import { FileUrlStorage } from './tus-js-client';

// The crash test: ten uploads run at once with tus-js-client while the server
// is SIGKILLed at random points and restarted, again and again. Every upload
// must resume and end byte-exact, and nothing may ever look complete with wrong
// bytes: not on disk between crashes (what HEAD would answer), not in a
// `finished` event. The points are drawn from a seeded PRNG: CRASH_SEED=<seed>
// replays a run. A process crash must lose nothing in either durability mode:
// `os` leaves acknowledged bytes in the page cache, which outlives the process.

const UPLOADS = 10;
const KILLS = 20;
const MiB = 2 ** 20;
const MAX_SIZE = 200 * MiB;
const CHUNK_SIZES = [256 * 1024, MiB, 4 * MiB, 16 * MiB, Number.POSITIVE_INFINITY];
/** Longest the server lives after its uploads made progress again: the random point is in [0, this). */
const MAX_UPTIME_MS = 400;
/**
 * On a fast, quiet machine ten uploads can all finish before twenty kills have
 * landed mid-transfer; another batch of ten then starts, up to this many in all,
 * so the count of kills with uploads in flight never depends on the machine's speed.
 */
const MAX_BATCHES = 4;

const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

interface Source {
  name: string;
  file: string;
  size: number;
  sha256: string;
  chunkSize: number;
  /** Bytes tus-js-client sent again: every time its progress went back to a lower offset. */
  resent: number;
  upload?: tus.Upload;
}

/** Registers the crash test against a server in the given durability mode. */
export function defineCrashTest(durability: 'strict' | 'os'): void {
  let app: AppServer;
  let workDir: string;
  const sources: Source[] = [];
  const random = prng(seed);

  /** One more batch of UPLOADS sources: the extremes always, then sizes skewed towards small files (more finish between crashes). */
  async function addBatch(batch: number): Promise<Source[]> {
    const added: Source[] = [];
    for (let i = 0; i < UPLOADS; i++) {
      const size = i === 0 ? 0 : i === 1 ? MAX_SIZE : Math.floor(random() ** 2 * MAX_SIZE);
      const name = `crash-${batch}-${i}.bin`;
      const file = randomFile(name, size);
      const chunkSize = CHUNK_SIZES[Math.floor(random() * CHUNK_SIZES.length)];
      added.push({ name, file, size, sha256: await sha256OfFile(file), chunkSize, resent: 0 });
    }
    sources.push(...added);
    return added;
  }

  test.beforeAll(async () => {
    console.log(`crash-recovery (${durability}): seed ${seed} (replay with CRASH_SEED=${seed})`);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crash-recovery-'));
    await addBatch(0);
    app = await AppServer.start({ env: { UPLOAD_DURABILITY: durability } });
  });
  test.afterAll(async () => {
    await app?.dispose();
    for (const source of sources) fs.rmSync(path.dirname(source.file), { recursive: true, force: true });
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  /** Starts one upload; resolves when tus-js-client reports success, rejects on a failure it gave up on. */
  function startUpload(source: Source, index: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let last = 0;
      const upload = new tus.Upload(fs.createReadStream(source.file), {
        endpoint: app.endpoint,
        metadata: { filename: source.name },
        chunkSize: source.chunkSize,
        urlStorage: new FileUrlStorage(path.join(workDir, `urls-${index}.json`)),
        // A restart takes a second or two: retry every 200 ms for up to 20 s without progress.
        retryDelays: Array.from({ length: 100 }, () => 200),
        onProgress: (sent) => {
          if (sent < last) source.resent += last - sent;
          last = sent;
        },
        onSuccess: () => resolve(),
        onError: reject,
      });
      source.upload = upload;
      upload.start();
    });
  }

  /** Which source an upload on disk belongs to, by the filename its info file records. */
  function sourceOfInfo(info: { metadata?: Record<string, string | null> }): Source {
    const source = sources.find((s) => s.name === info.metadata?.filename);
    if (!source) throw new Error(`an upload on disk belongs to no source: ${JSON.stringify(info)}`);
    return source;
  }

  /**
   * With the server dead, the folder is what the next server will serve: an
   * upload whose data file holds its whole length is complete for HEAD (offset
   * == length) and for downloads, so its bytes must be the source's. Returns
   * the ids whose info file is torn: a creation killed before its info file
   * was written whole (it is written in place), so before its 201.
   */
  async function checkDisk(verified: Set<string>): Promise<string[]> {
    const torn: string[] = [];
    for (const name of fs.readdirSync(app.uploadDir)) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const id = name.slice(0, -'.json'.length);
      let info: { size?: number; metadata?: Record<string, string | null> };
      try {
        info = JSON.parse(fs.readFileSync(path.join(app.uploadDir, name), 'utf8')) as typeof info;
      } catch {
        torn.push(id);
        continue;
      }
      const dataFile = path.join(app.uploadDir, id);
      if (!fs.existsSync(dataFile)) continue; // a creation cut short: start-up removes it
      const bytes = fs.statSync(dataFile).size;
      const source = sourceOfInfo(info);
      expect(info.size, `length recorded for ${source.name}`).toBe(source.size);
      expect(bytes, `bytes of ${source.name} on disk`).toBeLessThanOrEqual(source.size);
      if (bytes === info.size && !verified.has(id)) {
        expect(await sha256OfFile(dataFile), `${source.name} complete on disk with wrong bytes`).toBe(source.sha256);
        verified.add(id);
      }
    }
    return torn;
  }

  /** A torn creation was never acknowledged, and the start-up repair has removed it. */
  function expectRepaired(torn: string[]): void {
    const acknowledged = new Set(sources.flatMap((source) => (source.upload?.url ? [uploadIdOf(source.upload.url)] : [])));
    for (const id of torn) {
      expect(acknowledged.has(id), `torn info file of ${id}, an upload a client was told about`).toBe(false);
      expect(fs.existsSync(path.join(app.uploadDir, `${id}.json`)), `torn info file of ${id} left after start-up`).toBe(false);
      expect(fs.existsSync(path.join(app.uploadDir, id)), `data file of torn ${id} left after start-up`).toBe(false);
    }
  }

  test(`ten uploads at a time survive twenty SIGKILLs at random points mid-transfer and end byte-exact (UPLOAD_DURABILITY=${durability})`, async () => {
    test.setTimeout(420_000);
    const done = sources.map((source, index) => startUpload(source, index));
    let settled = Promise.allSettled(done);
    let batchDone = false;
    void settled.then(() => (batchDone = true));
    let batches = 1;
    const verified = new Set<string>();
    let kills = 0;
    let killedMidTransfer = 0;
    let tornCreations = 0;
    while (killedMidTransfer < KILLS) {
      if (batchDone) {
        if (batches === MAX_BATCHES) break;
        const first = sources.length;
        const batch = await addBatch(batches++);
        const started = batch.map((source, i) => startUpload(source, first + i));
        done.push(...started);
        batchDone = false;
        settled = Promise.allSettled(started);
        void settled.then(() => (batchDone = true));
      }
      // A random point after the uploads made progress again on this server.
      const seen = new Set(app.events.all());
      const progressed = app.events.waitFor((e) => !seen.has(e) && (e.type === 'progress' || e.type === 'finished'), 30_000, 'progress');
      const allDone = settled.then(() => null);
      const event = await Promise.race([progressed, allDone]);
      const uptime = Math.floor(random() * MAX_UPTIME_MS);
      await new Promise((resolve) => setTimeout(resolve, uptime));
      const running = sources.filter((s) => s.upload && s.upload.url && !verifiedUrl(s, verified)).length;
      if (event !== null && running > 0) killedMidTransfer++;
      await app.kill();
      kills++;
      const torn = await checkDisk(verified);
      await app.launch();
      expectRepaired(torn);
      tornCreations += torn.length;
    }
    const results = await Promise.allSettled(done);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    const created = app.events.all().filter((e) => e.type === 'created').length;
    const resent = sources.reduce((sum, s) => sum + s.resent, 0);
    const total = sources.reduce((sum, s) => sum + s.size, 0);
    console.log(
      `crash-recovery (${durability}): seed ${seed}; kills survived ${kills} (${killedMidTransfer} with uploads in flight); ` +
        `uploads completed ${results.length - failures.length}/${sources.length} in ${batches} batch(es) (${(total / MiB).toFixed(1)} MiB, ${created} created); ` +
        `bytes re-sent ${resent} (${((100 * resent) / Math.max(total, 1)).toFixed(2)} %); complete uploads checked on disk between crashes ${verified.size}; ` +
        `creations killed before their info file was whole, removed at start-up ${tornCreations}`,
    );
    expect(failures.map((f) => String(f.reason))).toEqual([]);

    // Every upload: HEAD says complete, and the download and the file on disk are the source's bytes.
    for (const source of sources) {
      const url = source.upload?.url;
      if (!url) throw new Error(`${source.name} has no upload URL`);
      const res = await head(url);
      expect(res.status).toBe(200);
      expect(res.headers['upload-offset']).toBe(String(source.size));
      expect(res.headers['upload-length']).toBe(String(source.size));
      expect(await sha256OfDownload(url), `download of ${source.name}`).toBe(source.sha256);
      expect(await sha256OfFile(path.join(app.uploadDir, uploadIdOf(url))), `${source.name} on disk`).toBe(source.sha256);
    }
    // Every `finished` the server ever logged names an upload whose bytes are the source's.
    const finished = app.events.all().filter((e: ServerEvent) => e.type === 'finished');
    for (const event of finished) {
      const infoFile = path.join(app.uploadDir, `${event.id}.json`);
      const source = sourceOfInfo(JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { metadata?: Record<string, string | null> });
      expect(event.size).toBe(source.size);
      expect(await sha256OfFile(path.join(app.uploadDir, event.id!))).toBe(source.sha256);
    }
    // A kill between the last write and its answer stores every byte but logs no `finished`: the
    // upload is complete (checked above) without one. A `finished` for an upload the clients
    // abandoned would mean an upload was restarted from zero: none may be.
    const finalIds = new Set(sources.map((s) => uploadIdOf(s.upload!.url!)));
    expect(finished.filter((e) => !finalIds.has(e.id!))).toEqual([]);

    expect(kills).toBeGreaterThanOrEqual(KILLS);
    expect(killedMidTransfer).toBeGreaterThanOrEqual(KILLS);
  });

  /** Whether a source's upload was already seen complete on disk. */
  function verifiedUrl(source: Source, verified: Set<string>): boolean {
    return source.upload?.url ? verified.has(uploadIdOf(source.upload.url)) : false;
  }
}
