import type { DataStore } from '@tus/server';

/**
 * Optional capabilities a store may offer beyond the tus DataStore contract.
 * Each is a small interface a store implements or not (as in tusd); the
 * endpoint checks for them instead of assuming a particular store.
 */

/** An upload as kept by a store, with the dates the uploads page shows. */
export interface StoredUpload {
  id: string;
  /** Declared length, or undefined while the length is deferred. */
  size: number | undefined;
  /** Bytes stored so far. */
  offset: number;
  metadata: Record<string, string | null>;
  createdAt: Date;
  /** When the last byte was stored; null while incomplete. */
  completedAt: Date | null;
}

/** Lists and describes the uploads the store holds. */
export interface UploadLister {
  listUploads(): Promise<StoredUpload[]>;
  /** One upload, or null when the store has no such upload. */
  describeUpload(id: string): Promise<StoredUpload | null>;
}

/** Streams a byte range of an upload's data (inclusive bounds, like HTTP). */
export interface RangeReader {
  readRange(id: string, start: number, endInclusive: number): Promise<ReadableStream<Uint8Array>>;
}

export function canList(store: DataStore): store is DataStore & UploadLister {
  return typeof (store as Partial<UploadLister>).listUploads === 'function';
}

export function canReadRange(store: DataStore): store is DataStore & RangeReader {
  return typeof (store as Partial<RangeReader>).readRange === 'function';
}
