import v8 from 'node:v8';

/**
 * Node's settings for a production server that receives uploads: no source
 * maps, and a heap that grows steadily. Call it first, before Next.js loads.
 * Each setting is left alone where Node's own options set it.
 */
export function tuneRuntimeForUploads(): void {
  withoutSourceMaps();
  withSteadyHeapGrowth();
}

/**
 * tsx turns source maps on, and Node then keeps the map of every module it
 * loads in the heap: 17 MiB for Next.js's server bundles, marked again by
 * every full collection. With them, a 1 GiB upload cost twice the CPU per
 * byte (docs/performance.md). `next start` runs without them too.
 */
function withoutSourceMaps(): void {
  const asked = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => arg.includes('--enable-source-maps'));
  if (!asked) process.setSourceMapsEnabled(false);
}

/**
 * V8 lets the heap grow to 4 times what a full collection left (its factor
 * in a fresh process), then lowers that factor to 1.1 once its collections
 * look fast next to a mutator that allocates little on the heap, which is
 * what a server receiving bytes looks like: its request bodies arrive in
 * buffers outside the heap. V8 still counts those buffers against the lowered
 * limit, so a busy server that has run a while (or served many uploads at
 * once) ran a full collection every 40 ms while receiving, and spent twice
 * the CPU per byte: 2.0-2.5 s/GB against 1.0-1.1 in the same process at its
 * start. Held at 4, it stays at 0.8-1.1 (docs/performance.md).
 */
function withSteadyHeapGrowth(): void {
  // Only the command line can set it: NODE_OPTIONS refuses V8's flags.
  if (!process.execArgv.some((arg) => arg.startsWith('--heap-growing-percent'))) v8.setFlagsFromString('--heap-growing-percent=300');
}
