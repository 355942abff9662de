import { expect, test } from '@playwright/test';
import { issueUploadToken } from '../../tus/access-tokens';
import type { CompletedUpload } from '../../tus/catalog';
import { serverForThisFile } from '../support/app-server';
import { uploadIdOf } from '../support/clients';
import { createUpload, encodeMetadata, patch, rawRequest, TUS, uploadNumbered, uploadSortable, uploadWhole } from '../support/http';

// `/api/uploads` lists the completed uploads, newest completion first; a tus
// DELETE takes an upload off the list and its download away.

type ListedUpload = CompletedUpload;

const app = serverForThisFile();

async function listUploads(): Promise<ListedUpload[]> {
  const res = await rawRequest(`${app.baseUrl}/api/uploads`, { method: 'GET' });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toContain('application/json');
  return (JSON.parse(res.text) as { uploads: ListedUpload[] }).uploads;
}

/**
 * File times on this kernel advance in ticks of a few milliseconds, so two
 * uploads completed within one tick have the same completion time. Waiting
 * for the clock to pass the last completion by two ticks (20 ms at most)
 * gives each upload a time of its own; it waits on the observed time, not a
 * fixed delay.
 */
async function clockPast(isoTime: string): Promise<void> {
  const wait = Date.parse(isoTime) + 20 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

test('completed uploads are listed newest first with name, size and safe type; DELETE removes one', async () => {
  // Created in the order a, b, c, then completed in the order b, c, a:
  // the list follows completion, not creation (nor the ids).
  const files = {
    a: { data: Buffer.from('alpha alpha'), metadata: { filename: 'a.html', filetype: 'text/html' } },
    b: { data: Buffer.from('bravo'), metadata: { filename: 'b.png', filetype: 'image/png' } },
    c: { data: Buffer.from('charlie charlie charlie'), metadata: { filename: 'C – ünïcode.txt', filetype: 'text/plain' } },
  };
  const urls: Record<string, string> = {};
  for (const [key, { data, metadata }] of Object.entries(files)) {
    urls[key] = await createUpload(app.endpoint, data.length, { 'Upload-Metadata': encodeMetadata(metadata) });
  }
  // Never finished: must not be listed.
  const unfinished = await createUpload(app.endpoint, 100, { 'Upload-Metadata': encodeMetadata({ filename: 'partial.bin' }) });
  expect((await patch(unfinished, 0, Buffer.alloc(60))).status).toBe(204);
  expect(await listUploads()).toEqual([]);

  for (const key of ['b', 'c', 'a'] as const) {
    const res = await patch(urls[key], 0, files[key].data);
    expect(res.status).toBe(204);
    const listed = (await listUploads()).find((upload) => upload.id === uploadIdOf(urls[key]));
    expect(listed, `${key} is listed once complete`).toBeDefined();
    await clockPast(listed!.completedAt);
  }

  const listed = await listUploads();
  expect(listed.map((upload) => upload.id)).toEqual(['a', 'c', 'b'].map((key) => uploadIdOf(urls[key])));
  expect(listed.map(({ name, size, type }) => ({ name, size, type }))).toEqual([
    // An HTML file is listed as what it will be served as.
    { name: 'a.html', size: files.a.data.length, type: 'application/octet-stream' },
    { name: 'C – ünïcode.txt', size: files.c.data.length, type: 'text/plain' },
    { name: 'b.png', size: files.b.data.length, type: 'image/png' },
  ]);
  const times = listed.map((upload) => Date.parse(upload.completedAt));
  expect(times[0]).toBeGreaterThan(times[1]);
  expect(times[1]).toBeGreaterThan(times[2]);
  // Each entry's url is its download.
  for (const upload of listed) {
    const res = await rawRequest(new URL(upload.url, app.baseUrl).href, { method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(upload.size);
  }

  // A tus DELETE of c: gone from the list, its download and its tus URL answer 404.
  const c = uploadIdOf(urls.c);
  const deleted = await rawRequest(urls.c, { method: 'DELETE', headers: { ...TUS } });
  expect(deleted.status).toBe(204);
  await app.events.waitFor((e) => e.type === 'terminated' && e.id === c, 10_000, 'terminated event');
  expect((await listUploads()).map((upload) => upload.id)).toEqual([uploadIdOf(urls.a), uploadIdOf(urls.b)]);
  expect((await rawRequest(urls.c, { method: 'GET' })).status).toBe(404);
  expect((await rawRequest(urls.c, { method: 'HEAD', headers: { ...TUS } })).status).toBe(404);
  expect((await rawRequest(urls.c, { method: 'DELETE', headers: { ...TUS } })).status).toBe(404);
});

// Paging, sorting and searching (issue 14, item 6). Each test names its
// uploads with a prefix of its own and searches for it, so what the tests
// before it left on this server does not count.

interface ListingAnswer {
  uploads: ListedUpload[];
  nextCursor: string | null;
  total: { count: number; bytes: number };
}

async function listing(query: Record<string, string>): Promise<ListingAnswer> {
  const res = await rawRequest(`${app.baseUrl}/api/uploads?${new URLSearchParams(query)}`, { method: 'GET' });
  expect(res.status, res.text).toBe(200);
  return JSON.parse(res.text) as ListingAnswer;
}

/** Every page of a listing, following nextCursor; `between` runs after each page but the last. */
async function allPages(
  query: Record<string, string>,
  between: (page: ListingAnswer) => Promise<void> = async () => {},
): Promise<ListingAnswer[]> {
  const pages = [await listing(query)];
  while (pages.at(-1)!.nextCursor !== null) {
    await between(pages.at(-1)!);
    pages.push(await listing({ ...query, cursor: pages.at(-1)!.nextCursor! }));
  }
  return pages;
}

test('120 uploads page by cursor, 50 at a time: three pages, each upload once, with the count and bytes of all', async () => {
  const urls = await uploadNumbered(app.endpoint, 'paged-', 120);
  const pages = await allPages({ q: 'paged-', limit: '50' });
  expect(pages.map((page) => page.uploads.length)).toEqual([50, 50, 20]);
  const ids = pages.flatMap((page) => page.uploads.map((upload) => upload.id));
  expect(new Set(ids).size).toBe(120);
  expect([...ids].sort()).toEqual([...urls.values()].map(uploadIdOf).sort());
  // Newest first across pages, as without paging.
  const times = pages.flatMap((page) => page.uploads.map((upload) => Date.parse(upload.completedAt)));
  expect(times).toEqual([...times].sort((a, b) => b - a));
  // The total describes everything the search matches, on every page.
  const bytes = (120 * 121) / 2;
  for (const page of pages) expect(page.total).toEqual({ count: 120, bytes });
  // Each upload keeps its fields.
  expect(Object.keys(pages[0].uploads[0]).sort()).toEqual(['completedAt', 'id', 'name', 'size', 'type', 'url']);

  // Without a limit, 100 at most: a list of 10,000 is not one answer. The first 100 are the ones paging gives.
  const unlimited = await listing({ q: 'paged-' });
  expect(unlimited.uploads.map((upload) => upload.id)).toEqual(ids.slice(0, 100));
  expect(unlimited.nextCursor).not.toBeNull();
});

test('a cursor stays right when uploads are deleted or added between pages', async () => {
  const urls = await uploadNumbered(app.endpoint, 'stable-', 120);
  const seen: string[] = [];
  const deleted: string[] = [];
  const pages = await allPages({ q: 'stable-', limit: '50', sort: 'name' }, async (page) => {
    seen.push(...page.uploads.map((upload) => upload.id));
    // The upload the cursor points after, another one already read (an offset would now skip one), and one on the next page.
    const nextOnes = `stable-${String(seen.length + 5).padStart(3, '0')}.txt`;
    for (const name of [page.uploads.at(-1)!.name, page.uploads[0].name, nextOnes]) {
      expect(urls.has(name), `${name} is one of the 120, not one added between pages`).toBe(true);
      const res = await rawRequest(urls.get(name)!, { method: 'DELETE', headers: { ...TUS } });
      expect(res.status).toBe(204);
      deleted.push(uploadIdOf(urls.get(name)!));
    }
    // And a new one that sorts before the cursor: it must not push anything onto the next page twice.
    await uploadWhole(app.endpoint, Buffer.from('late'), { filename: `stable-000-late-${seen.length}.txt`, filetype: 'text/plain' });
  });
  const ids = pages.flatMap((page) => page.uploads.map((upload) => upload.id));
  expect(new Set(ids).size, 'no upload twice').toBe(ids.length);
  const remaining = [...urls.values()].map(uploadIdOf).filter((id) => !deleted.includes(id) || seen.includes(id));
  expect([...ids].sort(), 'none missing, none deleted before its page was read').toEqual(remaining.sort());
  const names = pages.flatMap((page) => page.uploads.map((upload) => upload.name));
  expect(
    names.filter((name) => name.includes('late')),
    'added before the cursor: not on a later page',
  ).toEqual([]);
});

test('sorted by name (as people read it) or by size (largest first); searched by name, whatever the case', async () => {
  await uploadSortable(app.endpoint);
  const names = async (query: Record<string, string>) => (await listing(query)).uploads.map((upload) => upload.name);
  expect(await names({ q: 'sorted-', sort: 'name' })).toEqual(['sorted-a.txt', 'sorted-B9.txt', 'Sorted-b10.txt', 'SORTED-c.txt']);
  expect(await names({ q: 'sorted-', sort: 'size' })).toEqual(['sorted-B9.txt', 'sorted-a.txt', 'SORTED-c.txt', 'Sorted-b10.txt']);
  expect(await names({ q: 'SORTED-B', sort: 'name' })).toEqual(['sorted-B9.txt', 'Sorted-b10.txt']);
  const matched = await listing({ q: 'sOrTeD-b', sort: 'size', limit: '1' });
  expect(matched.uploads.map((upload) => upload.name)).toEqual(['sorted-B9.txt']);
  expect(matched.total).toEqual({ count: 2, bytes: 33 });
  // Paging in size order goes on where it stopped.
  expect((await listing({ q: 'sorted-b', sort: 'size', limit: '1', cursor: matched.nextCursor! })).uploads.map((u) => u.name)).toEqual([
    'Sorted-b10.txt',
  ]);
  expect(await listing({ q: 'no such name anywhere' })).toEqual({ uploads: [], nextCursor: null, total: { count: 0, bytes: 0 } });
});

test('a bad parameter is a 400 with a JSON error that names it', async () => {
  await uploadNumbered(app.endpoint, 'bad-', 2);
  const sizeCursor = (await listing({ q: 'bad-', sort: 'size', limit: '1' })).nextCursor!;
  const cases: Array<[string, RegExp]> = [
    ['sort=oldest', /sort/],
    ['limit=0', /limit/],
    ['limit=1001', /limit/],
    ['limit=ten', /limit/],
    ['limit=2.5', /limit/],
    ['cursor=not-a-cursor', /cursor/],
    [`cursor=${Buffer.from('{"a":1}').toString('base64url')}`, /cursor/],
    [`sort=name&cursor=${sizeCursor}`, /cursor/],
  ];
  for (const [query, names] of cases) {
    const res = await rawRequest(`${app.baseUrl}/api/uploads?${query}`, { method: 'GET' });
    expect(res.status, query).toBe(400);
    expect(res.headers['content-type'], query).toContain('application/json');
    const { error } = JSON.parse(res.text) as { error: { code: string; message: string } };
    expect(error.code, query).toBe('ERR_INVALID_QUERY');
    expect(error.message, query).toMatch(names);
  }
});

test.describe('with access control', () => {
  const SECRET = 'uploads-list-secret-0123456789abcdef01234';
  const secured = serverForThisFile({ env: { UPLOAD_TOKEN_SECRET: SECRET } });
  const as = (subject: string) => ({ Authorization: `Bearer ${issueUploadToken(SECRET, subject, 3_600_000)}` });

  test("the count and bytes cover only the requester's own uploads", async () => {
    const uploadAs = async (subject: string, name: string, size: number) => {
      const res = await rawRequest(secured.endpoint, {
        method: 'POST',
        headers: {
          ...TUS,
          ...as(subject),
          'Upload-Length': size,
          'Upload-Metadata': encodeMetadata({ filename: name }),
          'Content-Type': 'application/offset+octet-stream',
        },
        body: Buffer.alloc(size, 'z'),
      });
      expect(res.status, res.text).toBe(201);
    };
    await uploadAs('alice', 'mine-1.bin', 10);
    await uploadAs('alice', 'mine-2.bin', 5);
    await uploadAs('bob', 'mine-bob.bin', 1000);
    const listAs = async (subject: string) => {
      const res = await rawRequest(`${secured.baseUrl}/api/uploads?q=mine&limit=1`, { method: 'GET', headers: as(subject) });
      expect(res.status, res.text).toBe(200);
      return JSON.parse(res.text) as ListingAnswer;
    };
    const alice = await listAs('alice');
    expect(alice.total).toEqual({ count: 2, bytes: 15 });
    expect(alice.uploads.map((upload) => upload.name)).toEqual(['mine-2.bin']);
    const next = await rawRequest(`${secured.baseUrl}/api/uploads?q=mine&limit=1&cursor=${alice.nextCursor}`, {
      method: 'GET',
      headers: as('alice'),
    });
    expect((JSON.parse(next.text) as ListingAnswer).uploads.map((upload) => upload.name)).toEqual(['mine-1.bin']);
    expect((await listAs('bob')).total).toEqual({ count: 1, bytes: 1000 });
    expect((await listAs('carol')).total).toEqual({ count: 0, bytes: 0 });
  });
});
