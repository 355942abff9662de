import fs from 'node:fs';
import net from 'node:net';
import { CHECKSUM_ALGORITHMS, uploadChecksum } from '../support/checksum';
import { uploadIdOf } from '../support/clients';
import { dataFileOf, uploadFolder, uploadState } from '../support/disk';
import { createUpload, headerTokens, patch, rawRequest } from '../support/http';
import { expect, test } from './server-fixture';

// checksum-trailer (T-01): Upload-Checksum sent as the trailer of a chunked
// request, after the bytes it describes. The bytes are staged and count only
// once the trailer has arrived and matches: a wrong, malformed or missing
// trailer leaves the data file on disk byte-identical and the offset where it
// was. The requests are written by hand on a socket (a client library would
// choose its own framing) and the answers read back as bytes.

/** A request written on the wire: its head, its body in chunks (chunked framing), and the trailer lines after them. */
interface WireRequest {
  method: 'PATCH' | 'POST';
  url: string;
  headers: Record<string, string | number>;
  chunks: (Buffer | string)[];
  /** Trailer field lines (`Name: value`) after the last chunk; none for a body that ends without them. */
  trailers: string[];
}

/** The request's bytes, exactly as sent: Transfer-Encoding: chunked, each chunk framed by its hex size, then the trailers. */
function wire({ method, url, headers, chunks, trailers }: WireRequest): Buffer {
  const { host, pathname } = new URL(url);
  const head = [`${method} ${pathname} HTTP/1.1`, `Host: ${host}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  const framed = chunks.map((chunk) => {
    const bytes = Buffer.from(chunk);
    return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
  });
  return Buffer.concat([
    Buffer.from(`${head.join('\r\n')}\r\nTransfer-Encoding: chunked\r\n\r\n`),
    ...framed,
    Buffer.from(`0\r\n${trailers.map((line) => `${line}\r\n`).join('')}\r\n`),
  ]);
}

/**
 * One answer as received: the status line, the head's lines in order, and
 * the body. The CORS lines are left out (cors.spec.ts is about them), and
 * the values of Date and Upload-Expires read `<date>`: they are the clock's.
 */
interface WireAnswer {
  statusLine: string;
  headerLines: string[];
  body: string;
}

/**
 * Writes each of `writes` on one connection, the next once the server has
 * answered the one before, and returns the answers. An answer's body is its
 * `Content-Length` bytes (none on a 204).
 */
async function exchange(url: string, writes: Buffer[]): Promise<WireAnswer[]> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  let received = Buffer.alloc(0);
  let wake: () => void = () => undefined;
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    wake();
  });
  let closed = false;
  socket.on('close', () => {
    closed = true;
    wake();
  });
  socket.on('error', () => undefined);
  const answers: WireAnswer[] = [];
  try {
    for (const bytes of writes) {
      socket.write(bytes);
      for (;;) {
        const answer = parseAnswer(received);
        if (answer) {
          answers.push(answer.answer);
          received = received.subarray(answer.length);
          break;
        }
        if (closed) throw new Error(`the connection closed after ${JSON.stringify(received.toString('latin1'))}`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    socket.destroy();
  }
  return answers;
}

function parseAnswer(received: Buffer): { answer: WireAnswer; length: number } | null {
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
  const lengthLine = lines.find((line) => /^content-length:/i.test(line));
  const bodyLength = lengthLine === undefined ? 0 : Number(lengthLine.split(':')[1]);
  if (received.length < end + 4 + bodyLength) return null;
  const headerLines = lines
    .filter((line) => !/^access-control-/i.test(line))
    .map((line) => line.replace(/^(Date|Upload-Expires): .*$/i, '$1: <date>'));
  const body = received.subarray(end + 4, end + 4 + bodyLength).toString('utf8');
  return { answer: { statusLine, headerLines, body }, length: end + 4 + bodyLength };
}

async function send(request: WireRequest): Promise<WireAnswer> {
  const [answer] = await exchange(request.url, [wire(request)]);
  return answer;
}

const TUS_PATCH = (offset: number) => ({
  'Tus-Resumable': '1.0.0',
  'Upload-Offset': offset,
  'Content-Type': 'application/offset+octet-stream',
  Trailer: 'Upload-Checksum',
});

/** A chunked PATCH of `chunks` at `offset` whose body ends with `trailers` (by default none). */
function trailerPatch(url: string, offset: number, chunks: string[], trailers: string[] = []): WireRequest {
  return { method: 'PATCH', url, headers: TUS_PATCH(offset), chunks, trailers };
}

/** The last lines of an answer on a connection that stays open. */
const KEPT_OPEN = ['Date: <date>', 'Connection: keep-alive', 'Keep-Alive: timeout=5'];

/** A refusal as the server writes it (`CODE: message`), on a connection that stays open. */
function refusal(statusLine: string, body: string): WireAnswer {
  return {
    statusLine,
    headerLines: [
      'Tus-Resumable: 1.0.0',
      'Content-Type: text/plain; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...KEPT_OPEN,
    ],
    body,
  };
}

const MISMATCH = (algorithm: string) =>
  refusal(
    'HTTP/1.1 460 Checksum Mismatch',
    `ERR_CHECKSUM_MISMATCH: the ${algorithm} digest of the bytes received does not match Upload-Checksum; nothing was stored\n`,
  );

const checksumTrailer = (value: string) => `Upload-Checksum: ${value}`;

test('T-01 OPTIONS advertises checksum-trailer beside checksum', async ({ app }) => {
  const res = await rawRequest(app.endpoint, { method: 'OPTIONS' });
  expect(headerTokens(res, 'Tus-Extension')).toEqual(expect.arrayContaining(['checksum', 'checksum-trailer']));
});

for (const algorithm of CHECKSUM_ALGORITHMS) {
  test(`T-01 chunked PATCHes with a right ${algorithm} trailer are 204, move the offset and store exactly their bytes`, async ({ app }) => {
    const url = await createUpload(app.endpoint, 11);
    const first = await send(trailerPatch(url, 0, ['he', 'l', 'lo'], [checksumTrailer(uploadChecksum(algorithm, 'hello'))]));
    expect(first).toEqual({
      statusLine: 'HTTP/1.1 204 No Content',
      headerLines: ['Tus-Resumable: 1.0.0', 'Upload-Offset: 5', 'Upload-Expires: <date>', ...KEPT_OPEN],
      body: '',
    });
    expect(fs.readFileSync(dataFileOf(app, url), 'latin1')).toBe('hello');
    const last = await send(trailerPatch(url, 5, [' wor', 'ld'], [checksumTrailer(uploadChecksum(algorithm, ' world'))]));
    expect(last).toEqual({
      statusLine: 'HTTP/1.1 204 No Content',
      headerLines: ['Tus-Resumable: 1.0.0', 'Upload-Offset: 11', ...KEPT_OPEN],
      body: '',
    });
    expect(fs.readFileSync(dataFileOf(app, url), 'latin1')).toBe('hello world');
    expect((await uploadState(app, url)).offset).toBe('11');
    expect((await rawRequest(url, { method: 'GET' })).text).toBe('hello world');
  });
}

test('T-01 a wrong digest in the trailer is 460 and changes nothing; the right chunk then goes in on the same connection', async ({
  app,
}) => {
  const url = await createUpload(app.endpoint, 10);
  expect((await patch(url, 0, 'hello')).status).toBe(204);
  const before = await uploadState(app, url);
  expect(before).toMatchObject({ offset: '5', bytes: 5 });

  const wrong = trailerPatch(url, 5, ['wor', 'ld'], [checksumTrailer(uploadChecksum('sha1', 'WORLD'))]);
  expect(await send(wrong)).toEqual(MISMATCH('sha1'));
  expect(await uploadState(app, url)).toEqual(before);
  expect(fs.readFileSync(dataFileOf(app, url), 'latin1')).toBe('hello');

  // The whole body was read to verify it, so the connection serves the retry; nothing of the refused chunk is left.
  const right = trailerPatch(url, 5, ['wor', 'ld'], [checksumTrailer(uploadChecksum('sha1', 'world'))]);
  expect(await exchange(url, [wire(wrong), wire(right)])).toEqual([
    MISMATCH('sha1'),
    { statusLine: 'HTTP/1.1 204 No Content', headerLines: ['Tus-Resumable: 1.0.0', 'Upload-Offset: 10', ...KEPT_OPEN], body: '' },
  ]);
  expect(fs.readFileSync(dataFileOf(app, url), 'latin1')).toBe('helloworld');
});

const MALFORMED: [string, string[], string][] = [
  [
    'no digest',
    [checksumTrailer('sha1')],
    'ERR_INVALID_CHECKSUM: Upload-Checksum must be "<algorithm> <base64 digest>"; nothing was stored\n',
  ],
  [
    'a digest that is not base64',
    [checksumTrailer('sha1 !!!not*base64!!!')],
    'ERR_INVALID_CHECKSUM: Upload-Checksum has a digest that is not base64 ("!!!not*base64!!!"); nothing was stored\n',
  ],
  [
    'an md5 digest under sha1',
    [checksumTrailer(uploadChecksum('md5', 'world').replace('md5', 'sha1'))],
    'ERR_INVALID_CHECKSUM: Upload-Checksum has a 16-byte digest where sha1 has 20 bytes; nothing was stored\n',
  ],
  [
    'an algorithm not offered',
    [checksumTrailer(`md4 ${Buffer.alloc(16).toString('base64')}`)],
    'ERR_UNSUPPORTED_CHECKSUM_ALGORITHM: checksum algorithm "md4" is not supported (use one of sha1, md5, sha256, sha512, crc32); nothing was stored\n',
  ],
  [
    'two checksums',
    [checksumTrailer(uploadChecksum('sha1', 'world')), checksumTrailer(uploadChecksum('sha1', 'world'))],
    'ERR_INVALID_CHECKSUM: Upload-Checksum must be "<algorithm> <base64 digest>"; nothing was stored\n',
  ],
];
for (const [what, trailers, body] of MALFORMED) {
  test(`T-01 a trailer with ${what} is 400 and changes nothing`, async ({ app }) => {
    const url = await createUpload(app.endpoint, 10);
    expect((await patch(url, 0, 'hello')).status).toBe(204);
    const before = await uploadState(app, url);
    expect(await send(trailerPatch(url, 5, ['wor', 'ld'], trailers))).toEqual(refusal('HTTP/1.1 400 Bad Request', body));
    expect(await uploadState(app, url)).toEqual(before);
  });
}

test('T-01 an announced trailer that never comes is 400 and changes nothing: the body ends without it, or with others', async ({ app }) => {
  const url = await createUpload(app.endpoint, 10);
  expect((await patch(url, 0, 'hello')).status).toBe(204);
  const before = await uploadState(app, url);
  const missing = refusal(
    'HTTP/1.1 400 Bad Request',
    'ERR_CHECKSUM_TRAILER_MISSING: Trailer announced Upload-Checksum but the body ended without it; nothing was stored\n',
  );
  expect(await send(trailerPatch(url, 5, ['wor', 'ld']))).toEqual(missing);
  expect(await uploadState(app, url)).toEqual(before);
  expect(await send(trailerPatch(url, 5, ['wor', 'ld'], ['X-Other: 1']))).toEqual(missing);
  expect(await uploadState(app, url)).toEqual(before);
});

test('T-01 a client gone before its trailer: the bytes it sent are staged, then dropped', async ({ app }) => {
  const url = await createUpload(app.endpoint, 10);
  expect((await patch(url, 0, 'hello')).status).toBe(204);
  const before = await uploadState(app, url);
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  socket.on('error', () => undefined);
  const request = wire(trailerPatch(url, 5, ['wor', 'ld'], [checksumTrailer(uploadChecksum('sha1', 'world'))]));
  // Everything but the end of the body (the last chunk, the trailer).
  socket.write(request.subarray(0, request.indexOf('0\r\nUpload-Checksum')));
  // The file store writes a chunk in place while it waits to verify it: the server holds the bytes sent.
  await expect.poll(() => fs.statSync(dataFileOf(app, url)).size).toBe(10);
  socket.destroy();
  expect(await uploadState(app, url)).toEqual(before);
  expect(fs.existsSync(`${app.uploadDir}/.${uploadIdOf(url)}.verifying`)).toBe(false);
});

test('T-01 a checksum both in the header and announced as a trailer is 400 from the head alone, and nothing is stored', async ({ app }) => {
  const url = await createUpload(app.endpoint, 10);
  expect((await patch(url, 0, 'hello')).status).toBe(204);
  const before = await uploadState(app, url);
  const both = trailerPatch(url, 5, ['wor', 'ld'], [checksumTrailer(uploadChecksum('sha1', 'world'))]);
  both.headers['Upload-Checksum'] = uploadChecksum('sha1', 'world');
  const bytes = wire(both);
  // Only the head is sent: the answer cannot wait for the body.
  const [answer] = await exchange(url, [bytes.subarray(0, bytes.indexOf('\r\n\r\n') + 4)]);
  expect(answer).toEqual(
    refusal(
      'HTTP/1.1 400 Bad Request',
      'ERR_INVALID_CHECKSUM: Upload-Checksum is both a header and an announced trailer; send one; nothing was stored\n',
    ),
  );
  expect(await uploadState(app, url)).toEqual(before);
});

test.describe('creation-with-upload', () => {
  const creation = (url: string, trailers: string[]): WireRequest => ({
    method: 'POST',
    url,
    headers: {
      'Tus-Resumable': '1.0.0',
      'Upload-Length': 11,
      'Content-Type': 'application/offset+octet-stream',
      Trailer: 'Upload-Checksum',
    },
    chunks: ['hel', 'lo'],
    trailers,
  });

  test('T-01 a POST whose body matches its trailer is 201 with the offset, and the bytes are stored', async ({ app }) => {
    const answer = await send(creation(app.endpoint, [checksumTrailer(uploadChecksum('sha256', 'hello'))]));
    expect(answer.statusLine).toBe('HTTP/1.1 201 Created');
    const location = answer.headerLines.find((line) => line.startsWith('Location: '))?.slice('Location: '.length) ?? '';
    expect(location).toMatch(new RegExp(`^${app.endpoint}/[0-9a-f]{32}$`));
    expect(answer.headerLines).toEqual([
      'Tus-Resumable: 1.0.0',
      'Upload-Offset: 5',
      'Upload-Expires: <date>',
      `Location: ${location}`,
      'Content-Length: 0',
      ...KEPT_OPEN,
    ]);
    expect(fs.readFileSync(dataFileOf(app, location), 'latin1')).toBe('hello');
  });

  test('T-01 a POST whose body does not match its trailer is 460: no Location and nothing created', async ({ app }) => {
    const folderBefore = uploadFolder(app);
    expect(await send(creation(app.endpoint, [checksumTrailer(uploadChecksum('sha256', 'HELLO'))]))).toEqual(MISMATCH('sha256'));
    expect(uploadFolder(app)).toEqual(folderBefore);
  });
});
