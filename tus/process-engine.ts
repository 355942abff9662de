import type { EngineOptions } from './config';
import { engineSettingsFromEnv } from './config';
import { createUploadEngine, type UploadEngine } from './engine';

/**
 * One engine per process. Next.js bundles each route (and instrumentation)
 * separately, and the server wrapper loads the package on its own: several
 * copies of this module, which must still share one lock table and one
 * catalog. Hence a global slot rather than a module-level variable.
 */
const ENGINE_SLOT = Symbol.for('resumable-uploads.engine');
type EngineHolder = { [ENGINE_SLOT]?: UploadEngine };

/**
 * Makes `options` the process's engine, unless one exists already (then that
 * one is returned: the first configuration wins). Call it before the first
 * request, from Next.js's instrumentation `register()`.
 */
export function configureUploadEngine(options: EngineOptions): UploadEngine {
  const holder = globalThis as EngineHolder;
  holder[ENGINE_SLOT] ??= createUploadEngine(options);
  return holder[ENGINE_SLOT];
}

/** The process's engine; built from the environment when nothing configured it. */
export function uploadEngine(): UploadEngine {
  const holder = globalThis as EngineHolder;
  holder[ENGINE_SLOT] ??= createUploadEngine(engineSettingsFromEnv());
  return holder[ENGINE_SLOT];
}

/**
 * Composes the process's engine (from `options`, else the environment) and
 * repairs what a stop left behind, before the server takes requests. A bad
 * configuration ends the process with a message naming the setting: better
 * than a server that starts and then fails every upload. Give `options` as a
 * function when reading them may fail (engineSettingsFromEnv), so that a bad
 * value gets the same message.
 */
export async function startUploads(options?: EngineOptions | (() => EngineOptions)): Promise<UploadEngine> {
  try {
    const given = typeof options === 'function' ? options() : options;
    const engine = given ? configureUploadEngine(given) : uploadEngine();
    await engine.start();
    engine.log.info(
      { store: engine.storeLocation, extensions: engine.extensions.advertised },
      `ready: storing uploads in ${engine.storeLocation} (tus extensions: ${engine.extensions.advertised.join(', ')})`,
    );
    return engine;
  } catch (error) {
    console.error(`[upload] cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
