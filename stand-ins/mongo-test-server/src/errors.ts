// Server errors as the driver expects them: a numeric code and its codeName, rendered either as a
// failed command (`{ok: 0, ...}`) or as one entry of a write command's `writeErrors`.
import type { Doc } from './values.ts';

/** The subset of MongoDB's error codes this server can produce, named as the server names them. */
const CODES = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
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
  DuplicateKey: 11000,
} as const;

export type CodeName = keyof typeof CODES;

export class CommandError extends Error {
  readonly code: number;

  constructor(
    readonly codeName: CodeName,
    message: string,
    /** Extra reply fields the driver reads, such as `keyPattern` and `keyValue` for 11000. */
    readonly details: Doc = {},
  ) {
    super(message);
    this.code = CODES[codeName];
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
