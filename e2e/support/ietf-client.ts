import fs from 'node:fs';
import http from 'node:http';
import type { Readable } from 'node:stream';

/**
 * An upload client written from the text of draft-ietf-httpbis-resumable-upload-12
 * (interop version 8) with nothing but node:http, as an app without a library
 * would write one:
 * - "optimistic upload creation": the whole file in one POST with
 *   `Upload-Complete: ?1` and `Upload-Length`;
 * - the upload resource's URI from the 104 (Upload Resumption Supported), only
 *   from one that names this interop version (Draft Version Identification);
 * - after a failure with no final response (or a 5xx), "offset retrieval" by
 *   HEAD, then "upload append": PATCH of `application/partial-upload` from that
 *   offset with `Upload-Complete: ?1`, until a final response.
 */

const VERSION = '8';

export interface DraftResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

type Outcome = { kind: 'answered'; response: DraftResponse } | { kind: 'failed'; error: Error };

export class DraftClient {
  /** Every interim response the server sent, in order. */
  readonly interim: DraftResponse[] = [];
  /** The upload resource, once a 104 named it. */
  url: string | null = null;

  constructor(private readonly endpoint: string) {}

  /**
   * Uploads a file and returns the final response. `open(start)` gives the
   * file's bytes from `start` (a test can make the first one stall).
   */
  async upload(
    file: string,
    open: (start: number) => Readable = (start) => fs.createReadStream(file, { start }),
    attempts = 3,
  ): Promise<DraftResponse> {
    const length = fs.statSync(file).size;
    let outcome = await this.send(
      'POST',
      this.endpoint,
      { 'Upload-Complete': '?1', 'Upload-Length': length, 'Content-Length': length, 'Content-Type': 'application/octet-stream' },
      open(0),
    );
    for (let attempt = 1; this.failed(outcome); attempt++) {
      // Without the URI of an upload resource from a 104, the upload cannot be resumed.
      if (this.url === null || attempt >= attempts) throw new Error(`the upload failed (${describe(outcome)}) and cannot be resumed`);
      const offset = await this.offset(this.url);
      outcome = await this.send(
        'PATCH',
        this.url,
        {
          'Content-Type': 'application/partial-upload',
          'Upload-Offset': offset,
          'Upload-Complete': '?1',
          'Content-Length': length - offset,
        },
        open(offset),
      );
    }
    return (outcome as { response: DraftResponse }).response;
  }

  /** Offset retrieval: HEAD on the upload resource; its Upload-Offset is where the append starts. */
  async offset(url: string): Promise<number> {
    const outcome = await this.send('HEAD', url, {}, null);
    if (outcome.kind === 'failed' || outcome.response.status >= 300) throw new Error(`offset retrieval failed: ${describe(outcome)}`);
    const offset = outcome.response.headers['upload-offset'];
    if (typeof offset !== 'string' || !/^\d+$/.test(offset)) throw new Error(`offset retrieval gave no Upload-Offset`);
    if (outcome.response.headers['upload-complete'] !== '?0') throw new Error('the upload is complete already');
    return Number(offset);
  }

  /** No final response, or a 5xx: the client may resume. Another 4xx is the end. */
  private failed(outcome: Outcome): boolean {
    if (outcome.kind === 'failed') return true;
    if (outcome.response.status >= 500) return true;
    if (outcome.response.status >= 400) throw new Error(`refused: ${describe(outcome)}`);
    return false;
  }

  private send(method: string, url: string, headers: Record<string, string | number>, body: Readable | null): Promise<Outcome> {
    return new Promise((resolve) => {
      const req = http.request(url, { method, headers: { 'Upload-Draft-Interop-Version': VERSION, ...headers }, agent: false });
      req.on('information', (info) => {
        this.interim.push({ status: info.statusCode, headers: info.headers, body: Buffer.alloc(0) });
        const location = info.headers.location;
        if (info.statusCode === 104 && info.headers['upload-draft-interop-version'] === VERSION && typeof location === 'string') {
          this.url ??= new URL(location, url).href;
        }
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ kind: 'answered', response: { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) } }),
        );
        res.on('error', (error) => resolve({ kind: 'failed', error }));
      });
      req.on('error', (error) => {
        body?.destroy();
        resolve({ kind: 'failed', error });
      });
      if (body === null) req.end();
      else body.pipe(req);
    });
  }
}

function describe(outcome: Outcome): string {
  return outcome.kind === 'failed' ? outcome.error.message : `${outcome.response.status} ${outcome.response.body.toString()}`;
}
