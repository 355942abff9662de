import type { Readable } from 'node:stream';
import { DataStore, type Upload } from '@tus/server';
import type { ConcatRole } from './concatenation';
import type { ExpectedChecksum } from './checksum';

/**
 * Optional capabilities a store may offer beyond the tus DataStore contract.
 * Each is a small interface a store implements or not (as in tusd); the
 * server composes what it advertises from the ones present (see
 * extensions.ts) instead of assuming a particular store.
 */

/** An upload together with the state the tus extensions keep beside it. */
export interface UploadState {
  upload: Upload;
  /** Its part in a concatenation, or null for an ordinary upload. */
  concat: ConcatRole | null;
  /** Creation or the last accepted write, whichever is later: the expiry clock. */
  lastActivity: Date;
  /** The subject that created it when access control is on (see access.ts); undefined in open mode. */
  owner?: string;
  /** The digest its bytes must have once complete (`<algorithm> <base64>`), when its creation gave one (Repr-Digest). */
  representation?: string;
}

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
  lastActivity: Date;
  concat: ConcatRole | null;
  /** The subject that created it when access control is on; undefined in open mode. */
  owner?: string;
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

/** Reads an upload with its extension state, and keeps its expiry clock. */
export interface StateKeeper {
  /** Throws the tus FILE_NOT_FOUND error when there is no such upload. */
  readState(id: string): Promise<UploadState>;
  /** Restarts the expiry clock: an accepted write that stored no byte still counts as activity. */
  touch(id: string): Promise<void>;
}

/** Bytes received but not yet part of the upload. */
export interface StagedChunk {
  readonly length: number;
  /** The staged bytes, read back: to verify them against a checksum that came after them (a trailer). */
  bytes(): Readable;
  /** Appends the bytes to the upload; returns the new offset. */
  commit(): Promise<number>;
  /** Forgets the bytes; the upload is as it was before they arrived. */
  discard(): Promise<void>;
}

/**
 * Receives a chunk so it can be verified before it counts (the checksum
 * extension): `checksum` is what the caller verifies it against, or null when
 * it comes after the bytes (checksum-trailer), `length` the chunk's length
 * when the request declared it. Until
 * commit(), the upload's offset does not change, also when the process dies,
 * and discard() leaves its bytes as they were.
 */
export interface ChunkStager {
  stageChunk(id: string, offset: number, data: Readable, checksum: ExpectedChecksum | null, length: number | null): Promise<StagedChunk>;
}

/** What a creation records beside the upload, besides what tus's Upload holds. */
export interface CreationDetails {
  /** Its part in a concatenation; absent for an ordinary upload. */
  concat?: ConcatRole;
  /** Who created it (access control); absent in open mode. */
  owner?: string;
  /** The digest its bytes must have once complete (`<algorithm> <base64>`); absent when none was given. */
  representation?: string;
  /**
   * The caller writes the upload's first bytes right after, and answers only
   * once that write resolved: the store may then let the creation's own
   * flushes run alongside that write, which resolves only when both are done.
   */
  bytesFollow?: boolean;
}

/** What a store records beside an upload from its creation details: only what is set, so an ordinary upload's record is as before. */
export function extensionState({ concat, owner, representation }: CreationDetails): Omit<CreationDetails, 'bytesFollow'> {
  return { ...(concat && { concat }), ...(owner !== undefined && { owner }), ...(representation !== undefined && { representation }) };
}

/** Creates uploads with the state our extensions keep beside them (DataStore.create() records none). */
export interface DetailedCreator {
  createUpload(upload: Upload, details: CreationDetails): Promise<void>;
}

/** Keeps partial and final uploads and assembles a final from its parts. */
export interface Concatenater extends DetailedCreator {
  /**
   * Writes the final's bytes: its parts, in order, streamed, never held in
   * memory. The final shows no bytes until all of them are in place.
   */
  assembleFinal(finalId: string, parts: string[]): Promise<void>;
  /** Final uploads not assembled yet, with their parts. */
  pendingFinals(): Promise<Array<{ id: string; parts: string[] }>>;
}

export function canList(store: DataStore): store is DataStore & UploadLister {
  return typeof (store as Partial<UploadLister>).listUploads === 'function';
}

export function canReadRange(store: DataStore): store is DataStore & RangeReader {
  return typeof (store as Partial<RangeReader>).readRange === 'function';
}

export function canKeepState(store: DataStore): store is DataStore & StateKeeper {
  return typeof (store as Partial<StateKeeper>).readState === 'function';
}

export function canStage(store: DataStore): store is DataStore & ChunkStager {
  return typeof (store as Partial<ChunkStager>).stageChunk === 'function';
}

export function canCreateWithDetails(store: DataStore): store is DataStore & DetailedCreator {
  return typeof (store as Partial<DetailedCreator>).createUpload === 'function';
}

export function canConcatenate(store: DataStore): store is DataStore & Concatenater & StateKeeper {
  return typeof (store as Partial<Concatenater>).assembleFinal === 'function' && canKeepState(store);
}

/** The base DataStore's remove() does nothing: only a store that overrides it can terminate. */
export function canTerminate(store: DataStore): boolean {
  return store.hasExtension('termination') && store.remove !== DataStore.prototype.remove;
}

/** Whether every byte of an upload is stored. */
export function isComplete(upload: Pick<Upload, 'size' | 'offset'>): boolean {
  return upload.size !== undefined && upload.offset === upload.size;
}
