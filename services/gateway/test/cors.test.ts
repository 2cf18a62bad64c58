// CORS_ORIGINS: listed origins get preflight answers and CORS headers on /chatkit, its run routes and
// uploads; an unlisted origin gets none; with no list there is no CORS at all.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORS_PATH, createCorsMiddleware } from '../src/cors.ts';

const ALLOWED = 'https://app.example.com';
const servers: Server[] = [];

async function start(origins: string[]): Promise<string> {
  const app = express();
  const cors = createCorsMiddleware(origins, { devIdentity: false });
  if (cors) app.use(CORS_PATH, cors);
  app.post('/chatkit', (_req, res) => void res.set('X-Switchyard-Run-Id', 'run_1').json({ ok: true }));
  app.get('/chatkit/runs/:id/events', (_req, res) => void res.json({ ok: true }));
  app.put('/chatkit/uploads/:id', (_req, res) => void res.json({ ok: true }));
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const corsHeaders = (res: Response) => [...res.headers.keys()].filter((k) => k.startsWith('access-control-'));

let on: string;
let off: string;
beforeAll(async () => {
  on = await start([ALLOWED, 'http://localhost:3000']);
  off = await start([]);
});
afterAll(() => {
  for (const s of servers) s.close();
});

const preflight = (base: string, path: string, origin: string, method = 'POST', headers = 'content-type') =>
  fetch(`${base}${path}`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers },
  });

describe('CORS_ORIGINS set', () => {
  it.each([
    ['/chatkit', 'POST', 'content-type,authorization'],
    ['/chatkit/runs/run_1/events', 'GET', 'last-event-id,authorization'],
    ['/chatkit/uploads/atc_1', 'PUT', 'x-switchyard-upload-token,content-type'],
  ])('answers the preflight of %s for a listed origin', async (path, method, headers) => {
    const res = await preflight(on, path, ALLOWED, method, headers);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-methods')).toContain(method);
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(',');
    for (const h of ['authorization', 'content-type', 'last-event-id', 'x-switchyard-upload-token']) expect(allowed).toContain(h);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/origin/i);
  });

  it('adds the headers to the actual request and exposes the run id', async () => {
    const res = await fetch(`${on}/chatkit`, { method: 'POST', headers: { Origin: 'http://localhost:3000' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Switchyard-Run-Id');
  });

  it('gives an unlisted origin no CORS headers, on the preflight or the request', async () => {
    const pre = await preflight(on, '/chatkit', 'https://evil.example.com');
    expect(corsHeaders(pre)).toEqual([]);
    expect(pre.headers.get('vary')).toMatch(/origin/i);
    const res = await fetch(`${on}/chatkit`, { method: 'POST', headers: { Origin: 'https://evil.example.com' } });
    expect(corsHeaders(res)).toEqual([]);
    // A prefix or a different scheme of a listed origin is another origin.
    expect(corsHeaders(await preflight(on, '/chatkit', 'http://app.example.com'))).toEqual([]);
    expect(corsHeaders(await preflight(on, '/chatkit', 'https://app.example.com.evil.net'))).toEqual([]);
  });

  it('leaves routes outside /chatkit alone', async () => {
    expect(corsHeaders(await fetch(`${on}/healthz`, { headers: { Origin: ALLOWED } }))).toEqual([]);
  });
});

describe('CORS_ORIGINS unset', () => {
  it('sends no CORS headers at all', async () => {
    expect(createCorsMiddleware([], { devIdentity: true })).toBeNull();
    expect(corsHeaders(await preflight(off, '/chatkit', ALLOWED))).toEqual([]);
    expect(corsHeaders(await fetch(`${off}/chatkit`, { method: 'POST', headers: { Origin: ALLOWED } }))).toEqual([]);
  });
});
