import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { syncFileSystem } from './cell';
import { startServer, type ServerName } from './servers';
import { TusClient } from './tus-client';

function threads(pid: number): Map<string, { user: number; sys: number }> {
  const out = new Map<string, { user: number; sys: number }>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = comm.replace(/[0-9]+/g, '#');
      const cur = out.get(key) ?? { user: 0, sys: 0 };
      cur.user += Number(f[11]) / 100;
      cur.sys += Number(f[12]) / 100;
      out.set(key, cur);
    } catch {}
  }
  return out;
}

async function main() {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpusplit-'));
  for (const name of process.argv.slice(2) as ServerName[]) {
    const server = await startServer(name, { workDir });
    const client = new TusClient(server.endpoint);
    await client.upload(64 * 2 ** 20);
    for (let rep = 0; rep < 2; rep++) {
      const before = threads(server.pid);
      await client.upload(2 ** 30);
      const after = threads(server.pid);
      const parts: string[] = [];
      for (const [k, v] of after) {
        const b = before.get(k) ?? { user: 0, sys: 0 };
        const u = v.user - b.user, s = v.sys - b.sys;
        if (u + s > 0.02) parts.push(`${k}: user ${u.toFixed(2)} sys ${s.toFixed(2)}`);
      }
      console.log(`${name} rep ${rep}: ${parts.join('; ')}`);
    }
    client.close();
    await server.stop();
    syncFileSystem(workDir);
  }
  fs.rmSync(workDir, { recursive: true, force: true });
}
void main();
