import type { CDPSession, Page } from '@playwright/test';

/**
 * The page's network, driven through the DevTools protocol: upload
 * throttling and a real cut. Both go through one CDP session because
 * Chromium keeps one set of conditions per session; `context.setOffline`
 * would not abort a request already sending its body, this does.
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

  /** Cuts the network: requests in flight fail, new ones fail at once. */
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
