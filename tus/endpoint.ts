import { TUS_RESUMABLE } from '@tus/server';
import { unauthorized } from './access';
import { withoutEmptyMetadata } from './client-quirks';
import { applyCors } from './cors';
import { serveDownload } from './downloads';
import { isUploadError } from './errors';
import { applyMethodOverride, checkPreconditions } from './preconditions';
import { uploadEngine } from './server';
import { uploadIdOf } from './upload-url';

/**
 * The single entry point of the upload endpoint: every request to
 * `/api/upload` and `/api/upload/<id>` comes through here.
 *
 * GET is a download of a finished upload; every other method is tus, judged
 * first by preconditions.ts, then handled by @tus/server with our handlers.
 * Nothing thrown inside escapes: a failing request is answered with a 500
 * and the next one is served as usual.
 */
export async function handleUploadRequest(incoming: Request): Promise<Response> {
  const engine = uploadEngine();
  let req = incoming;
  let response: Response;
  try {
    if (req.method !== 'GET') req = applyMethodOverride(req);
    // With access control on, every request but a CORS preflight or tus discovery needs a valid credential.
    if (engine.access.enabled && req.method !== 'OPTIONS' && engine.access.subjectOf(req) === null) throw unauthorized();
    if (req.method === 'GET') {
      const id = uploadIdOf(req.url);
      response = id === null ? new Response('Not found\n', { status: 404 }) : await serveDownload(req, engine.store, id, engine.access);
    } else {
      checkPreconditions(req);
      response = await engine.server.handleWeb(withoutEmptyMetadata(req));
    }
  } catch (error) {
    if (isUploadError(error)) {
      response = error.toResponse();
    } else {
      console.error(`[upload] ${req.method} ${req.url} failed:`, error);
      response = new Response('Something went wrong with that request\n', {
        status: 500,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      });
    }
  }
  if (req.method !== 'GET') response.headers.set('Tus-Resumable', TUS_RESUMABLE);
  applyCors(req, response, engine.config.corsOrigins);
  const id = uploadIdOf(req.url);
  engine.events.write({
    type: 'request',
    method: req.method,
    id: id ?? createdIdOf(response),
    status: response.status,
    requestOffset: numberHeader(req.headers.get('upload-offset')),
    responseOffset: numberHeader(response.headers.get('upload-offset')),
  });
  return response;
}

/** The id of the upload a POST created, from the last segment of its Location. */
function createdIdOf(response: Response): string | null {
  const location = response.headers.get('location');
  return location === null ? null : (/([^/]+)\/?$/.exec(location)?.[1] ?? null);
}

function numberHeader(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value)) return null;
  return Number(value);
}
