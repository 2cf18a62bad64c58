// The script loader against a real redis-server: the key count comes from the file name, a name
// without one is refused, scripts run by sha and survive SCRIPT FLUSH, and loading twice is a no-op.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedis, loadScripts, scriptCommandName, type RedisClient } from '../src/index.ts';

/** Both scripts answer how their call was split into KEYS and ARGV. */
const COUNT_LUA = 'return { #KEYS, #ARGV, KEYS[1] or false }';

interface FixtureScripts {
  syCountArgs(key1: string, key2: string, ...argv: string[]): Promise<[number, number, string]>;
  syTouchOne(key: string, ...argv: string[]): Promise<[number, number, string]>;
}
const FIXTURE_COMMANDS = { syCountArgs: true, syTouchOne: true } as const;

let server: RedisServerHandle;
let redis: RedisClient;
let root: string;

/** A new folder holding the given files. */
function folder(name: string, files: Record<string, string>): string {
  const made = mkdtempSync(join(root, `${name}-`));
  for (const [file, lua] of Object.entries(files)) writeFileSync(join(made, file), lua);
  return made;
}

async function commandCalls(client: RedisClient, command: string): Promise<number> {
  const info = await client.info('commandstats');
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info);
  return Number(match?.[1] ?? 0);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sy-script-loader-'));
  server = await startRedisServer();
  redis = createRedis(server.url, { name: 'script-loader-test' });
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('scriptCommandName', () => {
  it('reads the key count and the command name from the file name', () => {
    expect(scriptCommandName('append-entries-3keys.lua')).toEqual({ command: 'syAppendEntries', numberOfKeys: 3 });
    expect(scriptCommandName('release-if-holder-1key.lua')).toEqual({ command: 'syReleaseIfHolder', numberOfKeys: 1 });
    expect(scriptCommandName('read-all-0keys.lua')).toEqual({ command: 'syReadAll', numberOfKeys: 0 });
    expect(scriptCommandName('append-batches-nkeys.lua')).toEqual({ command: 'syAppendBatches', numberOfKeys: null });
  });

  it('refuses a name that does not say how many keys the script touches', () => {
    for (const file of ['append-entries.lua', 'append-entries-keys.lua', 'append-entries-3.lua', '3keys.lua']) {
      expect(() => scriptCommandName(file), file).toThrow(/does not say how many keys it touches.*-<n>key\.lua or -<n>keys\.lua/);
    }
  });
});

describe('loadScripts', () => {
  const scripts = () =>
    folder('fixture', { 'count-args-2keys.lua': COUNT_LUA, 'touch-one-1key.lua': COUNT_LUA, 'README.md': 'not a script' });

  it('passes as many keys as the file name says', async () => {
    const cmd = loadScripts<FixtureScripts>(redis, scripts(), FIXTURE_COMMANDS);
    expect(await cmd.syCountArgs('{t}:a', '{t}:b', 'x', 'y', 'z')).toEqual([2, 3, '{t}:a']);
    expect(await cmd.syTouchOne('{t}:a', 'x', 'y', 'z')).toEqual([1, 3, '{t}:a']);
  });

  it('refuses a folder holding a script whose name has no key count', () => {
    const dir = folder('unnamed', { 'count-args-2keys.lua': COUNT_LUA, 'touch-one.lua': COUNT_LUA });
    expect(() => loadScripts<FixtureScripts>(redis, dir, FIXTURE_COMMANDS)).toThrow(/"touch-one\.lua" does not say how many keys/);
  });

  it('refuses a folder whose files and the expected commands differ', () => {
    const missing = folder('missing', { 'count-args-2keys.lua': COUNT_LUA });
    expect(() => loadScripts<FixtureScripts>(redis, missing, FIXTURE_COMMANDS)).toThrow(/no file for syTouchOne/);
    const extra = folder('extra', { 'count-args-2keys.lua': COUNT_LUA, 'touch-one-1key.lua': COUNT_LUA, 'stray-1key.lua': COUNT_LUA });
    expect(() => loadScripts<FixtureScripts>(redis, extra, FIXTURE_COMMANDS)).toThrow(/not expected: stray-1key\.lua \(syStray\)/);
  });

  it('runs a script by sha and sends its source again after SCRIPT FLUSH', async () => {
    const client = createRedis(server.url, { name: 'script-loader-sha-test' });
    try {
      const cmd = loadScripts<FixtureScripts>(client, scripts(), FIXTURE_COMMANDS);
      expect(await cmd.syCountArgs('{t}:a', '{t}:b')).toEqual([2, 0, '{t}:a']);
      await client.config('RESETSTAT');
      expect(await cmd.syCountArgs('{t}:a', '{t}:b', 'x')).toEqual([2, 1, '{t}:a']);
      expect(await cmd.syCountArgs('{t}:a', '{t}:b', 'x', 'y')).toEqual([2, 2, '{t}:a']);
      expect(await commandCalls(client, 'evalsha')).toBe(2);
      expect(await commandCalls(client, 'eval')).toBe(0);

      await client.script('FLUSH');
      await client.config('RESETSTAT');
      // NOSCRIPT on the sha, then the source once (EVAL caches it again), then the sha alone.
      expect(await cmd.syCountArgs('{t}:a', '{t}:b', 'x')).toEqual([2, 1, '{t}:a']);
      expect(await commandCalls(client, 'eval')).toBe(1);
      expect(await cmd.syCountArgs('{t}:a', '{t}:b', 'x')).toEqual([2, 1, '{t}:a']);
      expect(await commandCalls(client, 'eval')).toBe(1);
    } finally {
      client.disconnect();
    }
  });

  it('defines each command once per connection however often it is loaded', async () => {
    const client = createRedis(server.url, { name: 'script-loader-twice-test' });
    try {
      const dir = scripts();
      const define = vi.spyOn(client, 'defineCommand');
      const first = loadScripts<FixtureScripts>(client, dir, FIXTURE_COMMANDS);
      expect(define).toHaveBeenCalledTimes(2);
      const second = loadScripts<FixtureScripts>(client, dir, FIXTURE_COMMANDS);
      expect(define).toHaveBeenCalledTimes(2);
      expect(await first.syTouchOne('{t}:a')).toEqual([1, 0, '{t}:a']);
      expect(await second.syTouchOne('{t}:a', 'x')).toEqual([1, 1, '{t}:a']);
      // The same file in another folder is the same script; a different one under that name is not.
      expect(() => loadScripts<FixtureScripts>(client, scripts(), FIXTURE_COMMANDS)).not.toThrow();
      const clash = folder('clash', { 'count-args-2keys.lua': 'return 0', 'touch-one-1key.lua': COUNT_LUA });
      expect(() => loadScripts<FixtureScripts>(client, clash, FIXTURE_COMMANDS)).toThrow(
        /another script is already defined as syCountArgs/,
      );
    } finally {
      client.disconnect();
    }
  });
});
