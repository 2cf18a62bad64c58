// Test helper: parses Prometheus text exposition (what /metrics serves) into samples and metric
// types, and scrapes a registry over real HTTP through startMetricsServer.
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { startMetricsServer } from '../src/index.ts';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Metric family name → type (counter, gauge, histogram, …). */
  types: Map<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (name && type) types.set(name, type);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`unparseable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    const raw = m[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    samples.push({ name: m[1]!, labels, value });
  }
  return { samples, types };
}

/** Samples named `name` whose labels include every pair of `labels`. */
export function find(exp: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  return exp.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The one sample named `name` with exactly these labels (besides `component` and, for buckets, `le`). */
export function valueOf(exp: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = exp.samples.filter((s) => {
    if (s.name !== name) return false;
    const keys = Object.keys(s.labels).filter((k) => k !== 'component');
    return keys.length === Object.keys(labels).length && keys.every((k) => s.labels[k] === labels[k]);
  });
  if (hits.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${hits.length} samples`);
  return hits[0]?.value;
}

/** Label names (besides `component` and `le`) seen on a metric family's samples. */
export function labelNamesOf(exp: Exposition, family: string): string[] {
  const names = new Set<string>();
  for (const s of exp.samples) {
    if (s.name !== family && s.name !== `${family}_bucket` && s.name !== `${family}_sum` && s.name !== `${family}_count`) continue;
    for (const k of Object.keys(s.labels)) if (k !== 'component' && k !== 'le') names.add(k);
  }
  return [...names].sort();
}

/** Scrapes `registry` over HTTP, as Prometheus would. */
export async function scrape(registry: Registry): Promise<{ text: string; contentType: string | null; exposition: Exposition }> {
  const server = await startMetricsServer(0, registry, '127.0.0.1');
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    const text = await res.text();
    return { text, contentType: res.headers.get('content-type'), exposition: parseExposition(text) };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
