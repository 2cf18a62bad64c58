// @switchyard/metrics: Prometheus metrics of every Switchyard process (prom-client). One module per
// concern: chat, SSE streams, queues (gauges, worker events), model upstream, images, autoscaling,
// the per-process registry and the /metrics HTTP surface.
export { secondsSince } from './metric-kit.ts';
export { CHAT_METRICS, type ChatMetrics } from './chat.ts';
export { trackSseStream, type SseStreamTracker } from './sse-stream.ts';
export { QUEUE_METRICS, QUEUE_STATES, type QueueState } from './queues.ts';
export { watchQueues, type QueueWatch } from './queue-watch.ts';
export { observeWorker } from './worker-observer.ts';
export { instrumentFetch, modelStatusOf, recordModelRequest, recordModelUsage } from './model.ts';
export { IMAGE_METRICS } from './images.ts';
export { poolUtilization } from './autoscaling.ts';
export { COMPONENT_LABEL, createMetrics, METRIC_DEFINITIONS, type ServiceName, type SwitchyardMetrics } from './registry.ts';
export { metricsHandler, startMetricsServer } from './http.ts';
