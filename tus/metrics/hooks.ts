import type { HookEvent, UploadHooks } from '../hooks/types';

const HOOK_NAMES = ['preCreate', 'postCreate', 'postReceive', 'preFinish', 'postFinish', 'preTerminate', 'postTerminate'] as const;

/**
 * The app's hooks, each counted as it is called (tusd_hook_invocations_total),
 * by the event type it is given. A hook that is not set stays unset: the
 * runner builds no event for it, and nothing is counted, as in tusd.
 * Failures are counted where the runner reports them (engine.ts).
 */
export function countedHooks(hooks: UploadHooks, metrics: { hookInvoked(type: HookEvent['type']): void }): UploadHooks {
  const counted: Partial<Record<(typeof HOOK_NAMES)[number], (event: HookEvent) => unknown>> = {};
  for (const name of HOOK_NAMES) {
    const hook = hooks[name] as ((event: HookEvent) => unknown) | undefined;
    if (hook === undefined) continue;
    counted[name] = (event) => {
      metrics.hookInvoked(event.type);
      return hook(event);
    };
  }
  return counted as UploadHooks;
}
