/**
 * The expiration extension, with the policy a user of resumable uploads
 * expects: only unfinished uploads expire, and the clock restarts with every
 * accepted write, so a slow upload that keeps moving never expires under its
 * client. A completed upload is the user's file and never expires.
 */
export class ExpirationPolicy {
  constructor(readonly afterMs: number | null) {}

  get enabled(): boolean {
    return this.afterMs !== null;
  }

  /** When an unfinished upload last active at `lastActivity` expires; null when expiration is off. */
  expiresAt(lastActivity: Date): Date | null {
    return this.afterMs === null ? null : new Date(lastActivity.getTime() + this.afterMs);
  }

  hasExpired(lastActivity: Date, now = new Date()): boolean {
    const at = this.expiresAt(lastActivity);
    return at !== null && at.getTime() <= now.getTime();
  }
}

/** The Upload-Expires value: an RFC 9110 IMF-fixdate. */
export function formatExpiry(at: Date): string {
  return at.toUTCString();
}
