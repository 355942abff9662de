/** Requests at once when deleting many: enough to be quick, few enough not to queue behind the browser's six connections. */
const AT_ONCE = 4;

/**
 * Deletes uploads with tus termination requests; returns how many could not
 * be deleted. An upload already gone (404) counts as deleted.
 */
export async function deleteUploads(urls: readonly string[]): Promise<number> {
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const url = urls[next++];
      const response = await fetch(url, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0' } }).catch(() => null);
      if (!response || (response.status !== 204 && response.status !== 404)) failed += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, urls.length) }, worker));
  return failed;
}
