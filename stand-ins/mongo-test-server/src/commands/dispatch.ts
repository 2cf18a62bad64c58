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

const COMMANDS: CommandTable = {
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
    return { ...handler(cmd, ctx), ok: 1 };
  } catch (error) {
    if (error instanceof CommandError) return error.toReply();
    return new CommandError('InternalError', error instanceof Error ? error.message : String(error)).toReply();
  }
}
