// Page<T>: the one pagination envelope of the protocol (docs/protocol.md §2.1), used for threads and items.
// `after` is the id of the last element, set only when `has_more` is true; it is omitted on the wire when null.

export interface Page<T> {
  data: T[];
  has_more: boolean;
  after?: string | null;
}

export function emptyPage<T>(): Page<T> {
  return { data: [], has_more: false };
}
