// Query semantics, delegated to mingo: filtering, sorting and projection over stored documents,
// and aggregation pipelines. mingo sees the numeric "comparable" view; callers get the originals.
import { Aggregator, Query } from 'mingo';
import type { Doc } from './values.ts';
import { asBadValue, CommandError } from './errors.ts';
import { checkFieldPaths } from './limits.ts';
import { comparable, comparableDoc, copyDoc, isPlainObject } from './values.ts';

export interface FindSpec {
  filter?: Doc;
  sort?: Doc;
  skip?: number;
  /** 0 (or absent) means no limit. */
  limit?: number;
}

export function matches(doc: Doc, filter: Doc): boolean {
  checkFieldPaths(filter);
  return asBadValue(() => new Query(comparable(filter) as Doc, {}).test(comparableDoc(doc)));
}

/**
 * The documents that can match `filter`'s top-level string equalities (`{field: 'text'}` or
 * `{field: {$eq: 'text'}}`): the field is that string, or an array (which may hold it). Every find,
 * update and delete used to hand the whole collection to mingo, so a lookup by id cost time in
 * proportion to the collection (about 1 ms per command after a few hundred runs in the benchmark);
 * mingo still decides on the candidates, so the answer is the same.
 */
function candidates(docs: readonly Doc[], filter: Doc | undefined): readonly Doc[] {
  if (!filter) return docs;
  const equalities: Array<[string, string]> = [];
  for (const [field, condition] of Object.entries(filter)) {
    if (field.startsWith('$') || field.includes('.')) continue;
    if (typeof condition === 'string') equalities.push([field, condition]);
    else if (isPlainObject(condition) && Object.keys(condition).length === 1 && typeof condition['$eq'] === 'string')
      equalities.push([field, condition['$eq']]);
  }
  if (equalities.length === 0) return docs;
  return docs.filter((doc) =>
    equalities.every(([field, text]) => {
      const value = doc[field];
      return value === text || Array.isArray(value);
    }),
  );
}

/** Matching stored documents in result order; the very objects stored, not copies. */
export function findDocs(docs: readonly Doc[], spec: FindSpec): Doc[] {
  checkFieldPaths(spec.filter);
  checkFieldPaths(spec.sort);
  return asBadValue(() => {
    const original = new Map<unknown, Doc>(candidates(docs, spec.filter).map((doc) => [comparableDoc(doc), doc]));
    let cursor = new Query(comparable(spec.filter ?? {}) as Doc, {}).find<Doc>([...original.keys()]);
    if (spec.sort && Object.keys(spec.sort).length > 0) cursor = cursor.sort(sortSpec(spec.sort));
    if (spec.skip) cursor = cursor.skip(spec.skip);
    if (spec.limit) cursor = cursor.limit(Math.abs(spec.limit));
    return cursor.all().map((view) => original.get(view) ?? view);
  });
}

function sortSpec(sort: Doc): Record<string, 1 | -1> {
  return Object.fromEntries(
    Object.entries(sort).map(([field, direction]) => {
      if (typeof direction !== 'number') throw new CommandError('BadValue', `unsupported sort for '${field}'`);
      return [field, direction < 0 ? -1 : 1];
    }),
  );
}

/** Applies a find projection, keeping the stored field order (so `_id` stays first), as the server does. */
export function project(docs: Doc[], projection: Doc | undefined): Doc[] {
  if (!projection || Object.keys(projection).length === 0) return docs;
  checkFieldPaths(projection);
  const projected = asBadValue(() => new Query({}, {}).find<Doc>(docs, projection).all());
  return projected.map((fields, i) => {
    const ordered: Doc = {};
    for (const key of Object.keys(docs[i] ?? {})) if (key in fields) ordered[key] = fields[key];
    return Object.assign(ordered, fields);
  });
}

/**
 * Runs a pipeline on copies (stages may rewrite their input). Numbers of every BSON type come out
 * as JS numbers: the pipeline computes on the comparable view.
 */
export function aggregate(docs: readonly Doc[], pipeline: Doc[], lookup: (name: string) => readonly Doc[]): Doc[] {
  checkFieldPaths(pipeline);
  for (const stage of pipeline) {
    const [name] = Object.keys(stage);
    if (name === '$out' || name === '$merge') {
      throw new CommandError('BadValue', `${name} is not supported by the test server`);
    }
  }
  const views = (source: readonly Doc[]) => source.map((doc) => comparable(copyDoc(doc)) as Doc);
  return asBadValue(() =>
    new Aggregator(pipeline, { collectionResolver: (name: string) => views(lookup(name)) }).run<Doc>(views(docs)).filter(isPlainObject),
  );
}
