import { listCompletedUploads } from '@/tus/catalog';
import { uploadEngine } from '@/tus/server';
import { UPLOAD_ROUTE } from '@/tus/upload-url';

export const dynamic = 'force-dynamic';

/** The completed uploads, newest first, as JSON. */
export async function GET(): Promise<Response> {
  const uploads = await listCompletedUploads(uploadEngine().store, UPLOAD_ROUTE);
  return Response.json({ uploads }, { headers: { 'Cache-Control': 'no-store' } });
}
