import { uploadEngine } from './process-engine';

/**
 * The endpoint as Next.js App Router route handlers. An app mounts it with
 * one route file, `app/api/upload/[[...id]]/route.ts` or a rewrite to
 * `app/api/upload/route.ts`:
 *
 *     export { GET, HEAD, POST, PATCH, DELETE, OPTIONS } from '@resumable-uploads/engine/next';
 *
 * Each method is exported: otherwise Next.js answers OPTIONS itself and
 * derives HEAD from GET, and tus needs both.
 */
const handle = (request: Request) => uploadEngine().handleWeb(request);

export const GET = handle;
export const HEAD = handle;
export const POST = handle;
export const PATCH = handle;
export const DELETE = handle;
export const OPTIONS = handle;
