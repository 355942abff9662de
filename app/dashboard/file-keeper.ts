/** Where the service worker that keeps File references across reloads is served from. */
const WORKER_URL = '/golden-retriever-sw.js';
/** A first visit waits this long for the new worker to take control. */
const CONTROL_TIMEOUT_MS = 3000;

/**
 * Registers the service worker that keeps large files' bytes reachable
 * across a reload, and resolves true once it controls this page.
 *
 * Golden Retriever waits forever for a worker that never takes control
 * (plain http on a non-local host, private windows, a blocked script), and
 * would then never restore anything: so it is only told to use one that is
 * known to be in control. Without it, files up to 10 MiB still come back
 * from IndexedDB and larger ones ask to be re-selected.
 */
export async function keepFilesAcrossReloads(): Promise<boolean> {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return false;
  try {
    await navigator.serviceWorker.register(WORKER_URL, { scope: '/' });
  } catch {
    return false;
  }
  if (navigator.serviceWorker.controller) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), CONTROL_TIMEOUT_MS);
    navigator.serviceWorker.addEventListener(
      'controllerchange',
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      { once: true },
    );
  });
}
