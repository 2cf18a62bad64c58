import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';

import { initTracing, inSpan } from '@switchyard/tracing';
import { createLogger } from '../src/index.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, stream };
}

const tracing = initTracing({ service: 'logging-test', env: {} });
afterAll(() => tracing.shutdown());

describe('createLogger', () => {
  it('every line written inside a span carries its trace id; lines outside carry none', async () => {
    const { lines, stream } = capture();
    const logger = createLogger('test', { destination: stream });
    logger.info('before');
    await inSpan('run', {}, async () => {
      const runLog = logger.child({ runId: 'run_1', threadId: 'thr_1', jobId: 'run_1' });
      runLog.info('started');
      await new Promise((r) => setTimeout(r, 1));
      runLog.warn('still going');
    });
    expect(lines[0]).not.toHaveProperty('trace_id');
    const [started, going] = lines.slice(1);
    expect(started).toMatchObject({ runId: 'run_1', threadId: 'thr_1', jobId: 'run_1' });
    expect(started!.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(going!.trace_id).toBe(started!.trace_id);
  });

  it('redacts credentials, and keeps the path of URLs while dropping their query', () => {
    const { lines, stream } = capture();
    const logger = createLogger('test', { destination: stream });
    logger.info(
      {
        req: { url: '/files/u/a.png?exp=1&sig=secret', headers: { authorization: 'Bearer x' } },
        item: { image: { url: 'https://storage.example/b/o.png?X-Goog-Signature=abc' } },
        apiKey: 'sk-1',
        url: '/chatkit',
      },
      'request',
    );
    const line = lines[0]!;
    expect(line.req).toEqual({ url: '/files/u/a.png?[redacted]', headers: { authorization: '[redacted]' } });
    expect(line.item).toEqual({ image: { url: 'https://storage.example/b/o.png?[redacted]' } });
    expect(line.apiKey).toBe('[redacted]');
    expect(line.url).toBe('/chatkit');
    expect(JSON.stringify(line)).not.toMatch(/secret|abc|sk-1|Bearer/);
  });
});
