// Requests and assertions shared by the auth tests: an AuthRequest with given headers, and the error a
// promise rejects with.

import { expect } from 'vitest';
import type { AuthRequest } from '../src/index.ts';

export function request(headers: Record<string, string | string[] | undefined> = {}): AuthRequest {
  return { method: 'POST', url: '/chatkit', headers };
}

export function bearer(token: string): AuthRequest {
  return request({ authorization: `Bearer ${token}` });
}

export async function rejection(promise: Promise<unknown>): Promise<Error> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a rejection').toBeInstanceOf(Error);
  return err as Error;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
