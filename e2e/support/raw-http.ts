import net from 'node:net';

/** One response message as it came over the wire: an interim (1xx) one or the final one. */
export interface WireMessage {
  status: number;
  /** The status line and header lines exactly as sent, with their CRLFs, through the blank line. */
  head: string;
  /** Header fields by lower-case name (a repeated one joined by ", "). */
  headers: Record<string, string>;
  /** The content, by Content-Length; empty for 1xx, 204, 304 and answers to HEAD. */
  body: Buffer;
}

/**
 * One HTTP/1.1 connection driven by hand, byte by byte: the test writes the
 * request head, reads what the server sends back before the request is
 * finished (the draft's 104 Upload Resumption Supported), then writes the
 * body, or stops half way and cuts the connection. Node's http client cannot
 * hold a request back like this, nor show the interim response's bytes.
 */
export class WireConnection {
  private readonly socket: net.Socket;
  private buffered = Buffer.alloc(0);
  private closed = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  /** Methods of the requests sent, in order: an answer to HEAD has no content whatever its Content-Length says. */
  private readonly methods: string[] = [];

  private constructor(
    socket: net.Socket,
    /** The Host field: where the server says its uploads are. */
    private readonly authority: string,
  ) {
    this.socket = socket;
    socket.on('data', (data: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, data]);
      this.notify();
    });
    socket.on('error', (error) => {
      this.failure = error;
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new WireConnection(socket, `${host}:${port}`)));
      socket.once('error', reject);
    });
  }

  /** Writes a request head (`METHOD target`, then fields), with Host, and the blank line. */
  writeHead(method: string, target: string, fields: Record<string, string | number>): void {
    this.methods.push(method);
    const lines = [
      `${method} ${target} HTTP/1.1`,
      `Host: ${this.authority}`,
      ...Object.entries(fields).map(([name, value]) => `${name}: ${value}`),
    ];
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  }

  /** Writes body bytes; resolves once the socket took them. */
  write(data: Buffer | string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())));
  }

  /**
   * The next response message, interim or final, once all of it has arrived.
   * A server that holds its answer until the body comes sends nothing while a
   * test waits for an interim response that never comes: the wait is bounded.
   */
  async next(timeoutMs = 10_000): Promise<WireMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.take();
      if (message) return message;
      if (this.failure) throw this.failure;
      if (this.closed) throw new Error(`the connection closed before a whole response (${this.buffered.length} bytes left)`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no whole response within ${timeoutMs} ms (${this.buffered.length} bytes so far)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The final response, with the interim ones before it. */
  async answer(): Promise<{ interim: WireMessage[]; final: WireMessage }> {
    const interim: WireMessage[] = [];
    for (let message = await this.next(); ; message = await this.next()) {
      if (message.status >= 200) return { interim, final: message };
      interim.push(message);
    }
  }

  /** Resets the connection, as a network failure would. */
  cut(): void {
    this.socket.resetAndDestroy();
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private take(): WireMessage | null {
    const end = this.buffered.indexOf('\r\n\r\n');
    if (end === -1) return null;
    const head = this.buffered.subarray(0, end + 4).toString('latin1');
    const [statusLine, ...lines] = head.slice(0, -4).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const interim = status < 200;
    const bodiless = interim || status === 204 || status === 304 || this.methods[0] === 'HEAD';
    const length = bodiless ? 0 : Number(headers['content-length'] ?? 0);
    if (this.buffered.length < end + 4 + length) return null;
    const body = this.buffered.subarray(end + 4, end + 4 + length);
    this.buffered = this.buffered.subarray(end + 4 + length);
    if (!interim) this.methods.shift();
    return { status, head, headers, body: Buffer.from(body) };
  }
}
