import {
  applyFilter,
  isUploadError,
  pageAfter,
  parseListingRequest,
  unauthorized,
  uploadEngine,
  type ListingRequest,
} from '@resumable-uploads/engine';

export const dynamic = 'force-dynamic';

/**
 * One page of the completed uploads as JSON (`?limit=&cursor=&sort=&q=`),
 * newest first by default, with the count and bytes of all that match; with
 * access control, only the requester's.
 */
export async function GET(request: Request): Promise<Response> {
  const { catalog, access } = uploadEngine();
  const headers = new Headers({ 'Cache-Control': 'no-store' });
  const owner = access.subjectOf(request);
  if (access.enabled && owner === null) return unauthorized().toResponse(headers);
  let query: ListingRequest;
  try {
    query = parseListingRequest(new URL(request.url).searchParams);
  } catch (error) {
    // A bad parameter is a 400 with a JSON body, like the answers of this API.
    if (isUploadError(error)) return error.toJsonResponse(headers);
    throw error;
  }
  const { filter, limit, cursor } = query;
  try {
    const uploads = await catalog.list({ owner: owner ?? undefined });
    return Response.json(pageAfter(applyFilter(uploads, filter), filter.sort, cursor, limit), { headers });
  } catch (error) {
    // A storage outage (503 ERR_STORAGE_UNAVAILABLE) is said as such, in the endpoint's own words.
    if (isUploadError(error)) return error.toResponse(headers);
    throw error;
  }
}
