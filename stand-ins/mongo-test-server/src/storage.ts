// The in-memory data: databases of collections, each an ordered list of documents plus its
// indexes. Documents are replaced, never mutated, so cursors and cached views stay consistent.
import { CommandError } from './errors.ts';
import { ID_INDEX, Index } from './indexes.ts';
import type { IndexSpec } from './indexes.ts';
import type { Doc } from './values.ts';

export class Collection {
  readonly #docs: Doc[] = [];
  readonly #indexes: Index[];

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Doc = {},
  ) {
    this.#indexes = [new Index(ID_INDEX, this.ns)];
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /** Documents in insertion ("natural") order. */
  get docs(): readonly Doc[] {
    return this.#docs;
  }

  get indexes(): readonly IndexSpec[] {
    return this.#indexes.map((index) => index.spec);
  }

  /** Every index is checked before any changes, so a duplicate key leaves the collection as it was. */
  insert(doc: Doc): void {
    for (const index of this.#indexes) index.check(doc);
    for (const index of this.#indexes) index.add(doc);
    this.#docs.push(doc);
  }

  replace(old: Doc, next: Doc): void {
    const position = this.#docs.indexOf(old);
    if (position < 0) throw new CommandError('InternalError', 'replacing a document that is not stored');
    for (const index of this.#indexes) index.check(next, old);
    for (const index of this.#indexes) {
      index.remove(old);
      index.add(next);
    }
    this.#docs[position] = next;
  }

  remove(doc: Doc): void {
    const position = this.#docs.indexOf(doc);
    if (position < 0) return;
    for (const index of this.#indexes) index.remove(doc);
    this.#docs.splice(position, 1);
  }

  /** Builds the index over the existing documents; fails without adding it if they hold duplicates. */
  addIndex(spec: IndexSpec): void {
    const index = new Index(spec, this.ns);
    for (const doc of this.#docs) {
      index.check(doc);
      index.add(doc);
    }
    this.#indexes.push(index);
  }

  dropIndex(name: string): void {
    const position = this.#indexes.findIndex((index) => index.spec.name === name);
    if (position >= 0) this.#indexes.splice(position, 1);
  }
}

export class Storage {
  readonly #databases = new Map<string, Map<string, Collection>>();

  collection(db: string, name: string): Collection | undefined {
    return this.#databases.get(db)?.get(name);
  }

  /** Writes create their collection (and database) implicitly, as on a real server. */
  ensureCollection(db: string, name: string, options: Doc = {}): Collection {
    const existing = this.collection(db, name);
    if (existing) return existing;
    const collection = new Collection(db, name, options);
    const collections = this.#databases.get(db) ?? new Map<string, Collection>();
    collections.set(name, collection);
    this.#databases.set(db, collections);
    return collection;
  }

  dropCollection(db: string, name: string): Collection | undefined {
    const collections = this.#databases.get(db);
    const collection = collections?.get(name);
    collections?.delete(name);
    if (collections?.size === 0) this.#databases.delete(db);
    return collection;
  }

  dropDatabase(db: string): void {
    this.#databases.delete(db);
  }

  collections(db: string): Collection[] {
    return [...(this.#databases.get(db)?.values() ?? [])];
  }

  /** Databases that hold at least one collection. */
  databases(): string[] {
    return [...this.#databases.keys()];
  }
}
