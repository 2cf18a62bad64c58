// The non-JWT methods and the chain: the trusted proxy header (with and without its shared secret),
// development identity, and firstOf's order and error semantics.

import { BadRequest, Unauthorized } from '@switchyard/errors';
import { describe, expect, it } from 'vitest';
import { devIdentityAuthenticator, firstOf, trustedHeaderAuthenticator, type Authenticate } from '../src/index.ts';
import { rejection, request } from './requests.ts';

const PROXY_SECRET = 'proxy-secret-0123456789';

describe('trusted header', () => {
  it('takes the user from the header when no secret is configured', async () => {
    const auth = trustedHeaderAuthenticator({ header: 'X-Forwarded-User' });
    expect(await auth(request({ 'x-forwarded-user': ' alice@example.com ' }))).toEqual({ owner: 'alice@example.com', claims: {} });
  });

  it('answers null without the header', async () => {
    const auth = trustedHeaderAuthenticator({ header: 'x-forwarded-user', secretHeader: 'x-proxy-secret', secret: PROXY_SECRET });
    expect(await auth(request({ 'x-proxy-secret': PROXY_SECRET }))).toBeNull();
    expect(await auth(request({ 'x-forwarded-user': '  ' }))).toBeNull();
  });

  it('requires the shared secret when one is configured', async () => {
    const auth = trustedHeaderAuthenticator({ header: 'x-forwarded-user', secretHeader: 'x-proxy-secret', secret: PROXY_SECRET });
    expect((await auth(request({ 'x-forwarded-user': 'alice', 'x-proxy-secret': PROXY_SECRET })))?.owner).toBe('alice');
    for (const given of [undefined, '', 'wrong', `${PROXY_SECRET}x`, PROXY_SECRET.slice(0, -1)]) {
      const err = await rejection(auth(request({ 'x-forwarded-user': 'alice', 'x-proxy-secret': given })));
      expect(err).toBeInstanceOf(Unauthorized);
      expect(err.message).toBe('proxy secret missing or wrong');
    }
  });

  it('refuses a user id that fails the owner pattern, and a repeated header', async () => {
    const auth = trustedHeaderAuthenticator({ header: 'x-forwarded-user' });
    expect(await rejection(auth(request({ 'x-forwarded-user': '../admin' })))).toBeInstanceOf(Unauthorized);
    expect(await rejection(auth(request({ 'x-forwarded-user': ['alice', 'bob'] })))).toBeInstanceOf(Unauthorized);
  });

  it('refuses a half-configured or short secret', () => {
    expect(() => trustedHeaderAuthenticator({ header: 'x-u', secret: PROXY_SECRET })).toThrow(/together/);
    expect(() => trustedHeaderAuthenticator({ header: 'x-u', secretHeader: 'x-s' })).toThrow(/together/);
    expect(() => trustedHeaderAuthenticator({ header: 'x-u', secretHeader: 'x-s', secret: 'short' })).toThrow(/16/);
  });
});

describe('development identity', () => {
  const dev = devIdentityAuthenticator();

  it('is user dev without the header, and the header names another user', async () => {
    expect((await dev(request()))?.owner).toBe('dev');
    expect((await dev(request({ 'x-switchyard-user': 'alice' })))?.owner).toBe('alice');
    expect((await dev(request({ 'x-switchyard-user': '  ' })))?.owner).toBe('dev');
  });

  it('answers 400 for a header that fails the owner pattern, as before', async () => {
    expect(await rejection(dev(request({ 'x-switchyard-user': '../x' })))).toBeInstanceOf(BadRequest);
  });

  it('takes a configured default user', async () => {
    expect((await devIdentityAuthenticator({ defaultUser: 'tester' })(request()))?.owner).toBe('tester');
  });
});

describe('firstOf', () => {
  const fixed =
    (owner: string | null, calls: string[]): Authenticate =>
    async () => {
      calls.push(owner ?? 'null');
      return owner === null ? null : { owner, claims: {} };
    };

  it('returns the first identity and does not ask later methods', async () => {
    const calls: string[] = [];
    const auth = firstOf(fixed(null, calls), fixed('alice', calls), fixed('bob', calls));
    expect((await auth(request()))?.owner).toBe('alice');
    expect(calls).toEqual(['null', 'alice']);
  });

  it('answers null when every method does', async () => {
    expect(await firstOf(fixed(null, []), fixed(null, []))(request())).toBeNull();
    expect(await firstOf()(request())).toBeNull();
  });

  it('stops at a method that throws, even if a later one would accept', async () => {
    const calls: string[] = [];
    const refusing: Authenticate = async () => {
      throw new Unauthorized('bad signature');
    };
    const auth = firstOf(fixed(null, calls), refusing, fixed('dev', calls));
    expect((await rejection(auth(request()))).message).toBe('bad signature');
    expect(calls).toEqual(['null']);
  });

  it('puts a real method before development identity: credentials win, none falls through to dev', async () => {
    const auth = firstOf(trustedHeaderAuthenticator({ header: 'x-forwarded-user' }), devIdentityAuthenticator());
    expect((await auth(request({ 'x-forwarded-user': 'alice' })))?.owner).toBe('alice');
    expect((await auth(request()))?.owner).toBe('dev');
  });
});
