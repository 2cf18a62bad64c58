// Shared test plumbing for the model test server: real SDK clients pointed at it, the Node 20
// WebSocket global the Agents SDK needs, and PNG checks on decoded image bytes.
import { createHash } from 'node:crypto';
import { OpenAI } from 'openai';
import { PNG } from 'pngjs';
import { OpenAIProvider, Runner, setTracingDisabled } from '@openai/agents';
import { expect } from 'vitest';
import type { ModelTestServer } from '../src/index.ts';
export { installWebSocketGlobal } from '../src/index.ts';

// The tracing exporter would try to reach api.openai.com.
setTracingDisabled(true);

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function client(server: ModelTestServer, maxRetries = 0): OpenAI {
  return new OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries });
}

export function agentsRunner(server: ModelTestServer, websocket: boolean, maxRetries = 0): { runner: Runner; provider: OpenAIProvider } {
  const provider = new OpenAIProvider({ openAIClient: client(server, maxRetries), useResponsesWebSocket: websocket });
  return { runner: new Runner({ modelProvider: provider }), provider };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Decodes base64 and proves it is a real PNG: signature, and pngjs parses it end to end. */
export function expectPng(base64: string): { bytes: Buffer; width: number; height: number } {
  const bytes = Buffer.from(base64, 'base64');
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  const decoded = PNG.sync.read(bytes);
  expect(decoded.width).toBeGreaterThan(0);
  return { bytes, width: decoded.width, height: decoded.height };
}

export function expectNear(actual: number, target: number, tolerance = 0.2): void {
  expect(actual).toBeGreaterThanOrEqual(target * (1 - tolerance));
  expect(actual).toBeLessThanOrEqual(target * (1 + tolerance));
}
