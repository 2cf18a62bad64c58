// The attributes of a job's spans (OpenTelemetry messaging conventions plus Switchyard's ids), the
// same on the producer and the consumer side so a trace view lines them up.
import type { Attributes } from '@opentelemetry/api';

export function jobSpanAttributes(queue: string, jobId: string | undefined, ids: { runId: string; threadId?: string }): Attributes {
  return {
    'messaging.system': 'bullmq',
    'messaging.destination.name': queue,
    ...(jobId !== undefined ? { 'messaging.message.id': jobId } : {}),
    'switchyard.run_id': ids.runId,
    ...(ids.threadId !== undefined ? { 'switchyard.thread_id': ids.threadId } : {}),
  };
}
