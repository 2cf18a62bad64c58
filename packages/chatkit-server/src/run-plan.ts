// The contract across the `runs` queue: one RunPlan per ChatKit response, a discriminated union keyed
// by the wire request that started it. The gateway builds it; the worker validates it when dequeued.
import { z } from 'zod';
import { actionSchema, jsonObjectSchema } from '@switchyard/protocol';
import { InvalidRunPlan } from './errors.ts';

const traceCarrier = z.object({ traceparent: z.string().optional(), tracestate: z.string().optional() });

const common = {
  runId: z.string().min(1),
  owner: z.string().min(1),
  threadId: z.string().min(1),
  /** The request's `metadata` object, handed to the app. */
  metadata: jsonObjectSchema,
  /** Epoch ms when the gateway enqueued the run (queue wait and run duration metrics). */
  enqueuedAt: z.number().int().nonnegative(),
  /** W3C trace context of the request that enqueued the run: the worker continues its trace. */
  trace: traceCarrier.optional(),
};

/** A response to a user message: the message is stored and its id travels. */
const answerItem = (request: 'threads.create' | 'threads.add_user_message' | 'threads.retry_after_item') =>
  z.object({ request: z.literal(request), ...common, inputItemId: z.string().min(1) });

export const runPlanSchema = z.discriminatedUnion('request', [
  answerItem('threads.create'),
  answerItem('threads.add_user_message'),
  answerItem('threads.retry_after_item'),
  /** Continue after a client tool's result was stored (docs/protocol.md §6.4). */
  z.object({ request: z.literal('threads.add_client_tool_output'), ...common }),
  /** Continue after the answered structured input replaced its item (docs/protocol.md §6.5). */
  z.object({ request: z.literal('threads.add_structured_input'), ...common, itemId: z.string().min(1) }),
  /** Run the app's action handler for a widget action (docs/protocol.md §6.7). */
  z.object({ request: z.literal('threads.custom_action'), ...common, action: actionSchema, senderItemId: z.string().min(1).nullable() }),
]);

export type RunPlan = z.output<typeof runPlanSchema>;
export type RunPlanOf<R extends RunPlan['request']> = Extract<RunPlan, { request: R }>;
export type RunRequest = RunPlan['request'];

/** Validates job data as it comes off the queue: the worker never trusts its shape. */
export function parseRunPlan(data: unknown): RunPlan {
  const parsed = runPlanSchema.safeParse(data);
  if (!parsed.success) throw new InvalidRunPlan(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  return parsed.data;
}
