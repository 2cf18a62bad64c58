// @switchyard/ops-live: the live operations page (`/ops`). Every process publishes a snapshot of its
// metrics to Redis; the gateways' hub merges them into figures and streams them to the page over `ws`.
export * from './active-jobs.ts';
export * from './figures.ts';
export * from './histogram-quantile.ts';
export * from './hub.ts';
export * from './live-socket.ts';
export * from './live-token.ts';
export * from './ops-live.ts';
export * from './publisher.ts';
export * from './router.ts';
export * from './series-totals.ts';
export * from './snapshot.ts';
export * from './snapshot-store.ts';
