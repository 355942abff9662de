import type { ServerOptions } from '@tus/server';
import { UPLOAD_ROUTE } from '../upload-url';

/**
 * The URL of an upload as clients must see it: built by the server's
 * generateUrl (PUBLIC_URL) when configured, else from the request, honouring
 * Forwarded / X-Forwarded-* only when the proxy is trusted.
 */
export function uploadLocation(req: Request, id: string, options: ServerOptions): string {
  const path = options.path === '/' ? '' : options.path;
  const { proto, host } = hostAndProto(req, options.respectForwardedHeaders === true);
  if (options.generateUrl) return options.generateUrl(req, { proto, host, path, id });
  if (options.relativeLocation) return `${path}/${id}`;
  return `${proto}://${host}${path}/${id}`;
}

/**
 * Every base under which this server's uploads may be named: where Location
 * points, and the route as reached by this very request.
 */
export function uploadBases(req: Request, options: ServerOptions): URL[] {
  const handedOut = new URL(uploadLocation(req, '', options), req.url);
  return [handedOut, new URL(`${UPLOAD_ROUTE}/`, req.url)];
}

function hostAndProto(req: Request, trustForwarded: boolean): { proto: string; host: string } {
  let proto: string | undefined;
  let host: string | undefined;
  if (trustForwarded) {
    const forwarded = req.headers.get('forwarded');
    if (forwarded) {
      host = /host="?([^";,]+)/.exec(forwarded)?.[1];
      proto = /proto=(https?)/.exec(forwarded)?.[1];
    }
    const forwardedProto = req.headers.get('x-forwarded-proto');
    if (forwardedProto === 'http' || forwardedProto === 'https') proto ??= forwardedProto;
    host ??= req.headers.get('x-forwarded-host') ?? undefined;
  }
  host ??= req.headers.get('host') ?? new URL(req.url).host;
  return { proto: proto ?? 'http', host };
}
