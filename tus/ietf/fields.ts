/**
 * The structured field values (RFC 8941) the drafts use, read leniently: from
 * -06 on, a field whose value is not of its type "MUST cause the entire
 * header field to be ignored", so these return null for it as for an absent
 * one, and the caller decides whether the field was required.
 */

/** An sf-boolean (`?0`, `?1`). */
export function booleanField(value: string | null): boolean | null {
  const trimmed = value?.trim();
  return trimmed === '?1' ? true : trimmed === '?0' ? false : null;
}

/** A non-negative sf-integer: at most 15 digits, so every value is a safe integer. */
export function integerField(value: string | null): number | null {
  const trimmed = value?.trim();
  return trimmed !== undefined && /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : null;
}

/**
 * The members of a Digest field (RFC 9530, `Content-Digest` or
 * `Repr-Digest`): a Dictionary of byte sequences, `sha-256=:<base64>:`, by
 * lower-case algorithm. Parameters are dropped; a member that is not a byte
 * sequence is skipped, as a recipient may ignore what it cannot use.
 */
export function digestField(value: string | null): Map<string, string> {
  const members = new Map<string, string>();
  if (value === null) return members;
  for (const member of value.split(',')) {
    const match = /^\s*([a-z*][a-z0-9_.*-]*)\s*=\s*:([A-Za-z0-9+/]*={0,2}):\s*(?:;.*)?$/.exec(member);
    if (match) members.set(match[1], match[2]);
  }
  return members;
}

/**
 * The file name a `Content-Disposition` field gives (RFC 6266): `filename*`
 * (RFC 8187, UTF-8 percent-encoded) before `filename`, or null.
 */
export function dispositionFilename(value: string | null): string | null {
  if (value === null) return null;
  const extended = /;\s*filename\*\s*=\s*utf-8'[^']*'([^;\s]+)/i.exec(value);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]);
    } catch {
      // A malformed percent-encoding: the plain parameter, if any, still names the file.
    }
  }
  const plain = /;\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s"]+))/i.exec(value);
  if (!plain) return null;
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2];
}

/** The media type of a Content-Type value, lower case, without parameters. */
export function mediaType(value: string | null): string | null {
  if (value === null) return null;
  const type = value.split(';')[0].trim().toLowerCase();
  return type === '' ? null : type;
}
