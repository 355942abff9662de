import type { ServerName } from '../servers';
import { TusClient } from '../tus-client';
import {
  ALL_SERVERS,
  expectComplete,
  formatBytes,
  megabytesPerSecond,
  secondsSince,
  type Plan,
  type Unit,
  type Workload,
} from './workload';

interface LargeUpload {
  scenario: string;
  unit: Unit;
  servers: readonly ServerName[];
  size: (plan: Plan) => number;
  chunk: (plan: Plan) => number;
  freshServer?: boolean;
  /** Every PATCH carries its Upload-Checksum (sha1). */
  checksum?: boolean;
}

/** One upload, POST then PATCHes of `chunk` bytes, timed from the POST to the last answer. */
function largeUpload(spec: LargeUpload): Workload {
  return {
    scenario: spec.scenario,
    unit: spec.unit,
    servers: spec.servers,
    freshServer: spec.freshServer,
    async run(server, plan) {
      const size = spec.size(plan);
      const client = new TusClient(server.endpoint);
      try {
        const start = process.hrtime.bigint();
        const url = await client.upload(size, spec.chunk(plan), spec.checksum);
        const seconds = secondsSince(start);
        await expectComplete(server, (u) => client.head(u), url, size);
        return { value: megabytesPerSecond(size, seconds), bytes: size, seconds };
      } finally {
        client.close();
      }
    },
  };
}

export const single = largeUpload({
  scenario: 'single',
  unit: 'MB/s',
  servers: ALL_SERVERS,
  size: (plan) => plan.largeBytes,
  chunk: (plan) => plan.largeBytes,
});

export const chunked = largeUpload({
  scenario: 'chunked',
  unit: 'MB/s',
  servers: ALL_SERVERS,
  size: (plan) => plan.largeBytes,
  chunk: (plan) => plan.chunkBytes,
});

/**
 * `chunked` with a checksum on every PATCH, OURS only (the baseline and the
 * sinks have no checksum extension): what verifying each chunk before it is
 * stored costs, next to `chunked` in the same run.
 */
export const checksummed = largeUpload({
  scenario: 'checksummed',
  unit: 'MB/s',
  servers: ['ours'],
  size: (plan) => plan.largeBytes,
  chunk: (plan) => plan.chunkBytes,
  checksum: true,
});

/** A single-PATCH upload to OURS whose value is the server's peak RSS above idle (read from /proc by the cell runner). */
export function memory(bytes: number): Workload {
  return largeUpload({
    scenario: `memory ${formatBytes(bytes)}`,
    unit: 'MiB above idle',
    servers: ['ours'],
    size: () => bytes,
    chunk: () => bytes,
    freshServer: true,
  });
}
