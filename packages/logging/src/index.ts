// pino loggers for every process: one JSON line per event, run-scoped child loggers, the active
// trace's ids on every line, and redaction of anything that grants access (credentials, tokens,
// signed URLs) so logs are safe to ship.
import { pino, type Logger, type LoggerOptions } from 'pino';
import { activeTraceFields } from '@switchyard/tracing';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
  'token',
  '*.token',
  'signedUrl',
  '*.signedUrl',
];

/**
 * URLs keep their path and lose their query: signatures and tokens of signed URLs live in the
 * query, and access logs still say which route was asked for.
 */
const URL_PATHS = ['url', '*.url', '*.*.url'];

function withoutQuery(value: unknown): unknown {
  if (typeof value !== 'string') return '[redacted]';
  const q = value.search(/[?#]/);
  return q === -1 ? value : `${value.slice(0, q)}?[redacted]`;
}

export function createLogger(
  service: string,
  opts: { level?: string; destination?: pino.DestinationStream } & Pick<LoggerOptions, 'base'> = {},
): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service, pid: process.pid, ...(opts.base ?? {}) },
    redact: {
      paths: [...REDACT_PATHS, ...URL_PATHS],
      censor: (value: unknown, path: string[]) => (path[path.length - 1] === 'url' ? withoutQuery(value) : '[redacted]'),
    },
    // Lines written while a span is active carry its ids, so a run's lines share one trace id.
    mixin: () => activeTraceFields(),
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
