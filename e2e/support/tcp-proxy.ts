import net from 'node:net';
import { listenOnLoopback } from './free-port';

/**
 * A loopback TCP relay in front of a server, that a test can cut like a
 * failing network: every open connection is reset at once (the client sees
 * the request it was sending fail, the server sees the body end early) and
 * new connections are reset until `restore()`.
 *
 * DevTools' offline emulation cannot stand in for this: it fails requests
 * started while offline, but lets a request already sending its body finish.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;
  private refusing = false;

  private constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => this.relay(client));
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await listenOnLoopback(proxy.server);
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resets every connection and refuses new ones. */
  cut(): void {
    this.refusing = true;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  restore(): void {
    this.refusing = false;
  }

  private relay(client: net.Socket): void {
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      // A failure on one side is passed on as a reset of the other.
      socket.on('error', () => {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
