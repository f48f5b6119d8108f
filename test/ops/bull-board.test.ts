// Bull Board as an operator uses it, in a real browser (Debian's Chromium driven by playwright-core):
// the API key as basic-auth password, every queue on the page, a failed job retried from the UI until it
// completes. Every request the page makes is recorded (none may leave 127.0.0.1), and so is every
// Content-Security-Policy violation and console error (none allowed). Screenshots go to
// test-results/bull-board/ (printed).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queues } from '../../queues/index.js';
import { BOARD_PATH } from '../../src/http/board.js';
import { launchChromium } from '../support/chromium.js';
import { cloneTestDatabase, uniquePrefix } from '../support/db.js';
import { startTestEngine, TEST_API_KEY, waitFor, type TestEngine } from '../support/engine.js';
import { flaky } from '../support/queues.js';

const SHOTS = join(new URL('../..', import.meta.url).pathname, 'test-results', 'bull-board');
const LOCAL = '127.0.0.1';

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  db = await cloneTestDatabase();
  // Every production queue (the board an operator sees) plus test-flaky, the only one consumed here.
  engine = await startTestEngine({
    databaseUrl: db.url, prefix: uniquePrefix(), queues: [...queues, flaky],
    env: { WORKER_QUEUES: flaky.name, SCHEDULES_ENABLED: 'false' },
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await engine?.stop();
  await db?.drop();
});

/** What a browser context did: every request it made, CSP violations, console errors, uncaught errors. */
async function watched(context: BrowserContext) {
  const seen = { requests: [] as string[], violations: [] as string[], errors: [] as string[] };
  context.on('request', (r) => seen.requests.push(r.url()));
  // Runs before the page's own scripts, outside its CSP (playwright adds it through the DevTools protocol).
  // In-browser code is given as text in this file: the test program has no DOM types.
  await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) =>
    console.info('csp-violation ' + e.effectiveDirective + ' ' + e.blockedURI + ' ' + e.sample));`);
  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (m.text().startsWith('csp-violation ')) seen.violations.push(m.text());
      else if (m.type() === 'error') seen.errors.push(m.text());
    });
    page.on('pageerror', (err) => seen.errors.push(`uncaught: ${err.message}`));
  };
  context.on('page', watch);
  return seen;
}

async function shot(page: Page, name: string) {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

describe('Bull Board in Chromium', () => {
  it('answers a browser without the key, or with a wrong one, with the 401 basic-auth challenge', async () => {
    // Headless Chromium has nobody to ask for a password: without one it cancels the challenge and the
    // navigation fails; with a refused one it shows the 401 page. What the server answered is recorded.
    const cases = [
      { httpCredentials: undefined, navigation: 'net::ERR_INVALID_AUTH_CREDENTIALS' },
      { httpCredentials: { username: 'ops', password: 'wrong-key' }, navigation: 401 },
    ];
    for (const { httpCredentials, navigation } of cases) {
      const context = await browser.newContext({ httpCredentials });
      try {
        const page = await context.newPage();
        const answers: Array<{ status: number; challenge?: string }> = [];
        page.on('response', (r) => answers.push({ status: r.status(), challenge: r.headers()['www-authenticate'] }));
        const res = await page.goto(`${engine.url}${BOARD_PATH}`).catch((err: Error) => err);
        if (res instanceof Error) expect(res.message).toContain(navigation);
        else {
          expect(res?.status()).toBe(navigation);
          expect(await res?.text()).toContain('missing or wrong API key');
        }
        expect(answers).toEqual([{ status: 401, challenge: 'Basic realm="matchday", charset="UTF-8"' }]);
        expect((await context.request.get(`${engine.url}${BOARD_PATH}/api/queues`)).status()).toBe(401);
      } finally {
        await context.close();
      }
    }
  });

  it('lists every queue, retries a failed job from the UI until it completes, asks no other host, violates no CSP', async () => {
    // A job that fails once for good (non-retryable), then succeeds when retried by hand.
    const { body: added } = await engine.request('POST', `/jobs/${flaky.name}`, { body: { failTimes: 1, kind: 'non-retryable' } });
    const jobId = String(added.id);
    const queue = engine.producer.queue(flaky.name);
    await waitFor(async () => (await queue.getJob(jobId))?.isFailed(), 15_000, 'the job to fail');

    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: TEST_API_KEY }, viewport: { width: 1280, height: 900 } });
    const seen = await watched(context);
    try {
      const page = await context.newPage();
      const res = await page.goto(`${engine.url}${BOARD_PATH}`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-security-policy']).toMatch(/default-src 'self'.*script-src 'self';/);

      // Every queue the engine knows, once, as a card in the overview and as a link in the sidebar.
      const expected = [...engine.producer.queues.keys()].sort();
      const cards = page.locator(`main a[href^="${BOARD_PATH}/queue/"][title]`);
      await waitFor(async () => (await cards.count()) === expected.length, 15_000, `${expected.length} queue cards`);
      expect((await cards.allTextContents()).sort()).toEqual(expected);
      const menu = page.locator(`aside a[href^="${BOARD_PATH}/queue/"]`);
      expect((await menu.allTextContents()).map((t) => t.trim()).sort()).toEqual(expected);
      await shot(page, '1-overview');

      // From the queue's card to its failed jobs, to the job.
      await page.locator('main').getByRole('link', { name: /^Failed\s*1$/ }).click();
      await page.waitForURL((u) => u.pathname === `${BOARD_PATH}/queue/${flaky.name}` && u.searchParams.get('status') === 'failed');
      await page.locator(`main a[href^="${BOARD_PATH}/queue/${flaky.name}/${jobId}"]`).click();
      await page.waitForURL((u) => u.pathname === `${BOARD_PATH}/queue/${flaky.name}/${jobId}`);
      await page.getByText('upstream said 400').first().waitFor();
      await shot(page, '2-failed-job');

      // The job's JSON editor (CodeMirror) styles itself with run-time <style> elements: the CSP must let it.
      await page.locator('main button:has(svg.lucide-pencil)').click();
      const editor = page.getByRole('dialog').locator('.cm-editor');
      await editor.waitFor();
      expect(await page.evaluate(`getComputedStyle(document.querySelector('[role=dialog] .cm-editor')).display`)).toBe('flex');
      await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });

      // Retry: the icon button whose tooltip says so, then the confirmation the UI asks for.
      const retry = page.locator('main button:has(svg.lucide-refresh-cw)').first();
      await retry.hover();
      await page.getByText('Retry', { exact: true }).waitFor();
      await retry.click();
      const confirm = page.getByRole('alertdialog').filter({ hasText: 'Are you sure that you want to retry this job?' });
      await confirm.getByRole('button', { name: 'Confirm' }).click();
      await confirm.waitFor({ state: 'detached' });

      // Completed in Redis: the second attempt ran and returned.
      await waitFor(async () => (await queue.getJob(jobId))?.isCompleted(), 15_000, 'the retried job to complete');
      const job = await queue.getJob(jobId);
      expect(job?.returnvalue).toEqual({ attempt: 2 });
      expect(job?.attemptsMade).toBe(2);

      // Completed in the UI: the job page shows its finish, and the queue's completed list holds it.
      await page.getByText('Finished at').first().waitFor({ timeout: 20_000 });
      await shot(page, '3-retried-job');
      await page.goto(`${engine.url}${BOARD_PATH}/queue/${flaky.name}?status=completed`);
      await page.locator(`main a[href^="${BOARD_PATH}/queue/${flaky.name}/${jobId}"]`).waitFor();
      await shot(page, '4-completed');

      const elsewhere = seen.requests.filter((url) => new URL(url).hostname !== LOCAL);
      expect(elsewhere, 'requests that left 127.0.0.1').toEqual([]);
      expect(seen.requests.length).toBeGreaterThan(10);
      expect(seen.violations, 'CSP violations').toEqual([]);
      expect(seen.errors, 'console errors').toEqual([]);

      // The watch is live: the font stylesheet the UI's template links is refused by the policy.
      await page.evaluate(`document.head.append(Object.assign(document.createElement('link'),
        { rel: 'stylesheet', href: 'https://fonts.googleapis.com/css2?family=IBM+Plex+Sans' }))`);
      await waitFor(() => seen.violations.length > 0, 5_000, 'the CSP violation');
      expect(seen.violations).toEqual([expect.stringMatching(/^csp-violation style-src-elem https:\/\/fonts\.googleapis\.com/)]);
    } finally {
      await context.close();
    }
  });
});
