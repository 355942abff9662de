import type { EndpointAnswer } from '../endpoint';
import { reasonOf } from './answer';
import { fromWeb, type UploadRequest } from './request';

/**
 * The endpoint as a Web handler `(Request) => Response`: for Next.js route
 * handlers (`next dev`, `next start`, an app without the server wrapper).
 * The same endpoint as the Node path; only the request and answer are adapted.
 */
export function webHandler(serve: (req: UploadRequest) => Promise<EndpointAnswer>) {
  return async function handle(request: Request): Promise<Response> {
    const answer = await serve(fromWeb(request));
    const empty = answer.status === 204 || answer.status === 304 || request.method === 'HEAD';
    if (empty && answer.body !== null && typeof answer.body !== 'string') void answer.body.cancel().catch(() => undefined);
    return new Response(empty ? null : answer.body, {
      status: answer.status,
      statusText: reasonOf(answer.status),
      headers: answer.headers,
    });
  };
}
