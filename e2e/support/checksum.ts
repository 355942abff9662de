import { createHash } from 'node:crypto';
import zlib from 'node:zlib';

/** The algorithms the server advertises in Tus-Checksum-Algorithm (issue 3 contract). */
export const CHECKSUM_ALGORITHMS = ['sha1', 'md5', 'sha256', 'sha512', 'crc32'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** The raw digest of the data; crc32 is the 4-byte big-endian CRC-32 (zlib / IEEE), as tus clients send it. */
export function digestOf(algorithm: ChecksumAlgorithm, data: Buffer | string): Buffer {
  if (algorithm !== 'crc32') return createHash(algorithm).update(data).digest();
  const digest = Buffer.alloc(4);
  digest.writeUInt32BE(zlib.crc32(data));
  return digest;
}

/** An `Upload-Checksum` value: `<algorithm> <base64 digest>`. */
export function uploadChecksum(algorithm: ChecksumAlgorithm, data: Buffer | string): string {
  return `${algorithm} ${digestOf(algorithm, data).toString('base64')}`;
}
