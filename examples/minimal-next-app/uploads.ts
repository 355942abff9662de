import { engineSettingsFromEnv, type EngineOptions } from '@resumable-uploads/engine';

/**
 * The engine's settings and hooks, in one place for both who may start it
 * (server.ts in production, instrumentation.ts under `next dev`): the first
 * to ask creates the engine, so both must ask with the same options.
 */
export function uploadOptions(): EngineOptions {
  return {
    // From the environment (docs/configuration.md); any of them may be set in code instead.
    ...engineSettingsFromEnv(),
    hooks: {
      postFinish(event) {
        console.log(`[example] upload ${event.upload.id} is complete: ${event.upload.size} bytes`);
      },
    },
  };
}
