/** Response headers by their usual capitalisation; the handlers always use the same spelling for one header. */
export type AnswerHeaders = Record<string, string>;

/**
 * A response of the upload endpoint before it is written: by the Node adapter
 * with `writeHead`, or turned into a Web `Response` for a Next.js route.
 */
export interface Answer {
  status: number;
  headers: AnswerHeaders;
  /** Text (refusals, hooks' answers), a stream (downloads), or nothing. */
  body: string | ReadableStream<Uint8Array> | null;
  /** A refusal's stable code (errors.ts), for the metrics (tusd_errors_total); absent on other answers. */
  code?: string;
}

/** The reason phrases Node does not know: tus's own 460, and the IETF draft's 104. */
export function reasonOf(status: number): string | undefined {
  if (status === 460) return 'Checksum Mismatch';
  return status === 104 ? 'Upload Resumption Supported' : undefined;
}
