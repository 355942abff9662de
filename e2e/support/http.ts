import http from 'node:http';

export interface RawResponse {
  status: number;
  /** Header names in lower case, as Node gives them. */
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface RawRequest {
  method: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
}

/**
 * One HTTP request with exactly the headers given: no defaults added, nothing
 * normalised, a fresh connection each time. Protocol tests need that control;
 * fetch() adds and forbids headers of its own.
 */
export function rawRequest(url: string, { method, headers = {}, body }: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // The path is sent exactly as written: new URL() would resolve "..".
    const { origin } = new URL(url);
    const rawPath = url.slice(origin.length) || '/';
    const { hostname, port } = new URL(origin);
    const req = http.request({ hostname, port, path: rawPath, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const data = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data, text: data.toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const TUS = { 'Tus-Resumable': '1.0.0' } as const;

/**
 * Every extension the server offers on the default store (issue 3 contract), served on Node's own request
 * (checksum-trailer needs its trailers); expiration only while it is enabled.
 */
export const EXTENSIONS: readonly string[] = [
  'creation',
  'creation-with-upload',
  'creation-defer-length',
  'termination',
  'checksum',
  'checksum-trailer',
  'concatenation',
  'concatenation-unfinished',
  'expiration',
];

/** Creates an upload and returns its absolute URL. */
export async function createUpload(endpoint: string, length: number, headers: Record<string, string> = {}): Promise<string> {
  const res = await rawRequest(endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': length, ...headers } });
  if (res.status !== 201 || typeof res.headers.location !== 'string') {
    throw new Error(`creating an upload answered ${res.status}: ${res.text}`);
  }
  return new URL(res.headers.location, endpoint).href;
}

/** Sends one PATCH with the bytes at the given offset. */
export function patch(url: string, offset: number, bytes: Buffer | string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(url, {
    method: 'PATCH',
    headers: { ...TUS, 'Upload-Offset': offset, 'Content-Type': 'application/offset+octet-stream', ...headers },
    body: bytes,
  });
}

export function encodeMetadata(pairs: Record<string, string>): string {
  return Object.entries(pairs)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');
}

/** Creates an upload with all its bytes in the POST (creation-with-upload) and returns its absolute URL. */
export async function uploadWhole(endpoint: string, data: Buffer, metadata: Record<string, string> = {}): Promise<string> {
  const res = await rawRequest(endpoint, {
    method: 'POST',
    headers: {
      ...TUS,
      'Upload-Length': data.length,
      'Upload-Metadata': encodeMetadata(metadata),
      'Content-Type': 'application/offset+octet-stream',
    },
    body: data,
  });
  if (res.status !== 201 || typeof res.headers.location !== 'string' || res.headers['upload-offset'] !== String(data.length)) {
    throw new Error(`creation-with-upload answered ${res.status} (offset ${res.headers['upload-offset']}): ${res.text}`);
  }
  return new URL(res.headers.location, endpoint).href;
}

/** HEAD on an upload URL, with Tus-Resumable. */
export function head(url: string): Promise<RawResponse> {
  return rawRequest(url, { method: 'HEAD', headers: TUS });
}

/**
 * The entries of a comma-separated header (Tus-Extension, Vary, the CORS
 * lists), each exactly as sent but for the whitespace around it; [] when the
 * header is absent.
 */
export function headerTokens(res: RawResponse, name: string): string[] {
  const value = res.headers[name.toLowerCase()];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value.join(',') : value).split(',').map((token) => token.trim());
}

/**
 * Uploads `count` text files named `${prefix}NNN.txt` of NNN + 1 bytes
 * (distinct sizes for sorting), four at a time; returns their URLs by name.
 */
export async function uploadNumbered(endpoint: string, prefix: string, count: number): Promise<Map<string, string>> {
  const urls = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const name = `${prefix}${String(i).padStart(3, '0')}.txt`;
      urls.set(name, await uploadWhole(endpoint, Buffer.alloc(i + 1, 'x'), { filename: name, filetype: 'text/plain' }));
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return urls;
}

/** Names whose order by name (as people read it: case aside, 9 before 10) differs from their order by size and by code units. */
export const SORTABLE_FILES: ReadonlyArray<readonly [name: string, size: number]> = [
  ['Sorted-b10.txt', 3],
  ['sorted-B9.txt', 30],
  ['sorted-a.txt', 20],
  ['SORTED-c.txt', 10],
];

/** Uploads SORTABLE_FILES (63 bytes in all). */
export async function uploadSortable(endpoint: string): Promise<void> {
  for (const [name, size] of SORTABLE_FILES)
    await uploadWhole(endpoint, Buffer.alloc(size, 'y'), { filename: name, filetype: 'text/plain' });
}
