import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { listenOnLoopback } from '../e2e/support/free-port';
import { CellDeadline, cellDeadlineMs, runCell } from './cell';
import { startServer, type BenchServer } from './servers';
import { IncompleteUpload } from './tus-client';
import { concurrent } from './workloads/concurrent';
import { single } from './workloads/large-upload';
import { tiny } from './workloads/tiny';
import type { Plan } from './workloads/workload';

const MiB = 1024 * 1024;

const PLAN: Plan = {
  largeBytes: 8 * MiB,
  chunkBytes: MiB,
  concurrentUploads: 4,
  concurrentBytes: MiB,
  tinyCount: 20,
  tinyBytes: 1024,
  dashboardBytes: MiB,
  memoryBytes: [MiB],
};

let workDir: string;
test.beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-verify-'));
});
test.afterEach(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

test('the fdatasync sink serves every workload of the raw client, byte-complete', async () => {
  const sink = await startServer('sink', { workDir });
  try {
    for (const workload of [single, concurrent, tiny]) {
      const measured = await workload.run(sink, PLAN);
      expect(measured.value, workload.scenario).toBeGreaterThan(0);
    }
    const files = fs.readdirSync(sink.uploadDir).map((name) => fs.statSync(path.join(sink.uploadDir, name)).size);
    expect(files.filter((size) => size === 8 * MiB)).toHaveLength(1);
    expect(files.filter((size) => size === MiB)).toHaveLength(4);
    expect(files.filter((size) => size === 1024)).toHaveLength(20);
  } finally {
    await sink.stop();
  }
  expect(sink.running()).toBe(false);
});

/**
 * A server that answers every request as a correct tus server would, but
 * stores `keep` of each body's bytes: the bench must refuse its figures.
 */
async function lyingServer(keep: (bytes: number) => number): Promise<{ server: BenchServer; close: () => void }> {
  const uploadDir = fs.mkdtempSync(path.join(workDir, 'liar-'));
  const lengths = new Map<string, number>();
  let next = 0;
  const http_ = http.createServer((req, res) => {
    const id = req.url?.split('/').pop() ?? '';
    if (req.method === 'POST') {
      const created = String(next++);
      lengths.set(created, Number(req.headers['upload-length']));
      res.writeHead(201, { Location: `/files/${created}`, 'Tus-Resumable': '1.0.0' });
      return void res.end();
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'Upload-Offset': lengths.get(id) ?? 0, 'Tus-Resumable': '1.0.0' });
      return void res.end();
    }
    let received = 0;
    req.on('data', (chunk: Buffer) => (received += chunk.length));
    req.on('end', () => {
      fs.writeFileSync(path.join(uploadDir, id), Buffer.alloc(keep(received)));
      res.writeHead(204, { 'Upload-Offset': Number(req.headers['upload-offset']) + received, 'Tus-Resumable': '1.0.0' });
      res.end();
    });
  });
  return { server: await servedInProcess(http_, uploadDir), close: () => http_.close() };
}

/** A test server in this process, as the bench sees a server it started (as a sink, on /files). */
async function servedInProcess(server: http.Server, uploadDir: string): Promise<BenchServer> {
  await listenOnLoopback(server);
  const { port } = server.address() as { port: number };
  return {
    name: 'sink',
    endpoint: `http://127.0.0.1:${port}/files`,
    baseUrl: `http://127.0.0.1:${port}`,
    pid: process.pid,
    uploadDir,
    log: () => '',
    running: () => true,
    stop: async () => undefined,
  };
}

test('a server that answers every offset right but stores fewer bytes fails the cell', async () => {
  const half = await lyingServer((bytes) => Math.floor(bytes / 2));
  try {
    const failure = single.run(half.server, PLAN);
    await expect(failure).rejects.toBeInstanceOf(IncompleteUpload);
    await expect(failure).rejects.toThrow(`stored ${4 * MiB} of ${8 * MiB} bytes`);
    // Its creation-with-upload answers no Upload-Offset: the bytes of a tiny upload are not acknowledged.
    await expect(tiny.run(half.server, PLAN)).rejects.toThrow(/answered offset 0/);
  } finally {
    half.close();
  }
  const none = await lyingServer(() => 0);
  try {
    await expect(concurrent.run(none.server, PLAN)).rejects.toThrow(/stored 0 of 1048576 bytes/);
  } finally {
    none.close();
  }
});

test('a server that takes a body and never answers fails its cell at the deadline instead of holding up the run', async () => {
  const uploadDir = fs.mkdtempSync(path.join(workDir, 'silent-'));
  // Creations are answered; every PATCH is read to its end and then left without an answer.
  const silent = http.createServer((req, res) => {
    if (req.method === 'POST') {
      res.writeHead(201, { Location: '/files/1', 'Tus-Resumable': '1.0.0' });
      return void res.end();
    }
    req.resume();
  });
  const server = await servedInProcess(silent, uploadDir);
  try {
    const cell = runCell(single, server, PLAN, 0, 1000);
    await expect(cell).rejects.toBeInstanceOf(CellDeadline);
    await expect(cell).rejects.toThrow('single on sink did not finish within 1 s');
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
});

test('a cell may take its largest upload at 5 MB/s, and two minutes at least', () => {
  expect(cellDeadlineMs(PLAN)).toBe(120_000);
  const tenGiB = 10 * 1024 * MiB;
  expect(cellDeadlineMs({ ...PLAN, memoryBytes: [1024 * MiB, tenGiB] })).toBe((tenGiB / 5e6) * 1000);
});
