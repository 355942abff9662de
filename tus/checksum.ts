import { createHash, type Hash } from 'node:crypto';
import zlib from 'node:zlib';
import { isUploadError, refuse } from './errors';

/**
 * The checksum extension: `Upload-Checksum: <algorithm> <base64 digest>` on a
 * PATCH (or a creation-with-upload POST) is verified over the bytes of that
 * request before they become part of the upload. With checksum-trailer it
 * comes as a trailer, after the bytes, announced by `Trailer: Upload-Checksum`.
 */

interface Digest {
  update(chunk: Buffer): void;
  digest(): Buffer;
}

/** Digest lengths in bytes, used to refuse a malformed header before any byte is read. */
const ALGORITHMS = {
  sha1: 20,
  md5: 16,
  sha256: 32,
  sha512: 64,
  crc32: 4,
} as const;

export type ChecksumAlgorithm = keyof typeof ALGORITHMS;

/** In the order advertised by Tus-Checksum-Algorithm; sha1 is the one the protocol requires. */
export const CHECKSUM_ALGORITHMS = Object.keys(ALGORITHMS) as ChecksumAlgorithm[];

export interface ExpectedChecksum {
  algorithm: ChecksumAlgorithm;
  digest: Buffer;
}

/** What a request's bytes are verified against: its Upload-Checksum header, the trailer it announced, or nothing. */
export type RequestChecksum = ExpectedChecksum | 'trailer' | null;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Reads an Upload-Checksum header; null when there is none. A malformed value
 * or an algorithm not offered is an UploadError (400), so nothing is stored.
 */
export function parseUploadChecksum(header: string | null): ExpectedChecksum | null {
  return header === null ? null : parseChecksumValue(header);
}

/**
 * Whether a Trailer header (a comma-separated list of field names, in any
 * case) announces Upload-Checksum: the request's bytes then come before
 * their checksum (checksum-trailer).
 */
export function announcesChecksumTrailer(trailer: string | null): boolean {
  return trailer !== null && trailer.split(',').some((name) => name.trim().toLowerCase() === 'upload-checksum');
}

/**
 * Reads an Upload-Checksum trailer once the body has ended. Announced but
 * never sent, or malformed, it refuses the request as the header would (400),
 * for a body read to its end: the connection can serve the client's retry.
 */
export function parseChecksumTrailer(trailer: string | null): ExpectedChecksum {
  if (trailer === null) throw refuse.checksumTrailerMissing();
  try {
    return parseChecksumValue(trailer);
  } catch (error) {
    throw isUploadError(error) ? error.afterBody() : error;
  }
}

function parseChecksumValue(header: string): ExpectedChecksum {
  const match = /^([a-z0-9-]+) (\S+)$/.exec(header.trim());
  if (!match) throw refuse.badChecksumHeader('must be "<algorithm> <base64 digest>"');
  const [, name, encoded] = match;
  if (!isAlgorithm(name)) throw refuse.unsupportedChecksum(name, CHECKSUM_ALGORITHMS);
  if (!BASE64.test(encoded)) throw refuse.badChecksumHeader(`has a digest that is not base64 (${JSON.stringify(encoded)})`);
  const digest = Buffer.from(encoded, 'base64');
  if (digest.length !== ALGORITHMS[name]) {
    throw refuse.badChecksumHeader(`has a ${digest.length}-byte digest where ${name} has ${ALGORITHMS[name]} bytes`);
  }
  return { algorithm: name, digest };
}

/** How many bytes a digest of this algorithm has. */
export function digestLength(algorithm: ChecksumAlgorithm): number {
  return ALGORITHMS[algorithm];
}

function isAlgorithm(name: string): name is ChecksumAlgorithm {
  return Object.hasOwn(ALGORITHMS, name);
}

/** The digest of a request's bytes, fed chunk by chunk as they go to the store (no extra pass, no stream hop). */
export class ChunkDigest {
  private readonly state: Digest;

  constructor(readonly expected: ExpectedChecksum) {
    this.state = newDigest(expected.algorithm);
  }

  update(chunk: Buffer): void {
    this.state.update(chunk);
  }

  /** Whether the bytes fed so far match the expected digest; call once, after the last byte. */
  matches(): boolean {
    return this.state.digest().equals(this.expected.digest);
  }
}

/** Whether `bytes`, read to their end, are what `expected` describes (a chunk read back from where it was staged). */
export async function bytesMatch(expected: ExpectedChecksum, bytes: AsyncIterable<Buffer>): Promise<boolean> {
  const digest = new ChunkDigest(expected);
  for await (const chunk of bytes) digest.update(chunk);
  return digest.matches();
}

function newDigest(algorithm: ChecksumAlgorithm): Digest {
  if (algorithm === 'crc32') return new Crc32();
  const hash: Hash = createHash(algorithm);
  return { update: (chunk) => hash.update(chunk), digest: () => hash.digest() };
}

/** CRC-32 (IEEE, as zlib computes it); its digest is the 4-byte big-endian value. */
class Crc32 implements Digest {
  private value = 0;

  update(chunk: Buffer): void {
    this.value = zlib.crc32(chunk, this.value);
  }

  digest(): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value >>> 0);
    return out;
  }
}
