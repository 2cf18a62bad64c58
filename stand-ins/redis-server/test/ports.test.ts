import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLUSTER_BUS_OFFSET, freePort } from '../src/ports.ts';

const listen = (port: number, host?: string) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host }, () => resolve(server));
  });

describe('freePort', () => {
  const servers: Server[] = [];
  const pool = process.env.VITEST_POOL_ID;
  afterEach(async () => {
    process.env.VITEST_POOL_ID = pool;
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('gives each vitest worker its own slice below the kernel ephemeral range, so parallel test files never pick the same number', async () => {
    const slices: Record<string, number[]> = {};
    for (const id of ['1', '2', '3']) {
      process.env.VITEST_POOL_ID = id;
      slices[id] = [];
      for (let i = 0; i < 20; i++) slices[id].push(await freePort());
    }
    for (const [id, ports] of Object.entries(slices)) {
      const base = 12_000 + (Number(id) - 1) * 1_000;
      for (const port of ports) {
        expect(port, `pool ${id}`).toBeGreaterThanOrEqual(base);
        expect(port, `pool ${id}`).toBeLessThan(base + 1_000);
      }
    }
    const all = Object.values(slices).flat();
    expect(new Set(all).size).toBe(all.length);
    expect(Math.max(...all)).toBeLessThan(32_768);
  });

  it('never hands out the same port twice in a process, though nothing has bound any of them yet', async () => {
    // Every port stays free after it is handed out, so an availability check alone would answer the
    // same one again; the walk and the reservation must not.
    const ports: number[] = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(300);
  });

  it('skips ports another process listens on, on loopback only (like redis-server) or on every address (like the services)', async () => {
    const first = await freePort();
    // The walk is sequential: the next two candidates are first+1 and first+2 (unless the slice wraps).
    const taken = [first + 1, first + 2];
    servers.push(await listen(taken[0]!, '127.0.0.1'), await listen(taken[1]!));
    const next = await freePort();
    expect(taken).not.toContain(next);
    servers.push(await listen(next, '127.0.0.1'));
  });

  it('with clusterBus, leaves port + 10000 (the Redis Cluster bus) free to bind as well', async () => {
    const port = await freePort({ clusterBus: true });
    servers.push(await listen(port, '127.0.0.1'), await listen(port + CLUSTER_BUS_OFFSET, '127.0.0.1'));
    expect(port + CLUSTER_BUS_OFFSET).toBeLessThan(32_768);
  });
});
