import { UploadError } from '../errors';
import type { AnswerHeaders } from '../http/answer';
import type { UploadRequest } from '../http/request';
import { booleanField, integerField } from './fields';
import type { DraftRules, ProblemType } from './versions';

/** Where the drafts register their problem types (RFC 9457). */
const PROBLEM_TYPES = 'https://iana.org/assignments/http-problem-types#';

/** Says in an answer whether the upload is complete, in the version's own field (-01 says it the other way round). */
export function sayComplete(headers: AnswerHeaders, rules: DraftRules, complete: boolean): void {
  if (rules.completeness === 'Upload-Complete') headers['Upload-Complete'] = complete ? '?1' : '?0';
  else headers['Upload-Incomplete'] = complete ? '?0' : '?1';
}

/**
 * `Upload-Limit` where the version has it: the engine's largest upload and,
 * for an unfinished upload, the seconds it has left before it expires. A
 * server without limits says `min-size=0` (an empty field is not allowed).
 * Expiry slides with every write, so the lifetime never shrinks between two
 * answers, as -09 on ask.
 */
export function uploadLimit(rules: DraftRules, maxSize: number, expiresAt: Date | null): string | null {
  if (!rules.limits) return null;
  const members: string[] = [];
  if (maxSize > 0) members.push(`max-size=${maxSize}`);
  if (expiresAt) members.push(`${rules.limits.lifetime}=${Math.max(0, Math.round((expiresAt.getTime() - Date.now()) / 1000))}`);
  return members.length > 0 ? members.join(', ') : 'min-size=0';
}

/**
 * Whether a creation or an append says it ends the upload. A creation must
 * say either way (the field is what makes it resumable); an append without
 * it means what its version says.
 */
export function requestCompletes(req: UploadRequest, rules: DraftRules, kind: 'creation' | 'append'): boolean {
  const value = booleanField(req.header(rules.completeness.toLowerCase()));
  if (value !== null) return rules.completeness === 'Upload-Complete' ? value : !value;
  if (kind === 'append' && rules.appendWithoutCompleteness === 'completes') return true;
  throw new UploadError(
    400,
    'ERR_INVALID_UPLOAD_COMPLETE',
    `a ${kind} of interop version ${rules.version} needs ${rules.completeness}: ?0 or ?1 (a structured boolean)`,
  );
}

/**
 * The upload length a creation or append indicates: `Upload-Length` (read in
 * every version, see DraftRules.reportsLength), and the end of a request that
 * completes the upload with a known length (Content-Length, or no body at
 * all). Two that disagree are refused before a byte is read.
 */
export function indicatedLength(req: UploadRequest, rules: DraftRules, offset: number, completes: boolean): number | undefined {
  const declared = integerField(req.header('upload-length'));
  // Without Content-Length or Transfer-Encoding an HTTP/1.1 request has no body.
  const ending = completes && req.header('transfer-encoding') === null ? offset + (integerField(req.header('content-length')) ?? 0) : null;
  if (declared !== null && ending !== null && declared !== ending) {
    throw refuseDraft.inconsistentLength(
      rules,
      `Upload-Length says ${declared} bytes, but this request completes the upload at byte ${ending}`,
    );
  }
  return declared ?? ending ?? undefined;
}

interface Problem {
  type: ProblemType;
  /** The title the draft gives the type. */
  title: string;
  members?: Record<string, number>;
}

/**
 * A refusal in the version's words: an RFC 9457 problem where the version
 * defines the type (with our stable code and message beside the draft's
 * members), plain text as every other refusal where it does not.
 */
function refusal(
  rules: DraftRules,
  status: number,
  code: string,
  message: string,
  problem: Problem,
  headers: AnswerHeaders = {},
): UploadError {
  if (!rules.problems.has(problem.type)) return new UploadError(status, code, message, headers);
  const body = JSON.stringify({ type: `${PROBLEM_TYPES}${problem.type}`, title: problem.title, detail: message, code, ...problem.members });
  return new UploadError(status, code, message, { ...headers, 'Content-Type': 'application/problem+json' }, false, body);
}

/** The refusals only the draft has, or that it words its own way. */
export const refuseDraft = {
  offsetMismatch: (rules: DraftRules, provided: number, expected: number) =>
    refusal(
      rules,
      409,
      'ERR_MISMATCHED_OFFSET',
      `Upload-Offset is ${provided} but the upload holds ${expected} bytes; resume from ${expected}`,
      {
        type: 'mismatching-upload-offset',
        title: 'offset from request does not match offset of resource',
        members: { 'expected-offset': expected, 'provided-offset': provided },
      },
      { 'Upload-Offset': String(expected) },
    ),
  completed: (rules: DraftRules) =>
    refusal(rules, 400, 'ERR_UPLOAD_COMPLETED', 'this upload is complete and takes no more bytes', {
      type: 'completed-upload',
      title: 'upload is already completed',
    }),
  inconsistentLength: (rules: DraftRules, why: string) =>
    refusal(rules, 400, 'ERR_INCONSISTENT_LENGTH', why, {
      type: 'inconsistent-upload-length',
      title: 'inconsistent length values for upload',
    }),
  offset: (sent: string | null) =>
    new UploadError(
      400,
      'ERR_INVALID_OFFSET',
      sent === null
        ? 'an append needs Upload-Offset'
        : `Upload-Offset must be a non-negative integer (got ${JSON.stringify(sent.slice(0, 40))})`,
    ),
  offsetOnCreation: () =>
    new UploadError(
      400,
      'ERR_INVALID_OFFSET',
      'a creation starts at byte 0 and carries no Upload-Offset; append with PATCH to the upload URL',
    ),
  field: (rules: DraftRules, name: string, method: string) =>
    new UploadError(400, 'ERR_INVALID_HEADER', `a ${method} of interop version ${rules.version} must not carry ${name}`),
  contentType: (rules: DraftRules, sent: string | null) =>
    new UploadError(
      415,
      'ERR_INVALID_CONTENT_TYPE',
      `an append of interop version ${rules.version} is sent as Content-Type: ${rules.appendType} (got ${sent === null ? 'none' : JSON.stringify(sent.slice(0, 80))})`,
    ),
} as const;
