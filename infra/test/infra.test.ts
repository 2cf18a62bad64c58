// Validates infra/k8s, infra/prometheus/alerts.yml and infra/grafana/switchyard.json offline: every
// YAML document parses (YAML 1.1, as Kubernetes reads it) and matches the official schema of its kind
// (kubernetes-models: Kubernetes' OpenAPI, KEDA's and the Prometheus Operator's CRDs) and this
// project's stricter one (infra-schemas.ts: no unknown fields, the shape Switchyard relies on);
// selectors, ports, probes and config agree with each other and with the Dockerfile and the config
// schema; every metric the dashboard, the alerts and the ScaledObjects query is one createMetrics
// (@switchyard/metrics) registers, with labels it has; termination grace outlasts the services' shutdown bound (SHUTDOWN_GRACE_MS).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { PodMonitor, PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '@switchyard/config';
import { IMAGE_INGEST_QUEUE, RUNS_QUEUE } from '@switchyard/queues';
import { SHUTDOWN_GRACE_MS } from '@switchyard/service-kit';
import { COMPONENT_LABEL, createMetrics, METRIC_DEFINITIONS, type ServiceName } from '@switchyard/metrics';
import { alertRulesSchema, dashboardSchema, KIND_SCHEMAS } from './infra-schemas.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const K8S = join(ROOT, 'infra/k8s');
const SHUTDOWN_GRACE_SECONDS = SHUTDOWN_GRACE_MS / 1000;
/** Labels Prometheus attaches from the scrape target, on top of each metric's own. */
const TARGET_LABELS = new Set([COMPONENT_LABEL, 'instance', 'job', 'namespace', 'pod', 'container', 'service']);

interface Manifest {
  apiVersion: string;
  kind: string;
  /** Absent on a Kustomization only. */
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  resources?: string[];
  images?: Array<{ name: string; newTag?: string }>;
  file: string;
}
interface ContainerPort {
  name: string;
  containerPort: number;
}
interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports: ContainerPort[];
  env?: Array<{ name: string; value: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  lifecycle?: { preStop?: { exec: { command: string[] } } };
  startupProbe?: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  resources: { requests: { cpu: string; memory: string }; limits: { memory: string } };
}
interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
    spec: { terminationGracePeriodSeconds: number; containers: Container[] };
  };
}
interface ServiceSpec {
  selector: Record<string, string>;
  ports: Array<{ name: string; port: number; targetPort: string | number }>;
}
interface PdbSpec {
  selector: { matchLabels: Record<string, string> };
}
interface ScaledObjectSpec {
  scaleTargetRef: { name: string };
  minReplicaCount: number;
  maxReplicaCount: number;
  triggers: Array<{ type: string; metricType?: string; metadata: { query: string; threshold: string; serverAddress: string } }>;
}
interface AlertRules {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; for?: string }> }>;
}
interface Dashboard {
  panels: Array<{ id: number; type: string; title: string; targets?: Array<{ expr: string }> }>;
}

function loadYaml(path: string): unknown[] {
  // Kubernetes reads YAML 1.1: `yes`, `on`, `0755` … would not stay strings there.
  const docs = parseAllDocuments(readFileSync(path, 'utf8'), { version: '1.1', prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  return list.map((d, i) => {
    const problems = [...d.errors, ...d.warnings];
    if (problems.length) throw new Error(`${path} document ${i}: ${problems.map((e) => e.message).join('; ')}`);
    return d.toJS() as unknown;
  });
}

// strictRequired off: oneOf/if-else branches name properties defined one level up.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validators = new Map<string, ValidateFunction>();
function validatorFor(kind: string): ValidateFunction {
  let v = validators.get(kind);
  if (!v) {
    const schema = KIND_SCHEMAS[kind];
    if (!schema) throw new Error(`no schema for kind ${kind}`);
    v = ajv.compile(schema);
    validators.set(kind, v);
  }
  return v;
}
function schemaErrors(v: ValidateFunction, doc: unknown): string[] {
  return v(doc) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

const manifests: Manifest[] = [];
const of = <S>(kind: string) => manifests.filter((m) => m.kind === kind) as Array<Manifest & { spec: S }>;
const byName = <S>(kind: string, name: string): Manifest & { spec: S } => {
  const m = of<S>(kind).find((x) => x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name}`);
  return m;
};

const WORKERS = [
  { deployment: 'generation-worker', queue: RUNS_QUEUE },
  { deployment: 'image-ingest-worker', queue: IMAGE_INGEST_QUEUE },
] as const;
const DEPLOYMENTS = ['gateway', 'generation-worker', 'image-ingest-worker'] as const;

beforeAll(() => {
  for (const file of readdirSync(K8S)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of loadYaml(join(K8S, file))) manifests.push({ ...(doc as Omit<Manifest, 'file'>), file });
  }
});

describe('infra/k8s manifests', () => {
  it('parse and match the schema of their kind', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(15);
    for (const m of manifests) {
      const { file, ...doc } = m;
      expect(schemaErrors(validatorFor(m.kind), doc), `${file} ${m.kind}/${m.metadata?.name ?? '-'}`).toEqual([]);
    }
    const kinds = (k: string) =>
      of(k)
        .map((m) => m.metadata.name)
        .sort();
    expect(kinds('Deployment')).toEqual([...DEPLOYMENTS].sort());
    expect(kinds('Service')).toEqual([...DEPLOYMENTS].sort());
    expect(kinds('PodDisruptionBudget')).toEqual([...DEPLOYMENTS].sort());
    expect(kinds('ScaledObject')).toEqual(WORKERS.map((w) => w.deployment).sort());
  });

  it('match the official schemas of their kinds (Kubernetes OpenAPI, KEDA and Prometheus Operator CRDs)', () => {
    // Each model takes its own typed document; these are YAML-loaded, so they go in as unknown.
    type Model = new (doc: never) => { validate(): void };
    const official: Record<string, Model> = {
      'v1/Namespace': Namespace,
      'v1/ConfigMap': ConfigMap,
      'v1/Secret': Secret,
      'v1/Service': Service,
      'apps/v1/Deployment': Deployment,
      'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
      'keda.sh/v1alpha1/ScaledObject': ScaledObject,
      'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
    };
    const check = (m: Record<string, unknown>, Kind: Model): string => {
      try {
        new (Kind as new (doc: unknown) => { validate(): void })(m).validate();
        return '';
      } catch (err) {
        return String(err);
      }
    };
    for (const { file, ...doc } of manifests) {
      if (doc.kind === 'Kustomization') continue; // kustomize's own file, not an API object
      const Kind = official[`${doc.apiVersion}/${doc.kind}`];
      expect(Kind, `${file}: ${doc.apiVersion} ${doc.kind}`).toBeDefined();
      expect(check(doc as unknown as Record<string, unknown>, Kind!), `${file} ${doc.kind}/${doc.metadata.name}`).toBe('');
    }
    // The alert rules file is a PrometheusRule's spec, as the operator loads it.
    const rules = loadYaml(join(ROOT, 'infra/prometheus/alerts.yml'))[0] as Record<string, unknown>;
    expect(check({ metadata: { name: 'switchyard' }, spec: rules }, PrometheusRule)).toBe('');
    // And the check bites.
    const { file: _file, ...gw } = structuredClone(byName<DeploymentSpec>('Deployment', 'gateway'));
    gw.spec.template.spec.containers[0]!.resources.requests.cpu = 'plenty';
    expect(check(gw as unknown as Record<string, unknown>, Deployment)).toMatch(/requests\/cpu/);
    const { file: _f, ...so } = structuredClone(byName<ScaledObjectSpec>('ScaledObject', 'generation-worker'));
    (so.spec as unknown as Record<string, unknown>).minReplicaCount = 'one';
    expect(check(so as unknown as Record<string, unknown>, ScaledObject)).toMatch(/minReplicaCount/);
  });

  it('reject a malformed manifest (the schemas bite)', () => {
    const gw = structuredClone(byName<DeploymentSpec>('Deployment', 'gateway'));
    const { file: _file, ...doc } = gw;
    const broken = structuredClone(doc) as unknown as { spec: DeploymentSpec };
    broken.spec.template.spec.containers[0]!.ports[0]!.containerPort = 70_000;
    delete (broken.spec.template.spec.containers[0] as Partial<Container>).readinessProbe;
    expect(schemaErrors(validatorFor('Deployment'), broken).length).toBeGreaterThanOrEqual(2);
    const so = structuredClone(byName<ScaledObjectSpec>('ScaledObject', 'generation-worker'));
    const { file: _f, ...soDoc } = so;
    (soDoc.spec.triggers[0]!.metadata as unknown as Record<string, unknown>).threshold = 0.75; // a YAML number
    expect(schemaErrors(validatorFor('ScaledObject'), soDoc)).not.toEqual([]);
  });

  it('select their own pods: Deployment, Service and PDB selectors match the pod template labels', () => {
    for (const name of DEPLOYMENTS) {
      const d = byName<DeploymentSpec>('Deployment', name);
      const podLabels = d.spec.template.metadata.labels;
      const matches = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => podLabels[k] === v);
      expect(matches(d.spec.selector.matchLabels), name).toBe(true);
      expect(matches(byName<ServiceSpec>('Service', name).spec.selector), name).toBe(true);
      expect(matches(byName<PdbSpec>('PodDisruptionBudget', name).spec.selector.matchLabels), name).toBe(true);
      // No other Deployment's pods match this one's selector.
      for (const other of DEPLOYMENTS.filter((o) => o !== name)) {
        const otherLabels = byName<DeploymentSpec>('Deployment', other).spec.template.metadata.labels;
        expect(
          Object.entries(d.spec.selector.matchLabels).every(([k, v]) => otherLabels[k] === v),
          `${name} vs ${other}`,
        ).toBe(false);
      }
    }
  });

  it('run the Dockerfile targets, on the ports and probes the processes serve', () => {
    const dockerfile = readFileSync(join(ROOT, 'infra/docker/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:22/m);
    const targets = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
    const cfg = byName('ConfigMap', 'switchyard-config').data!;
    for (const name of DEPLOYMENTS) {
      const d = byName<DeploymentSpec>('Deployment', name);
      const [c, ...rest] = d.spec.template.spec.containers;
      expect(rest).toEqual([]);
      expect(targets).toContain(name);
      expect(c!.image.split(':')[0]).toBe(`switchyard/${name}`);
      const ports = Object.fromEntries(c!.ports.map((p) => [p.name, p.containerPort]));
      const probePort = (p: Probe) => (typeof p.httpGet.port === 'number' ? p.httpGet.port : ports[p.httpGet.port]);
      expect(c!.livenessProbe.httpGet.path, name).toBe('/healthz');
      expect(c!.readinessProbe.httpGet.path, name).toBe('/readyz');
      if (c!.startupProbe) expect(c!.startupProbe.httpGet.path).toBe('/healthz');
      expect(ports.metrics, name).toBe(Number(cfg.METRICS_PORT));
      expect(d.spec.template.metadata.annotations?.['prometheus.io/port'], name).toBe(String(ports.metrics));
      if (name === 'gateway') {
        const port = Number(c!.env?.find((e) => e.name === 'PORT')?.value);
        expect(ports.http).toBe(port);
        expect(dockerfile).toContain(`EXPOSE ${port}`);
        expect(probePort(c!.livenessProbe)).toBe(port);
        expect(probePort(c!.readinessProbe)).toBe(port);
      } else {
        // Worker health on HEALTH_PORT 9464, as the Dockerfile sets it.
        expect(ports.health, name).toBe(9464);
        expect(Number(cfg.HEALTH_PORT)).toBe(9464);
        expect(dockerfile).toContain('ENV HEALTH_PORT=9464');
        expect(probePort(c!.livenessProbe)).toBe(9464);
        expect(probePort(c!.readinessProbe)).toBe(9464);
        expect(ports.metrics).not.toBe(ports.health);
      }
      // Services expose the named ports that exist on the container.
      for (const p of byName<ServiceSpec>('Service', name).spec.ports)
        expect(Object.keys(ports), `${name} service port ${p.name}`).toContain(p.targetPort);
      expect(c!.envFrom).toEqual([{ configMapRef: { name: 'switchyard-config' } }, { secretRef: { name: 'switchyard-secrets' } }]);
    }
  });

  it('give every pod more termination grace than its drain (preStop + the services’ shutdown bound)', () => {
    for (const name of DEPLOYMENTS) {
      const spec = byName<DeploymentSpec>('Deployment', name).spec.template.spec;
      const preStop = spec.containers[0]!.lifecycle?.preStop?.exec.command ?? [];
      const preStopSeconds = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
      expect(Number.isFinite(preStopSeconds)).toBe(true);
      expect(spec.terminationGracePeriodSeconds, name).toBeGreaterThan(preStopSeconds + SHUTDOWN_GRACE_SECONDS);
    }
    // The bound the manifests assume is the one the services use.
    for (const svc of DEPLOYMENTS) {
      const main = readFileSync(join(ROOT, 'services', svc, 'src/main.ts'), 'utf8');
      expect(main, svc).toMatch(/onShutdown\(logger, SHUTDOWN_GRACE_MS,/);
    }
  });

  it('request at least the peak memory measured in docs/benchmarks.md', () => {
    const bench = readFileSync(join(ROOT, 'docs/benchmarks.md'), 'utf8');
    const row =
      /^\| peak RSS gateway \/ generation worker \/ ingest worker \| (\d+) \/ (\d+) \/ (\d+) MiB \| (\d+) \/ (\d+) \/ (\d+) MiB \|$/m.exec(
        bench,
      );
    expect(row, 'the peak RSS row of docs/benchmarks.md').not.toBeNull();
    const n = row!.slice(1).map(Number);
    const peak: Record<string, number> = {
      gateway: Math.max(n[0]!, n[3]!),
      'generation-worker': Math.max(n[1]!, n[4]!),
      'image-ingest-worker': Math.max(n[2]!, n[5]!),
    };
    const mib = (q: string) => {
      const m = /^(\d+)(Ki|Mi|Gi)$/.exec(q)!;
      return Number(m[1]) * { Ki: 1 / 1024, Mi: 1, Gi: 1024 }[m[2] as 'Ki' | 'Mi' | 'Gi'];
    };
    for (const name of DEPLOYMENTS) {
      const { requests, limits } = byName<DeploymentSpec>('Deployment', name).spec.template.spec.containers[0]!.resources;
      expect(mib(requests.memory), name).toBeGreaterThanOrEqual(peak[name]!);
      expect(mib(limits.memory), name).toBeGreaterThanOrEqual(mib(requests.memory) * 1.5);
      const raw = readFileSync(join(K8S, byName('Deployment', name).file), 'utf8');
      expect(raw, `${name} cites the measured figures`).toMatch(/docs\/benchmarks\.md/);
      expect(raw).toContain(`${peak[name]} MiB`);
    }
  });

  it('set only configuration keys the services read', () => {
    const known = new Set(Object.keys(configSchema.shape));
    const cfg = byName('ConfigMap', 'switchyard-config').data!;
    const secretKeys = Object.keys(
      loadYaml(join(K8S, 'secret.template.yaml'))
        .map((d) => d as Manifest)
        .find((d) => d.metadata.name === 'switchyard-secrets')!.stringData!,
    );
    for (const key of [...Object.keys(cfg), ...secretKeys]) expect(known.has(key), key).toBe(true);
    // Secrets stay out of the ConfigMap; required ones are in the Secret.
    for (const key of ['REDIS_URL', 'MONGODB_URL', 'OPENAI_API_KEY', 'UPLOAD_TOKEN_SECRET', 'FILE_URL_SECRET'])
      expect(Object.keys(cfg)).not.toContain(key);
    for (const key of ['REDIS_URL', 'MONGODB_URL', 'OPENAI_API_KEY', 'UPLOAD_TOKEN_SECRET']) expect(secretKeys).toContain(key);
    // The gcs key file the config points at is where the Secret is mounted.
    for (const name of DEPLOYMENTS) {
      const raw = readFileSync(join(K8S, `${name}.yaml`), 'utf8');
      expect(raw).toContain(`mountPath: ${cfg.GCS_KEY_FILE!.replace(/\/key\.json$/, '')}`);
    }
    // The template carries placeholders only.
    for (const v of secretKeys.map((k) => loadYaml(join(K8S, 'secret.template.yaml')).map((d) => d as Manifest)[0]!.stringData![k]!))
      expect(v).toMatch(/REPLACE_ME/);
  });

  it('are all listed in the kustomization, except the Secret template', () => {
    const k = of('Kustomization')[0]!;
    const files = readdirSync(K8S)
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && f !== 'secret.template.yaml')
      .sort();
    expect([...k.resources!].sort()).toEqual(files);
    expect(k.images!.map((i) => i.name).sort()).toEqual(DEPLOYMENTS.map((d) => `switchyard/${d}`).sort());
  });

  it('scale each worker pool with a KEDA Prometheus trigger on its own utilization signal', () => {
    for (const w of WORKERS) {
      const so = byName<ScaledObjectSpec>('ScaledObject', w.deployment);
      expect(so.spec.scaleTargetRef.name).toBe(w.deployment);
      expect(byName<DeploymentSpec>('Deployment', w.deployment).spec.replicas, 'KEDA owns replicas').toBeUndefined();
      expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(1); // gateways need a worker per pool to be ready
      expect(so.spec.maxReplicaCount).toBeGreaterThan(so.spec.minReplicaCount);
      expect(so.spec.triggers).toHaveLength(1);
      const t = so.spec.triggers[0]!;
      expect(t.type).toBe('prometheus');
      // The signal is a ratio (demand / capacity): Value makes the HPA multiply by current replicas.
      expect(t.metricType).toBe('Value');
      expect(t.metadata.query).toBe(`max(switchyard_worker_pool_utilization{queue="${w.queue}"})`);
      const threshold = Number(t.metadata.threshold);
      expect(threshold).toBeGreaterThan(0);
      expect(threshold).toBeLessThanOrEqual(1);
    }
  });
});

/** Series names a scrape can contain, with the label names each may carry. */
async function scrapeableSeries(): Promise<Map<string, Set<string>>> {
  const series = new Map<string, Set<string>>();
  const labelsOf = new Map(METRIC_DEFINITIONS.map((d) => [d.name, d.labelNames]));
  for (const service of ['gateway', 'generation-worker', 'image-ingest-worker'] as ServiceName[]) {
    // The registry's families as a scrape serves them: name, type and the labels of each sample.
    for (const { name: family, type: kind, values } of await createMetrics(service).registry.getMetricsAsJSON()) {
      const type = String(kind); // 'counter', 'histogram' …: prom-client declares a numeric enum, but holds the exposition's names
      const own = new Set<string>(labelsOf.get(family) ?? values.flatMap((v) => Object.keys(v.labels)));
      const names =
        type === 'histogram'
          ? [`${family}_bucket`, `${family}_sum`, `${family}_count`]
          : type === 'summary'
            ? [family, `${family}_sum`, `${family}_count`]
            : [family];
      for (const n of names)
        series.set(n, new Set([...own, ...(n.endsWith('_bucket') ? ['le'] : []), ...(type === 'summary' ? ['quantile'] : [])]));
    }
  }
  return series;
}

/** Every metric name an expression selects, with the label names its matchers use. */
function selectors(expr: string): Array<{ metric: string; labels: string[] }> {
  const out: Array<{ metric: string; labels: string[] }> = [];
  for (const m of expr.matchAll(/\b((?:switchyard|process|nodejs)_[a-z0-9_]+)(\{([^}]*)\})?/g)) {
    const labels = [...(m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!);
    out.push({ metric: m[1]!, labels });
  }
  return out;
}

describe('metrics referenced by the dashboard, the alerts and the ScaledObjects', () => {
  const alerts = loadYaml(join(ROOT, 'infra/prometheus/alerts.yml'))[0] as AlertRules;
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'infra/grafana/switchyard.json'), 'utf8')) as Dashboard;
  const dashboardExprs = () =>
    dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `dashboard "${p.title}"`, expr: t.expr })));
  const alertExprs = () => alerts.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));
  const kedaExprs = () =>
    of<ScaledObjectSpec>('ScaledObject').flatMap((so) =>
      so.spec.triggers.map((t) => ({ where: `ScaledObject ${so.metadata.name}`, expr: t.metadata.query })),
    );

  it('the alert rules and the dashboard match their schemas', () => {
    expect(schemaErrors(ajv.compile(alertRulesSchema), alerts)).toEqual([]);
    expect(schemaErrors(ajv.compile(dashboardSchema), dashboard)).toEqual([]);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('are all registered by createMetrics, with labels they have', async () => {
    const series = await scrapeableSeries();
    const exprs = [...dashboardExprs(), ...alertExprs(), ...kedaExprs()];
    expect(exprs.length).toBeGreaterThan(40);
    let checked = 0;
    for (const { where, expr } of exprs) {
      const sel = selectors(expr);
      expect(sel.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const { metric, labels } of sel) {
        const allowed = series.get(metric);
        expect(allowed, `${where} uses ${metric}, which createMetrics does not register`).toBeDefined();
        for (const l of labels) expect(allowed!.has(l) || TARGET_LABELS.has(l), `${where}: ${metric} has no label ${l}`).toBe(true);
        checked++;
      }
      // Only sane PromQL shapes: balanced brackets and quotes.
      for (const [open, close] of ['()', '{}', '[]'])
        expect(expr.split(open!).length, `${where} ${open}${close}`).toBe(expr.split(close!).length);
      expect((expr.match(/"/g) ?? []).length % 2, where).toBe(0);
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('the alerts cover queue wait p99, time to first event p99, error rate, stalled jobs and ingest failures', () => {
    const uses = (re: RegExp) => alertExprs().filter((a) => re.test(a.expr));
    expect(uses(/histogram_quantile\(0\.99,[^]*switchyard_queue_wait_seconds_bucket/)).not.toEqual([]);
    expect(uses(/histogram_quantile\(0\.99,[^]*switchyard_time_to_first_event_seconds_bucket/)).not.toEqual([]);
    expect(uses(/switchyard_run_duration_seconds_count\{outcome="failed"\}[^]*\/[^]*switchyard_run_duration_seconds_count/)).not.toEqual(
      [],
    );
    expect(uses(/switchyard_jobs_stalled_total/)).not.toEqual([]);
    expect(uses(/switchyard_job_processing_seconds_count\{queue="image-ingest",outcome="failed"\}/)).not.toEqual([]);
  });

  it('the dashboard shows queue depth, wait p50/p99, time to first event p99, run outcomes, ingest latency, error rate and utilization', () => {
    const all = dashboardExprs()
      .map((e) => e.expr)
      .join('\n');
    expect(all).toMatch(/switchyard_queue_jobs\{state=~"waiting\|prioritized\|delayed\|active"\}/);
    expect(all).toMatch(/histogram_quantile\(0\.5, sum by \(queue, le\) \(rate\(switchyard_queue_wait_seconds_bucket/);
    expect(all).toMatch(/histogram_quantile\(0\.99, sum by \(queue, le\) \(rate\(switchyard_queue_wait_seconds_bucket/);
    expect(all).toMatch(/histogram_quantile\(0\.99, sum by \(le\) \(rate\(switchyard_time_to_first_event_seconds_bucket/);
    expect(all).toMatch(/sum by \(outcome\) \(rate\(switchyard_run_duration_seconds_count/);
    expect(all).toMatch(/switchyard_image_ingest_latency_seconds_bucket/);
    expect(all).toMatch(/switchyard_model_requests_total\{status!~"2\.\.\|aborted"\}/);
    expect(all).toMatch(/max by \(queue\) \(switchyard_worker_pool_utilization\)/);
  });
});
