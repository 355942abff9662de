import { listCompletedUploads } from '@/tus/catalog';
import { unauthorized } from '@/tus/access';
import { isUploadError } from '@/tus/errors';
import { uploadEngine } from '@/tus/server';
import { UPLOAD_ROUTE } from '@/tus/upload-url';

export const dynamic = 'force-dynamic';

/** The completed uploads, newest first, as JSON; with access control, only the requester's. */
export async function GET(request: Request): Promise<Response> {
  const { store, access } = uploadEngine();
  const headers = new Headers({ 'Cache-Control': 'no-store' });
  const owner = access.subjectOf(request);
  if (access.enabled && owner === null) return unauthorized().toResponse(headers);
  try {
    const uploads = await listCompletedUploads(store, UPLOAD_ROUTE, { owner: owner ?? undefined });
    return Response.json({ uploads }, { headers });
  } catch (error) {
    // A storage outage (503 ERR_STORAGE_UNAVAILABLE) is said as such.
    if (isUploadError(error)) return error.toResponse(headers);
    throw error;
  }
}
