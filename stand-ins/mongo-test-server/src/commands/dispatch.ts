// Routes a command document to its handler by its first field and turns every outcome into a
// reply: `ok: 1` on success, the server's `{ok: 0, errmsg, code, codeName}` on failure.
import { CommandError } from '../errors.ts';
import type { Doc } from '../values.ts';
import type { CommandContext, CommandTable } from './command.ts';
import { handshakeCommands } from './handshake.ts';
import { indexCommands } from './indexes.ts';
import { namespaceCommands } from './namespaces.ts';
import { readCommands } from './read.ts';
import { writeCommands } from './write.ts';

/** A test command, as on a mongod with test commands enabled: admin only. */
function configureFailPoint(cmd: Doc, ctx: CommandContext): Doc {
  if (ctx.db !== 'admin') throw new CommandError('Unauthorized', 'configureFailPoint may only be run against the admin database.');
  return ctx.failPoints.configure(cmd);
}

const COMMANDS: CommandTable = {
  configureFailPoint,
  ...handshakeCommands,
  ...readCommands,
  ...writeCommands,
  ...namespaceCommands,
  ...indexCommands,
};

export function runCommand(cmd: Doc, ctx: CommandContext): Doc {
  const [name = ''] = Object.keys(cmd);
  try {
    const handler = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!handler) throw new CommandError('CommandNotFound', `no such command: '${name}'`);
    ctx.failPoints.check(name, ctx.client.appName);
    return { ...handler(cmd, ctx), ok: 1 };
  } catch (error) {
    if (error instanceof CommandError) return error.toReply();
    return new CommandError('InternalError', error instanceof Error ? error.message : String(error)).toReply();
  }
}
