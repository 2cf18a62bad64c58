// A demo path the router cannot decode answers the API's JSON 400, never the framework's HTML error
// page with its stack trace and server paths.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoPageRouter } from '../src/index.ts';

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(createDemoPageRouter());
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
});

describe('demo page router, undecodable paths', () => {
  it.each(['/demo/%zz', '/demo/%E0%A4%A', '/demo/%zz?x=1'])('%s answers JSON 400', async (path) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });
    expect(body).not.toMatch(/<html|node_modules|at \w+ \(/i);
  });

  it('still serves its modules and leaves unknown names to the next handler', async () => {
    expect((await fetch(`${base}/demo/demo-app.js`)).status).toBe(200);
    expect((await fetch(`${base}/demo/unknown.js`)).status).toBe(404);
  });
});
