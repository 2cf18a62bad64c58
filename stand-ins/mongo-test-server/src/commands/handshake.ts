// The commands that open and keep a connection: the hello handshake (legacy `isMaster`/`ismaster`
// too), ping, endSessions, and the server metadata drivers and tools ask for.
import { cpus, hostname, platform, release, totalmem, type } from 'node:os';
import type { CommandContext, CommandHandler, CommandTable } from './command.ts';
import { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_BYTES } from '../limits.ts';
import { isPlainObject } from '../values.ts';
import type { Doc } from '../values.ts';

const VERSION = [7, 0, 0];
/** MongoDB 7.0's wire version: above what driver 7.x requires, and no newer than what we mimic. */
const MAX_WIRE_VERSION = 21;

/** The application name a driver sends in its first hello, which `failCommand` can filter on. */
function appNameOf(cmd: Doc): string | undefined {
  const client = cmd['client'];
  const application = isPlainObject(client) ? client['application'] : undefined;
  const name = isPlainObject(application) ? application['name'] : undefined;
  return typeof name === 'string' ? name : undefined;
}

/**
 * A standalone server. No `topologyVersion` (the driver would then hold streaming hellos open) and
 * no `compression`; `logicalSessionTimeoutMinutes` is what lets the driver use sessions at all.
 */
const hello =
  (primaryField: 'isWritablePrimary' | 'ismaster'): CommandHandler =>
  (cmd: Doc, ctx: CommandContext) => {
    ctx.client.appName ??= appNameOf(cmd);
    return {
      helloOk: true,
      [primaryField]: true,
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: ctx.connectionId,
      minWireVersion: 0,
      maxWireVersion: MAX_WIRE_VERSION,
      readOnly: false,
    };
  };

const PARAMETERS: Doc = {
  featureCompatibilityVersion: { version: `${String(VERSION[0])}.${String(VERSION[1])}` },
  authenticationMechanisms: [],
};

function getParameter(cmd: Doc): Doc {
  if (cmd['getParameter'] === '*') return PARAMETERS;
  return Object.fromEntries(Object.entries(PARAMETERS).filter(([name]) => name in cmd));
}

export const handshakeCommands: CommandTable = {
  hello: hello('isWritablePrimary'),
  isMaster: hello('ismaster'),
  ismaster: hello('ismaster'),
  ping: () => ({}),
  serverStatus: (_cmd: Doc, ctx: CommandContext) => ({ ...ctx.stats.serverStatus() }),
  endSessions: () => ({}),
  buildInfo: () => ({
    version: VERSION.join('.'),
    gitVersion: 'switchyard-mongo-test-server',
    versionArray: [...VERSION, 0],
    bits: 64,
    debug: false,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    storageEngines: ['memory'],
  }),
  getParameter,
  hostInfo: () => ({
    system: {
      currentTime: new Date(),
      hostname: hostname(),
      cpuAddrSize: 64,
      memSizeMB: Math.round(totalmem() / 2 ** 20),
      numCores: cpus().length,
    },
    os: { type: type(), name: platform(), version: release() },
    extra: {},
  }),
};
