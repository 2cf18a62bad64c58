// pino loggers for every process: one JSON line per event, run-scoped child loggers, and redaction
// of anything that grants access (credentials, tokens, signed URLs) so logs are safe to ship.
import { pino, type Logger, type LoggerOptions } from 'pino';

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
  'url',
  '*.url',
  'signedUrl',
  '*.signedUrl',
];

export function createLogger(service: string, opts: { level?: string } & Pick<LoggerOptions, 'base'> = {}): Logger {
  return pino({
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service, pid: process.pid, ...(opts.base ?? {}) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
