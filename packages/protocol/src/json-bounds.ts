// Bounds on JSON of unknown origin — depth, number of values, serialized size — checked without
// recursion and stopping at the first excess, so a hostile value costs no more than the bound itself.
// `scanJsonText` runs on the raw body before JSON.parse, `exceededJsonBound` on parsed values.

export interface JsonBounds {
  /** Containers nested, the outermost being level 1; scalars add no level. */
  maxDepth: number;
  /** Values, containers included, object keys not. */
  maxNodes: number;
  /** Characters of the value as compact JSON (string escapes not counted); unchecked when absent. */
  maxChars?: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Characters of a number or literal (`-1.5e+3`, `true`, `null`): everything up to the next delimiter. */
function isTokenChar(c: number): boolean {
  return (
    !isWhitespace(c) &&
    c !== COMMA &&
    c !== COLON &&
    c !== CLOSE_ARRAY &&
    c !== CLOSE_OBJECT &&
    c !== OPEN_ARRAY &&
    c !== OPEN_OBJECT &&
    c !== QUOTE
  );
}

/** Strings up to this long are walked byte by byte; past it a native search is faster. */
const SHORT_STRING = 32;

/** Index of the quote closing the string whose opening quote is at `open`, or -1. */
function closingQuote(bytes: Uint8Array, open: number): number {
  const shortEnd = Math.min(bytes.length, open + SHORT_STRING);
  let i = open + 1;
  for (; i < shortEnd; i++) {
    const c = bytes[i];
    if (c === QUOTE) return i;
    if (c === BACKSLASH) i++;
  }
  for (let at = bytes.indexOf(QUOTE, i); at !== -1; at = bytes.indexOf(QUOTE, at + 1)) {
    let backslashes = 0;
    while (bytes[at - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  return -1;
}

/**
 * Checks UTF-8 JSON text against depth and value-count bounds in one pass over its bytes (every
 * structural character of JSON is ASCII, and no byte of a multi-byte UTF-8 sequence is), stopping
 * at the first excess. Returns what was exceeded (`nests deeper than 32 levels`, `has more than
 * 20000 values`) or null. It does not validate the syntax: text it passes still goes to JSON.parse,
 * and malformed text it cannot make sense of is left for JSON.parse to refuse.
 */
export function scanJsonText(bytes: Uint8Array, bounds: Pick<JsonBounds, 'maxDepth' | 'maxNodes'>): string | null {
  // Per open container whether it is an object, whose next string after `{` or `,` is a key, not a value.
  const isObject = new Uint8Array(bounds.maxDepth + 1);
  let depth = 0;
  let nodes = 0;
  let expectKey = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (isWhitespace(c) || c === COLON) continue;
    switch (c) {
      case QUOTE: {
        const end = closingQuote(bytes, i);
        if (end === -1) return null;
        i = end;
        if (expectKey) {
          expectKey = false;
          continue;
        }
        break;
      }
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (++depth > bounds.maxDepth) return `nests deeper than ${bounds.maxDepth} levels`;
        isObject[depth] = c === OPEN_OBJECT ? 1 : 0;
        expectKey = c === OPEN_OBJECT;
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        if (depth > 0) depth--;
        expectKey = false;
        continue;
      case COMMA:
        expectKey = isObject[depth] === 1;
        continue;
      default:
        while (i + 1 < bytes.length && isTokenChar(bytes[i + 1]!)) i++;
    }
    if (++nodes > bounds.maxNodes) return `has more than ${bounds.maxNodes} values`;
  }
  return null;
}

/** Characters a scalar takes as JSON (strings without their escapes). */
function scalarChars(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  return 4; // null (and what JSON.stringify would drop or refuse)
}

/**
 * Checks a parsed JSON value against bounds without recursion, stopping at the first excess:
 * a value nested a million levels costs `maxDepth` steps, an array of a million entries one.
 * Returns what was exceeded (`nests deeper than 16 levels`, `has more than 20000 values`,
 * `is larger than 16384 characters as JSON`) or null.
 */
export function exceededJsonBound(value: unknown, bounds: JsonBounds): string | null {
  const maxChars = bounds.maxChars ?? Infinity;
  const values: unknown[] = [value];
  const depths: number[] = [0];
  let nodes = 1;
  let chars = 0;
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()! + 1;
    if (typeof v !== 'object' || v === null) {
      chars += scalarChars(v);
    } else {
      if (depth > bounds.maxDepth) return `nests deeper than ${bounds.maxDepth} levels`;
      if (Array.isArray(v)) {
        nodes += v.length;
        if (nodes > bounds.maxNodes) return `has more than ${bounds.maxNodes} values`;
        // Brackets and commas.
        chars += 2 + v.length;
        for (const item of v) {
          values.push(item);
          depths.push(depth);
        }
      } else {
        chars += 2;
        for (const key in v) {
          if (!Object.hasOwn(v, key)) continue;
          if (++nodes > bounds.maxNodes) return `has more than ${bounds.maxNodes} values`;
          // BSON keys are C strings: a NUL in a key could be accepted here and refused by the store.
          if (key.includes('\u0000')) return 'has an object key containing a NUL character';
          // Quotes, colon and the comma or closing brace.
          chars += key.length + 4;
          values.push((v as Record<string, unknown>)[key]);
          depths.push(depth);
        }
        if (chars > maxChars) return `is larger than ${maxChars} characters as JSON`;
      }
    }
    if (chars > maxChars) return `is larger than ${maxChars} characters as JSON`;
  }
  return null;
}
