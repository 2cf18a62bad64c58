// Commands that change documents: insert, update, delete and findAndModify. Per-operation failures
// become `writeErrors` entries; an ordered batch stops at the first, an unordered one carries on.
import { ObjectId } from 'bson';
import { CommandError } from '../errors.ts';
import { checkInsertable } from '../limits.ts';
import { findDocs, project } from '../query.ts';
import { applyUpdate, isReplacement, upsertDoc } from '../update.ts';
import type { UpdateSpec } from '../update.ts';
import { isPlainObject, sameBytes } from '../values.ts';
import type { Doc } from '../values.ts';
import { docList, optionalBool, optionalDoc, optionalDocList, optionalNumber, targetCollection } from './command.ts';
import type { CommandContext, CommandTable } from './command.ts';

function runWrites(ops: Doc[], ordered: boolean, apply: (op: Doc, index: number) => void): Doc[] {
  const writeErrors: Doc[] = [];
  for (const [index, op] of ops.entries()) {
    try {
      apply(op, index);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      writeErrors.push(error.toWriteError(index));
      if (ordered) break;
    }
  }
  return writeErrors;
}

const withWriteErrors = (reply: Doc, writeErrors: Doc[]): Doc => (writeErrors.length > 0 ? { ...reply, writeErrors } : reply);

const isOrdered = (cmd: Doc): boolean => optionalBool(cmd, 'ordered') ?? true;

/** A new document gets an ObjectId, and `_id` always comes first. */
function withId(doc: Doc): Doc {
  const { _id, ...rest } = doc;
  return { _id: _id === undefined ? new ObjectId() : _id, ...rest };
}

function updateSpec(op: Doc, key: string): UpdateSpec {
  const spec = op[key];
  if (isPlainObject(spec) || (Array.isArray(spec) && spec.every(isPlainObject))) return spec;
  throw new CommandError('FailedToParse', `BSON field '${key}' must be an update document or pipeline`);
}

function insert(cmd: Doc, ctx: CommandContext): Doc {
  const collection = ctx.storage.ensureCollection(ctx.db, targetCollection(cmd));
  let n = 0;
  const writeErrors = runWrites(docList(cmd, 'documents'), isOrdered(cmd), (doc) => {
    checkInsertable(doc);
    collection.insert(withId(doc));
    n += 1;
  });
  return withWriteErrors({ n }, writeErrors);
}

function update(cmd: Doc, ctx: CommandContext): Doc {
  const name = targetCollection(cmd);
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  const writeErrors = runWrites(docList(cmd, 'updates'), isOrdered(cmd), (op, index) => {
    const filter = optionalDoc(op, 'q') ?? {};
    const spec = updateSpec(op, 'u');
    const multi = optionalBool(op, 'multi') ?? false;
    const arrayFilters = optionalDocList(op, 'arrayFilters');
    if (multi && isReplacement(spec)) {
      throw new CommandError('FailedToParse', 'multi update is not supported for replacement-style update');
    }
    const collection = ctx.storage.collection(ctx.db, name);
    const targets = findDocs(collection?.docs ?? [], { filter, sort: optionalDoc(op, 'sort'), limit: multi ? 0 : 1 });
    if (targets.length === 0 && optionalBool(op, 'upsert')) {
      const doc = upsertDoc(filter, spec, arrayFilters);
      ctx.storage.ensureCollection(ctx.db, name).insert(doc);
      n += 1;
      upserted.push({ index, _id: doc['_id'] });
      return;
    }
    for (const target of targets) {
      const next = applyUpdate(target, spec, { filter, arrayFilters });
      if (!sameBytes(target, next)) {
        collection?.replace(target, next);
        nModified += 1;
      }
      n += 1;
    }
  });
  return withWriteErrors({ n, nModified, ...(upserted.length > 0 ? { upserted } : {}) }, writeErrors);
}

function remove(cmd: Doc, ctx: CommandContext): Doc {
  const collection = ctx.storage.collection(ctx.db, targetCollection(cmd));
  let n = 0;
  const writeErrors = runWrites(docList(cmd, 'deletes'), isOrdered(cmd), (op) => {
    const limit = optionalNumber(op, 'limit') ?? 0;
    const filter = optionalDoc(op, 'q') ?? {};
    for (const doc of findDocs(collection?.docs ?? [], { filter, limit: limit === 1 ? 1 : 0 })) {
      collection?.remove(doc);
      n += 1;
    }
  });
  return withWriteErrors({ n }, writeErrors);
}

function findAndModify(cmd: Doc, ctx: CommandContext): Doc {
  const name = targetCollection(cmd);
  const filter = optionalDoc(cmd, 'query') ?? {};
  const removing = optionalBool(cmd, 'remove') ?? false;
  const spec = cmd['update'] === undefined ? undefined : updateSpec(cmd, 'update');
  if (removing === (spec !== undefined)) {
    throw new CommandError('FailedToParse', 'Either an update or remove=true must be specified');
  }
  const returnNew = optionalBool(cmd, 'new') ?? false;
  const arrayFilters = optionalDocList(cmd, 'arrayFilters');
  const fields = optionalDoc(cmd, 'fields');
  const shown = (doc: Doc | undefined): Doc | null => (doc ? (project([doc], fields)[0] ?? null) : null);

  const collection = ctx.storage.collection(ctx.db, name);
  const [target] = findDocs(collection?.docs ?? [], { filter, sort: optionalDoc(cmd, 'sort'), limit: 1 });
  if (removing || spec === undefined) {
    if (target) collection?.remove(target);
    return { lastErrorObject: { n: target ? 1 : 0 }, value: shown(target) };
  }
  if (target) {
    const next = applyUpdate(target, spec, { filter, arrayFilters });
    if (!sameBytes(target, next)) collection?.replace(target, next);
    return { lastErrorObject: { n: 1, updatedExisting: true }, value: shown(returnNew ? next : target) };
  }
  if (optionalBool(cmd, 'upsert')) {
    const doc = upsertDoc(filter, spec, arrayFilters);
    ctx.storage.ensureCollection(ctx.db, name).insert(doc);
    const lastErrorObject = { n: 1, updatedExisting: false, upserted: doc['_id'] };
    return { lastErrorObject, value: returnNew ? shown(doc) : null };
  }
  return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
}

export const writeCommands: CommandTable = {
  insert,
  update,
  delete: remove,
  findAndModify,
  findandmodify: findAndModify,
};
