// The one fail point tests need: `failCommand`, configured as on a mongod started with test commands
// (`{configureFailPoint: 'failCommand', mode, data: {failCommands, errorCode, appName?}}`), so a test
// can make a server that still answers `ping` fail its queries. Server-wide, like the real one.
import { CommandError } from './errors.ts';
import { isNumeric, isPlainObject } from './values.ts';
import type { Doc } from './values.ts';

/** mongod's own wording for a command failed this way. */
const FAIL_MESSAGE = "Failing command via 'failCommand' failpoint";

interface FailCommand {
  commands: Set<string>;
  errorCode: number;
  appName: string | undefined;
  /** Failures left; Infinity for `alwaysOn`. */
  remaining: number;
}

const badValue = (message: string): CommandError => new CommandError('BadValue', message);

function parseMode(mode: unknown): number {
  if (mode === 'alwaysOn') return Infinity;
  if (mode === 'off') return 0;
  if (isPlainObject(mode) && isNumeric(mode['times'])) return Math.max(0, Number(String(mode['times'])));
  throw badValue("mode must be 'alwaysOn', 'off' or {times: n}");
}

export class FailPoints {
  #failCommand: FailCommand | undefined;

  /** The `configureFailPoint` command; only `failCommand` with an `errorCode` is supported. */
  configure(cmd: Doc): Doc {
    if (cmd['configureFailPoint'] !== 'failCommand') {
      throw badValue(`unknown fail point: ${String(cmd['configureFailPoint'])} (the test server has only failCommand)`);
    }
    const remaining = parseMode(cmd['mode']);
    if (remaining === 0) {
      this.#failCommand = undefined;
      return { count: 0 };
    }
    const data = cmd['data'];
    if (!isPlainObject(data)) throw badValue("failCommand needs 'data'");
    const { failCommands, errorCode, appName, ...rest } = data;
    const unsupported = Object.keys(rest);
    if (unsupported.length > 0) throw badValue(`failCommand options not supported by the test server: ${unsupported.join(', ')}`);
    if (!Array.isArray(failCommands) || !failCommands.every((name) => typeof name === 'string')) {
      throw badValue("'failCommands' must be an array of command names");
    }
    if (!isNumeric(errorCode)) throw badValue("'errorCode' must be a number");
    if (appName !== undefined && typeof appName !== 'string') throw badValue("'appName' must be a string");
    this.#failCommand = { commands: new Set(failCommands), errorCode: Number(String(errorCode)), appName, remaining };
    return { count: 0 };
  }

  /** Throws the configured error when `command`, sent by a client named `appName`, is to fail. */
  check(command: string, appName: string | undefined): void {
    const point = this.#failCommand;
    if (!point || !point.commands.has(command)) return;
    if (point.appName !== undefined && point.appName !== appName) return;
    point.remaining -= 1;
    if (point.remaining <= 0) this.#failCommand = undefined;
    throw new CommandError(point.errorCode, FAIL_MESSAGE);
  }
}
