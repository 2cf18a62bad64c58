// Update documents applied to one stored document: operator updates (through mingo, plus the
// int64 arithmetic mingo lacks), replacements, pipelines, and the document an upsert inserts.
import { Long, ObjectId } from 'bson';
import { Aggregator, update as mingoUpdate } from 'mingo';
import type { Modifier } from 'mingo/updater';
import { compare, resolve, setValue } from 'mingo/util';
import { asBadValue, CommandError } from './errors.ts';
import { checkFieldPath, checkFieldPaths, checkUpdated } from './limits.ts';
import { bsonType, comparable, copyDoc, isNumeric, isPlainObject, keyString } from './values.ts';
import type { Doc } from './values.ts';

export type UpdateSpec = Doc | Doc[];

export interface UpdateOptions {
  filter: Doc;
  arrayFilters?: Doc[];
  /** True when the update builds an upserted document: `$setOnInsert` applies only then. */
  inserting?: boolean;
}

const OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$push',
  '$pull',
  '$pullAll',
  '$addToSet',
  '$pop',
  '$rename',
  '$currentDate',
  '$bit',
  '$setOnInsert',
]);

/** A replacement document has no `$` keys; an operator update has nothing else. */
export function isReplacement(spec: UpdateSpec): spec is Doc {
  if (Array.isArray(spec)) return false;
  const keys = Object.keys(spec);
  const operators = keys.filter((key) => key.startsWith('$')).length;
  if (operators > 0 && operators < keys.length) {
    throw new CommandError('FailedToParse', 'an update mixes update operators with replacement fields');
  }
  return operators === 0;
}

/**
 * The document after the update, as a fresh copy; `doc` itself is never modified. A result over
 * the depth or size limit is refused here, before it is copied or stored.
 */
export function applyUpdate(doc: Doc, spec: UpdateSpec, options: UpdateOptions): Doc {
  checkFieldPaths(options.arrayFilters);
  const after = Array.isArray(spec) ? applyPipeline(doc, spec) : isReplacement(spec) ? spec : applyOperators(doc, spec, options);
  const settled = settleId(doc, after);
  checkUpdated(settled, { upsert: options.inserting ?? false });
  return copyDoc(settled);
}

/** What an upsert inserts: the filter's equality fields (only `_id` for a replacement), then the update. */
export function upsertDoc(filter: Doc, spec: UpdateSpec, arrayFilters?: Doc[]): Doc {
  const seed = seedFromFilter(filter);
  const base = isReplacement(spec) ? (seed['_id'] === undefined ? {} : { _id: seed['_id'] }) : seed;
  return applyUpdate(base, spec, { filter, arrayFilters, inserting: true });
}

/** `_id` never changes, comes first, and is generated for a new document that has none. */
function settleId(before: Doc, after: Doc): Doc {
  const { _id, ...rest } = after;
  const original = before['_id'];
  if (original === undefined) return { _id: _id ?? new ObjectId(), ...rest };
  if (_id !== undefined && keyString(_id) !== keyString(original)) {
    throw new CommandError('ImmutableField', "After applying the update, the (immutable) field '_id' was altered");
  }
  return { _id: original, ...rest };
}

function applyPipeline(doc: Doc, stages: Doc[]): Doc {
  checkFieldPaths(stages);
  const [result] = asBadValue(() => new Aggregator(stages, {}).run<Doc>([copyDoc(doc)]));
  if (!isPlainObject(result)) throw new CommandError('BadValue', 'the update pipeline produced no document');
  return result;
}

type Operators = Record<string, Doc>;

function applyOperators(doc: Doc, spec: Doc, { filter, arrayFilters, inserting = false }: UpdateOptions): Doc {
  const ops = operatorsOf(spec, inserting);
  const target = copyDoc(doc);
  guardId(target, ops, inserting);
  settleWideNumbers(target, ops);
  for (const [op, fields] of Object.entries(ops)) if (Object.keys(fields).length === 0) delete ops[op];
  // mingo applies the update only if `condition` matches, so it gets one only when a positional
  // `$` path needs the filter to find the array element.
  const positional = paths(ops).some((path) => path.split('.').includes('$'));
  asBadValue(() => mingoUpdate(target, ops as Modifier<Doc>, arrayFilters, positional ? filter : undefined));
  return target;
}

/** Validated shallow copies (one spec serves every document of a multi-update), `$setOnInsert` resolved. */
function operatorsOf(spec: Doc, inserting: boolean): Operators {
  const ops: Operators = {};
  for (const [op, fields] of Object.entries(spec)) {
    if (!OPERATORS.has(op)) {
      const hint = 'Expected a valid update modifier or pipeline-style update specified as an array';
      throw new CommandError('FailedToParse', `Unknown modifier: ${op}. ${hint}`);
    }
    if (!isPlainObject(fields)) {
      throw new CommandError('FailedToParse', `Modifiers operate on fields but ${op} was not given a document`);
    }
    // Keys are paths (mingo walks one call per part); so are `$rename`'s targets. Values are data.
    for (const [path, value] of Object.entries(fields)) {
      checkFieldPath(path);
      if (op === '$rename' && typeof value === 'string') checkFieldPath(value);
    }
    ops[op] = { ...fields };
  }
  const { $setOnInsert: onInsert, ...rest } = ops;
  return inserting && onInsert ? { ...rest, $set: { ...rest['$set'], ...onInsert } } : rest;
}

const paths = (ops: Operators): string[] => Object.values(ops).flatMap((fields) => Object.keys(fields));

/** An upsert may choose its `_id` (`$setOnInsert: {_id}`); otherwise `_id` may only be set to itself. */
function guardId(target: Doc, ops: Operators, inserting: boolean): void {
  const set = ops['$set'];
  if (set?.['_id'] !== undefined) {
    if (inserting) target['_id'] = set['_id'];
    if (inserting || keyString(set['_id']) === keyString(target['_id'])) delete set['_id'];
  }
  if (!inserting && paths(ops).some((path) => path === '_id' || path.startsWith('_id.'))) {
    throw new CommandError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field");
  }
}

/**
 * `$inc`, `$mul`, `$min` and `$max` where an int64 or Decimal128 is involved: mingo only does
 * arithmetic on JS numbers, and int64 must stay int64 (int64 + int32 = int64, as on the server).
 */
function settleWideNumbers(target: Doc, ops: Operators): void {
  for (const op of ['$inc', '$mul', '$min', '$max'] as const) {
    const fields = ops[op];
    if (!fields) continue;
    for (const [path, operand] of Object.entries(fields)) {
      if (path.includes('$')) continue;
      const current: unknown = resolve(target, path);
      const arithmetic = op === '$inc' || op === '$mul';
      // mingo would silently skip these; the server refuses them.
      if (arithmetic && !isNumeric(operand)) {
        throw new CommandError('TypeMismatch', `Cannot ${op} with non-numeric argument: {${path}: ${String(operand)}}`);
      }
      if (arithmetic && current !== undefined && !isNumeric(current)) {
        throw new CommandError('TypeMismatch', `Cannot apply ${op} to a value of non-numeric type: field '${path}'`);
      }
      if (!isWide(current) && !isWide(operand)) continue;
      delete fields[path];
      const value = arithmetic ? calculate(op, current ?? 0, operand) : extreme(op, current, operand);
      if (value !== undefined) setValue(target, path, value);
    }
  }
}

const isWide = (value: unknown): boolean => typeof value === 'object' && isNumeric(value);

function calculate(op: '$inc' | '$mul', current: unknown, operand: unknown): unknown {
  if (bsonType(current) === 'Decimal128' || bsonType(operand) === 'Decimal128') {
    throw new CommandError('BadValue', `${op} on Decimal128 is not supported by the test server`);
  }
  const [a, b] = [Number(String(current)), Number(String(operand))];
  if (!Number.isInteger(a) || !Number.isInteger(b)) return op === '$inc' ? a + b : a * b;
  const [x, y] = [toLong(current), toLong(operand)];
  return op === '$inc' ? x.add(y) : x.multiply(y);
}

const toLong = (value: unknown): Long => (bsonType(value) === 'Long' ? Long.fromString(String(value)) : Long.fromNumber(Number(value)));

/** The new value for `$min`/`$max`, or undefined when the current one stays. */
function extreme(op: '$min' | '$max', current: unknown, operand: unknown): unknown {
  if (current === undefined) return operand;
  const order = compare(comparable(operand), comparable(current));
  return (op === '$max' ? order > 0 : order < 0) ? operand : undefined;
}

/** Equality conditions of a filter (`{a: 1}`, `{a: {$eq: 1}}`, inside `$and`) as document fields. */
function seedFromFilter(filter: Doc): Doc {
  const seed: Doc = {};
  const visit = (conditions: Doc): void => {
    for (const [key, value] of Object.entries(conditions)) {
      if (key === '$and' && Array.isArray(value)) value.filter(isPlainObject).forEach(visit);
      if (key.startsWith('$')) continue;
      const isOperatorDoc = isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'));
      if (!isOperatorDoc) setValue(seed, key, value);
      else if ('$eq' in value) setValue(seed, key, value['$eq']);
    }
  };
  visit(filter);
  return seed;
}
