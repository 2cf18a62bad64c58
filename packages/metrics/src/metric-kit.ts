// The small typed layer over prom-client that every concern module uses: metric definitions kept as
// data (name, type, help, label names, buckets) so tests and the infra files can be checked against
// them, constructors that register a definition on one registry, and handle interfaces whose label
// values are checked at compile time.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Histogram bucket upper bounds, in the metric's base unit (seconds or bytes). */
  readonly buckets?: readonly number[];
}

type WithLabels<L extends string> = MetricDefinition & { readonly labelNames: readonly L[] };

/** A histogram without labels. */
export interface PlainHistogram {
  observe(value: number): void;
}

/** A histogram whose label values are checked at compile time. */
export interface LabeledHistogram<V extends object> {
  observe(labels: V, value: number): void;
  zero(labels: V): void;
}

export interface PlainCounter {
  inc(value?: number): void;
}

export interface LabeledCounter<V extends object> {
  inc(labels: V, value?: number): void;
}

export interface PlainGauge {
  inc(value?: number): void;
  dec(value?: number): void;
  set(value: number): void;
}

export interface LabeledGauge<V extends object> {
  set(labels: V, value: number): void;
}

export function histogram<L extends string>(registry: Registry, def: WithLabels<L>): Histogram<L> {
  if (def.type !== 'histogram') throw new Error(`${def.name} is a ${def.type}, not a histogram`);
  return new Histogram<L>({
    name: def.name,
    help: def.help,
    labelNames: def.labelNames,
    ...(def.buckets ? { buckets: [...def.buckets] } : {}),
    registers: [registry],
  });
}

export function counter<L extends string>(registry: Registry, def: WithLabels<L>): Counter<L> {
  if (def.type !== 'counter') throw new Error(`${def.name} is a ${def.type}, not a counter`);
  return new Counter<L>({ name: def.name, help: def.help, labelNames: def.labelNames, registers: [registry] });
}

export function gauge<L extends string>(registry: Registry, def: WithLabels<L>): Gauge<L> {
  if (def.type !== 'gauge') throw new Error(`${def.name} is a ${def.type}, not a gauge`);
  return new Gauge<L>({ name: def.name, help: def.help, labelNames: def.labelNames, registers: [registry] });
}

/** Seconds between a millisecond timestamp and now (or `to`), never negative. */
export function secondsSince(fromMs: number, toMs: number = Date.now()): number {
  return Math.max(0, toMs - fromMs) / 1000;
}
