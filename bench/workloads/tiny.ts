import { IncompleteUpload, TusClient } from '../tus-client';
import { ALL_SERVERS, expectComplete, secondsSince, type Workload } from './workload';

/** Sequential tiny uploads, each one POST carrying all its bytes (creation-with-upload), over keep-alive. */
export const tiny: Workload = {
  scenario: 'tiny',
  unit: 'uploads/s',
  servers: ALL_SERVERS,
  async run(server, plan) {
    const client = new TusClient(server.endpoint);
    try {
      const urls: string[] = [];
      const start = process.hrtime.bigint();
      for (let i = 0; i < plan.tinyCount; i++) {
        const { url, offset } = await client.create(plan.tinyBytes, plan.tinyBytes);
        if (offset !== plan.tinyBytes)
          throw new IncompleteUpload(`${server.name}: POST with ${plan.tinyBytes} bytes answered offset ${offset}`);
        urls.push(url);
      }
      const seconds = secondsSince(start);
      for (const url of urls) await expectComplete(server, (u) => client.head(u), url, plan.tinyBytes);
      return { value: plan.tinyCount / seconds, bytes: plan.tinyCount * plan.tinyBytes, seconds };
    } finally {
      client.close();
    }
  },
};
