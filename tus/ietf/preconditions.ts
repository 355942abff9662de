import { refuse } from '../errors';
import type { UploadRequest } from '../http/request';
import type { UploadRoute } from '../upload-url';
import { refuseDraft, requestCompletes } from './answers';
import { integerField, mediaType } from './fields';
import type { DraftRules } from './versions';

/**
 * Everything about a draft request that can be judged from its method and
 * headers alone, judged before any upload is touched: the draft's
 * counterpart of preconditions.ts (which asks for Tus-Resumable).
 */
export function checkDraftPreconditions(req: UploadRequest, route: UploadRoute, rules: DraftRules): void {
  switch (req.method) {
    case 'POST':
      // Creation happens at the endpoint only, as in tus.
      if (!route.isCreation(req.path)) throw refuse.postNotCreation(route.path);
      if (req.header('upload-offset') !== null) throw refuseDraft.offsetOnCreation();
      requestCompletes(req, rules, 'creation');
      return;
    case 'PATCH': {
      const type = req.header('content-type');
      if (rules.appendType !== null && mediaType(type) !== rules.appendType) throw refuseDraft.contentType(rules, type);
      const offset = req.header('upload-offset');
      if (integerField(offset) === null) throw refuseDraft.offset(offset);
      requestCompletes(req, rules, 'append');
      return;
    }
    case 'HEAD':
      return refuseFields(req, rules, rules.notOnHead);
    case 'DELETE':
      return refuseFields(req, rules, rules.notOnDelete);
    default:
  }
}

/** -01 to -05 tell the server to refuse these fields on HEAD and DELETE: they belong to transfers. */
function refuseFields(req: UploadRequest, rules: DraftRules, names: readonly string[]): void {
  const present = names.find((name) => req.header(name.toLowerCase()) !== null);
  if (present !== undefined) throw refuseDraft.field(rules, present, req.method);
}
