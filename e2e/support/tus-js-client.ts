import { Readable, Transform, type TransformCallback } from 'node:stream';
import * as tus from 'tus-js-client';

/**
 * Stops feeding a request body once `limit` bytes have passed (the callback
 * of the chunk that reaches it is never called), like a network that stalls.
 */
export class Stall extends Transform {
  private passed = 0;
  constructor(private readonly limit: number) {
    super();
  }
  _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const room = this.limit - this.passed;
    this.passed += chunk.length;
    if (chunk.length < room) {
      callback(null, chunk);
      return;
    }
    if (room > 0) this.push(chunk.subarray(0, room));
  }
}

/**
 * tus-js-client's own Node HTTP stack, with PATCH bodies that stall at an
 * offset of their upload: `stallAt(url)` says where for the upload at `url`
 * (null: that PATCH is sent whole).
 */
export function stallingHttpStack(stallAt: (url: string) => number | null): tus.HttpStack {
  const inner = new tus.DefaultHttpStack({});
  return {
    getName: () => 'stalling',
    createRequest(method, url) {
      const req = inner.createRequest(method, url);
      const limit = method === 'PATCH' ? stallAt(url) : null;
      if (limit === null) return req;
      const send = req.send.bind(req);
      req.send = (body: unknown) => {
        if (!(body instanceof Readable)) throw new Error('expected a stream body (a file source)');
        const offset = Number(req.getHeader('Upload-Offset'));
        // The stack sends Content-Length from the body's size: keep it.
        const gated = Object.assign(body.pipe(new Stall(limit - offset)), { size: (body as Readable & { size?: number }).size });
        return send(gated);
      };
      return req;
    },
  };
}

/** The Node build exports FileUrlStorage (a JSON file of upload URLs); its typings omit it. */
export const { FileUrlStorage } = tus as unknown as { FileUrlStorage: new (file: string) => tus.UrlStorage };

/** Starts an upload and resolves when tus-js-client reports its success (rejects with its error). */
export function uploadToEnd(upload: tus.Upload): Promise<void> {
  return new Promise((resolve, reject) => {
    upload.options.onSuccess = () => resolve();
    upload.options.onError = reject;
    upload.start();
  });
}
