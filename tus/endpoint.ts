import { TUS_RESUMABLE, type DataStore } from '@tus/server';
import { unauthorized, type AccessPolicy } from './access';
import { applyCors } from './cors';
import { serveDownload } from './downloads';
import { answerOf, refuse } from './errors';
import type { EventLog } from './event-log';
import type { DraftEndpoint } from './ietf/endpoint';
import { speaksDraft } from './ietf/versions';
import type { TusHandler } from './handlers/handler';
import type { Answer, AnswerHeaders } from './http/answer';
import { newCancellation } from './http/cancellation';
import type { UploadRequest } from './http/request';
import type { UploadMetrics } from './metrics/prometheus';
import { applyMethodOverride, checkPreconditions } from './preconditions';
import type { UploadRoute } from './upload-url';

/** What the endpoint is made of, composed in engine.ts. */
export interface EndpointParts {
  route: UploadRoute;
  handlers: Record<'OPTIONS' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE', TusHandler>;
  /** Requests that name an interop version of the IETF draft (ietf/). */
  draft: DraftEndpoint;
  store: DataStore;
  access: AccessPolicy;
  corsOrigins: '*' | string[];
  events: EventLog;
  metrics: UploadMetrics;
  /** Settles once the engine repaired the folder: a request served before could be undone by the repair. */
  started: () => Promise<void>;
}

/** An answer and whether its connection must close after it (a body was left unread). */
export interface EndpointAnswer extends Answer {
  closeConnection: boolean;
}

/**
 * The one way into the upload endpoint, whichever server received the
 * request (http/node.ts, http/web.ts). GET is a download of a finished
 * upload. A request that names an interop version of the IETF draft
 * (`Upload-Draft-Interop-Version`) is the draft's (ietf/endpoint.ts); every
 * other is tus, judged first by preconditions.ts, then answered by its
 * handler. Both work on the same uploads. Nothing thrown inside escapes: a
 * failing request is answered with a 500 and the next one is served as usual.
 */
export function createEndpoint(parts: EndpointParts): (req: UploadRequest) => Promise<EndpointAnswer> {
  const { route, handlers, draft, store, access, corsOrigins, events } = parts;
  let served = 0;
  return async function serve(incoming: UploadRequest): Promise<EndpointAnswer> {
    const startedAt = performance.now();
    // A proxy's request id, when it gives a sane one, ties our line to its own; otherwise one of ours.
    const given = incoming.header('x-request-id');
    const reqId = given !== null && /^[\x21-\x7e]{1,128}$/.test(given) ? given : `${process.pid.toString(36)}-${(served++).toString(36)}`;
    await parts.started();
    const context = newCancellation();
    const drafted = incoming.method !== 'GET' && speaksDraft(incoming);
    // The draft's answers say its interop version instead (ietf/endpoint.ts).
    const headers: AnswerHeaders = incoming.method === 'GET' || drafted ? {} : { 'Tus-Resumable': TUS_RESUMABLE };
    let req = incoming;
    let answer: Answer;
    const id = route.idOf(req.path);
    try {
      if (req.method !== 'GET') req = applyMethodOverride(req);
      // With access control on, every request but a CORS preflight or tus discovery needs a valid credential.
      if (access.enabled && req.method !== 'OPTIONS' && access.subjectOf(req) === null) throw unauthorized();
      if (req.method === 'GET') {
        answer = await serveDownload(req, store, id, access);
      } else if (drafted) {
        answer = await draft.send(req, id, context, headers);
      } else {
        const handler = handlers[req.method as keyof typeof handlers] as TusHandler | undefined;
        if (!handler) throw refuse.methodNotAllowed(req.method);
        checkPreconditions(req, route);
        answer = await handler.send(req, id, context, headers);
      }
    } catch (error) {
      answer = answerOf(error, headers) ?? failed(events, reqId, req, error, headers);
    }
    applyCors(req.method, req.header('origin'), answer.headers, corsOrigins);
    parts.metrics.answered(req.method, answer);
    const closeConnection = context.signal.aborted;
    if (closeConnection) answer.headers.Connection = 'close';
    events.write({
      type: 'request',
      reqId,
      method: req.method,
      path: req.path,
      id: id ?? createdIdOf(answer),
      status: answer.status,
      ms: Math.round((performance.now() - startedAt) * 10) / 10,
      requestOffset: numberHeader(req.header('upload-offset')),
      responseOffset: numberHeader(answer.headers['Upload-Offset'] ?? null),
    });
    return { ...answer, closeConnection };
  };
}

function failed(events: EventLog, reqId: string, req: UploadRequest, error: unknown, headers: AnswerHeaders): Answer {
  events.logger.error({ err: error, reqId, method: req.method, path: req.path }, 'request failed');
  return {
    status: 500,
    headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' },
    body: 'Something went wrong with that request\n',
  };
}

/** The id of the upload a POST created, from the last segment of its Location. */
function createdIdOf(answer: Answer): string | null {
  const location = answer.headers.Location;
  return location === undefined ? null : (/([^/]+)\/?$/.exec(location)?.[1] ?? null);
}

function numberHeader(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value)) return null;
  return Number(value);
}
