// Commands over databases and collections as names: create, drop, dropDatabase, and the listings.
import { CommandError } from '../errors.ts';
import { ID_INDEX } from '../indexes.ts';
import { matches } from '../query.ts';
import { encode } from '../values.ts';
import type { Doc } from '../values.ts';
import { optionalBool, optionalDoc, optionalNumber, targetCollection } from './command.ts';
import type { CommandContext, CommandTable } from './command.ts';

/** Collection options worth keeping for listCollections; none of them is enforced. */
const COLLECTION_OPTIONS = [
  'capped',
  'size',
  'max',
  'validator',
  'validationLevel',
  'validationAction',
  'timeseries',
  'expireAfterSeconds',
  'collation',
  'clusteredIndex',
];

const batchSizeOf = (cmd: Doc): number | undefined => optionalNumber(optionalDoc(cmd, 'cursor') ?? {}, 'batchSize');

function create(cmd: Doc, ctx: CommandContext): Doc {
  const name = targetCollection(cmd);
  if (ctx.storage.collection(ctx.db, name)) {
    throw new CommandError('NamespaceExists', `Collection ${ctx.db}.${name} already exists.`);
  }
  const options = Object.fromEntries(Object.entries(cmd).filter(([key]) => COLLECTION_OPTIONS.includes(key)));
  ctx.storage.ensureCollection(ctx.db, name, options);
  return {};
}

/** Dropping a missing collection succeeds, as on MongoDB 7. */
function drop(cmd: Doc, ctx: CommandContext): Doc {
  const name = targetCollection(cmd);
  const dropped = ctx.storage.dropCollection(ctx.db, name);
  return { nIndexesWas: dropped?.indexes.length ?? 0, ns: `${ctx.db}.${name}` };
}

function dropDatabase(_cmd: Doc, ctx: CommandContext): Doc {
  ctx.storage.dropDatabase(ctx.db);
  return { dropped: ctx.db };
}

function listCollections(cmd: Doc, ctx: CommandContext): Doc {
  const nameOnly = optionalBool(cmd, 'nameOnly') ?? false;
  const filter = optionalDoc(cmd, 'filter') ?? {};
  const infos = ctx.storage
    .collections(ctx.db)
    .map(({ name, options }) =>
      nameOnly ? { name, type: 'collection' } : { name, type: 'collection', options, info: { readOnly: false }, idIndex: ID_INDEX },
    )
    .filter((info) => matches(info, filter));
  return { cursor: ctx.cursors.open(`${ctx.db}.$cmd.listCollections`, infos, { batchSize: batchSizeOf(cmd) }) };
}

function listDatabases(cmd: Doc, ctx: CommandContext): Doc {
  const filter = optionalDoc(cmd, 'filter') ?? {};
  const databases = ctx.storage
    .databases()
    .map((name) => {
      const sizeOnDisk = ctx.storage
        .collections(name)
        .reduce((total, { docs }) => total + docs.reduce((sum, doc) => sum + encode(doc).length, 0), 0);
      return { name, sizeOnDisk, empty: sizeOnDisk === 0 };
    })
    .filter((info) => matches(info, filter));
  if (optionalBool(cmd, 'nameOnly')) return { databases: databases.map(({ name }) => ({ name })) };
  return { databases, totalSize: databases.reduce((total, { sizeOnDisk }) => total + sizeOnDisk, 0) };
}

export const namespaceCommands: CommandTable = { create, drop, dropDatabase, listCollections, listDatabases };
