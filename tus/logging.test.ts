import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createLogger, logSettingsFromEnv } from './logging';

// One log, two destinations: standard output at LOG_LEVEL (JSON, or pretty lines for a person), and the event log file
// with every record, written before the call returns.

test('the event file gets every level; standard output only LOG_LEVEL and above, as pretty lines', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logging-'));
  const file = path.join(dir, 'events.jsonl');
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => printed.push(chunk) > 0) as typeof process.stdout.write;
  try {
    const logger = createLogger({ level: 'warn', format: 'pretty' }, file);
    logger.debug({ type: 'progress', id: 'a', offset: 5 }, 'progress');
    logger.info({ type: 'request', reqId: 'r1', method: 'PATCH', status: 204, ms: 1.5 }, 'request');
    logger.warn({ id: 'a' }, 'recovery: kept the chunk');
    // Synchronous: the line is in the file now.
    const records = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((record) => [record.level, record.msg])).toEqual([
      [20, 'progress'],
      [30, 'request'],
      [40, 'recovery: kept the chunk'],
    ]);
    expect(records[1]).toMatchObject({ type: 'request', reqId: 'r1', method: 'PATCH', status: 204, ms: 1.5, pid: process.pid });
    expect(typeof records[1].time).toBe('string');
  } finally {
    process.stdout.write = write;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  expect(printed).toHaveLength(1);
  expect(printed[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  recovery: kept the chunk id=a\n$/);
});

test('LOG_LEVEL and LOG_FORMAT; pretty by default at a terminal, JSON otherwise', () => {
  expect(logSettingsFromEnv({}, false)).toEqual({ level: 'info', format: 'json' });
  expect(logSettingsFromEnv({}, true)).toEqual({ level: 'info', format: 'pretty' });
  expect(logSettingsFromEnv({ LOG_LEVEL: 'DEBUG', LOG_FORMAT: 'json' }, true)).toEqual({ level: 'debug', format: 'json' });
  expect(() => logSettingsFromEnv({ LOG_LEVEL: 'loud' }, false)).toThrow(
    'Invalid configuration: LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent (got "loud")',
  );
  expect(() => logSettingsFromEnv({ LOG_FORMAT: 'xml' }, false)).toThrow('LOG_FORMAT must be one of json, pretty (got "xml")');
});

test('JSON lines of one event-loop turn go to standard output in one write, at its end', async () => {
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => printed.push(chunk) > 0) as typeof process.stdout.write;
  try {
    const logger = createLogger({ level: 'info', format: 'json' }, null);
    logger.info({ n: 1 }, 'one');
    logger.info({ n: 2 }, 'two');
    logger.debug({ n: 3 }, 'below the level');
    expect(printed).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.stdout.write = write;
  }
  expect(printed).toHaveLength(1);
  const records = printed[0]
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { level: number; msg: string; n: number });
  expect(records.map((record) => [record.level, record.msg, record.n])).toEqual([
    [30, 'one', 1],
    [30, 'two', 2],
  ]);
});
