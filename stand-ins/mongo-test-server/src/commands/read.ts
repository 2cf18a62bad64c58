// Commands that read documents: find and its cursor commands, count, distinct and aggregate.
import { Long } from 'bson';
import { CommandError } from '../errors.ts';
import { checkFieldPath } from '../limits.ts';
import { aggregate, findDocs, project } from '../query.ts';
import { bsonType, keyString, valuesAtPath } from '../values.ts';
import type { Doc } from '../values.ts';
import { docList, optionalBool, optionalDoc, optionalNumber, targetCollection } from './command.ts';
import type { CommandContext, CommandTable } from './command.ts';

const storedDocs = (ctx: CommandContext, name: string): readonly Doc[] => ctx.storage.collection(ctx.db, name)?.docs ?? [];

function cursorId(value: unknown, field: string): Long {
  if (bsonType(value) === 'Long') return value as Long;
  if (typeof value === 'number') return Long.fromNumber(value);
  throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type, expected long`);
}

function find(cmd: Doc, ctx: CommandContext): Doc {
  const name = targetCollection(cmd);
  const limit = optionalNumber(cmd, 'limit');
  const results = findDocs(storedDocs(ctx, name), {
    filter: optionalDoc(cmd, 'filter'),
    sort: optionalDoc(cmd, 'sort'),
    skip: optionalNumber(cmd, 'skip'),
    limit,
  });
  const cursor = ctx.cursors.open(`${ctx.db}.${name}`, project(results, optionalDoc(cmd, 'projection')), {
    batchSize: optionalNumber(cmd, 'batchSize'),
    // A negative limit is the legacy spelling of "one batch, then close".
    singleBatch: (optionalBool(cmd, 'singleBatch') ?? false) || (limit ?? 0) < 0,
  });
  return { cursor };
}

function getMore(cmd: Doc, ctx: CommandContext): Doc {
  return { cursor: ctx.cursors.more(cursorId(cmd['getMore'], 'getMore'), optionalNumber(cmd, 'batchSize')) };
}

function killCursors(cmd: Doc, ctx: CommandContext): Doc {
  const ids = cmd['cursors'];
  if (!Array.isArray(ids)) {
    throw new CommandError('TypeMismatch', "BSON field 'cursors' is the wrong type, expected array");
  }
  const { killed, notFound } = ctx.cursors.kill(ids.map((id) => cursorId(id, 'cursors')));
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [] };
}

function count(cmd: Doc, ctx: CommandContext): Doc {
  const matched = findDocs(storedDocs(ctx, targetCollection(cmd)), {
    filter: optionalDoc(cmd, 'query'),
    skip: optionalNumber(cmd, 'skip'),
    limit: optionalNumber(cmd, 'limit'),
  });
  return { n: matched.length };
}

function distinct(cmd: Doc, ctx: CommandContext): Doc {
  const key = cmd['key'];
  if (typeof key !== 'string') {
    throw new CommandError('TypeMismatch', "BSON field 'key' is the wrong type, expected string");
  }
  checkFieldPath(key);
  const values = new Map<string, unknown>();
  for (const doc of findDocs(storedDocs(ctx, targetCollection(cmd)), { filter: optionalDoc(cmd, 'query') })) {
    for (const value of valuesAtPath(doc, key.split('.'))) {
      const text = keyString(value);
      if (value !== undefined && !values.has(text)) values.set(text, value);
    }
  }
  return { values: [...values.values()] };
}

function runAggregate(cmd: Doc, ctx: CommandContext): Doc {
  // `{aggregate: 1}` runs a collection-less pipeline (one starting with `$documents`).
  const name = typeof cmd['aggregate'] === 'string' ? cmd['aggregate'] : undefined;
  const source = name === undefined ? [] : storedDocs(ctx, name);
  const results = aggregate(source, docList(cmd, 'pipeline'), (other) => storedDocs(ctx, other));
  const batchSize = optionalNumber(optionalDoc(cmd, 'cursor') ?? {}, 'batchSize');
  return { cursor: ctx.cursors.open(`${ctx.db}.${name ?? '$cmd.aggregate'}`, results, { batchSize }) };
}

export const readCommands: CommandTable = {
  find,
  getMore,
  killCursors,
  count,
  distinct,
  aggregate: runAggregate,
};
