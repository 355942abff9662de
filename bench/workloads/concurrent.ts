import { TusClient } from '../tus-client';
import { ALL_SERVERS, expectComplete, megabytesPerSecond, secondsSince, type Workload } from './workload';

/** Many uploads at once, each POST + one PATCH on its own connection; aggregate MB/s. */
export const concurrent: Workload = {
  scenario: 'concurrent',
  unit: 'MB/s',
  servers: ALL_SERVERS,
  async run(server, plan) {
    const client = new TusClient(server.endpoint);
    try {
      const start = process.hrtime.bigint();
      const urls = await Promise.all(Array.from({ length: plan.concurrentUploads }, () => client.upload(plan.concurrentBytes)));
      const seconds = secondsSince(start);
      for (const url of urls) await expectComplete(server, (u) => client.head(u), url, plan.concurrentBytes);
      const bytes = plan.concurrentUploads * plan.concurrentBytes;
      return { value: megabytesPerSecond(bytes, seconds), bytes, seconds };
    } finally {
      client.close();
    }
  },
};
