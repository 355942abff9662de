import type { DataStore } from '@tus/server';
import { canList, type StoredUpload } from './capabilities';
import { safeContentType } from './downloads';
import { declaredType, displayName } from './metadata';
import type { UploadRoute } from './upload-url';

/** A completed upload as the uploads page and `/api/uploads` show it. */
export interface CompletedUpload {
  id: string;
  name: string;
  size: number;
  /** The declared type when it is one the server will serve as such, else application/octet-stream. */
  type: string;
  completedAt: string;
  /** Where to download it (relative to the site). */
  url: string;
}

/** A listed upload with the subject it belongs to, so one read of the store serves every visitor. */
export interface CatalogEntry {
  upload: CompletedUpload;
  owner: string | undefined;
}

/**
 * Every completed upload, newest first. Unfinished uploads and the pieces of
 * parallel uploads (partials) are not listed.
 */
export async function readCatalog(store: DataStore, route: UploadRoute): Promise<CatalogEntry[]> {
  if (!canList(store)) return [];
  const uploads = await store.listUploads();
  return uploads.flatMap((upload) => entryOf(upload, route) ?? []).sort(newestFirst);
}

/** One upload's entry as readCatalog would list it, or null when it is not listed (unfinished, a partial, gone). */
export async function readCatalogEntry(store: DataStore, route: UploadRoute, id: string): Promise<CatalogEntry | null> {
  if (!canList(store)) return null;
  const upload = await store.describeUpload(id);
  return upload === null ? null : entryOf(upload, route);
}

/** The catalog's order: newest completion first, then by id. */
export function newestFirst(a: CatalogEntry, b: CatalogEntry): number {
  return Date.parse(b.upload.completedAt) - Date.parse(a.upload.completedAt) || a.upload.id.localeCompare(b.upload.id);
}

function entryOf(upload: StoredUpload, route: UploadRoute): CatalogEntry | null {
  if (upload.completedAt === null || upload.size === undefined || upload.concat?.kind === 'partial') return null;
  return {
    owner: upload.owner,
    upload: {
      id: upload.id,
      name: displayName(upload.metadata, upload.id),
      size: upload.size,
      type: safeContentType(declaredType(upload.metadata)),
      completedAt: upload.completedAt.toISOString(),
      url: route.urlOf(encodeURIComponent(upload.id)),
    },
  };
}
