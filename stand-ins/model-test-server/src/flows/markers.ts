// Reads `[flow:…]` markers from the latest user text: which scripted answer a request gets.
// Markers travel with the conversation (the SDKs resend the user message on every turn and tool
// round trip), so a flow is chosen by what the user wrote, like the `[fault:…]` markers.
// Hand-written: no offline Responses API server exists.
import { isScriptName, type ScriptName } from './scripts.ts';

/** What the answer's body is, after an optional reasoning item. */
export type FlowBody =
  | { kind: 'script'; name: ScriptName }
  /** The model calls the named function tool with these JSON arguments, then answers its output. */
  | { kind: 'function_call'; name: string; arguments: string }
  /** An image_generation_call and no message at all. */
  | { kind: 'image_only' };

export interface FlowPlan {
  /** `[flow:reasoning]`: a reasoning item with several streamed summary parts comes first. */
  reasoning: boolean;
  /** null: the default answer (text, or an image and a caption when asked to draw). */
  body: FlowBody | null;
  /** Markers that could not be read; the answer says so instead of guessing. */
  problems: string[];
}

// `[flow:name]`, `[flow:name:arg]`, `[flow:name:arg {json}]`; the JSON ends at the first `}]`.
const MARKER = /\[flow:([a-z0-9_]+)(?::([A-Za-z0-9_.-]+))?(?:\s+(\{.*?\}))?\]/gi;

/**
 * Markers:
 * - `[flow:reasoning]` reasoning summaries before the answer (combines with the others);
 * - `[flow:function_call:<tool> {json args}]` (alias `[flow:client_tool:…]`) a call of a function
 *   tool the request offers; once its output is in the input the model answers in text;
 * - `[flow:image_only]` an image with no message (needs the image_generation tool);
 * - `[flow:annotations]`, `[flow:golden20]`, `[flow:golden21]`, `[flow:golden22]`,
 *   `[flow:golden25]` the fixed scripts of scripts.ts.
 */
export function flowPlan(text: string | null): FlowPlan {
  const plan: FlowPlan = { reasoning: false, body: null, problems: [] };
  if (text === null) return plan;
  for (const match of text.matchAll(MARKER)) {
    const name = (match[1] ?? '').toLowerCase();
    const arg = match[2];
    const json = match[3];
    if (name === 'reasoning') {
      plan.reasoning = true;
    } else if (name === 'function_call' || name === 'client_tool') {
      if (!arg) {
        plan.problems.push(`${match[0]} names no tool`);
        continue;
      }
      const args = json ?? '{}';
      if (!isJsonObject(args)) {
        plan.problems.push(`${match[0]} has arguments that are not a JSON object`);
        continue;
      }
      plan.body = { kind: 'function_call', name: arg, arguments: args };
    } else if (name === 'image_only') {
      plan.body = { kind: 'image_only' };
    } else if (isScriptName(name)) {
      plan.body = { kind: 'script', name };
    } else {
      plan.problems.push(`${match[0]} is not a known flow`);
    }
  }
  return plan;
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
