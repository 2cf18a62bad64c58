// How the server holds BSON values: documents decoded so int64, Decimal128 and Binary keep their
// types, plus the numeric "comparable" view mingo needs, since it only compares plain JS numbers.
import { deserialize, EJSON, serialize } from 'bson';

export type Doc = Record<string, unknown>;

// int64 stays a Long (not a JS number) so it is written back as int64, exactly as it arrived.
const DECODE = { promoteLongs: false, promoteValues: true, promoteBuffers: false } as const;
const ENCODE = { checkKeys: false, ignoreUndefined: true } as const;

export const decode = (bytes: Uint8Array): Doc => deserialize(bytes, DECODE);
export const encode = (doc: Doc): Uint8Array => serialize(doc, ENCODE);

/** A deep copy that keeps every BSON type (structuredClone would strip the classes). */
export const copyDoc = (doc: Doc): Doc => decode(encode(doc));

export const sameBytes = (a: Doc, b: Doc): boolean => Buffer.from(encode(a)).equals(encode(b));

export function isPlainObject(value: unknown): value is Doc {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The `_bsontype` tag every bson class carries; checked by name so any copy of `bson` matches. */
export function bsonType(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('_bsontype' in value)) return undefined;
  const tag = value._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

const NUMERIC_TYPES = new Set(['Long', 'Int32', 'Double', 'Decimal128']);

/** Numbers MongoDB compares by value whatever their BSON type: JS numbers and the numeric classes. */
export function isNumeric(value: unknown): boolean {
  return typeof value === 'number' || NUMERIC_TYPES.has(bsonType(value) ?? '');
}

/**
 * The value with every numeric BSON class turned into a JS number, so mingo compares `Long(7) > 5`
 * numerically. Returns the same reference when nothing had to change.
 */
export function comparable(value: unknown): unknown {
  if (Array.isArray(value)) {
    const mapped = value.map(comparable);
    return mapped.some((v, i) => v !== value[i]) ? mapped : value;
  }
  if (isPlainObject(value)) {
    let changed = false;
    const mapped: Doc = {};
    for (const [key, v] of Object.entries(value)) {
      mapped[key] = comparable(v);
      changed ||= mapped[key] !== v;
    }
    return changed ? mapped : value;
  }
  return NUMERIC_TYPES.has(bsonType(value) ?? '') ? Number(String(value)) : value;
}

// Stored documents are never mutated in place, so a view computed once stays valid.
const views = new WeakMap<Doc, Doc>();

export function comparableDoc(doc: Doc): Doc {
  let view = views.get(doc);
  if (!view) {
    view = comparable(doc) as Doc;
    views.set(doc, view);
  }
  return view;
}

/** A canonical string for index keys and `distinct`: equal for values MongoDB treats as equal. */
export const keyString = (value: unknown): string => EJSON.stringify(comparable(value ?? null) as Doc, { relaxed: false });

/**
 * Every value a dotted path reaches, descending through arrays and unwinding a final array the
 * way index keys and `distinct` do; a missing field yields `undefined`, an empty array nothing.
 */
export function valuesAtPath(value: unknown, path: readonly string[]): unknown[] {
  const [head, ...rest] = path;
  if (head === undefined) return Array.isArray(value) ? value : [value];
  if (Array.isArray(value)) {
    if (/^\d+$/.test(head)) return valuesAtPath(value[Number(head)], rest);
    return value.flatMap((item) => valuesAtPath(item, path));
  }
  return isPlainObject(value) ? valuesAtPath(value[head], rest) : [undefined];
}
