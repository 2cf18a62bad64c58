// The live operations page in headless Chromium (issue 6): it loads behind Basic auth, goes live
// over its WebSocket, and its figures move while a scripted workload runs; without credentials the
// page is 401 and the socket is refused. Saves test-artifacts/ops-page.png.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser, type Browser } from '../kit/browser.ts';
import { postChatKit } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

const VIEWER = 'viewer-token-0123456789';
const OPERATOR = 'operator-token-0123456789';
let sys: System;
let browser: Browser | undefined;
let gateway: string;

beforeAll(async () => {
  // 40 ms between text deltas: a run lasts about half a second, so the page's one-second samples
  // catch runs in progress.
  sys = await startSystem({ transport: 'http', deltaDelayMs: 40, env: { OPS_VIEWER_TOKEN: VIEWER, OPS_OPERATOR_TOKEN: OPERATOR } });
  gateway = sys.gateways[0]!.url;
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

const input = (text: string) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {} });

/** Chats from `lanes` concurrent clients until `until.stop` is set; every fifth draws an image. */
async function workload(lanes: number, until: { stop: boolean }): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (!until.stop) {
        const n = next++;
        const s = await postChatKit(gateway, {
          type: 'threads.create',
          params: { input: input(n % 5 === 0 ? `draw a kite number ${n}` : `hello number ${n}`) },
        });
        expect(s.status).toBe(200);
        await s.done;
      }
    }),
  );
}

/** The status of a WebSocket upgrade request sent without a token. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: {
        ...headers,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('error', reject);
    req.end();
  });
}

const text = async (page: Page, testid: string) => (await page.getByTestId(testid).first().textContent()) ?? '';
/** Generous: the figures update once a second, but this machine may be busy. */
const poll = { timeout: 90_000, interval: 200 };

it('refuses the page without credentials and the socket without a token', async () => {
  const anon = await fetch(`${gateway}/ops`);
  expect(anon.status).toBe(401);
  expect(anon.headers.get('www-authenticate')).toContain('Basic');
  expect(await upgradeStatus(`${gateway}/ops/live`)).toBe(401);
  // Basic credentials do not open the socket either: only a live token does.
  expect(await upgradeStatus(`${gateway}/ops/live`, { Authorization: `Basic ${Buffer.from(`viewer:${VIEWER}`).toString('base64')}` })).toBe(
    401,
  );
});

it('shows live figures that move under load', { timeout: 180_000 }, async () => {
  browser = await launchBrowser({ httpCredentials: { username: 'viewer', password: VIEWER } });
  const page = await browser.newPage();
  const res = await page.goto(`${gateway}/ops`);
  expect(res?.status()).toBe(200);
  await expect.poll(() => text(page, 'ops-status'), poll).toBe('live');
  // Every process reports itself: one gateway, one generation worker, one ingest worker.
  await expect.poll(() => page.getByTestId('process').count(), poll).toBe(3);

  // A socket the page opens without a token is refused (never opens). A string, as it runs in the page.
  const opened = await page.evaluate(`new Promise((resolve) => {
    const ws = new WebSocket('ws://' + location.host + '/ops/live');
    ws.onopen = () => resolve(true);
    ws.onclose = () => resolve(false);
  })`);
  expect(opened).toBe(false);

  const before = await text(page, 'runs-per-second');
  // Load runs until every figure has been read: a finite batch could end before a slow poll,
  // leaving instant readings (active runs) at zero.
  const until = { stop: false };
  const load = workload(4, until);
  try {
    // Runs per second rise above zero (from a dash or zero before the load).
    expect(Number(before) || 0).toBe(0);
    await expect.poll(async () => Number(await text(page, 'runs-per-second')), poll).toBeGreaterThan(0);
    // The generation worker is seen with runs in progress.
    const workerActive = page.locator('[data-testid="process"][data-component="generation-worker"] [data-testid="process-active"]');
    await expect.poll(async () => Number(await workerActive.getAttribute('data-active')), poll).toBeGreaterThan(0);
    // Queue wait, time to first event and ingest latency percentiles appear.
    for (const testid of ['queue-runs-wait-p95', 'ttfe-p50', 'ttfe-p95', 'ingest-p50']) {
      await expect.poll(() => text(page, testid), poll).toMatch(/\d/);
    }
    expect(await text(page, 'queue-runs-workers')).toBe('1');
    expect(await page.locator('[data-testid="runs-chart"] polyline').count()).toBeGreaterThan(0);
    await browser.screenshot(page, 'ops-page');
  } finally {
    until.stop = true;
  }
  await load;
  // Every run completed: the error rate over the window reads zero.
  await expect.poll(() => text(page, 'run-error-rate'), poll).toBe('0.0 %');
});
