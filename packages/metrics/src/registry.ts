// One metrics registry per process: Node's default process metrics plus every Switchyard metric,
// labelled with the process's component. Series whose label values are known up front start at
// zero in the process that records them, so rates and alerts see them from the first scrape.
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerAutoscalingMetrics, AUTOSCALING_METRICS, type AutoscalingMetrics } from './autoscaling.ts';
import { CHAT_METRICS, registerChatMetrics, zeroGatewayChatMetrics, zeroWorkerChatMetrics, type ChatMetrics } from './chat.ts';
import { IMAGE_METRICS, registerImageMetrics, zeroImageRejects, type ImageMetrics } from './images.ts';
import type { MetricDefinition } from './metric-kit.ts';
import { MODEL_METRICS, registerModelMetrics, zeroModelMetrics, type ModelMetrics } from './model.ts';
import { QUEUE_METRICS, registerQueueMetrics, type QueueMetrics } from './queues.ts';

export type ServiceName = 'gateway' | 'generation-worker' | 'image-ingest-worker';

/** The label every series of a process carries (`service` would clash with Kubernetes target labels). */
export const COMPONENT_LABEL = 'component';

export interface SwitchyardMetrics {
  service: ServiceName;
  registry: Registry;
  chat: ChatMetrics;
  queues: QueueMetrics;
  model: ModelMetrics;
  images: ImageMetrics;
  autoscaling: AutoscalingMetrics;
}

/** Every Switchyard metric definition (default process metrics excluded). */
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = [
  ...Object.values(CHAT_METRICS),
  ...Object.values(QUEUE_METRICS),
  ...Object.values(MODEL_METRICS),
  ...Object.values(IMAGE_METRICS),
  ...Object.values(AUTOSCALING_METRICS),
];

export interface CreateMetricsOptions {
  /** Node's process metrics (CPU, memory, event loop lag, GC); on unless false. */
  defaultMetrics?: boolean;
}

export function createMetrics(service: ServiceName, opts: CreateMetricsOptions = {}): SwitchyardMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ [COMPONENT_LABEL]: service });
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const metrics: SwitchyardMetrics = {
    service,
    registry,
    chat: registerChatMetrics(registry),
    queues: registerQueueMetrics(registry),
    model: registerModelMetrics(registry),
    images: registerImageMetrics(registry),
    autoscaling: registerAutoscalingMetrics(registry),
  };
  switch (service) {
    case 'gateway':
      zeroGatewayChatMetrics(metrics.chat);
      break;
    case 'generation-worker':
      zeroWorkerChatMetrics(metrics.chat);
      zeroModelMetrics(metrics.model);
      break;
    case 'image-ingest-worker':
      zeroImageRejects(metrics.images);
      break;
  }
  return metrics;
}
