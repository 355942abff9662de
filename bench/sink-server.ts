/**
 * The sink: the practical limit of a Node server that stores request bodies
 * with the same durability promise as ours (bytes flushed with fdatasync, and
 * a new file's folder entry with fsync, before any 2xx). Body chunks are
 * coalesced into positioned writev calls on one FileHandle (whatever queued
 * while the previous write ran goes in the next), with no stream conversion
 * in between. It speaks just enough tus for the bench's
 * client (OPTIONS, POST with or without a body, PATCH, HEAD, DELETE) and keeps
 * offsets in memory; `GET /` is the dashboard workload's browser sender. SINK_SYNC=none drops the flushes (shown for information).
 */
import { randomBytes } from 'node:crypto';
import fsp, { type FileHandle } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { SENDER_PAGE } from './browser-sender';
import { READY } from './servers';

const port = Number(process.env.PORT);
const directory = process.env.UPLOAD_DIR ?? '';
if (!port || !directory) throw new Error('sink-server needs PORT and UPLOAD_DIR');
const flush = process.env.SINK_SYNC !== 'none';

/**
 * The body is paused while this much waits for the disk. Writes start as soon
 * as the previous one is done, with everything that queued meanwhile: tried
 * against a 1 MiB minimum write with a 16 MiB queue, and against a 4 MiB
 * queue, this was as fast or faster on 1 GiB uploads, and holds less memory.
 */
const QUEUE_MAX = 1024 * 1024;
const ROUTE = '/files';
const TUS = { 'Tus-Resumable': '1.0.0' };

interface Upload {
  length: number;
  offset: number;
}
const uploads = new Map<string, Upload>();

/** Appends the request body at `position`; resolves with the bytes stored, flushed when `flush`. */
function receive(req: http.IncomingMessage, file: FileHandle, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let queue: Buffer[] = [];
    let queued = 0;
    let stored = 0;
    let writing = false;
    let ended = false;
    const write = () => {
      const buffers = queue;
      const bytes = queued;
      queue = [];
      queued = 0;
      writing = true;
      file.writev(buffers, position + stored).then(({ bytesWritten }) => {
        if (bytesWritten !== bytes) return reject(new Error(`short write: ${bytesWritten} of ${bytes} bytes`));
        stored += bytes;
        writing = false;
        if (queued > 0) write();
        else if (ended) finish();
        if (req.isPaused() && queued < QUEUE_MAX) req.resume();
      }, reject);
    };
    const finish = () => (flush ? file.datasync() : Promise.resolve()).then(() => resolve(stored), reject);
    req.on('data', (chunk: Buffer) => {
      queue.push(chunk);
      queued += chunk.length;
      if (!writing) write();
      else if (queued >= QUEUE_MAX) req.pause();
    });
    req.on('end', () => {
      ended = true;
      // Nothing queues while no write runs: the running write, if any, finishes.
      if (!writing) finish();
    });
    req.on('error', reject);
  });
}

function answer(res: http.ServerResponse, status: number, headers: Record<string, string | number> = {}): void {
  res.writeHead(status, { ...TUS, ...headers });
  res.end();
}

async function store(req: http.IncomingMessage, id: string, upload: Upload): Promise<void> {
  const file = await fsp.open(path.join(directory, id), 'r+');
  try {
    upload.offset += await receive(req, file, upload.offset);
  } finally {
    await file.close();
  }
}

async function create(req: http.IncomingMessage, res: http.ServerResponse, folder: FileHandle): Promise<void> {
  const length = Number(req.headers['upload-length']);
  if (!Number.isSafeInteger(length) || length < 0) return answer(res, 400);
  const id = randomBytes(16).toString('hex');
  await (await fsp.open(path.join(directory, id), 'wx')).close();
  const upload: Upload = { length, offset: 0 };
  uploads.set(id, upload);
  if (req.headers['content-type'] === 'application/offset+octet-stream') await store(req, id, upload);
  if (flush) await folder.sync();
  answer(res, 201, { Location: `${ROUTE}/${id}`, 'Upload-Offset': upload.offset });
}

async function route(req: http.IncomingMessage, res: http.ServerResponse, folder: FileHandle): Promise<void> {
  const url = req.url ?? '';
  if (req.method === 'GET' && url === '/') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    return void res.end(SENDER_PAGE);
  }
  if (req.method === 'OPTIONS')
    return answer(res, 204, { 'Tus-Version': '1.0.0', 'Tus-Extension': 'creation,creation-with-upload,termination' });
  if (req.method === 'POST' && url === ROUTE) return create(req, res, folder);
  const id = url.startsWith(`${ROUTE}/`) ? url.slice(ROUTE.length + 1) : '';
  const upload = uploads.get(id);
  if (!upload) return answer(res, 404);
  switch (req.method) {
    case 'HEAD':
      return answer(res, 200, { 'Upload-Offset': upload.offset, 'Upload-Length': upload.length, 'Cache-Control': 'no-store' });
    case 'PATCH':
      if (Number(req.headers['upload-offset']) !== upload.offset) return answer(res, 409, { 'Upload-Offset': upload.offset });
      await store(req, id, upload);
      return answer(res, 204, { 'Upload-Offset': upload.offset });
    case 'DELETE':
      uploads.delete(id);
      await fsp.rm(path.join(directory, id), { force: true });
      return answer(res, 204);
    default:
      return answer(res, 405);
  }
}

async function main(): Promise<void> {
  const folder = await fsp.open(directory, 'r');
  const server = http.createServer((req, res) => {
    route(req, res, folder).catch((error: unknown) => {
      console.error('[sink]', error);
      if (!res.headersSent) answer(res, 500);
      else res.destroy();
    });
  });
  server.listen(port, '127.0.0.1', () => console.log(`${READY} on ${port} (sink, ${flush ? 'fdatasync' : 'no sync'}, ${directory})`));
}

void main();
