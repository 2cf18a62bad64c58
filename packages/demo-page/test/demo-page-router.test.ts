// What the demo page router serves over real HTTP: the page, every module it loads (followed
// through their imports, so a new module cannot be forgotten), and nothing else from its folder.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoPageRouter, DEMO_ASSETS_PATH } from '../src/index.ts';

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.use(createDemoPageRouter());
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
});

/** The relative URLs a page or module refers to: stylesheets, scripts and static imports. */
function references(text: string): string[] {
  const found = [...text.matchAll(/(?:href|src)="((?!data:|#)[^"]+)"/g), ...text.matchAll(/from '(\.\/[^']+)'/g)].map((m) => m[1]!);
  return found.filter((u) => !/^[a-z]+:/i.test(u));
}

describe('demo page router', () => {
  it('serves the page at / with a restrictive content security policy', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toContain('data-testid="composer-input"');
    expect(html).toContain('<script type="module" src="demo/demo-app.js"></script>');
  });

  it('serves every module and stylesheet the page reaches, each with its type', async () => {
    const pending = references(readFileSync(new URL('../browser/index.html', import.meta.url), 'utf8')).map(
      (u) => new URL(u, `${base}/`).href,
    );
    const seen = new Set<string>();
    while (pending.length > 0) {
      const url = pending.pop()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const res = await fetch(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const text = await res.text();
      if (url.endsWith('.js')) {
        expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
        pending.push(...references(text).map((u) => new URL(u, url).href));
      } else expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    }
    expect([...seen].map((u) => new URL(u).pathname).sort()).toEqual(
      ['chatkit-client.js', 'demo-app.js', 'demo.css', 'sse-parser.js', 'thread-state.js', 'thread-view.js'].map(
        (f) => `${DEMO_ASSETS_PATH}/${f}`,
      ),
    );
  });

  it('serves nothing else: type declarations, other files and paths outside the folder are 404', async () => {
    for (const path of [
      '/demo/sse-parser.d.ts',
      '/demo/index.html',
      '/demo/nope.js',
      '/demo/..%2Fpackage.json',
      '/demo/../src/index.ts',
      '/index.html',
    ]) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(404);
    }
  });

  it('leaves other routes to the rest of the app', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(404);
  });
});
