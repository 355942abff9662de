import { chromium, type LaunchOptions, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { piecesFor } from '../../app/dashboard/parallel-pieces';
import { randomFile } from '../../e2e/support/files';
import playwrightConfig from '../../playwright.config';
import { engineSettingsFromEnv } from '@resumable-uploads/engine';
import { dashboardSettingsFromEnv } from '../../app/dashboard/settings';
import type { BenchServer } from '../servers';
import { IncompleteUpload, TusClient } from '../tus-client';
import { expectComplete, formatBytes, megabytesPerSecond, type Measurement, type Workload } from './workload';

/** Uppy's own file input, present (hidden) while the add-files panel shows. */
const FILE_INPUT = 'input.uppy-Dashboard-input[name="files[]"]';

/** What the page records: when the file was added, when its row turned complete or failed (performance.now(), ms). */
interface Marks {
  added?: number;
  done?: number;
  failed?: string;
}

/** Chromium as the dashboard tests launch it: the same binary (CHROMIUM_PATH) and flags, from playwright.config.ts. */
function launchOptions(): LaunchOptions {
  const project = playwrightConfig.projects?.find((p) => p.name === 'dashboard');
  const options = project?.use?.launchOptions;
  if (!options) throw new Error('playwright.config.ts has no dashboard project with launchOptions');
  return { ...options, headless: true };
}

const sources = new Map<number, string>();

/** One source file per size and run, flushed so its writeback does not overlap a measurement. */
function sourceFile(bytes: number): string {
  let file = sources.get(bytes);
  if (!file) {
    file = randomFile(`bench-${formatBytes(bytes).replace(' ', '')}.bin`, bytes);
    const fd = fs.openSync(file, 'r');
    fs.fdatasyncSync(fd);
    fs.closeSync(fd);
    sources.set(bytes, file);
  }
  return file;
}

/**
 * One file in headless Chromium. On OURS, through the app's own page (`/`):
 * Uppy with the app's settings (its chunk size, parallel pieces), from the
 * moment the file is added to the moment its row shows it complete, both
 * timed in the page. On a sink, the same pieces and PATCHes sent by a bare
 * page (browser-sender.ts): what the browser itself can send.
 */
export const dashboard: Workload = {
  scenario: 'dashboard',
  unit: 'MB/s',
  servers: ['ours', 'sink', 'sink-nosync'],
  async run(server, plan) {
    const bytes = plan.dashboardBytes;
    const source = sourceFile(bytes);
    const browser = await chromium.launch(launchOptions());
    try {
      const page = await browser.newPage();
      if (server.name !== 'ours') return await sendFromBareTab(page, server, source, bytes);
      await page.goto(`${server.baseUrl}/`);
      const input = page.locator(FILE_INPUT).first();
      await input.waitFor({ state: 'attached' });
      await page.evaluate(() => {
        const marks: Marks = {};
        Object.assign(window, { benchMarks: marks });
        // Capture phase: before Uppy's own change handler adds the file.
        document.addEventListener('change', () => (marks.added ??= performance.now()), true);
        new MutationObserver(() => {
          if (marks.done !== undefined || marks.failed !== undefined) return;
          if (document.querySelector('.uppy-Dashboard-Item.is-complete')) marks.done = performance.now();
          const error = document.querySelector('.uppy-Dashboard-Item.is-error');
          if (error) marks.failed = error.textContent ?? 'error';
        }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
      });
      await input.setInputFiles(source);
      // Generous: at 5 MB/s a 1 GiB file takes 215 s; a slower dashboard fails the cell.
      const timeout = Math.max(60_000, (bytes / 5e6) * 1000);
      await page.waitForFunction(
        () => {
          const marks = (window as unknown as { benchMarks: Marks }).benchMarks;
          return marks.done !== undefined || marks.failed !== undefined;
        },
        null,
        { timeout, polling: 100 },
      );
      const marks = await page.evaluate(() => (window as unknown as { benchMarks: Marks }).benchMarks);
      if (marks.failed !== undefined || marks.added === undefined || marks.done === undefined) {
        throw new IncompleteUpload(`dashboard: the upload failed in the page: ${marks.failed ?? 'no add or completion seen'}`);
      }
      const seconds = (marks.done - marks.added) / 1000;
      await expectListed(server, path.basename(source), bytes);
      return { value: megabytesPerSecond(bytes, seconds), bytes, seconds };
    } finally {
      await browser.close();
    }
  },
};

/** The app's chunk size and pieces for a file of `bytes`, as OURS (started with this environment) gives them to Uppy. */
function dashboardSettings(bytes: number): { chunk: number; pieces: number } {
  const { chunkSize, parallelParts, parallelMinSize } = dashboardSettingsFromEnv(engineSettingsFromEnv().maxSize);
  // Only the sizes count here; the endpoint is part of resume fingerprints, which this page keeps none of.
  return { chunk: chunkSize, pieces: piecesFor(bytes, { endpoint: '', parallelParts, parallelMinSize }, true) };
}

async function sendFromBareTab(page: Page, server: BenchServer, source: string, bytes: number): Promise<Measurement> {
  const { chunk, pieces } = dashboardSettings(bytes);
  await page.goto(`${server.baseUrl}/`);
  await page.locator('#file').setInputFiles(source);
  const sent = await page.evaluate(
    ([chunkBytes, pieceCount]) =>
      (
        window as unknown as { sendFile: (c: number, p: number) => Promise<{ pieces: { url: string; length: number }[]; ms: number }> }
      ).sendFile(chunkBytes, pieceCount),
    [chunk, pieces] as const,
  );
  const client = new TusClient(server.endpoint);
  try {
    for (const piece of sent.pieces) await expectComplete(server, (url) => client.head(url), piece.url, piece.length);
  } finally {
    client.close();
  }
  if (sent.pieces.reduce((sum, piece) => sum + piece.length, 0) !== bytes)
    throw new IncompleteUpload(`${server.name}: the pieces do not add up to ${bytes} bytes`);
  const seconds = sent.ms / 1000;
  return { value: megabytesPerSecond(bytes, seconds), bytes, seconds };
}

/** The completed upload is listed with the file's name and size, answers HEAD with its size and holds all its bytes. */
async function expectListed(server: Parameters<Workload['run']>[0], name: string, bytes: number): Promise<void> {
  const response = await fetch(`${server.baseUrl}/api/uploads`);
  const { uploads } = (await response.json()) as { uploads: { name: string; size: number; url: string }[] };
  const upload = uploads.find((entry) => entry.name === name);
  if (!upload || upload.size !== bytes)
    throw new IncompleteUpload(`dashboard: ${name} is not listed as a completed upload of ${bytes} bytes`);
  const client = new TusClient(server.endpoint);
  try {
    await expectComplete(server, (url) => client.head(url), new URL(upload.url, server.baseUrl).href, bytes);
  } finally {
    client.close();
  }
}
