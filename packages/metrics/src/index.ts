// @switchyard/metrics: Prometheus metrics of every Switchyard process (prom-client). One module per
// concern: chat, SSE streams, queues (gauges, worker events), model upstream, images, autoscaling,
// the per-process registry and the /metrics HTTP surface.
export * from './metric-kit.ts';
export * from './chat.ts';
export * from './sse-stream.ts';
export * from './queues.ts';
export * from './queue-watch.ts';
export * from './worker-observer.ts';
export * from './model.ts';
export * from './images.ts';
export * from './autoscaling.ts';
export * from './registry.ts';
export * from './http.ts';
