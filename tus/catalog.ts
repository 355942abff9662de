import type { DataStore } from '@tus/server';
import { canList } from './capabilities';
import { safeContentType } from './downloads';
import { declaredType, displayName } from './metadata';

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
export async function readCatalog(store: DataStore, routePath: string): Promise<CatalogEntry[]> {
  if (!canList(store)) return [];
  const uploads = await store.listUploads();
  return uploads
    .filter(
      (upload): upload is typeof upload & { completedAt: Date; size: number } =>
        upload.completedAt !== null && upload.size !== undefined && upload.concat?.kind !== 'partial',
    )
    .sort((a, b) => b.completedAt.getTime() - a.completedAt.getTime() || a.id.localeCompare(b.id))
    .map((upload) => ({
      owner: upload.owner,
      upload: {
        id: upload.id,
        name: displayName(upload.metadata, upload.id),
        size: upload.size,
        type: safeContentType(declaredType(upload.metadata)),
        completedAt: upload.completedAt.toISOString(),
        url: `${routePath}/${encodeURIComponent(upload.id)}`,
      },
    }));
}
