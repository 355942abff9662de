import { createHmac } from 'node:crypto';
import { fromTusdResponse, toTusdRequest, type TusdHookResponse } from './tusd-format';
import type { HookEvent, HookType } from './types';

/** Where webhooks go, and how (UPLOAD_HOOKS_* in docs/configuration.md). */
export interface WebhookSettings {
  url: URL;
  /** Signs each request body with HMAC-SHA256 in `Hook-Signature`; null = unsigned. */
  secret: string | null;
  /** How long one request may take before it counts as failed. */
  timeoutMs: number;
}

/** The header that carries the body's HMAC-SHA256, as `sha256=<hex>`. */
export const SIGNATURE_HEADER = 'Hook-Signature';

/** The header that names a post-* event once, however many times it is delivered. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/**
 * Sends one hook request the way tusd's HTTP hooks do: a POST of tusd's JSON.
 * Any answer but a 2xx, a body that is not tusd's response, or no answer in
 * time is a failure (thrown).
 */
export class WebhookClient {
  constructor(private readonly settings: WebhookSettings) {}

  /** The request body for `event`, as it is sent (and kept in the outbox). */
  body(event: HookEvent): string {
    return JSON.stringify(toTusdRequest(event));
  }

  /** `type` goes in `Hook-Name` too, as tusd 1.x sent it. */
  async send(type: HookType, body: string, idempotencyKey: string | null = null): Promise<ReturnType<typeof fromTusdResponse>> {
    const { url, secret, timeoutMs } = this.settings;
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Hook-Name': type };
    if (secret !== null) headers[SIGNATURE_HEADER] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    if (idempotencyKey !== null) headers[IDEMPOTENCY_HEADER] = idempotencyKey;
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    if (!response.ok) throw new Error(`the hook receiver answered ${response.status}: ${text.slice(0, 200)}`);
    let json: TusdHookResponse | null = null;
    if (text.trim() !== '') {
      try {
        json = JSON.parse(text) as TusdHookResponse;
      } catch {
        throw new Error('the hook receiver answered with a body that is not JSON');
      }
    }
    return fromTusdResponse(json);
  }
}
