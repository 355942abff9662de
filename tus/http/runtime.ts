/**
 * Turns Node's source maps off for a production server, unless NODE_OPTIONS
 * asks for them (`--enable-source-maps`). Call it before Next.js loads.
 *
 * tsx turns them on, and Node then keeps the map of every module it loads in
 * the heap: 17 MiB for Next.js's server bundles. A request body arrives in
 * buffers V8 counts against the heap's growth, so a 1 GiB upload set off some
 * 40 full collections, each marking those maps again: twice the CPU per byte
 * (docs/performance.md). `next start` runs without source maps too.
 */
export function withoutSourceMaps(): void {
  if (!process.env.NODE_OPTIONS?.includes('--enable-source-maps')) process.setSourceMapsEnabled(false);
}
