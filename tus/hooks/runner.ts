import type { Upload } from '@tus/server';
import type { ConcatRole } from '../concatenation';
import { isUploadError, refuse } from '../errors';
import type { UploadRequest } from '../http/request';
import { isUploadId } from '../upload-url';
import { hookEvent, hookUpload } from './events';
import type { HookHttpResponse, HookType, HookUpload, PreCreateAnswer, PreFinishAnswer, UploadHooks } from './types';

/** What went wrong in a hook, for the operator; the client only learns that it failed. */
export type HookFailureReport = (type: HookType, error: unknown) => void;

/** The events that only tell what happened, and are kept for webhooks. */
export type PostType = 'post-create' | 'post-finish' | 'post-terminate';

/** What pre-finish decided for the request that completed an upload. */
export type FinishVerdict =
  { kind: 'accept'; response: HookHttpResponse | null } | { kind: 'reject'; response: HookHttpResponse } | { kind: 'failed' };

/** A running request's post-receive reports; `end` sends the last offset (none when the request failed). */
export interface ReceiveReporter {
  report(offset: number): void;
  end(offset: number | null): void;
}

/**
 * Runs the app's hooks at the handlers' call: builds an event only for a
 * hook that is set, awaits the blocking ones and turns their answers into
 * refusals, and runs the others without holding up the request.
 */
export class HookRunner {
  constructor(
    private readonly hooks: UploadHooks,
    /** How often a running request's post-receive is called, at most. */
    private readonly receiveIntervalMs: number,
    private readonly reportFailure: HookFailureReport,
  ) {}

  get postReceives(): boolean {
    return this.hooks.postReceive !== undefined;
  }

  /** Before a creation; throws the refusal. `draft` has no id yet. */
  async preCreate(req: UploadRequest, draft: Upload, concat: ConcatRole | null): Promise<PreCreateAnswer | null> {
    const hook = this.hooks.preCreate;
    if (!hook) return null;
    const answer = await this.blocking('pre-create', () => hook(hookEvent('pre-create', hookUpload(draft, concat, null), req)));
    if (answer?.rejectUpload)
      throw refuse.byHook('ERR_UPLOAD_REJECTED', 'upload creation has been rejected by server', answer.httpResponse);
    const id = answer?.changeFileInfo?.id;
    if (id !== undefined && !isUploadId(id)) {
      this.reportFailure('pre-create', new Error(`changeFileInfo.id ${JSON.stringify(id)} is not letters, digits, - and _ (at most 128)`));
      throw refuse.hookFailed('pre-create');
    }
    return answer;
  }

  /** Once every byte is stored: what the request that completed the upload answers, and whether the upload stays. */
  async preFinish(req: UploadRequest, upload: Upload, concat: ConcatRole | null): Promise<FinishVerdict> {
    const hook = this.hooks.preFinish;
    if (!hook) return { kind: 'accept', response: null };
    let answer: PreFinishAnswer | null;
    try {
      answer = (await hook(hookEvent('pre-finish', hookUpload(upload, concat), req))) ?? null;
    } catch (error) {
      // A refusal thrown is a refusal given; anything else leaves the upload finished (the bytes are all in).
      if (isUploadError(error)) return { kind: 'reject', response: { statusCode: error.status, body: error.body, header: error.headers } };
      this.reportFailure('pre-finish', error);
      return { kind: 'failed' };
    }
    if (answer?.rejectUpload) return { kind: 'reject', response: answer.httpResponse ?? {} };
    return { kind: 'accept', response: answer?.httpResponse ?? null };
  }

  /** Before a DELETE removes an upload; throws the refusal. */
  async preTerminate(req: UploadRequest, upload: Upload, concat: ConcatRole | null): Promise<void> {
    const hook = this.hooks.preTerminate;
    if (!hook) return;
    const answer = await this.blocking('pre-terminate', () => hook(hookEvent('pre-terminate', hookUpload(upload, concat), req)));
    if (answer?.rejectTermination) {
      throw refuse.byHook('ERR_UPLOAD_TERMINATION_REJECTED', 'upload termination has been rejected by server', answer.httpResponse);
    }
  }

  /**
   * Post-receive for a request writing into `upload`: at most once per
   * interval while bytes arrive, and once when it stops writing. `stop` is
   * called when the hook answers stopUpload.
   */
  receiving(
    req: UploadRequest,
    upload: Upload,
    concat: ConcatRole | null,
    stop: (response: HookHttpResponse) => void,
  ): ReceiveReporter | null {
    const hook = this.hooks.postReceive;
    if (!hook) return null;
    let latest = upload.offset;
    let sent = upload.offset;
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const send = (offset: number, final: boolean) => {
      sent = offset;
      const event = hookEvent('post-receive', { ...hookUpload(upload, concat), offset }, req);
      this.later('post-receive', async () => {
        const answer = await hook(event);
        if (answer?.stopUpload && !final && !ended) stop(answer.httpResponse ?? {});
      });
    };
    return {
      report: (offset) => {
        latest = offset;
        timer ??= setTimeout(() => {
          timer = undefined;
          if (!ended) send(latest, false);
        }, this.receiveIntervalMs);
      },
      end: (offset) => {
        ended = true;
        clearTimeout(timer);
        if (offset !== null && offset !== sent) send(offset, true);
      },
    };
  }

  /** A post-* event that happened: its hook runs after the request's answer, and what it throws is logged. */
  notify(type: PostType, upload: HookUpload, req: UploadRequest): void {
    const hook = this.postHook(type);
    if (!hook) return;
    // Built now: the upload and the request may change or go before the hook runs.
    const event = hookEvent(type, upload, req);
    this.later(type, () => hook(event));
  }

  /** Whether a hook is set for this post-* event: nothing is built for it otherwise. */
  listens(type: PostType): boolean {
    return this.postHook(type) !== undefined;
  }

  private postHook(type: PostType) {
    return type === 'post-create' ? this.hooks.postCreate : type === 'post-finish' ? this.hooks.postFinish : this.hooks.postTerminate;
  }

  private later(type: HookType, run: () => unknown): void {
    setImmediate(() => {
      Promise.resolve()
        .then(run)
        .catch((error: unknown) => this.reportFailure(type, error));
    });
  }

  /** A blocking hook's answer; an UploadError it throws is its refusal, anything else a 500 that changes nothing. */
  private async blocking<T>(type: HookType, run: () => T | void | Promise<T | void>): Promise<T | null> {
    try {
      return (await run()) ?? null;
    } catch (error) {
      if (isUploadError(error)) throw error;
      this.reportFailure(type, error);
      throw refuse.hookFailed(type);
    }
  }
}
