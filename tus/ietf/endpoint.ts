import type { CancellationContext } from '@tus/server';
import { answerOf, refuse } from '../errors';
import { DeleteHandler } from '../handlers/delete';
import type { HandlerDeps, TusHandler } from '../handlers/handler';
import type { Answer, AnswerHeaders } from '../http/answer';
import type { UploadRequest } from '../http/request';
import type { UploadRoute } from '../upload-url';
import { uploadLimit } from './answers';
import { DraftAppend, DraftCreation, DraftOffset, DraftOptions } from './handlers';
import { checkDraftPreconditions } from './preconditions';
import { draftRules, INTEROP_HEADER, type DraftRules } from './versions';

type Method = 'OPTIONS' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE';

/**
 * The draft's side of the endpoint: endpoint.ts hands it every request that
 * names an interop version. It finds the version's rules, judges the headers,
 * and passes the request to the draft's handler for its method; cancellation
 * is tus's DELETE as it is.
 */
export class DraftEndpoint {
  private readonly handlers: Record<Method, TusHandler>;

  constructor(
    private readonly deps: HandlerDeps,
    private readonly route: UploadRoute,
  ) {
    this.handlers = {
      OPTIONS: new DraftOptions(deps),
      HEAD: new DraftOffset(deps),
      POST: new DraftCreation(deps),
      PATCH: new DraftAppend(deps),
      DELETE: new DeleteHandler(deps),
    };
  }

  /** Answers like a handler's send(): refusals are answers, anything else thrown is a bug. */
  async send(req: UploadRequest, id: string | null, context: CancellationContext, headers: AnswerHeaders): Promise<Answer> {
    let rules: DraftRules;
    try {
      rules = draftRules(req);
    } catch (error) {
      return refusal(error, headers);
    }
    headers[INTEROP_HEADER] = String(rules.version);
    let answer: Answer;
    try {
      const handler = this.handlers[req.method as Method] as TusHandler | undefined;
      if (!handler) throw refuse.methodNotAllowed(req.method);
      checkDraftPreconditions(req, this.route, rules);
      answer = await handler.send(req, id, context, headers);
    } catch (error) {
      answer = refusal(error, headers);
    }
    if (req.method === 'POST' || req.method === 'PATCH') {
      // Refusals too: -06 on say in every answer to a transfer whether the upload is complete, and the limits help a client that hit one.
      if (rules.alwaysSaysComplete) answer.headers[rules.completeness] ??= '?0';
      const limit = uploadLimit(rules, this.deps.maxSize, null);
      if (limit !== null) answer.headers['Upload-Limit'] ??= limit;
    }
    return answer;
  }
}

function refusal(error: unknown, headers: AnswerHeaders): Answer {
  const answer = answerOf(error, headers);
  if (answer === null) throw error;
  return answer;
}
