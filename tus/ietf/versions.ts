import { UploadError } from '../errors';
import type { UploadRequest } from '../http/request';

/**
 * The interop versions of the IETF draft "Resumable Uploads for HTTP"
 * (draft-ietf-httpbis-resumable-upload) this server speaks, and how each one
 * differs, as data: the handlers in this folder read these rules and never
 * test a version number. A client names its version with
 * `Upload-Draft-Interop-Version` on every request.
 */

/** The draft field a client names its interop version with. */
export const INTEROP_HEADER = 'Upload-Draft-Interop-Version';

/** The RFC 9457 problem types the drafts define, by the fragment of their URI. */
export type ProblemType = 'mismatching-upload-offset' | 'completed-upload' | 'inconsistent-upload-length';

/** The media type of an append's body from -04 (interop 6) on. */
export const PARTIAL_UPLOAD = 'application/partial-upload';

export interface DraftRules {
  readonly version: number;
  /** The drafts that carry this interop version, for messages and docs. */
  readonly drafts: string;
  /** The request and response field that says whether an upload is complete: -01 says it the other way round. */
  readonly completeness: 'Upload-Complete' | 'Upload-Incomplete';
  /**
   * What an append without that field means. To -05 a client "MUST" send it when the append does not end the upload,
   * so one without it ends it (Apple's reference server reads it so; tusd reads it the other way); from -06 on the
   * field is required.
   */
  readonly appendWithoutCompleteness: 'completes' | 'refused';
  /**
   * Whether an offset retrieval answers with `Upload-Length` (-05 on). A request's own is read in every version, as
   * tusd does: tus-js-client sends it in its -03 mode too, and its last append then may not say it completes.
   */
  readonly reportsLength: boolean;
  /** The Content-Type an append must carry; null where the version names none (any is taken). */
  readonly appendType: string | null;
  /** The status of an append that leaves the upload incomplete: -01 to -05 require 201 Created. */
  readonly appendStatus: 201 | 204;
  /** Request fields an offset retrieval (HEAD) must not carry, answered 400 (-01 to -05). */
  readonly notOnHead: readonly string[];
  /** Request fields a cancellation (DELETE) must not carry, answered 400 (-01 to -05). */
  readonly notOnDelete: readonly string[];
  /** The problem types this version defines; the others' refusals are plain text. */
  readonly problems: ReadonlySet<ProblemType>;
  /** `Upload-Limit` (-04 on), with the key of the remaining lifetime: `expires`, renamed `max-age` in -06. */
  readonly limits: { readonly lifetime: 'expires' | 'max-age' } | null;
  /** Whether every answer to a creation or append that did not complete the upload says so (-06 on). */
  readonly alwaysSaysComplete: boolean;
}

const OFFSET_AND_COMPLETE = ['Upload-Offset', 'Upload-Complete'];

// Each version as the changes of its drafts to the one before (the drafts' own change logs say the same).
const MINUS_01: DraftRules = {
  version: 3,
  drafts: '-01',
  completeness: 'Upload-Incomplete',
  appendWithoutCompleteness: 'completes',
  reportsLength: false,
  appendType: null,
  appendStatus: 201,
  notOnHead: ['Upload-Offset', 'Upload-Incomplete'],
  notOnDelete: ['Upload-Offset', 'Upload-Incomplete'],
  problems: new Set(),
  limits: null,
  alwaysSaysComplete: false,
};
const MINUS_02: DraftRules = {
  ...MINUS_01,
  version: 4,
  drafts: '-02',
  completeness: 'Upload-Complete',
  notOnHead: OFFSET_AND_COMPLETE,
  notOnDelete: OFFSET_AND_COMPLETE,
};
// -03 added progress in 104s (not sent here) and 200 for offset retrieval (204 is still answered).
const MINUS_03: DraftRules = { ...MINUS_02, version: 5, drafts: '-03' };
const MINUS_04_05: DraftRules = {
  ...MINUS_03,
  version: 6,
  drafts: '-04 and -05',
  reportsLength: true,
  appendType: PARTIAL_UPLOAD,
  notOnHead: [...OFFSET_AND_COMPLETE, 'Upload-Length'],
  problems: new Set(['mismatching-upload-offset', 'completed-upload']),
  limits: { lifetime: 'expires' },
};
const MINUS_06_08: DraftRules = {
  ...MINUS_04_05,
  version: 7,
  drafts: '-06 to -08',
  appendWithoutCompleteness: 'refused',
  appendStatus: 204,
  notOnHead: [],
  notOnDelete: [],
  problems: new Set(['mismatching-upload-offset', 'completed-upload', 'inconsistent-upload-length']),
  limits: { lifetime: 'max-age' },
  alwaysSaysComplete: true,
};
// -12 dropped the completed-upload problem type, but -09 to -11 share this interop version and define it.
const MINUS_09_12: DraftRules = { ...MINUS_06_08, version: 8, drafts: '-09 to -12' };

/** Interop 3 to 8: drafts -01 to -12. Interop 1 and 2 (-00 and earlier) named uploads by a client token. */
const RULES: readonly DraftRules[] = [MINUS_01, MINUS_02, MINUS_03, MINUS_04_05, MINUS_06_08, MINUS_09_12];

export const INTEROP_VERSIONS: readonly number[] = RULES.map((rules) => rules.version);

const BY_VERSION = new Map(RULES.map((rules) => [String(rules.version), rules]));

/** Whether a request speaks the draft rather than tus: it names an interop version, any. */
export function speaksDraft(req: UploadRequest): boolean {
  return req.header('upload-draft-interop-version') !== null;
}

/**
 * The rules of the interop version a request names. Another version is a 400
 * that lists ours: answering it by other rules could silently lose bytes.
 */
export function draftRules(req: UploadRequest): DraftRules {
  const sent = req.header('upload-draft-interop-version');
  const rules = sent === null ? undefined : BY_VERSION.get(sent.trim());
  if (rules) return rules;
  throw new UploadError(
    400,
    'ERR_UNSUPPORTED_INTEROP_VERSION',
    `${INTEROP_HEADER} ${JSON.stringify(sent?.slice(0, 40) ?? null)} is not served here; this server speaks interop versions ${INTEROP_VERSIONS.join(', ')}`,
  );
}
