// What a command handler is, and how handlers read their arguments: a field of the wrong type is
// answered with the server's TypeMismatch rather than a crash deep inside a handler.
import type { CommandStats } from '../command-stats.ts';
import type { CursorRegistry } from '../cursors.ts';
import { CommandError } from '../errors.ts';
import type { FailPoints } from '../failpoints.ts';
import type { Storage } from '../storage.ts';
import { isNumeric, isPlainObject } from '../values.ts';
import type { Doc } from '../values.ts';

export interface CommandContext {
  /** The command's `$db`. */
  db: string;
  storage: Storage;
  cursors: CursorRegistry;
  failPoints: FailPoints;
  stats: CommandStats;
  connectionId: number;
  /** Per connection: what the client said about itself in its handshake. */
  client: { appName?: string };
}

/** Returns the reply without `ok`; failures are thrown as CommandError. */
export type CommandHandler = (cmd: Doc, ctx: CommandContext) => Doc;

export type CommandTable = Record<string, CommandHandler>;

function mismatch(key: string, expected: string): CommandError {
  return new CommandError('TypeMismatch', `BSON field '${key}' is the wrong type, expected ${expected}`);
}

/** The collection a command names in its first field, e.g. `{find: 'users'}`. */
export function targetCollection(cmd: Doc): string {
  const [first] = Object.keys(cmd);
  const name = first === undefined ? undefined : cmd[first];
  if (typeof name !== 'string' || name === '') {
    throw new CommandError('InvalidNamespace', `Invalid namespace specified '${String(name)}'`);
  }
  return name;
}

export function optionalDoc(cmd: Doc, key: string): Doc | undefined {
  const value = cmd[key];
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw mismatch(key, 'object');
  return value;
}

export function optionalNumber(cmd: Doc, key: string): number | undefined {
  const value = cmd[key];
  if (value === undefined || value === null) return undefined;
  if (!isNumeric(value)) throw mismatch(key, 'number');
  return Number(String(value));
}

/** Like the server, accepts numbers as booleans (`multi: 1`). */
export function optionalBool(cmd: Doc, key: string): boolean | undefined {
  const value = cmd[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean' && !isNumeric(value)) throw mismatch(key, 'bool');
  return typeof value === 'boolean' ? value : Number(String(value)) !== 0;
}

export function optionalDocList(cmd: Doc, key: string): Doc[] | undefined {
  const value = cmd[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every(isPlainObject)) throw mismatch(key, 'array of objects');
  return value;
}

export function docList(cmd: Doc, key: string): Doc[] {
  const list = optionalDocList(cmd, key);
  if (!list) throw new CommandError('FailedToParse', `BSON field '${key}' is missing but a required field`);
  return list;
}
