// Server errors as the driver expects them: a numeric code and its codeName, rendered either as a
// failed command (`{ok: 0, ...}`) or as one entry of a write command's `writeErrors`.
import type { Doc } from './values.ts';

/** The subset of MongoDB's error codes this server can produce, named as the server names them. */
const CODES = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  Unauthorized: 13,
  TypeMismatch: 14,
  Overflow: 15,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  CursorNotFound: 43,
  NamespaceExists: 48,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
  // A bare assertion code has no name in error_codes.yml; the server calls it `Location<code>`.
  Location17420: 17420,
} as const;

/** Codes tests commonly make `failCommand` answer with (error_codes.yml), so they carry their names. */
const FAIL_POINT_CODES: Record<number, string> = {
  6: 'HostUnreachable',
  7: 'HostNotFound',
  8: 'UnknownError',
  50: 'MaxTimeMSExpired',
  89: 'NetworkTimeout',
  91: 'ShutdownInProgress',
  112: 'WriteConflict',
  189: 'PrimarySteppedDown',
  9001: 'SocketException',
  10107: 'NotWritablePrimary',
  11600: 'InterruptedAtShutdown',
  11602: 'InterruptedDueToReplStateChange',
  13435: 'NotPrimaryNoSecondaryOk',
  13436: 'NotPrimaryOrSecondary',
};

export type CodeName = keyof typeof CODES;

/** The name the server gives a code: its error_codes.yml name, else `Location<code>`. */
export function codeNameOf(code: number): string {
  const known = Object.entries(CODES).find(([, value]) => value === code);
  return known?.[0] ?? FAIL_POINT_CODES[code] ?? `Location${String(code)}`;
}

export class CommandError extends Error {
  readonly code: number;
  readonly codeName: string;

  constructor(
    /** A name this server knows, or any numeric code (a `failCommand` fail point chooses its own). */
    code: CodeName | number,
    message: string,
    /** Extra reply fields the driver reads, such as `keyPattern` and `keyValue` for 11000. */
    readonly details: Doc = {},
  ) {
    super(message);
    this.code = typeof code === 'number' ? code : CODES[code];
    this.codeName = typeof code === 'number' ? codeNameOf(code) : code;
  }

  toReply(): Doc {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.details };
  }

  toWriteError(index: number): Doc {
    return { index, code: this.code, errmsg: this.message, ...this.details };
  }
}

/** mingo reports a bad query or update as a plain Error; to the client that is a BadValue. */
export function asBadValue<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError('BadValue', error instanceof Error ? error.message : String(error));
  }
}
