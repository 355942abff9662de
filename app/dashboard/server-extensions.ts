/** A server that has not answered the discovery request by then is taken to offer no extension. */
const DISCOVERY_TIMEOUT_MS = 5000;

const known = new Map<string, Promise<ReadonlySet<string> | null>>();

/**
 * The tus extensions the server advertises (`Tus-Extension` of an OPTIONS
 * request to the endpoint), asked once per page. When the server cannot be
 * asked (network, timeout, an error status) the answer is "none" for now and
 * the next call asks again: one failed request must not disable a feature
 * for the life of the page.
 */
export async function serverExtensions(endpoint: string): Promise<ReadonlySet<string>> {
  let answer = known.get(endpoint);
  if (answer === undefined) {
    answer = discover(endpoint);
    known.set(endpoint, answer);
  }
  const extensions = await answer;
  if (extensions === null) {
    if (known.get(endpoint) === answer) known.delete(endpoint);
    return new Set();
  }
  return extensions;
}

async function discover(endpoint: string): Promise<ReadonlySet<string> | null> {
  try {
    const response = await fetch(endpoint, { method: 'OPTIONS', signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
    if (!response.ok) return null;
    const header = response.headers.get('Tus-Extension') ?? '';
    return new Set(
      header
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter((name) => name !== ''),
    );
  } catch {
    return null;
  }
}
