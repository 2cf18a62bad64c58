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

/** Matching stored documents in result order; the very objects stored, not copies. */
export function findDocs(docs: readonly Doc[], spec: FindSpec): Doc[] {
  checkFieldPaths(spec.filter);
  checkFieldPaths(spec.sort);
  return asBadValue(() => {
    const original = new Map<unknown, Doc>(docs.map((doc) => [comparableDoc(doc), doc]));
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
