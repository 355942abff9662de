import net from 'node:net';

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a server on a free port of 127.0.0.1 (its address() then says which). */
export function listenOnLoopback(server: net.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

/**
 * Starts something on a free port, and on another one when `start` failed because its port was taken: a port free
 * when freePort() asked may be taken before the server binds it, by another test's server or as the local port of
 * an outgoing connection (the kernel picks both from the same range). `start` cleans up after its own failure and
 * its error carries what the server printed (the bind error is recognised in it).
 */
export async function startOnFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !/EADDRINUSE|Address already in use/.test(String(error))) throw error;
    }
  }
}

const PORT_ATTEMPTS = 5;
