import net from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
}

/**
 * A PATCH on a raw socket whose body the test writes piece by piece (a
 * Node client would send it all at once). `answer` resolves with the status
 * and headers as soon as they arrive, or rejects if the connection closes
 * without one.
 */
export class OpenPatch {
  readonly answer: Promise<RawAnswer>;
  private readonly socket: net.Socket;

  constructor(url: string, offset: number, length: number) {
    const { hostname, port, pathname } = new URL(url);
    this.socket = net.connect(Number(port), hostname);
    // Once the server has answered (a 409 before reading the body), writing more may fail: only the answer matters.
    this.socket.on('error', () => undefined);
    let received = '';
    this.answer = new Promise((resolve, reject) => {
      this.socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [statusLine, ...lines] = received.slice(0, end).split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        resolve({ status: Number(statusLine.split(' ')[1]), headers });
      });
      this.socket.on('close', () => reject(new Error(`connection closed without an answer (received ${JSON.stringify(received)})`)));
    });
    this.answer.catch(() => undefined);
    this.socket.write(
      [
        `PATCH ${pathname} HTTP/1.1`,
        `Host: ${hostname}:${port}`,
        'Tus-Resumable: 1.0.0',
        'Content-Type: application/offset+octet-stream',
        `Upload-Offset: ${offset}`,
        `Content-Length: ${length}`,
        '',
        '',
      ].join('\r\n'),
    );
  }

  /** Queues bytes without waiting for them to leave: a socket the server does not read must not stall the other. */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}
