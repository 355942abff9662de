import fs from 'node:fs';
import path from 'node:path';
import type { AppServer } from './app-server';
import { uploadIdOf } from './clients';
import { sha256 } from './files';
import { head } from './http';

/** The data file of an upload on the server's disk (`<UPLOAD_DIR>/<id>`). */
export function dataFileOf(app: AppServer, url: string): string {
  return path.join(app.uploadDir, uploadIdOf(url));
}

/** The info file of an upload on the server's disk (`<UPLOAD_DIR>/<id>.json`). */
export function infoFileOf(app: AppServer, url: string): string {
  return `${dataFileOf(app, url)}.json`;
}

/** What the server says (HEAD) and what its disk holds for one upload: two snapshots are equal when nothing changed. */
export interface UploadState {
  status: number;
  offset: string | string[] | undefined;
  bytes: number;
  sha256: string;
}

/** The bytes the server's disk holds for an upload: its data file, or for a final the pieces its folder links, in order. */
export function storedBytes(app: AppServer, url: string): Buffer {
  const data = dataFileOf(app, url);
  if (!fs.statSync(data).isDirectory()) return fs.readFileSync(data);
  return Buffer.concat(
    fs
      .readdirSync(data)
      .sort()
      .map((piece) => fs.readFileSync(path.join(data, piece))),
  );
}

export async function uploadState(app: AppServer, url: string): Promise<UploadState> {
  const res = await head(url);
  const data = storedBytes(app, url);
  return { status: res.status, offset: res.headers['upload-offset'], bytes: data.length, sha256: sha256(data) };
}

/** Every entry of the upload folder, sorted: compare two listings to prove a request created nothing. */
export function uploadFolder(app: AppServer): string[] {
  return fs.readdirSync(app.uploadDir, { recursive: true, encoding: 'utf8' }).sort();
}
