// The demo chat page (issue 6) in headless Chromium against the whole system: text streams in and
// grows, an image shows blurred partial previews and then the final picture, errors and Stop show,
// a reload mid-run re-attaches, and the thread is read back from the store. Screenshots go to
// test-artifacts/ (demo-page-text.png, demo-page-image.png).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from '../kit/browser.ts';
import { postJson } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
interface TextState {
  id: string;
  state: string;
  text: string;
}
interface ImageState {
  id: string;
  itemState: string;
  state: string;
  src: string;
  filter: string;
}
interface Recorded {
  text: TextState[];
  images: ImageState[];
}

const LONG = 120_000;

/**
 * Runs in the page, as source text (the test program has no DOM types): records every state the
 * assistant messages and generated images pass through, so the test observes intermediate states
 * instead of timing them. The page's `item-rendered` event marks each render, even when one read
 * of the stream carries several events; the MutationObserver adds what changes outside a render.
 */
const INSTALL_RECORDER = `(() => {
  window.__recorder?.observer.disconnect();
  window.__recorder?.list.removeEventListener('item-rendered', window.__recorder.snapshot);
  const list = document.querySelector('[data-testid="messages"]');
  const log = { text: [], images: [] };
  const snapshot = () => {
    for (const el of list.querySelectorAll('[data-testid="assistant-message"]')) {
      const text = el.querySelector('[data-testid="assistant-text"]').textContent;
      const last = log.text.findLast((e) => e.id === el.dataset.itemId);
      if (!last || last.text !== text || last.state !== el.dataset.state) log.text.push({ id: el.dataset.itemId, state: el.dataset.state, text });
    }
    for (const item of list.querySelectorAll('[data-testid="generated-image"]')) {
      const img = item.querySelector('[data-testid="generated-image-img"]');
      const entry = { id: item.dataset.itemId, itemState: item.dataset.state, state: img?.dataset.state ?? 'none', src: img?.src ?? '', filter: img ? getComputedStyle(img).filter : '' };
      const last = log.images.findLast((e) => e.id === entry.id);
      if (!last || last.itemState !== entry.itemState || last.state !== entry.state || last.src !== entry.src) log.images.push(entry);
    }
  };
  const observer = new MutationObserver(snapshot);
  observer.observe(list, { subtree: true, childList: true, characterData: true, attributes: true });
  list.addEventListener('item-rendered', snapshot);
  window.__recorder = { log, observer, list, snapshot };
})()`;

const recorded = async (page: Page) => (await page.evaluate('window.__recorder.log')) as Recorded;

/** The final image has loaded: its current picture is the final URL and it has pixels. */
const FINAL_IMAGE_LOADED = `(() => {
  const img = document.querySelector('[data-testid="generated-image-img"][data-state="final"]');
  return !!img && img.complete && img.naturalWidth > 0 && img.currentSrc === img.src;
})()`;

describe('demo page', () => {
  let sys: System;
  let browser: Browser;
  let page: Page;
  let gw: string;
  let threadId: string;

  beforeAll(async () => {
    sys = await startSystem({
      transport: 'http',
      // Paced so that a person (and the recorder) sees the text grow and the previews refine, and
      // long enough (4 s) that Stop lands mid-answer on a loaded machine.
      deltaDelayMs: 80,
      textDeltas: 50,
      imageBytes: 120_000,
      env: { DEMO_PAGE: 'true', OPS_VIEWER_TOKEN: 'viewer-token-0123456789' },
    });
    gw = sys.gateways[0]!.url;
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`${gw}/`);
    await page.locator('[data-testid="chat"][data-run-state="idle"]').waitFor();
  }, LONG);
  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  /** Types a message and sends it with Enter; returns how many assistant messages there were before. */
  async function send(text: string): Promise<number> {
    const before = await page.getByTestId('assistant-message').count();
    await page.getByTestId('composer-input').fill(text);
    await page.getByTestId('composer-input').press('Enter');
    return before;
  }
  const idle = () => page.locator('[data-testid="chat"][data-run-state="idle"]').waitFor({ timeout: LONG });

  /**
   * Waits until `expression` (source text, evaluated in the page) is truthy. Polled through
   * page.evaluate: the page's Content-Security-Policy forbids the eval Playwright's waitForFunction
   * does inside the page. A reload destroying the context mid-check just means "not yet".
   */
  async function until(expression: string): Promise<void> {
    const deadline = Date.now() + LONG;
    for (;;) {
      const ok = await page.evaluate(expression).catch(() => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`the page never satisfied: ${expression}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  /** The assistant message at `index` shows some text. */
  const hasText = (index: number) =>
    `(document.querySelectorAll('[data-testid="assistant-message"]')[${index}]?.querySelector('[data-testid="assistant-text"]').textContent.length ?? 0) > 0`;

  it(
    'streams the assistant text into the page as it is written',
    async () => {
      await page.evaluate(INSTALL_RECORDER);
      const before = await send('Hello! What is Switchyard?');
      const answer = page.getByTestId('assistant-message').nth(before);
      await answer.and(page.locator('[data-state="done"]')).waitFor({ timeout: LONG });
      await idle();

      const finalText = (await answer.getByTestId('assistant-text').textContent()) ?? '';
      expect(finalText).toContain('You said: "Hello! What is Switchyard?"');
      const id = (await answer.getAttribute('data-item-id'))!;
      const states = (await recorded(page)).text.filter((s) => s.id === id);
      // Many intermediate states, each extending the one before, while the message was streaming.
      const growing = states.filter((s) => s.state === 'streaming' && s.text.length > 0 && s.text.length < finalText.length);
      expect(growing.length).toBeGreaterThanOrEqual(3);
      for (const [i, s] of states.entries()) {
        expect(finalText.startsWith(s.text)).toBe(true);
        if (i > 0) expect(s.text.length).toBeGreaterThanOrEqual(states[i - 1]!.text.length);
      }
      expect(states.at(-1)).toEqual({ id, state: 'done', text: finalText });

      expect(await page.getByTestId('user-message').last().textContent()).toBe('Hello! What is Switchyard?');
      threadId = decodeURIComponent(new URL(page.url()).hash.slice(1));
      expect(threadId).toMatch(/^thr_/);
      expect(await page.getByTestId('chat').getAttribute('data-thread-id')).toBe(threadId);
      await page.locator(`[data-testid="thread-link"][data-thread-id="${threadId}"]`).waitFor();
      await browser.screenshot(page, 'demo-page-text');
    },
    LONG,
  );

  it(
    'shows a generated image as blurred partial previews, then the final image, then the caption',
    async () => {
      await page.evaluate(INSTALL_RECORDER);
      const before = await send('Please draw a lighthouse at dusk');
      await until(FINAL_IMAGE_LOADED);
      await page.getByTestId('assistant-message').nth(before).and(page.locator('[data-state="done"]')).waitFor({ timeout: LONG });
      await idle();

      const images = (await recorded(page)).images;
      expect(new Set(images.map((i) => i.id)).size).toBe(1);
      const partials = images.filter((i) => i.state === 'partial');
      const finalAt = images.findIndex((i) => i.state === 'final');
      expect(partials.length).toBeGreaterThanOrEqual(1);
      expect(finalAt).toBeGreaterThan(images.indexOf(partials[0]!));
      for (const p of partials) {
        expect(p.itemState).toBe('partial');
        expect(new URL(p.src).pathname).toMatch(/-partial-\d+\.png$/);
      }
      expect(partials[0]!.filter).toContain('blur');
      const final = images[finalAt]!;
      expect(final.itemState).toBe('final');
      expect(new URL(final.src).pathname).not.toMatch(/-partial-/);
      // The first thing shown for the item was the placeholder or a preview, never the final image.
      expect(images[0]!.state === 'none' || images[0]!.state === 'partial').toBe(true);

      const res = await fetch(final.src);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(await page.getByTestId('generated-image').getByRole('link', { name: 'Open full size' }).getAttribute('href')).toBe(final.src);
      await browser.screenshot(page, 'demo-page-image');
    },
    LONG,
  );

  it(
    'shows an error event from a failed run, with Retry when the server allows it',
    async () => {
      await send('[fault:500] this one fails');
      const banner = page.getByTestId('error');
      await banner.waitFor({ timeout: LONG });
      await idle();
      expect(await banner.textContent()).toContain('Something went wrong while answering.');
      expect(await banner.getByTestId('retry').count()).toBe(1);
    },
    LONG,
  );

  it(
    'Stop cancels the running response through the cancel route and keeps what was written',
    async () => {
      const before = await send('Tell me a long story about switchyards');
      const answer = page.getByTestId('assistant-message').nth(before);
      await until(hasText(before));
      const cancel = page.waitForRequest((r) => r.method() === 'POST' && /\/chatkit\/runs\/[^/]+\/cancel$/.test(r.url()));
      await page.getByTestId('stop').click();
      expect((await (await cancel).response())?.status()).toBe(202);
      await idle();
      expect(await answer.getAttribute('data-state')).toBe('interrupted');
      expect(((await answer.getByTestId('assistant-text').textContent()) ?? '').length).toBeGreaterThan(0);
      expect(await page.getByTestId('stop').isHidden()).toBe(true);
    },
    LONG,
  );

  it(
    'a reload in the middle of a response re-attaches to the run and shows it to the end, once',
    async () => {
      const before = await send('Reload while you answer');
      await until(hasText(before));
      await page.reload();
      await page.getByTestId('assistant-message').nth(before).and(page.locator('[data-state="done"]')).waitFor({ timeout: LONG });
      await idle();
      const texts = await page.getByTestId('assistant-text').allTextContents();
      expect(texts.filter((t) => t.includes('You said: "Reload while you answer"'))).toHaveLength(1);
      expect(texts).toHaveLength(before + 1);
    },
    LONG,
  );

  it(
    'the thread persisted: after a reload the page shows exactly what threads.get_by_id returns',
    async () => {
      await page.reload();
      await until(FINAL_IMAGE_LOADED);
      await idle();
      const stored = await postJson(gw, { type: 'threads.get_by_id', params: { thread_id: threadId } });
      expect(stored.status).toBe(200);
      const items = ((stored.body as Json).items as Json).data as Json[];
      const shown = await page
        .locator('[data-testid="messages"] [data-item-id]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id')));
      expect(shown).toEqual(items.map((i) => i.id));
      expect(items.map((i) => i.type)).toEqual([
        'user_message',
        'assistant_message', // text
        'user_message',
        'generated_image',
        'assistant_message', // image and caption
        'user_message', // the failed run
        'user_message',
        'assistant_message', // stopped: the partial answer was kept
        'user_message',
        'assistant_message', // reloaded mid-run
      ]);
      const listed = await postJson(gw, { type: 'threads.list', params: { limit: 20 } });
      expect(((listed.body as Json).data as Json[]).map((t) => t.id)).toContain(threadId);
      // The thread list is refreshed after the reload on its own; wait for it to be drawn.
      const current = page.locator(`[data-testid="thread-link"][data-thread-id="${threadId}"][aria-current="page"]`);
      await current.waitFor({ timeout: LONG });
      expect(await current.count()).toBe(1);
    },
    LONG,
  );

  it('claims only / and its modules: health, readiness, ChatKit, files and the queue dashboard answer as before', async () => {
    expect(await (await fetch(`${gw}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${gw}/readyz`)).status).toBe(200);
    expect((await postJson(gw, { type: 'threads.list', params: {} })).status).toBe(200);
    expect((await fetch(`${gw}/admin/queues`)).status).toBe(401);
    for (const path of ['/chatkit', '/files/nothing', '/admin/queues', '/ops', '/demo/missing.js']) {
      const body = await (await fetch(`${gw}${path}`)).text();
      expect(body, path).not.toContain('Switchyard demo');
    }
  });
});
