// Deterministic object names and the safe-charset rules behind them.

import { BadRequest } from '@switchyard/errors';
import { describe, expect, it } from 'vitest';
import { assertValidObjectName, attachmentObjectName, imageObjectName } from '../src/index.ts';

describe('object names', () => {
  it('names final and partial images images/<owner>/<thread>/<imageId>[-partial-<n>].<ext>', () => {
    expect(imageObjectName({ owner: 'user_42', threadId: 'thr_abc', imageId: 'img_1', ext: 'png' })).toBe(
      'images/user_42/thr_abc/img_1.png',
    );
    expect(imageObjectName({ owner: 'user_42', threadId: 'thr_abc', imageId: 'img_1', partialIndex: 2, ext: 'webp' })).toBe(
      'images/user_42/thr_abc/img_1-partial-2.webp',
    );
    expect(imageObjectName({ owner: 'u', threadId: 't', imageId: 'i', partialIndex: 0, ext: 'jpeg' })).toBe('images/u/t/i-partial-0.jpeg');
  });

  it('accepts e-mail-like owners', () => {
    expect(attachmentObjectName({ owner: 'alice@example.com', attachmentId: 'atc_1' })).toBe('attachments/alice@example.com/atc_1');
  });

  it('names attachments attachments/<owner>/<attachmentId>', () => {
    expect(attachmentObjectName({ owner: 'user_42', attachmentId: 'atc_9f8e' })).toBe('attachments/user_42/atc_9f8e');
  });

  it.each([
    ['an owner with a slash', { owner: 'a/b' }],
    ['an owner of ..', { owner: '..' }],
    ['an owner containing ..', { owner: 'a..b' }],
    ['an empty thread id', { threadId: '' }],
    ['a thread id with a space', { threadId: 'thr 1' }],
    ['an image id starting with a dot', { imageId: '.img' }],
    ['an image id with a NUL', { imageId: 'img\u0000' }],
    ['an extension with a dot', { ext: '.png' }],
    ['an upper-case extension', { ext: 'PNG' }],
    ['a negative partial index', { partialIndex: -1 }],
    ['a fractional partial index', { partialIndex: 1.5 }],
    ['an overlong owner', { owner: 'x'.repeat(129) }],
  ])('refuses %s with BadRequest', (_label, override) => {
    const build = () => imageObjectName({ owner: 'u', threadId: 't', imageId: 'i', ext: 'png', ...override });
    expect(build).toThrow(BadRequest);
  });

  it('refuses unsafe attachment parts with BadRequest', () => {
    expect(() => attachmentObjectName({ owner: 'u', attachmentId: '../x' })).toThrow(BadRequest);
    expect(() => attachmentObjectName({ owner: '-leading-dash', attachmentId: 'a' })).toThrow(BadRequest);
  });

  it('accepts relative paths of safe segments and nothing else', () => {
    expect(() => assertValidObjectName('images/u/t/i.png')).not.toThrow();
    expect(() => assertValidObjectName('single')).not.toThrow();
    for (const bad of ['', '/abs', 'a/', 'a//b', '..', 'a/../b', 'a/..b', 'a\\b', 'a/%2e%2e/b', 'a?b', 'x'.repeat(1025)]) {
      expect(() => assertValidObjectName(bad), bad).toThrow(BadRequest);
    }
  });
});
