import { createHash } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { listenOnLoopback } from './free-port';

/** One request as a client sent it through the relay. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** Header names in lower case, as Node gives them. */
  headers: http.IncomingHttpHeaders;
  /** Body bytes the client sent. */
  bodyLength: number;
  /** sha1 of the body the client sent, in base64 (as Upload-Checksum writes it). */
  bodySha1: string;
  /** The status the server answered (null until it has). */
  status: number | null;
}

/**
 * An HTTP relay on loopback in front of a server. It records every request a
 * client sends (headers, size and digest of the body), which the server's
 * event log does not, and can alter a request body on the way, as a faulty
 * network or proxy would. The server builds Location from the Host header,
 * so a client that started at the relay stays on it.
 */
export class RecordingProxy {
  readonly requests: RecordedRequest[] = [];
  /** Decides, per request, whether the relay flips the first byte of its body (the headers go unchanged). */
  corrupt: (request: RecordedRequest) => boolean = () => false;
  private readonly server: http.Server;

  private constructor(private readonly targetPort: number) {
    this.server = http.createServer((req, res) => this.relay(req, res));
  }

  static async start(targetPort: number): Promise<RecordingProxy> {
    const proxy = new RecordingProxy(targetPort);
    await listenOnLoopback(proxy.server);
    return proxy;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  private relay(req: http.IncomingMessage, res: http.ServerResponse): void {
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      bodyLength: 0,
      bodySha1: '',
      status: null,
    };
    this.requests.push(record);
    const alter = this.corrupt(record);
    const upstream = http.request({ host: '127.0.0.1', port: this.targetPort, method: req.method, path: req.url, headers: req.headers });
    upstream.on('response', (answer) => {
      record.status = answer.statusCode ?? 0;
      res.writeHead(record.status, answer.statusMessage, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.on('error', () => upstream.destroy());
    const hash = createHash('sha1');
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      const first = record.bodyLength === 0;
      record.bodyLength += chunk.length;
      if (alter && first && chunk.length > 0) {
        chunk = Buffer.from(chunk);
        chunk[0] ^= 0xff;
      }
      upstream.write(chunk);
    });
    req.on('end', () => {
      record.bodySha1 = hash.digest('base64');
      upstream.end();
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
