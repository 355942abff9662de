import { handleUploadRequest } from '@/tus/endpoint';

// The tus endpoint: `/api/upload` (creation) and `/api/upload/<id>`, which
// next.config.js rewrites to this route (the request keeps its own URL).
// Each method is exported explicitly: otherwise Next.js answers OPTIONS
// itself and derives HEAD from GET, and tus needs both.
export const dynamic = 'force-dynamic';

export const GET = (req: Request) => handleUploadRequest(req);
export const HEAD = (req: Request) => handleUploadRequest(req);
export const POST = (req: Request) => handleUploadRequest(req);
export const PATCH = (req: Request) => handleUploadRequest(req);
export const DELETE = (req: Request) => handleUploadRequest(req);
export const OPTIONS = (req: Request) => handleUploadRequest(req);
