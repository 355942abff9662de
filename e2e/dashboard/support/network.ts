import type { CDPSession, Page } from '@playwright/test';

/**
 * The page's network, driven through the DevTools protocol: upload
 * throttling and offline emulation, through one CDP session because
 * Chromium keeps one set of conditions per session.
 *
 * Seen with Chromium 156: going offline fails every request started while
 * offline (and fires the page's `offline` event), but a request already
 * sending its body is released from throttling and completes. To cut a
 * request on the wire, use a TcpProxy.
 *
 * Conditions may not survive a reload: call `reapply()` after one.
 */
export class PageNetwork {
  private uploadBytesPerSecond = -1;
  private offline = false;

  private constructor(private readonly session: CDPSession) {}

  static async attach(page: Page): Promise<PageNetwork> {
    const session = await page.context().newCDPSession(page);
    await session.send('Network.enable');
    return new PageNetwork(session);
  }

  /** Limits upload bandwidth to about this many bytes per second. */
  async throttleUpload(bytesPerSecond: number): Promise<void> {
    this.uploadBytesPerSecond = bytesPerSecond;
    await this.apply();
  }

  async unthrottle(): Promise<void> {
    this.uploadBytesPerSecond = -1;
    await this.apply();
  }

  /** Emulates a lost connection: new requests fail at once, navigator.onLine turns false. */
  async goOffline(): Promise<void> {
    this.offline = true;
    await this.apply();
  }

  async goOnline(): Promise<void> {
    this.offline = false;
    await this.apply();
  }

  async reapply(): Promise<void> {
    await this.apply();
  }

  private async apply(): Promise<void> {
    await this.session.send('Network.emulateNetworkConditions', {
      offline: this.offline,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: this.uploadBytesPerSecond,
    });
  }
}
