// The tus endpoint: `/api/upload` (creation) and `/api/upload/<id>`, which
// next.config.js rewrites to this route (the request keeps its own URL).
// Under the production server (serve.ts) these requests never reach Next.js:
// the engine answers them on Node's own objects. This route serves them
// under `next dev` and `next start`.
export { DELETE, GET, HEAD, OPTIONS, PATCH, POST } from '@resumable-uploads/engine/next';

export const dynamic = 'force-dynamic';
