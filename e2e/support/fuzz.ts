import http from 'node:http';
import net from 'node:net';

/**
 * The pieces of the hostile-input test: a seeded PRNG (a failure names its
 * seed and request number, and the same seed gives the same requests), a
 * generator of malformed tus requests, and two ways to send them: a
 * keep-alive agent for requests Node's client can express, a raw socket for
 * the rest (raw bytes in paths, control characters in headers, bodies
 * longer or shorter than declared).
 */

/** sfc32: small, fast, and good enough to pick test cases; seeded from one 32-bit number. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i += 1) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i += 1) out[i] = this.int(256);
    return out;
  }
}

/** The PRNG of request `index` of a run: each request is reproducible from (seed, index) alone, whatever the concurrency. */
export function requestPrng(seed: number, index: number): Prng {
  return new Prng((Math.imul(seed ^ 0x5bd1e995, 0x01000193) + Math.imul(index + 1, 0x9e3779b1)) >>> 0);
}

/** What the test knows of the server while it fuzzes: real upload ids to aim at. */
export interface FuzzTargets {
  /** Ids of uploads that exist (or existed: DELETE may have removed them). */
  uploads: string[];
  /** Relative URLs of partial uploads, for Upload-Concat: final. */
  partials: string[];
}

export interface FuzzRequest {
  /** What was fuzzed, for failure messages and the per-kind summary. */
  kind: string;
  method: string;
  /** The request target exactly as sent (may hold raw bytes). */
  path: Buffer;
  headers: Array<[string, string | Buffer]>;
  body: Buffer;
  /**
   * How the request is framed. `exact`: Content-Length is the body's length.
   * `longer`: the body carries bytes past Content-Length (they reach the
   * parser as the next request). `cut`: fewer bytes than Content-Length, then
   * the connection is destroyed, so no answer is expected.
   */
  framing: 'exact' | 'longer' | 'cut';
  /** Whether Node's client can send it (no raw bytes in path or headers); otherwise a raw socket. */
  viaAgent: boolean;
  /** True when the request is invalid on its face: a 2xx would mean the server accepted garbage. */
  never2xx: boolean;
}

const TUS_VERSION = '1.0.0';
const OCTET = 'application/offset+octet-stream';

const BAD_NUMBERS = [
  '-1',
  '-0',
  'abc',
  '',
  ' ',
  '1.5',
  '1e3',
  '0x10',
  '+5',
  '5 ',
  ' 5',
  '05',
  'NaN',
  'Infinity',
  '9007199254740993', // 2^53 + 1
  '9007199254740992', // 2^53
  '18446744073709551616', // 2^64
  '99999999999999999999999999999999999999',
  '1'.repeat(400),
  '٣', // Arabic-Indic digit three
  '5,5',
];

const EXTREME_NUMBERS = ['0', '1', '9007199254740991', '9007199254740992', '4294967296', '17179869184'];

const BAD_IDS = [
  '..',
  '%2e%2e',
  '.%2E',
  '..%2F..%2Fcanary',
  '..%2f..%2f..%2fcanary',
  '%2E%2E%2F%2E%2E%2Fcanary',
  '..%5C..%5Ccanary',
  'a%2Fb',
  '%2F',
  '%252F',
  'abc%00',
  '%00',
  '%00.json',
  '%E0%A4%A',
  '%ZZ',
  '%',
  '.json',
  'x.json',
  '..%00',
  'CON',
  '%C0%AE%C0%AE%2F', // overlong UTF-8 for "../"
  'a'.repeat(129),
  'b'.repeat(255),
  'c'.repeat(4096),
  'ü'.repeat(40),
];

/** Raw path bytes Node's client refuses to send: NUL, spaces, control and non-ASCII bytes. */
const RAW_PATH_TAILS = [
  Buffer.from('..\x00/canary'),
  Buffer.from('abc\x00def'),
  Buffer.from('a b'),
  Buffer.from('..\\..\\canary'),
  Buffer.from([0x2e, 0x2e, 0x2f, 0xff, 0xfe]),
  Buffer.from('\x1b[31m'),
  Buffer.from('a\tb'),
];

const WRONG_METHODS = ['PUT', 'TRACE', 'PROPFIND', 'MKCOL', 'COPY', 'LOCK', 'FOO', 'SEARCH', 'PURGE', 'LINK', 'REPORT'];

const BAD_TUS_VERSIONS = ['0.2.2', '1.0', '1.0.0 ', '2.0.0', '', '1.0.0,0.2.2', 'x'.repeat(2000)];

const CHECKSUMS = [
  'sha1',
  'sha1 ',
  'sha1 !!!!',
  'md4 AAAA',
  'SHA1 2jmj7l5rSw0yVb/vlWAYkK/YBwk=',
  'sha1 2jmj7l5rSw0yVb/vlWAYkK/YBwk', // missing padding
  'sha1 AAAA',
  'sha256 2jmj7l5rSw0yVb/vlWAYkK/YBwk=',
  'crc32 AAAAAAAA',
  'sha1 2jmj7l5rSw0yVb/vlWAYkK/YBwk= extra',
  `sha512 ${'A'.repeat(5000)}`,
  'sha1 2jmj7l5rSw0yVb/vlWAYkK/YBwk=', // sha1 of nothing: right only for an empty body
];

const CONCATS = [
  'partial',
  'Partial',
  'final',
  'final;',
  'final; ',
  'final;/api/upload/',
  'final;/api/upload/..%2F..%2Fcanary',
  'final;/api/upload/00000000000000000000000000000000',
  'final;http://evil.example/api/upload/00000000000000000000000000000000',
  'final;file:///etc/passwd',
  'final;/api/upload/a?x=1',
  'final;::::',
  'partial;final',
  'final;' + '/api/upload/x '.repeat(300),
];

function base64(text: string | Buffer): string {
  return Buffer.from(text).toString('base64');
}

function badMetadata(rng: Prng): string {
  const choices: Array<() => string> = [
    () => `filename ${base64('a.txt')},filename ${base64('b.txt')}`, // duplicate key
    () => 'filename %%%%', // not base64
    () => 'filename YQ', // unpadded
    () => ' filename YQ==',
    () => ',,,',
    () => 'a b c',
    () => `filename ${base64('x'.repeat(rng.pick([1000, 6000, 11000])))}`, // huge value
    () => `${'k'.repeat(3000)} ${base64('v')}`, // huge key
    () => `filename ${base64(Buffer.from('evil\r\nSet-Cookie: x=1\x00\x07\x1b.txt'))}`, // control characters, valid base64
    () => `filename ${base64('../../canary')},filetype ${base64('text/html')}`,
    () => `filename ${base64(Buffer.from([0xff, 0xfe, 0xc0, 0x80]))}`, // not UTF-8
    () => `filename ${base64('\u202etxt.exe')}`, // right-to-left override
    () => Array.from({ length: rng.pick([50, 400]) }, (_, i) => `k${i} ${base64(String(i))}`).join(','),
    () => 'filename',
    () => 'is_confidential',
    () => `__proto__ ${base64('x')},constructor ${base64('y')}`,
  ];
  return rng.pick(choices)();
}

function pathOf(id: string): Buffer {
  return Buffer.from(`/api/upload/${id}`);
}

/**
 * One malformed or extreme tus request. Most are a valid request with one
 * or two things broken, aimed at real uploads where that matters, so that
 * the server gets past its first check and into its handlers.
 */
export function generateRequest(rng: Prng, targets: FuzzTargets): FuzzRequest {
  const realId = () => (targets.uploads.length > 0 ? rng.pick(targets.uploads) : '0'.repeat(32));
  const request: FuzzRequest = {
    kind: '',
    method: 'POST',
    path: Buffer.from('/api/upload'),
    headers: [['Tus-Resumable', TUS_VERSION]],
    body: Buffer.alloc(0),
    framing: 'exact',
    viaAgent: true,
    never2xx: false,
  };
  const set = (name: string, value: string | Buffer) => {
    request.headers = request.headers.filter(([key]) => key.toLowerCase() !== name.toLowerCase());
    request.headers.push([name, value]);
  };
  const smallBody = () => rng.bytes(rng.pick([0, 1, 5, 100, 1000, 5000]));

  const kind = rng.pick([
    'post-length',
    'post-length',
    'post-defer',
    'post-metadata',
    'post-metadata',
    'post-body',
    'post-concat',
    'post-checksum',
    'patch-offset',
    'patch-offset',
    'patch-length',
    'patch-checksum',
    'patch-type',
    'head',
    'delete',
    'get-range',
    'bad-id',
    'bad-id',
    'raw-path',
    'wrong-method',
    'tus-version',
    'method-override',
    'control-chars',
    'longer-body',
    'cut-body',
    'chunked',
  ] as const);
  request.kind = kind;

  switch (kind) {
    case 'post-length': {
      const value = rng.chance(0.7) ? rng.pick(BAD_NUMBERS) : rng.pick(EXTREME_NUMBERS);
      set('Upload-Length', value);
      // HTTP drops the whitespace around a value (RFC 9110, 5.5): " 5" is 5. Above the 16 MiB maximum is 413.
      request.never2xx = !/^(0|[1-9]\d*)$/.test(value.trim()) || Number(value) > 16 * 2 ** 20;
      break;
    }
    case 'post-defer': {
      set('Upload-Defer-Length', rng.pick(['1', '0', '2', 'true', '', '-1']));
      if (rng.chance(0.3)) set('Upload-Length', rng.pick(['0', '10', '-1']));
      break;
    }
    case 'post-metadata': {
      set('Upload-Length', String(rng.int(2000)));
      set('Upload-Metadata', badMetadata(rng));
      break;
    }
    case 'post-body': {
      const body = smallBody();
      const declared = rng.pick([0, body.length, Math.max(0, body.length - 1), body.length + 10]);
      set('Upload-Length', String(declared));
      set('Content-Type', rng.pick([OCTET, OCTET, 'text/plain', 'application/offset+octet-stream; x=1', '']));
      if (rng.chance(0.3)) set('Upload-Metadata', badMetadata(rng));
      request.body = body;
      break;
    }
    case 'post-concat': {
      const concat =
        rng.chance(0.4) && targets.partials.length > 0
          ? `final;${Array.from({ length: 1 + rng.int(3) }, () => rng.pick(targets.partials)).join(' ')}`
          : rng.pick(CONCATS);
      set('Upload-Concat', concat);
      if (rng.chance(0.5)) set('Upload-Length', rng.pick(['5', '0', '-1', 'x']));
      if (rng.chance(0.2)) {
        set('Content-Type', OCTET);
        request.body = smallBody();
      }
      break;
    }
    case 'post-checksum': {
      request.body = smallBody();
      set('Upload-Length', String(request.body.length + rng.int(3)));
      set('Content-Type', OCTET);
      set('Upload-Checksum', rng.pick(CHECKSUMS));
      break;
    }
    case 'patch-offset':
    case 'patch-length':
    case 'patch-checksum':
    case 'patch-type': {
      request.method = 'PATCH';
      request.path = pathOf(realId());
      request.body = smallBody();
      set('Content-Type', OCTET);
      set('Upload-Offset', rng.chance(0.3) ? rng.pick(['0', String(rng.int(3000))]) : rng.pick([...BAD_NUMBERS, ...EXTREME_NUMBERS]));
      if (kind === 'patch-length') set('Upload-Length', rng.pick([...BAD_NUMBERS, ...EXTREME_NUMBERS, String(rng.int(5000))]));
      if (kind === 'patch-checksum') set('Upload-Checksum', rng.pick(CHECKSUMS));
      if (kind === 'patch-type')
        set(
          'Content-Type',
          rng.pick(['text/plain', '', 'application/offset+octet-stream;charset=utf-8', 'APPLICATION/OFFSET+OCTET-STREAM']),
        );
      break;
    }
    case 'head':
    case 'delete': {
      request.method = kind.toUpperCase();
      request.path = pathOf(rng.chance(0.8) ? realId() : rng.pick(BAD_IDS));
      break;
    }
    case 'get-range': {
      request.method = 'GET';
      request.headers = [];
      request.path = pathOf(realId());
      set(
        'Range',
        rng.pick([
          'bytes=0-',
          'bytes=-1',
          'bytes=5-1',
          'bytes=0-0,1-1',
          'bytes=99999999999999999999-',
          'bytes=-0',
          'items=0-1',
          'bytes=',
          'bytes=1-2-3',
        ]),
      );
      if (rng.chance(0.3)) set('If-Range', rng.pick(['"x"', 'Wed, 21 Oct 2015 07:28:00 GMT', '']));
      break;
    }
    case 'bad-id': {
      const id = rng.pick(BAD_IDS);
      request.method = rng.pick(['GET', 'HEAD', 'PATCH', 'DELETE', 'POST', 'OPTIONS']);
      request.path = pathOf(id);
      if (request.method === 'PATCH' || request.method === 'POST') {
        set('Content-Type', OCTET);
        set('Upload-Offset', '0');
        set('Upload-Length', '5');
        request.body = Buffer.from('owned');
      }
      // OPTIONS describes the server whatever the path; POST to a child of the endpoint is not creation either.
      request.never2xx = request.method !== 'OPTIONS';
      break;
    }
    case 'raw-path': {
      request.method = rng.pick(['GET', 'HEAD', 'PATCH', 'DELETE']);
      request.path = Buffer.concat([Buffer.from('/api/upload/'), rng.pick(RAW_PATH_TAILS)]);
      request.viaAgent = false;
      request.never2xx = true;
      break;
    }
    case 'wrong-method': {
      request.method = rng.pick(WRONG_METHODS);
      request.path = rng.chance(0.5) ? Buffer.from('/api/upload') : pathOf(realId());
      request.body = rng.chance(0.5) ? smallBody() : Buffer.alloc(0);
      request.never2xx = true;
      break;
    }
    case 'tus-version': {
      request.method = rng.pick(['POST', 'PATCH', 'HEAD', 'DELETE']);
      if (request.method !== 'POST') request.path = pathOf(realId());
      const version = rng.pick(BAD_TUS_VERSIONS);
      set('Tus-Resumable', version);
      if (rng.chance(0.2)) request.headers = request.headers.filter(([key]) => key !== 'Tus-Resumable');
      set('Upload-Length', '10');
      set('Upload-Offset', '0');
      set('Content-Type', OCTET);
      request.body = smallBody();
      // HTTP drops the whitespace around a value: "1.0.0 " is the right version.
      request.never2xx = request.headers.every(([key]) => key !== 'Tus-Resumable') || version.trim() !== TUS_VERSION;
      break;
    }
    case 'method-override': {
      set('X-HTTP-Method-Override', rng.pick(['PATCH', 'DELETE', 'HEAD', 'GET', 'PUT', 'patch', '', 'POST', 'OPTIONS', 'X'.repeat(100)]));
      request.path = rng.chance(0.7) ? pathOf(realId()) : Buffer.from('/api/upload');
      set('Upload-Offset', rng.pick(['0', '-1', 'x']));
      set('Upload-Length', '10');
      set('Content-Type', OCTET);
      request.body = smallBody();
      break;
    }
    case 'control-chars': {
      // Bytes Node's client refuses to put in a header value: only a raw socket sends them.
      request.viaAgent = false;
      request.method = rng.pick(['POST', 'PATCH', 'HEAD']);
      if (request.method !== 'POST') request.path = pathOf(realId());
      const evil = Buffer.from(rng.pick(['a\x00b', 'a\x07b', 'a\x1bb', 'a\x7fb', 'a\rb', 'x\r\n\r\nGET / HTTP/1.1']));
      const header = rng.pick(['Upload-Metadata', 'Upload-Length', 'Upload-Offset', 'Tus-Resumable', 'Upload-Concat', 'X-Fuzz']);
      set('Upload-Length', '10');
      set(header, Buffer.concat([Buffer.from(header === 'Upload-Metadata' ? 'filename ' : ''), evil]));
      request.never2xx = header !== 'X-Fuzz' || evil.includes(0x0d);
      break;
    }
    case 'longer-body':
    case 'cut-body':
    case 'chunked': {
      request.viaAgent = false;
      request.method = rng.pick(['PATCH', 'POST']);
      request.body = rng.bytes(rng.pick([10, 1000, 70_000, 300_000]));
      set('Content-Type', OCTET);
      if (request.method === 'PATCH') {
        request.path = pathOf(realId());
        set('Upload-Offset', rng.chance(0.5) ? '0' : String(rng.int(3000)));
      } else {
        set('Upload-Length', String(request.body.length * 2));
      }
      if (rng.chance(0.2)) set('Upload-Checksum', rng.pick(CHECKSUMS));
      request.framing = kind === 'longer-body' ? 'longer' : kind === 'cut-body' ? 'cut' : 'exact';
      if (kind === 'chunked') {
        set('Transfer-Encoding', 'chunked');
        const { body, complete } = chunkedBody(rng, request.body);
        request.body = body;
        if (!complete) request.framing = 'cut';
      }
      break;
    }
  }
  if (request.method === 'GET' || request.method === 'HEAD') request.body = Buffer.alloc(0);
  // Node's client refuses anything but printable ASCII (and tab) in headers and paths: those go raw.
  const printable = (bytes: Buffer, allowed: RegExp) => allowed.test(bytes.toString('latin1')) && bytes.every((byte) => byte < 0x80);
  if (
    !printable(request.path, /^[\x21-\x7e]*$/) ||
    request.headers.some(([, value]) => !printable(Buffer.from(value), /^[\t\x20-\x7e]*$/))
  ) {
    request.viaAgent = false;
  }
  return request;
}

/**
 * A chunked body, sometimes well formed, sometimes with a garbled or lying
 * chunk size. `complete` is false when the server must still wait for bytes
 * (a size larger than what follows, no last chunk): such a body is sent and
 * then the connection dropped, as a client that dies mid-request; a stalled
 * client that never drops is the idle-timeout test's business, not this one.
 */
function chunkedBody(rng: Prng, data: Buffer): { body: Buffer; complete: boolean } {
  const exact = data.length.toString(16);
  const size = rng.pick([exact, exact, 'zz', '-1', 'ffffffffffffffff', (data.length + 5).toString(16), '0', `${exact};ext=1`]);
  const terminated = rng.chance(0.8);
  const body = Buffer.concat([Buffer.from(`${size}\r\n`), data, Buffer.from(`\r\n${terminated ? '0\r\n\r\n' : ''}`)]);
  const complete = size === 'zz' || size === '-1' || size === '0' || ((size === exact || size.startsWith(`${exact};`)) && terminated);
  return { body, complete };
}

/** The answer to one fuzz request: a status, or what happened to the connection instead. */
export type FuzzOutcome =
  | { status: number; location?: string }
  | { status: 'cut' | 'timeout' }
  /** The connection failed before an answer; `error` says how (ECONNRESET, EPIPE, closed). */
  | { status: 'reset'; error: string };

function errorCode(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? error.message;
}

/**
 * Sends a request a keep-alive agent can carry: Node computes Content-Length
 * from the body. `agent: false` sends it on a fresh connection.
 */
export function sendViaAgent(agent: http.Agent | false, port: number, request: FuzzRequest, timeoutMs: number): Promise<FuzzOutcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers) headers[name] = value.toString('latin1');
    let settled = false;
    const settle = (outcome: FuzzOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    let req: http.ClientRequest;
    try {
      req = http.request(
        { host: '127.0.0.1', port, agent, method: request.method, path: request.path.toString('latin1'), headers },
        (res) => {
          res.resume();
          res.on('end', () => settle({ status: res.statusCode ?? 0, location: res.headers.location }));
          res.on('error', () => settle({ status: res.statusCode ?? 0, location: res.headers.location }));
        },
      );
    } catch (error) {
      throw new Error(
        `Node refused to send ${request.kind} ${request.method} ${request.path.toString('latin1').slice(0, 80)}: ${String(error)}`,
      );
    }
    const timer = setTimeout(() => {
      settle({ status: 'timeout' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error) => settle({ status: 'reset', error: `${errorCode(error)}${req.reusedSocket ? ' on a reused socket' : ''}` }));
    req.end(request.body.length > 0 ? request.body : undefined);
  });
}

/** Sends a request byte for byte on a fresh socket, framed as the request says, and reads the first status line. */
export function sendRaw(port: number, request: FuzzRequest, timeoutMs: number): Promise<FuzzOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let settled = false;
    let received = Buffer.alloc(0);
    const settle = (outcome: FuzzOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ status: 'timeout' }), timeoutMs);
    socket.on('error', (error) => settle({ status: 'reset', error: errorCode(error) }));
    socket.on('close', () => {
      const status = statusOf(received);
      if (status !== null) settle({ status });
      else settle(request.framing === 'cut' ? { status: 'cut' } : { status: 'reset', error: 'closed without an answer' });
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const status = statusOf(received);
      if (status !== null && received.includes('\r\n\r\n')) {
        const location = /\r\nlocation: ([^\r]*)/i.exec(received.toString('latin1'))?.[1];
        settle({ status, location });
      }
    });
    const body = request.body;
    const chunked = request.headers.some(([name]) => name.toLowerCase() === 'transfer-encoding');
    const declared = request.framing === 'longer' ? Math.max(0, body.length - 1 - (body.length >> 1)) : body.length;
    const lines: Buffer[] = [Buffer.concat([Buffer.from(`${request.method} `), request.path, Buffer.from(' HTTP/1.1\r\n')])];
    lines.push(Buffer.from(`Host: 127.0.0.1:${port}\r\nConnection: close\r\n`));
    if (!chunked && (body.length > 0 || request.method === 'POST' || request.method === 'PATCH')) {
      lines.push(Buffer.from(`Content-Length: ${declared}\r\n`));
    }
    for (const [name, value] of request.headers)
      lines.push(Buffer.concat([Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n')]));
    lines.push(Buffer.from('\r\n'));
    socket.once('connect', () => {
      socket.write(Buffer.concat(lines));
      if (request.framing === 'cut') {
        // Part of the body, then the client vanishes: a dropped connection mid-upload.
        const sent = chunked ? body : body.subarray(0, body.length >> 1);
        socket.write(sent, () => settle({ status: 'cut' }));
        return;
      }
      socket.write(body);
    });
  });
}

function statusOf(received: Buffer): number | null {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(received.subarray(0, 20).toString('latin1'));
  return match ? Number(match[1]) : null;
}
