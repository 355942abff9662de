import type { BenchServer } from './servers';
import { TusClient } from './tus-client';

/**
 * A few untimed uploads per server before the first cell, so the first
 * measurement does not pay for loading routes (Next.js loads a route's code on
 * its first request) and for the JIT's first compilations.
 */
export async function warmUp(server: BenchServer): Promise<void> {
  const client = new TusClient(server.endpoint);
  try {
    for (let i = 0; i < 20; i++) await client.create(1024, 1024);
    await client.upload(4 * 1024 * 1024, 1024 * 1024);
  } finally {
    client.close();
  }
}
