import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPidFile, startRedisServer } from '../src/index.js';

describe('readPidFile', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const pidfile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-pidfile-'));
    dirs.push(dir);
    return join(dir, 'redis.pid');
  };

  it('waits through a missing and then an empty pidfile (fopen before fprintf) for the complete pid', async () => {
    const file = pidfile();
    const read = readPidFile(file, 2000);
    await new Promise((r) => setTimeout(r, 40));
    writeFileSync(file, '');
    await new Promise((r) => setTimeout(r, 40));
    writeFileSync(file, `${process.pid}\n`);
    expect(await read).toBe(process.pid);
  });

  it('never answers 0, 1 or a partial line, which kill() would turn into a process-group signal', async () => {
    for (const text of ['', '0\n', '1\n', `${process.pid}`]) {
      const file = pidfile();
      writeFileSync(file, text);
      await expect(readPidFile(file, 100)).rejects.toThrow(/no complete pidfile/);
    }
  });
});

describe('startRedisServer', () => {
  it('starts and stops 20 servers in a row, each by its own pid', async () => {
    for (let i = 0; i < 20; i++) {
      const redis = await startRedisServer();
      expect(redis.pid).toBeGreaterThan(1);
      expect(redis.pid).not.toBe(process.pid);
      await redis.stop();
      // Exited: gone, or a zombie that the sandbox's init has not reaped yet.
      const state = await readFile(`/proc/${redis.pid}/stat`, 'utf8').then(
        (s) => s.slice(s.lastIndexOf(')') + 2)[0],
        () => 'gone',
      );
      expect(['gone', 'Z']).toContain(state);
    }
  });
});
