// The one loader of a package's atomic Redis scripts: a folder of `<name>-<n>key(s).lua` files, each
// defined once per connection as the ioredis command `sy<Name>` taking its key count from the file name
// (`<name>-nkeys.lua`: a variable number of keys, which the caller passes first, as EVALSHA takes it).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RedisClient } from './index.ts';

/** A script command as ioredis defines it: its keys first, then its arguments. */
export type ScriptCommand = (...args: never[]) => Promise<unknown>;

/**
 * The commands a caller expects from a folder, named once more as values so the loader can check at
 * load time what the interface only promises: every expected command has a file, every file is expected.
 */
export type ScriptCommandNames<C> = { readonly [K in keyof C]-?: true };

export interface ScriptFile {
  /** File name, e.g. `append-entries-3keys.lua`. */
  file: string;
  /** Command name derived from it, e.g. `syAppendEntries`. */
  command: string;
  /** null: variable, the command's first argument. */
  numberOfKeys: number | null;
  lua: string;
}

const SCRIPT_NAME = /^(?<name>[a-z][a-z0-9]*(?:-[a-z0-9]+)*)-(?<keys>\d+|n)keys?\.lua$/;

/**
 * The command name and key count a script's file name declares (`release-if-holder-1key.lua` →
 * `syReleaseIfHolder`, 1 key). The `sy` prefix keeps every script clear of ioredis' own methods.
 */
export function scriptCommandName(file: string): { command: string; numberOfKeys: number | null } {
  const match = SCRIPT_NAME.exec(file);
  if (!match?.groups) {
    throw new Error(
      `Lua script "${file}" does not say how many keys it touches: name it <what-it-does>-<n>key.lua or -<n>keys.lua (e.g. append-entries-3keys.lua, or -nkeys.lua when the caller passes the count)`,
    );
  }
  const pascal = match.groups
    .name!.split('-')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
  const keys = match.groups.keys!;
  return { command: `sy${pascal}`, numberOfKeys: keys === 'n' ? null : Number(keys) };
}

const folders = new Map<string, readonly ScriptFile[]>();

/** Every `.lua` file of `folder`, read once per process. */
export function readScriptFolder(folder: URL | string): readonly ScriptFile[] {
  const dir = folder instanceof URL ? fileURLToPath(folder) : folder;
  let scripts = folders.get(dir);
  if (!scripts) {
    scripts = readdirSync(dir)
      .filter((file) => file.endsWith('.lua'))
      .sort()
      .map((file) => ({ file, ...scriptCommandName(file), lua: readFileSync(join(dir, file), 'utf8') }));
    folders.set(dir, scripts);
  }
  return scripts;
}

/** Per connection: command name → the script defined under it, so a second load is a no-op. */
const defined = new WeakMap<RedisClient, Map<string, string>>();

/**
 * Defines every script of `folder` on `redis` and returns the commands as `C`. ioredis' defineCommand
 * runs a script by sha (EVALSHA) and resends its source on NOSCRIPT (after a SCRIPT FLUSH, a restart
 * or a failover), so every call after the first sends only the sha. Loading the same folder on the
 * same connection again defines nothing; a different script under a name already defined is refused.
 */
export function loadScripts<C extends { [K in keyof C]: ScriptCommand }>(
  redis: RedisClient,
  folder: URL | string,
  expected: ScriptCommandNames<C>,
): C {
  const scripts = readScriptFolder(folder);
  const files = new Set(scripts.map((s) => s.command));
  const missing = Object.keys(expected).filter((command) => !files.has(command));
  const unexpected = scripts.filter((s) => !Object.hasOwn(expected, s.command)).map((s) => `${s.file} (${s.command})`);
  if (missing.length > 0 || unexpected.length > 0) {
    throw new Error(
      `Lua scripts in ${String(folder)} do not match the expected commands:` +
        (missing.length > 0 ? ` no file for ${missing.join(', ')};` : '') +
        (unexpected.length > 0 ? ` not expected: ${unexpected.join(', ')}` : ''),
    );
  }

  let onConnection = defined.get(redis);
  if (!onConnection) defined.set(redis, (onConnection = new Map()));
  const methods = redis as unknown as Record<string, unknown>;
  const commands: Record<string, ScriptCommand> = {};
  for (const script of scripts) {
    const already = onConnection.get(script.command);
    if (already === undefined) {
      if (script.command in methods)
        throw new Error(`${script.file}: this connection already has a method ${script.command} that the loader did not define`);
      redis.defineCommand(script.command, {
        ...(script.numberOfKeys === null ? {} : { numberOfKeys: script.numberOfKeys }),
        lua: script.lua,
      });
      onConnection.set(script.command, script.lua);
    } else if (already !== script.lua) {
      throw new Error(`${script.file}: another script is already defined as ${script.command} on this connection`);
    }
    const command = methods[script.command];
    if (typeof command !== 'function') throw new Error(`${script.file} did not become the command ${script.command}`);
    commands[script.command] = command.bind(redis) as ScriptCommand;
  }
  return commands as C;
}
