import { randomBytes } from 'node:crypto';
import type { AppServer } from './app-server';
import { uploadIdOf, waitForStoredBytes } from './clients';
import { createUpload, patch, rawRequest, TUS, type RawResponse } from './http';
import { OpenPatch } from './open-patch';

export interface StalledResume {
  /** The upload, on the instance it was created on. */
  url: string;
  /** The file: `sent` bytes went in the stalled PATCH, the rest in the resume. */
  data: Buffer;
  sent: number;
  /** The stalled PATCH, still open: its answer, and a socket to send late bytes on. */
  stalled: OpenPatch;
  head: RawResponse;
  rest: RawResponse;
  /** From the resume's HEAD to its answer, and to the end of its PATCH. */
  headMs: number;
  resumeMs: number;
}

/**
 * A client that stalls mid-PATCH and another that resumes: an upload of
 * `size` bytes is created on `stallOn`, a PATCH there sends its head and
 * `sent` bytes and then nothing with the socket open; once those bytes are
 * on disk, the other client asks `resumeOn` (the same server or another
 * instance) for the offset with HEAD and PATCHes the rest there.
 */
export async function stallThenResume(stallOn: AppServer, resumeOn: AppServer, size: number, sent: number): Promise<StalledResume> {
  const data = randomBytes(size);
  const url = await createUpload(stallOn.endpoint, size);
  const stalled = new OpenPatch(url, 0, size);
  stalled.write(data.subarray(0, sent));
  await waitForStoredBytes(stallOn, uploadIdOf(url), sent);

  const resumeUrl = `${resumeOn.endpoint}/${uploadIdOf(url)}`;
  const started = Date.now();
  const head = await rawRequest(resumeUrl, { method: 'HEAD', headers: TUS });
  const headMs = Date.now() - started;
  const offset = Number(head.headers['upload-offset']);
  const rest = await patch(resumeUrl, offset, data.subarray(offset));
  return { url, data, sent, stalled, head, rest, headMs, resumeMs: Date.now() - started };
}
