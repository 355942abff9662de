import { digestLength, type ChecksumAlgorithm, type ExpectedChecksum } from '../checksum';
import { UploadError } from '../errors';
import type { UploadRequest } from '../http/request';
import { digestField } from './fields';

/**
 * Integrity digests (RFC 9530) on draft requests, verified with the checksum
 * extension's machinery: `Content-Digest` covers one request's content and
 * is verified before its bytes count; `Repr-Digest` on a creation covers the
 * whole upload and is verified once it is complete.
 */

/** RFC 9530's names of the algorithms this server computes, strongest first (crc32c, adler and the unix sums are not among them). */
const ALGORITHMS: ReadonlyArray<readonly [name: string, algorithm: ChecksumAlgorithm]> = [
  ['sha-512', 'sha512'],
  ['sha-256', 'sha256'],
  ['sha', 'sha1'],
  ['md5', 'md5'],
];

export type DigestField = 'Content-Digest' | 'Repr-Digest';

/**
 * The strongest digest of the field that this server can compute, or null
 * when the field names none: a recipient may ignore a digest it cannot
 * compute (RFC 9530). One of the wrong length for its algorithm is a 400.
 */
export function digestOf(req: UploadRequest, field: DigestField): ExpectedChecksum | null {
  const members = digestField(req.header(field.toLowerCase()));
  for (const [name, algorithm] of ALGORITHMS) {
    const encoded = members.get(name);
    if (encoded === undefined) continue;
    const digest = Buffer.from(encoded, 'base64');
    if (digest.length !== digestLength(algorithm)) {
      throw new UploadError(
        400,
        'ERR_INVALID_DIGEST',
        `${field} has a ${digest.length}-byte ${name} digest where ${name} has ${digestLength(algorithm)} bytes; nothing was stored`,
      );
    }
    return { algorithm, digest };
  }
  return null;
}

/** A representation digest as the store records it: Upload-Checksum's form, which parseUploadChecksum reads back at completion. */
export function recordedDigest(expected: ExpectedChecksum): string {
  return `${expected.algorithm} ${expected.digest.toString('base64')}`;
}
