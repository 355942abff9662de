import fs from 'node:fs';
import path from 'node:path';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import { ConfigError, readChoice, type Env } from './env';

/**
 * The engine's one log: JSON lines (pino) with a level, a time and the fields
 * of what happened, on standard output. The event log (UPLOAD_EVENT_LOG) is
 * the same lines in a file, at every level: one record, two destinations.
 */
export interface LogSettings {
  /** The least severe level written to standard output; `silent` writes none. */
  level: Level | 'silent';
  /** `json` lines, or `pretty` ones for a person at a terminal. */
  format: 'json' | 'pretty';
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** LOG_LEVEL and LOG_FORMAT; pretty by default when standard output is a terminal (`npm run dev`), JSON otherwise. */
export function logSettingsFromEnv(env: Env = process.env, terminal = process.stdout.isTTY === true): LogSettings {
  const level = readChoice(env, 'LOG_LEVEL', LOG_LEVELS, 'info');
  const format = readChoice(env, 'LOG_FORMAT', ['json', 'pretty'], terminal ? 'pretty' : 'json');
  return { level, format };
}

const LOGGER_SLOT = Symbol.for('resumable-uploads.logger');
type LoggerHolder = { [LOGGER_SLOT]?: Logger };

/**
 * The process's log (standard output only), from the environment. One per
 * process, like the engine: Next.js bundles this module more than once.
 */
export function log(): Logger {
  const holder = globalThis as LoggerHolder;
  if (!holder[LOGGER_SLOT]) {
    let settings: LogSettings;
    try {
      settings = logSettingsFromEnv();
    } catch (error) {
      // A bad LOG_LEVEL must not hide what the server has to say: it says that first.
      if (!(error instanceof ConfigError)) throw error;
      console.error(`[log] ${error.message}; logging at info`);
      settings = { level: 'info', format: 'json' };
    }
    holder[LOGGER_SLOT] = createLogger(settings, null);
  }
  return holder[LOGGER_SLOT];
}

/** A log to standard output at `settings`, and to `eventFile` (when given) at every level, synchronously. */
export function createLogger(settings: LogSettings, eventFile: string | null): Logger {
  const options = {
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Stable names for what every line may carry; an Error goes under `err` with its stack.
    serializers: { err: pino.stdSerializers.err },
  };
  const out: DestinationStream = settings.format === 'pretty' ? prettyStream() : batchedStandardOutput();
  if (eventFile === null) return pino({ ...options, level: settings.level }, out);
  const streams: pino.StreamEntry[] = [{ level: 'trace', stream: fileStream(eventFile) }];
  if (settings.level !== 'silent') streams.push({ level: settings.level, stream: out });
  return pino({ ...options, level: 'trace' }, pino.multistream(streams));
}

/**
 * Every line written synchronously (a few microseconds): a request's line is
 * in the file before its response leaves, so whoever reads the file after an
 * answer finds it, and lines keep the order of events. A full disk or a
 * removed file must not fail uploads: it is said once, on standard error.
 */
function fileStream(file: string): DestinationStream {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a');
  let failed = false;
  return {
    write(line: string) {
      try {
        fs.writeSync(fd, line);
      } catch (error) {
        if (!failed) console.error(`[log] ${file}: ${(error as Error).message}`);
        failed = true;
      }
    },
  };
}

/**
 * The lines of one turn of the event loop, written at its end in one call.
 * A write per line cost 8% of the CPU of 2,000 tiny uploads when synchronous;
 * asynchronous (pino's own), each line became a job for the thread pool that
 * the uploads' file operations wait for, and cost 20%. What is left is
 * written when the process exits.
 */
function batchedStandardOutput(): DestinationStream {
  let pending = '';
  const flush = () => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    process.stdout.write(text);
  };
  process.once('exit', flush);
  return {
    write(line: string) {
      if (pending === '') setImmediate(flush);
      pending += line;
    },
  };
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OWN_FIELDS = new Set(['level', 'time', 'pid', 'msg']);

/** `08:02:24.737 INFO  request POST /api/upload 201 3 ms id=…`: one line per record, the rest of its fields after it. */
function prettyStream(): DestinationStream {
  return {
    write(line: string) {
      const record = JSON.parse(line) as Record<string, unknown>;
      const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
      const level = (LEVEL_NAMES[record.level as number] ?? String(record.level)).padEnd(5);
      const fields = Object.entries(record)
        .filter(([key]) => !OWN_FIELDS.has(key))
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      process.stdout.write(`${time} ${level} ${String(record.msg ?? '')}${fields ? ` ${fields}` : ''}\n`);
    },
  };
}
