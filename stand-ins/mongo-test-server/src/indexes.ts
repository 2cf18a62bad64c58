// Index definitions of one collection. Only what changes behaviour is enforced: unique keys
// (with sparse and partialFilterExpression); every other option is kept and reported back.
import { EJSON } from 'bson';
import { CommandError } from './errors.ts';
import { matches } from './query.ts';
import { bsonType, isPlainObject, keyString, valuesAtPath } from './values.ts';
import type { Doc } from './values.ts';

export interface IndexSpec extends Doc {
  v: number;
  key: Doc;
  name: string;
}

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' };

/** The name MongoDB derives from a key pattern: `{a: 1, b: -1}` → `a_1_b_-1`. */
export const defaultIndexName = (key: Doc): string =>
  Object.entries(key)
    .map(([field, direction]) => `${field}_${String(direction)}`)
    .join('_');

interface Key {
  text: string;
  values: unknown[];
}

export class Index {
  readonly unique: boolean;
  /** For unique indexes: canonical key → the document holding it. */
  readonly #owners = new Map<string, Doc>();

  constructor(
    readonly spec: IndexSpec,
    private readonly ns: string,
  ) {
    this.unique = spec.name === ID_INDEX.name || spec['unique'] === true;
  }

  /** Throws the driver's duplicate-key error if `doc` would collide with any document but `replacing`. */
  check(doc: Doc, replacing?: Doc): void {
    for (const key of this.#keys(doc)) {
      const owner = this.#owners.get(key.text);
      if (owner && owner !== replacing) throw this.#duplicate(key);
    }
  }

  add(doc: Doc): void {
    for (const key of this.#keys(doc)) this.#owners.set(key.text, doc);
  }

  remove(doc: Doc): void {
    for (const key of this.#keys(doc)) if (this.#owners.get(key.text) === doc) this.#owners.delete(key.text);
  }

  #keys(doc: Doc): Key[] {
    if (!this.unique) return [];
    const partial = this.spec['partialFilterExpression'];
    if (isPlainObject(partial) && !matches(doc, partial)) return [];
    const fields = Object.keys(this.spec.key);
    const perField = fields.map((field) => {
      const values = valuesAtPath(doc, field.split('.'));
      return values.length > 0 ? values : [undefined];
    });
    if (this.spec['sparse'] === true && perField.every((values) => values.every((v) => v === undefined))) return [];
    // A multikey index holds one key per array element; a compound one, the cartesian product.
    const tuples = perField.reduce<unknown[][]>((acc, values) => acc.flatMap((tuple) => values.map((v) => [...tuple, v ?? null])), [[]]);
    const unique = new Map(tuples.map((values) => [keyString(values), values]));
    return [...unique].map(([text, values]) => ({ text, values }));
  }

  #duplicate(key: Key): CommandError {
    const fields = Object.keys(this.spec.key);
    const keyValue = Object.fromEntries(fields.map((field, i) => [field, key.values[i]]));
    const shown = fields.map((field, i) => `${field}: ${formatKeyValue(key.values[i])}`).join(', ');
    return new CommandError(
      'DuplicateKey',
      `E11000 duplicate key error collection: ${this.ns} index: ${this.spec.name} dup key: { ${shown} }`,
      { keyPattern: this.spec.key, keyValue },
    );
  }
}

/** Close to how the server prints key values in the E11000 message. */
function formatKeyValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return `new Date(${String(value.getTime())})`;
  if (bsonType(value) === 'ObjectId') return `ObjectId('${String(value)}')`;
  if (value === null || typeof value !== 'object' || bsonType(value)) return String(value);
  return EJSON.stringify(value as Doc);
}
