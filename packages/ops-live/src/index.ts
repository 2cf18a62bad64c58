// @switchyard/ops-live: the live operations page (`/ops`) on the gateway. Its hub reads the snapshots
// every process writes (`@switchyard/ops-snapshots`), computes the figures and streams them over `ws`.
export {
  computePoint,
  perSecond,
  ratio,
  type OpsPoint,
  type Percentiles,
  type PointInputs,
  type ProcessFigures,
  type QueueFigures,
  type QueueReading,
  type WindowBase,
} from './figures.ts';
export { quantileFromBuckets, type CumulativeBucket } from './histogram-quantile.ts';
export { OpsHub, type HubQueue, type OpsHubOptions, type PointListener } from './hub.ts';
export { attachLiveSocket, type LiveMessage, type LiveSocketOptions, type LiveSocketServer } from './live-socket.ts';
export { LiveTokens, type LiveTokenOptions } from './live-token.ts';
export { createOpsLive, type OpsLive, type OpsLiveOptions } from './ops-live.ts';
export { createOpsRouter, type OpsRouterOptions } from './router.ts';
export { bucketIncrease, increase, SeriesTotals, type Series, type TotalsState } from './series-totals.ts';
export { SnapshotReader, type LiveSnapshots } from './snapshot-reader.ts';
