import { createHash, randomFillSync } from 'node:crypto';
import http from 'node:http';

/**
 * The bench's tus client: raw node:http, bodies sent from one preallocated
 * block over and over with backpressure, so the client costs next to nothing
 * and every server gets exactly the same requests.
 */
const BLOCK = randomFillSync(Buffer.alloc(1024 * 1024));

/** A request whose socket sees no traffic this long is abandoned. */
const IDLE_TIMEOUT_MS = 120_000;

export const OCTET_STREAM = 'application/offset+octet-stream';

export interface TusAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
}

/** A server answered something a correct tus server would not: the run fails, however fast it was. */
export class IncompleteUpload extends Error {}

export class TusClient {
  /** Keep-alive, no socket limit: connection set-up is not what is measured. */
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

  constructor(readonly endpoint: string) {}

  /** POST; with `bodyBytes` > 0, creation-with-upload. Returns the upload's URL and the offset answered. */
  async create(length: number, bodyBytes = 0): Promise<{ url: string; offset: number }> {
    const headers: http.OutgoingHttpHeaders = { 'Upload-Length': length };
    if (bodyBytes > 0) headers['Content-Type'] = OCTET_STREAM;
    const answer = await this.send('POST', this.endpoint, headers, bodyBytes);
    const location = answer.headers.location;
    if (answer.status !== 201 || !location) throw new IncompleteUpload(`POST ${this.endpoint} answered ${answer.status} without Location`);
    const offset = answer.headers['upload-offset'];
    return { url: new URL(location, this.endpoint).href, offset: offset === undefined ? 0 : Number(offset) };
  }

  /** PATCH `bytes` bytes at `offset`, with their Upload-Checksum when `checksum`; returns the server's new offset. */
  async patch(url: string, offset: number, bytes: number, checksum = false): Promise<number> {
    const headers: http.OutgoingHttpHeaders = { 'Upload-Offset': offset, 'Content-Type': OCTET_STREAM };
    if (checksum) headers['Upload-Checksum'] = bodyChecksum(bytes);
    const answer = await this.send('PATCH', url, headers, bytes);
    if (answer.status !== 204) throw new IncompleteUpload(`PATCH ${url} at ${offset} answered ${answer.status}`);
    return Number(answer.headers['upload-offset']);
  }

  async head(url: string): Promise<number> {
    const answer = await this.send('HEAD', url, {}, 0);
    if (answer.status !== 200) throw new IncompleteUpload(`HEAD ${url} answered ${answer.status}`);
    return Number(answer.headers['upload-offset']);
  }

  /** One upload of `size` bytes in PATCHes of `chunk` bytes; resolves with its URL once its offset is verified. */
  async upload(size: number, chunk = size, checksum = false): Promise<string> {
    const { url } = await this.create(size);
    let offset = 0;
    while (offset < size) {
      const answered = await this.patch(url, offset, Math.min(chunk, size - offset), checksum);
      if (answered !== Math.min(offset + chunk, size)) throw new IncompleteUpload(`PATCH ${url} at ${offset} answered offset ${answered}`);
      offset = answered;
    }
    return url;
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: string, url: string, headers: http.OutgoingHttpHeaders, bodyBytes: number): Promise<TusAnswer> {
    return new Promise((resolve, reject) => {
      const req = http.request(url, {
        method,
        agent: this.agent,
        headers: { 'Tus-Resumable': '1.0.0', 'Content-Length': bodyBytes, ...headers },
      });
      let left = bodyBytes;
      req.on('response', (res) => {
        // An answer before the whole body went out: stop sending, the status says why.
        if (left > 0) req.destroy();
        res.resume();
        res.once('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      });
      req.on('error', reject);
      // A server that stops answering fails the cell rather than hanging the run; the final flush of a 10 GiB upload fits well inside.
      req.setTimeout(IDLE_TIMEOUT_MS, () =>
        req.destroy(new IncompleteUpload(`${method} ${url}: nothing moved for ${IDLE_TIMEOUT_MS / 1000} s`)),
      );
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, BLOCK.length);
          left -= n;
          if (!req.write(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n))) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
  }
}

const checksums = new Map<number, string>();

/** `sha1 <base64>` of a body of `bytes` bytes as this client sends it (the block again and again), computed once per length. */
function bodyChecksum(bytes: number): string {
  let checksum = checksums.get(bytes);
  if (!checksum) {
    const hash = createHash('sha1');
    for (let left = bytes; left > 0; left -= BLOCK.length) hash.update(left >= BLOCK.length ? BLOCK : BLOCK.subarray(0, left));
    checksum = `sha1 ${hash.digest('base64')}`;
    checksums.set(bytes, checksum);
  }
  return checksum;
}
