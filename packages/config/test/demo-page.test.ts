// When the gateway serves the demo page: DEMO_PAGE, defaulting to on in development only.
import { describe, expect, it } from 'vitest';
import { demoPageEnabled, loadConfig } from '../src/index.ts';

const required = { REDIS_URL: 'redis://127.0.0.1:6379', MONGODB_URL: 'mongodb://127.0.0.1:27017', FILE_URL_SECRET: 'a-secret-of-16-chars' };
const enabled = (env: Record<string, string>) => demoPageEnabled(loadConfig({ ...required, ...env }));

describe('DEMO_PAGE', () => {
  it('is on in explicit development only: off by default (NODE_ENV defaults to production), in test and in production', () => {
    expect(enabled({})).toBe(false);
    expect(enabled({ NODE_ENV: 'development' })).toBe(true);
    expect(enabled({ NODE_ENV: 'test' })).toBe(false);
    expect(enabled({ NODE_ENV: 'production' })).toBe(false);
  });

  it('can be switched either way explicitly', () => {
    expect(enabled({ NODE_ENV: 'development', DEMO_PAGE: 'false' })).toBe(false);
    expect(enabled({ NODE_ENV: 'production', DEMO_PAGE: 'true' })).toBe(true);
    expect(() => enabled({ DEMO_PAGE: 'maybe' })).toThrow(/DEMO_PAGE/);
  });
});
