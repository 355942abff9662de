import type { UploadRequest } from '../http/request';
import type { UploadRoute } from '../upload-url';

/** How the URLs of uploads are written in Location. */
export interface LocationPolicy {
  route: UploadRoute;
  /** The base URL clients see when a proxy rewrites it; the endpoint's path is appended to it. */
  publicUrl: URL | null;
  /** Honour Forwarded / X-Forwarded-* (only behind a proxy that sets them). */
  trustProxy: boolean;
}

/**
 * The URL of an upload as clients must see it: under PUBLIC_URL when
 * configured, else from the request, honouring Forwarded / X-Forwarded-*
 * only when the proxy is trusted.
 */
export function uploadLocation(req: UploadRequest, id: string, policy: LocationPolicy): string {
  const path = policy.route.urlOf(id);
  if (policy.publicUrl) return new URL(`.${path}`, withTrailingSlash(policy.publicUrl)).href;
  const { proto, host } = hostAndProto(req, policy.trustProxy);
  return `${proto}://${host}${path}`;
}

/**
 * Every base under which this server's uploads may be named: where Location
 * points, and the route as reached by this very request.
 */
export function uploadBases(req: UploadRequest, policy: LocationPolicy): URL[] {
  const handedOut = new URL(uploadLocation(req, '', policy), req.origin);
  return [handedOut, new URL(policy.route.urlOf(''), req.origin)];
}

function hostAndProto(req: UploadRequest, trustForwarded: boolean): { proto: string; host: string } {
  let proto: string | undefined;
  let host: string | undefined;
  if (trustForwarded) {
    const forwarded = req.header('forwarded');
    if (forwarded) {
      host = /host="?([^";,]+)/.exec(forwarded)?.[1];
      proto = /proto=(https?)/.exec(forwarded)?.[1];
    }
    const forwardedProto = req.header('x-forwarded-proto');
    if (forwardedProto === 'http' || forwardedProto === 'https') proto ??= forwardedProto;
    host ??= req.header('x-forwarded-host') ?? undefined;
  }
  host ??= req.header('host') ?? new URL(req.origin).host;
  return { proto: proto ?? (req.origin.startsWith('https:') ? 'https' : 'http'), host };
}

function withTrailingSlash(url: URL): URL {
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
}
