import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Part } from '@aws-sdk/client-s3';
import { S3Store, type MetadataValue } from '@tus/s3-store';
import { ERRORS, TUS_RESUMABLE, Upload, type KvStore } from '@tus/server';
import type {
  ChunkStager,
  Concatenater,
  CreationDetails,
  RangeReader,
  StagedChunk,
  StateKeeper,
  StoredUpload,
  UploadLister,
  UploadState,
} from '../capabilities';
import { extensionState } from '../capabilities';
import type { ConcatRole } from '../concatenation';
import type { S3Settings } from '../config';
import { isUploadId } from '../upload-url';
import { reportUnavailableStorage, s3ClientConfig, timeRequests, type S3RequestTimer } from './s3-client';
import { stageInFile } from './staged-file';

const INFO_SUFFIX = '.info';
/** `pending/<id>` marks a final upload not assembled yet (the file store's `<id>.pending`). */
const PENDING_PREFIX = 'pending/';
/** S3's largest part, and so the largest object one UploadPartCopy can take whole. */
const MAX_COPY_PART = 5 * 2 ** 30;
/** Requests a listing sends at once. */
const LIST_CONCURRENCY = 16;

/** What the `<id>.info` object holds: the upload as @tus/s3-store writes it, plus our extension state. */
interface UploadRecord {
  id: string;
  size?: number;
  offset: number;
  metadata?: Record<string, string | null>;
  creation_date?: string;
  storage?: { type: string; path: string; bucket?: string };
  /** Absent for ordinary uploads. */
  concat?: ConcatRole;
  /** The subject that created the upload when access control is on. */
  owner?: string;
  /** The digest its bytes must have once complete; absent when its creation gave none. */
  representation?: string;
}

interface InfoObject {
  record: UploadRecord;
  /** The multipart upload receiving the bytes; empty for a final, which is assembled in one go. */
  uploadId: string;
  /** Rewritten by touch(): part of the expiry clock. */
  lastModified: Date;
}

interface ObjectStat {
  size: number;
  lastModified: Date;
}

/** An upload as found in the bucket. */
interface Inspection {
  info: InfoObject;
  offset: number;
  /** Set when the object is complete (the multipart upload was completed). */
  completedAt: Date | null;
  /** The latest of: info written, each part and the incomplete part uploaded, the object completed. */
  lastActivity: Date;
  /** The parts of a multipart upload still open, for the repair in readState(). */
  openParts: Part[] | null;
  /** The incomplete part (`<id>.part`), bytes not yet in a part. */
  incompletePart: ObjectStat | null;
}

/** Objects of the bucket seen in one listing, by key: spares a HEAD per upload. */
type Listing = Map<string, ObjectStat>;

export interface S3UploadStoreOptions {
  settings: S3Settings;
  /** Where @tus/s3-store keeps each upload's multipart id and length between requests; shared by every instance when it is Redis. */
  cache: KvStore<MetadataValue>;
  /** Folder for chunks staged while their checksum is verified (default: the system's temp folder). */
  stagingDir?: string;
  /** Measures each request to the service (metrics). */
  onRequest?: S3RequestTimer;
}

/**
 * Uploads in an S3-compatible bucket, on @tus/s3-store: one multipart upload
 * per upload, completed into the object `<id>` when the last byte arrives,
 * and the `<id>.info` object holding the upload's record (length, metadata,
 * concatenation role, owner).
 *
 * Several app instances may serve the same bucket. What an instance caches
 * (@tus/s3-store's `cache`: multipart id, length) is never trusted for the
 * state a request acts on: readState() reads the bucket, and a cached entry
 * whose length was still deferred is read again (the parent never refreshes
 * it, so a length declared elsewhere was never seen and the upload never
 * completed).
 *
 * The expiry clock needs no write per PATCH: an upload's last activity is
 * the latest LastModified of its info object (rewritten by touch()), of its
 * uploaded parts and of its incomplete part.
 */
export class S3UploadStore extends S3Store implements UploadLister, RangeReader, StateKeeper, ChunkStager, Concatenater {
  private readonly settings: S3Settings;
  private readonly stagingDir: string;

  constructor({ settings, cache, stagingDir = os.tmpdir(), onRequest }: S3UploadStoreOptions) {
    super({ partSize: settings.partSize, cache, s3ClientConfig: s3ClientConfig(settings) });
    this.settings = settings;
    this.stagingDir = stagingDir;
    reportUnavailableStorage(this.client);
    if (onRequest) timeRequests(this.client, onRequest);
    // The parent's `expiration` counts from creation and ignores completion: expiration is the
    // server's policy (expiration.ts, sweeper.ts) on top of readState() and touch().
    this.extensions = ['creation', 'creation-with-upload', 'creation-defer-length', 'termination'];
  }

  /** Where uploads go, for the start-up line. */
  get location(): string {
    return `s3://${this.bucket} at ${this.settings.endpoint?.origin ?? `AWS ${this.settings.region}`}`;
  }

  /**
   * Checks at start-up that the bucket exists and the credentials reach it:
   * a clear start-up error instead of every upload failing. The bucket is
   * not created here: its policy and lifecycle rules are the operator's.
   * Nothing else needs repair: readState() completes a multipart upload
   * whose last part arrived before a crash, and a HEAD assembles a final a
   * crash interrupted.
   */
  async recoverAfterRestart(): Promise<void> {
    try {
      await this.client.headBucket({ Bucket: this.bucket });
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const where = `S3 bucket "${this.bucket}" at ${this.settings.endpoint?.origin ?? `AWS ${this.settings.region}`}`;
      if (status === 404) throw new Error(`${where} does not exist: create it first (S3_BUCKET)`);
      if (status === 403 || status === 401) throw new Error(`${where} refuses these credentials (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY)`);
      throw new Error(`${where} cannot be reached: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  override async create(upload: Upload): Promise<Upload> {
    await this.createUpload(upload, {});
    return upload;
  }

  /** create(), with the upload's role in a concatenation and its owner recorded in its info object. */
  async createUpload(upload: Upload, { concat, owner, representation }: CreationDetails): Promise<void> {
    upload.creation_date = new Date().toISOString();
    upload.storage = { type: 's3', path: upload.id, bucket: this.bucket };
    const final = concat?.kind === 'final';
    // The marker comes first: a crash then leaves a marker without an upload
    // (ignored), never a final nobody will assemble.
    if (final) await this.putObject(`${PENDING_PREFIX}${upload.id}`, '');
    // A final gets its multipart upload when it is assembled.
    const uploadId = final ? '' : await this.openMultipart(upload.id);
    const record: UploadRecord = { ...uploadRecordOf(upload), ...extensionState({ concat, owner, representation }) };
    await this.putInfo(record, uploadId);
    // No PATCH ever comes for an empty upload: it is complete now.
    if (!final && upload.size === 0) await this.finishMultipartUpload(this.metadataValue(record, uploadId), []);
  }

  override async getUpload(id: string): Promise<Upload> {
    return (await this.readState(id)).upload;
  }

  async readState(id: string): Promise<UploadState> {
    const found = await this.inspect(id);
    if (found === 'no-info') throw ERRORS.FILE_NOT_FOUND;
    if (found === 'gone') throw ERRORS.FILE_NO_LONGER_EXISTS;
    let { offset, lastActivity } = found;
    const { info, openParts, incompletePart } = found;
    const { record } = info;
    if (openParts && record.size !== undefined && offset === record.size) {
      // Every byte is stored but the object was never completed (the process
      // died in between, or a writer still believed the length deferred):
      // complete it now rather than report bytes that cannot be downloaded.
      // Callers hold the upload's lock.
      const metadata = this.metadataValue(record, info.uploadId);
      const parts = incompletePart ? [...openParts, await this.promoteIncompletePart(metadata, openParts)] : openParts;
      await this.finishMultipartUpload(metadata, parts);
      if (incompletePart) await this.deleteIncompletePart(id);
      await this.clearCache(id);
      const object = await this.statObject(id);
      if (object) ({ size: offset, lastModified: lastActivity } = object);
    }
    const upload = new Upload({
      id,
      size: record.size,
      offset,
      metadata: record.metadata,
      creation_date: record.creation_date,
      storage: record.storage,
    });
    return { upload, concat: record.concat ?? null, lastActivity, owner: record.owner, representation: record.representation };
  }

  async touch(id: string): Promise<void> {
    const info = await this.readInfo(id);
    if (!info) throw ERRORS.FILE_NOT_FOUND;
    await this.putInfo(info.record, info.uploadId);
  }

  override async declareUploadLength(id: string, length: number): Promise<void> {
    // Read and written whole: the parent's version writes back its cached
    // record, which would drop the concatenation role and the owner.
    const info = await this.readInfo(id);
    if (!info) throw ERRORS.FILE_NOT_FOUND;
    await this.putInfo({ ...info.record, size: length }, info.uploadId);
    await this.clearCache(id);
  }

  async listUploads(): Promise<StoredUpload[]> {
    const listing = await this.listObjects('');
    const ids = [...listing.keys()]
      .filter((key) => key.endsWith(INFO_SUFFIX))
      .map((key) => key.slice(0, -INFO_SUFFIX.length))
      .filter(isUploadId);
    const uploads = await mapLimited(ids, LIST_CONCURRENCY, (id) => this.describe(id, listing));
    return uploads.filter((upload): upload is StoredUpload => upload !== null);
  }

  async describeUpload(id: string): Promise<StoredUpload | null> {
    return this.describe(id);
  }

  async readRange(id: string, start: number, endInclusive: number): Promise<ReadableStream<Uint8Array>> {
    const { Body } = await this.client.getObject({ Bucket: this.bucket, Key: id, Range: `bytes=${start}-${endInclusive}` });
    if (!Body) throw ERRORS.FILE_NOT_FOUND;
    // A Node stream underneath: read as the client reads, never buffered whole.
    return Body.transformToWebStream() as ReadableStream<Uint8Array>;
  }

  /**
   * Stages a chunk in a local file while its checksum is computed; only
   * commit() sends it to the bucket, so a mismatch leaves the upload exactly
   * as it was. A crash leaves at most a stray file in the staging folder.
   */
  async stageChunk(id: string, offset: number, data: Readable): Promise<StagedChunk> {
    const file = path.join(this.stagingDir, `tus-s3-chunk-${id}-${randomBytes(6).toString('hex')}`);
    return stageInFile(data, file, (staged) => this.write(staged, id, offset));
  }

  /**
   * Writes a final: a fresh multipart upload filled from its parts, then
   * completed, so the object appears whole or not at all. When every part
   * but the last is at least S3's minimum part size, the bucket copies them
   * itself (UploadPartCopy) and no byte passes through this process;
   * otherwise the parts are streamed through, re-cut into parts.
   */
  async assembleFinal(finalId: string, parts: string[]): Promise<void> {
    const info = await this.readInfo(finalId);
    if (!info) throw ERRORS.FILE_NOT_FOUND;
    const sizes = await Promise.all(parts.map((part) => this.statObject(part)));
    const total = sizes.reduce((sum, stat) => {
      if (!stat) throw ERRORS.FILE_NOT_FOUND;
      return sum + stat.size;
    }, 0);
    let { record } = info;
    if (record.size === undefined) {
      // Parts created with a deferred length: the final's length is known only now.
      record = { ...record, size: total };
      await this.putInfo(record, '');
    }
    const uploadId = await this.openMultipart(finalId);
    const metadata = this.metadataValue(record, uploadId);
    try {
      // Empty parts add nothing, and S3 would refuse them as parts.
      const nonEmpty = parts.map((part, index) => ({ part, size: sizes[index]?.size ?? 0 })).filter(({ size }) => size > 0);
      const copyable =
        nonEmpty.length <= this.maxMultipartParts &&
        nonEmpty.every(({ size }, index) => size <= MAX_COPY_PART && (index === nonEmpty.length - 1 || size >= this.minPartSize));
      let uploaded: Part[];
      if (copyable) {
        uploaded = await this.copyParts(
          finalId,
          uploadId,
          nonEmpty.map(({ part }) => part),
        );
      } else {
        await this.uploadParts(metadata, Readable.from(this.concatenatedBodies(parts)), 1, 0);
        uploaded = await this.openPartsOf(finalId, uploadId);
      }
      await this.finishMultipartUpload(metadata, uploaded);
    } catch (error) {
      await this.client.abortMultipartUpload({ Bucket: this.bucket, Key: finalId, UploadId: uploadId }).catch(() => undefined);
      throw error;
    }
    await this.deleteObject(`${PENDING_PREFIX}${finalId}`);
    // A part's clean-up clock restarts when a final uses it.
    await Promise.all([...new Set(parts)].map((part) => this.touch(part).catch(() => undefined)));
  }

  async pendingFinals(): Promise<Array<{ id: string; parts: string[] }>> {
    const markers = [...(await this.listObjects(PENDING_PREFIX)).keys()].map((key) => key.slice(PENDING_PREFIX.length)).filter(isUploadId);
    const finals = await mapLimited(markers, LIST_CONCURRENCY, async (id) => {
      const info = await this.readInfo(id);
      if (info?.record.concat?.kind !== 'final') return null;
      if (await this.statObject(id)) {
        // Assembled, but the process stopped before it dropped the marker.
        await this.deleteObject(`${PENDING_PREFIX}${id}`);
        return null;
      }
      return { id, parts: info.record.concat.parts };
    });
    return finals.filter((final): final is { id: string; parts: string[] } => final !== null);
  }

  /**
   * Aborts the multipart upload, deletes the object, the incomplete part and
   * the pending marker, and the info object last: a crash in between leaves
   * an upload that answers 410, never one that looks intact.
   */
  override async remove(id: string): Promise<void> {
    const info = await this.readInfo(id);
    if (!info) throw ERRORS.FILE_NOT_FOUND;
    if (info.uploadId) {
      await this.client.abortMultipartUpload({ Bucket: this.bucket, Key: id, UploadId: info.uploadId }).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    }
    await Promise.all([id, this.partKey(id, true), `${PENDING_PREFIX}${id}`].map((key) => this.deleteObject(key)));
    await this.deleteObject(this.infoKey(id));
    await this.clearCache(id);
  }

  /**
   * The parent's cached multipart id and record, for its write path. A cached
   * record whose length was deferred is read again from the bucket: the
   * length may have been declared since, here or on another instance.
   */
  protected override async getMetadata(id: string): Promise<MetadataValue> {
    const cached = await this.cache.get(id);
    if (cached && cached.file.size !== undefined) return cached;
    const info = await this.readInfo(id);
    if (!info) throw ERRORS.FILE_NOT_FOUND;
    const value = this.metadataValue(info.record, info.uploadId);
    await this.cache.set(id, value);
    return value;
  }

  private async describe(id: string, listing?: Listing): Promise<StoredUpload | null> {
    const found = await this.inspect(id, listing);
    if (found === 'no-info' || found === 'gone') return null;
    const { record } = found.info;
    return {
      id,
      size: record.size,
      offset: found.offset,
      metadata: record.metadata ?? {},
      createdAt: record.creation_date ? new Date(record.creation_date) : found.info.lastModified,
      completedAt: found.completedAt,
      lastActivity: found.lastActivity,
      concat: record.concat ?? null,
      owner: record.owner,
    };
  }

  /**
   * Where an upload stands, from the bucket: complete when its object exists;
   * otherwise its offset is what its open multipart upload and incomplete
   * part hold. 'gone' when the info is there but the bytes are not (a
   * removal stopped half-way).
   */
  private async inspect(id: string, listing?: Listing): Promise<Inspection | 'no-info' | 'gone'> {
    const info = await this.readInfo(id);
    if (!info) return 'no-info';
    const object = listing ? (listing.get(id) ?? null) : await this.statObject(id);
    if (object) {
      return {
        info,
        offset: object.size,
        completedAt: object.lastModified,
        lastActivity: latest([info.lastModified, object.lastModified]),
        openParts: null,
        incompletePart: null,
      };
    }
    if (info.record.concat?.kind === 'final') {
      return { info, offset: 0, completedAt: null, lastActivity: info.lastModified, openParts: null, incompletePart: null };
    }
    if (!info.uploadId) return 'gone';
    let parts: Part[];
    try {
      parts = await this.openPartsOf(id, info.uploadId);
    } catch (error) {
      if (isMissing(error)) return 'gone';
      throw error;
    }
    const incomplete = listing ? (listing.get(this.partKey(id, true)) ?? null) : await this.statObject(this.partKey(id, true));
    const offset = parts.reduce((sum, part) => sum + (part.Size ?? 0), 0) + (incomplete?.size ?? 0);
    const times = [info.lastModified, ...parts.map((part) => part.LastModified), incomplete?.lastModified];
    return {
      info,
      offset,
      completedAt: null,
      lastActivity: latest(times.filter((time): time is Date => time !== undefined)),
      openParts: parts,
      incompletePart: incomplete,
    };
  }

  /** Uploads the incomplete part as the last part of the multipart upload (it is smaller than a part: held in memory). */
  private async promoteIncompletePart(metadata: MetadataValue, parts: Part[]): Promise<Part> {
    const body = await this.getIncompletePart(metadata.file.id);
    if (!body) throw ERRORS.FILE_NOT_FOUND;
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    const partNumber = (parts.at(-1)?.PartNumber ?? 0) + 1;
    const etag = await this.uploadPart(metadata, Buffer.concat(chunks), partNumber);
    return { PartNumber: partNumber, ETag: etag };
  }

  private async readInfo(id: string): Promise<InfoObject | null> {
    try {
      const { Body, Metadata, LastModified } = await this.client.getObject({ Bucket: this.bucket, Key: this.infoKey(id) });
      const record = JSON.parse((await Body?.transformToString()) ?? '') as UploadRecord;
      return { record, uploadId: Metadata?.['upload-id'] ?? '', lastModified: LastModified ?? new Date(0) };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  private async putInfo(record: UploadRecord, uploadId: string): Promise<void> {
    await this.client.putObject({
      Bucket: this.bucket,
      Key: this.infoKey(record.id),
      Body: JSON.stringify(record),
      ContentType: 'application/json',
      // Where @tus/s3-store keeps them too, so its own reads agree.
      Metadata: { 'upload-id': uploadId, 'tus-version': TUS_RESUMABLE },
    });
  }

  private async openMultipart(key: string): Promise<string> {
    const { UploadId } = await this.client.createMultipartUpload({
      Bucket: this.bucket,
      Key: key,
      Metadata: { 'tus-version': TUS_RESUMABLE },
    });
    if (!UploadId) throw new Error(`the storage service gave no multipart upload id for ${key}`);
    return UploadId;
  }

  private metadataValue(record: UploadRecord, uploadId: string): MetadataValue {
    const file = new Upload({
      id: record.id,
      size: record.size,
      offset: 0,
      metadata: record.metadata,
      creation_date: record.creation_date,
      storage: record.storage,
    });
    return { file, 'upload-id': uploadId, 'tus-version': TUS_RESUMABLE };
  }

  /** The parts of an open multipart upload, in order; throws NoSuchUpload when it was completed or aborted. */
  private async openPartsOf(key: string, uploadId: string): Promise<Part[]> {
    const parts: Part[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.client.listParts({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker });
      parts.push(...(page.Parts ?? []));
      if (!page.IsTruncated || !page.NextPartNumberMarker) break;
      marker = page.NextPartNumberMarker;
    }
    return parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
  }

  private async copyParts(finalId: string, uploadId: string, parts: string[]): Promise<Part[]> {
    const copied: Part[] = [];
    for (const [index, part] of parts.entries()) {
      const { CopyPartResult } = await this.client.uploadPartCopy({
        Bucket: this.bucket,
        Key: finalId,
        UploadId: uploadId,
        PartNumber: index + 1,
        CopySource: `${this.bucket}/${encodeURIComponent(part)}`,
      });
      copied.push({ PartNumber: index + 1, ETag: CopyPartResult?.ETag });
    }
    return copied;
  }

  /** The parts' objects one after the other, each fetched when the previous one is read. */
  private async *concatenatedBodies(parts: string[]): AsyncGenerator<Uint8Array> {
    for (const part of parts) {
      const { Body } = await this.client.getObject({ Bucket: this.bucket, Key: part });
      if (!Body) throw ERRORS.FILE_NOT_FOUND;
      yield* Body as Readable;
    }
  }

  private async statObject(key: string): Promise<ObjectStat | null> {
    try {
      const { ContentLength, LastModified } = await this.client.headObject({ Bucket: this.bucket, Key: key });
      return { size: ContentLength ?? 0, lastModified: LastModified ?? new Date(0) };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /** Every object under `prefix`, with its size and date. */
  private async listObjects(prefix: string): Promise<Listing> {
    const listing: Listing = new Map();
    let token: string | undefined;
    do {
      const page = await this.client.listObjectsV2({ Bucket: this.bucket, Prefix: prefix || undefined, ContinuationToken: token });
      for (const { Key, Size, LastModified } of page.Contents ?? []) {
        if (Key) listing.set(Key, { size: Size ?? 0, lastModified: LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return listing;
  }

  private async putObject(key: string, body: string): Promise<void> {
    await this.client.putObject({ Bucket: this.bucket, Key: key, Body: body });
  }

  private async deleteObject(key: string): Promise<void> {
    // Deleting a key that does not exist succeeds in S3.
    await this.client.deleteObject({ Bucket: this.bucket, Key: key });
  }
}

function uploadRecordOf(upload: Upload): UploadRecord {
  const { id, size, offset, metadata, creation_date, storage } = upload;
  return { id, size, offset, metadata, creation_date, storage };
}

/** Whether an S3 failure says the key, object or multipart upload does not exist. */
function isMissing(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchUpload' || $metadata?.httpStatusCode === 404;
}

function latest(dates: Date[]): Date {
  return new Date(Math.max(...dates.map((date) => date.getTime())));
}

/** `map` with at most `limit` calls running at once, results in order. */
async function mapLimited<T, R>(items: T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
