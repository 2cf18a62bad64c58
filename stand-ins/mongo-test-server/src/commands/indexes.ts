// Index commands: createIndexes (unique ones are enforced from then on), listIndexes, dropIndexes.
import { CommandError } from '../errors.ts';
import { defaultIndexName, ID_INDEX } from '../indexes.ts';
import type { IndexSpec } from '../indexes.ts';
import { checkFieldPaths } from '../limits.ts';
import type { Collection } from '../storage.ts';
import { isPlainObject, keyString } from '../values.ts';
import type { Doc } from '../values.ts';
import { docList, optionalDoc, optionalNumber, targetCollection } from './command.ts';
import type { CommandContext, CommandTable } from './command.ts';

function indexSpec(raw: Doc): IndexSpec {
  const { key, name, v: _v, ...options } = raw;
  if (!isPlainObject(key) || Object.keys(key).length === 0) {
    throw new CommandError('BadValue', 'index key pattern must be a non-empty object');
  }
  checkFieldPaths(key);
  checkFieldPaths(options['partialFilterExpression']);
  return { v: 2, key, name: typeof name === 'string' ? name : defaultIndexName(key), ...options };
}

/** What makes two definitions the same index; other options (e.g. `background`) do not count. */
const identity = (spec: IndexSpec): string =>
  keyString([
    spec.key,
    spec['unique'] === true,
    spec['sparse'] === true,
    spec['partialFilterExpression'] ?? null,
    spec['expireAfterSeconds'] ?? null,
  ]);

function createIndexes(cmd: Doc, ctx: CommandContext): Doc {
  const name = targetCollection(cmd);
  const createdCollectionAutomatically = !ctx.storage.collection(ctx.db, name);
  const collection = ctx.storage.ensureCollection(ctx.db, name);
  const numIndexesBefore = collection.indexes.length;
  for (const spec of docList(cmd, 'indexes').map(indexSpec)) {
    const sameName = collection.indexes.find((existing) => existing.name === spec.name);
    if (sameName) {
      if (identity(sameName) === identity(spec)) continue;
      throw new CommandError('IndexKeySpecsConflict', `An index named ${spec.name} exists with a different definition`);
    }
    const sameKey = collection.indexes.find((existing) => identity(existing) === identity(spec));
    if (sameKey) {
      throw new CommandError('IndexOptionsConflict', `Index already exists with a different name: ${sameKey.name}`);
    }
    collection.addIndex(spec);
  }
  const numIndexesAfter = collection.indexes.length;
  return {
    createdCollectionAutomatically,
    numIndexesBefore,
    numIndexesAfter,
    ...(numIndexesAfter === numIndexesBefore ? { note: 'all indexes already exist' } : {}),
  };
}

function existingCollection(cmd: Doc, ctx: CommandContext): Collection {
  const name = targetCollection(cmd);
  const collection = ctx.storage.collection(ctx.db, name);
  if (!collection) throw new CommandError('NamespaceNotFound', `ns does not exist: ${ctx.db}.${name}`);
  return collection;
}

function listIndexes(cmd: Doc, ctx: CommandContext): Doc {
  const collection = existingCollection(cmd, ctx);
  const batchSize = optionalNumber(optionalDoc(cmd, 'cursor') ?? {}, 'batchSize');
  return { cursor: ctx.cursors.open(collection.ns, [...collection.indexes], { batchSize }) };
}

/** `index` is a name, a list of names, a key pattern, or `'*'` for all but `_id_`. */
function namesToDrop(collection: Collection, index: unknown): string[] {
  if (index === '*') return collection.indexes.map(({ name }) => name).filter((name) => name !== ID_INDEX.name);
  if (typeof index === 'string') return [index];
  if (Array.isArray(index) && index.every((name) => typeof name === 'string')) return index;
  if (isPlainObject(index)) {
    const found = collection.indexes.find(({ key }) => keyString(key) === keyString(index));
    if (!found) throw new CommandError('IndexNotFound', `can't find index with key: ${JSON.stringify(index)}`);
    return [found.name];
  }
  throw new CommandError('TypeMismatch', "BSON field 'index' must be a string, an array of strings or an object");
}

function dropIndexes(cmd: Doc, ctx: CommandContext): Doc {
  const collection = existingCollection(cmd, ctx);
  const nIndexesWas = collection.indexes.length;
  const names = namesToDrop(collection, cmd['index']);
  for (const name of names) {
    if (name === ID_INDEX.name) throw new CommandError('InvalidOptions', 'cannot drop _id index');
    if (!collection.indexes.some((spec) => spec.name === name)) {
      throw new CommandError('IndexNotFound', `index not found with name [${name}]`);
    }
  }
  for (const name of names) collection.dropIndex(name);
  return { nIndexesWas };
}

export const indexCommands: CommandTable = { createIndexes, listIndexes, dropIndexes };
