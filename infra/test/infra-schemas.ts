// JSON Schemas (draft-07, for ajv) of the resource kinds and files under infra/: just the shape
// Switchyard relies on — apiVersion/kind/metadata/spec, container ports, probes, resources, KEDA
// trigger metadata, Prometheus rule groups and Grafana panels — and stricter than the official
// schemas (which infra.test.ts also applies, through kubernetes-models): no field outside that shape,
// so a misspelled key (`livenesProbe`) fails here where the official ones let it pass. The Grafana
// dashboard and the Kustomization have no official schema package here; these are theirs.

const dnsName = { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const cpu = { type: 'string', pattern: '^([0-9]+m|[0-9]+(\\.[0-9]+)?)$' } as const;
const memory = { type: 'string', pattern: '^[0-9]+(Ki|Mi|Gi)$' } as const;
const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const portRef = { anyOf: [port, dnsName] } as const;

const metadata = (namespaced: boolean) =>
  ({
    type: 'object',
    required: namespaced ? ['name', 'namespace', 'labels'] : ['name'],
    properties: {
      name: dnsName,
      namespace: { const: 'switchyard' },
      labels: stringMap,
      annotations: stringMap,
    },
    additionalProperties: false,
  }) as const;

const labelSelector = {
  type: 'object',
  required: ['matchLabels'],
  properties: { matchLabels: { ...stringMap, minProperties: 1 } },
  additionalProperties: false,
} as const;

const httpProbe = {
  type: 'object',
  required: ['httpGet', 'periodSeconds', 'timeoutSeconds', 'failureThreshold'],
  properties: {
    httpGet: {
      type: 'object',
      required: ['path', 'port'],
      properties: { path: { type: 'string', pattern: '^/' }, port: portRef },
      additionalProperties: false,
    },
    initialDelaySeconds: { type: 'integer', minimum: 0 },
    periodSeconds: { type: 'integer', minimum: 1 },
    timeoutSeconds: { type: 'integer', minimum: 1 },
    failureThreshold: { type: 'integer', minimum: 1 },
  },
  additionalProperties: false,
} as const;

const container = {
  type: 'object',
  required: ['name', 'image', 'ports', 'livenessProbe', 'readinessProbe', 'resources'],
  properties: {
    name: dnsName,
    image: { type: 'string', pattern: '^[a-z0-9./-]+:[A-Za-z0-9._-]+$' },
    imagePullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
    ports: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'containerPort'],
        properties: { name: { type: 'string', pattern: '^[a-z0-9-]{1,15}$' }, containerPort: port, protocol: { enum: ['TCP', 'UDP'] } },
        additionalProperties: false,
      },
    },
    envFrom: {
      type: 'array',
      items: {
        type: 'object',
        minProperties: 1,
        maxProperties: 1,
        properties: {
          configMapRef: { type: 'object', required: ['name'], properties: { name: dnsName }, additionalProperties: false },
          secretRef: { type: 'object', required: ['name'], properties: { name: dnsName }, additionalProperties: false },
        },
        additionalProperties: false,
      },
    },
    env: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'value'],
        properties: { name: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' }, value: { type: 'string' } },
        additionalProperties: false,
      },
    },
    lifecycle: {
      type: 'object',
      properties: {
        preStop: {
          type: 'object',
          required: ['exec'],
          properties: {
            exec: { type: 'object', required: ['command'], properties: { command: { type: 'array', items: { type: 'string' } } } },
          },
        },
      },
      additionalProperties: false,
    },
    startupProbe: httpProbe,
    livenessProbe: httpProbe,
    readinessProbe: httpProbe,
    resources: {
      type: 'object',
      required: ['requests', 'limits'],
      properties: {
        requests: { type: 'object', required: ['cpu', 'memory'], properties: { cpu, memory }, additionalProperties: false },
        limits: { type: 'object', required: ['memory'], properties: { memory }, additionalProperties: false },
      },
      additionalProperties: false,
    },
    securityContext: {
      type: 'object',
      properties: {
        allowPrivilegeEscalation: { const: false },
        readOnlyRootFilesystem: { type: 'boolean' },
        capabilities: { type: 'object', properties: { drop: { type: 'array', items: { type: 'string' } } } },
      },
      additionalProperties: false,
    },
    volumeMounts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'mountPath'],
        properties: { name: dnsName, mountPath: { type: 'string', pattern: '^/' }, readOnly: { type: 'boolean' } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export const deploymentSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'apps/v1' },
    kind: { const: 'Deployment' },
    metadata: metadata(true),
    spec: {
      type: 'object',
      required: ['selector', 'template'],
      properties: {
        replicas: { type: 'integer', minimum: 1 },
        revisionHistoryLimit: { type: 'integer', minimum: 0 },
        strategy: {
          type: 'object',
          required: ['type'],
          properties: {
            type: { enum: ['RollingUpdate', 'Recreate'] },
            rollingUpdate: {
              type: 'object',
              properties: { maxUnavailable: { type: ['integer', 'string'] }, maxSurge: { type: ['integer', 'string'] } },
              additionalProperties: false,
            },
          },
          additionalProperties: false,
        },
        selector: labelSelector,
        template: {
          type: 'object',
          required: ['metadata', 'spec'],
          properties: {
            metadata: {
              type: 'object',
              required: ['labels'],
              properties: { labels: stringMap, annotations: stringMap },
              additionalProperties: false,
            },
            spec: {
              type: 'object',
              required: ['containers', 'terminationGracePeriodSeconds'],
              properties: {
                terminationGracePeriodSeconds: { type: 'integer', minimum: 1 },
                securityContext: { type: 'object' },
                topologySpreadConstraints: { type: 'array' },
                containers: { type: 'array', minItems: 1, items: container },
                volumes: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['name'],
                    properties: {
                      name: dnsName,
                      emptyDir: { type: 'object' },
                      secret: { type: 'object', required: ['secretName'], properties: { secretName: dnsName } },
                    },
                    minProperties: 2,
                    additionalProperties: false,
                  },
                },
              },
              additionalProperties: false,
            },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

export const serviceSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'v1' },
    kind: { const: 'Service' },
    metadata: metadata(true),
    spec: {
      type: 'object',
      required: ['selector', 'ports'],
      properties: {
        type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
        clusterIP: { const: 'None' },
        selector: { ...stringMap, minProperties: 1 },
        ports: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['name', 'port', 'targetPort'],
            properties: { name: dnsName, port, targetPort: portRef, protocol: { enum: ['TCP', 'UDP'] } },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

export const pdbSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'policy/v1' },
    kind: { const: 'PodDisruptionBudget' },
    metadata: metadata(true),
    spec: {
      type: 'object',
      required: ['selector'],
      oneOf: [{ required: ['minAvailable'] }, { required: ['maxUnavailable'] }],
      properties: {
        minAvailable: { type: ['integer', 'string'] },
        maxUnavailable: { type: ['integer', 'string'] },
        selector: labelSelector,
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

const hpaPolicies = {
  type: 'object',
  properties: {
    stabilizationWindowSeconds: { type: 'integer', minimum: 0 },
    selectPolicy: { enum: ['Max', 'Min', 'Disabled'] },
    policies: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'value', 'periodSeconds'],
        properties: {
          type: { enum: ['Pods', 'Percent'] },
          value: { type: 'integer', minimum: 1 },
          periodSeconds: { type: 'integer', minimum: 1, maximum: 1800 },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export const scaledObjectSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'keda.sh/v1alpha1' },
    kind: { const: 'ScaledObject' },
    metadata: metadata(true),
    spec: {
      type: 'object',
      required: ['scaleTargetRef', 'minReplicaCount', 'maxReplicaCount', 'triggers'],
      properties: {
        scaleTargetRef: {
          type: 'object',
          required: ['name'],
          properties: { name: dnsName, kind: { const: 'Deployment' }, apiVersion: { const: 'apps/v1' } },
          additionalProperties: false,
        },
        pollingInterval: { type: 'integer', minimum: 1 },
        cooldownPeriod: { type: 'integer', minimum: 0 },
        minReplicaCount: { type: 'integer', minimum: 0 },
        maxReplicaCount: { type: 'integer', minimum: 1 },
        advanced: {
          type: 'object',
          properties: {
            horizontalPodAutoscalerConfig: {
              type: 'object',
              properties: {
                behavior: { type: 'object', properties: { scaleUp: hpaPolicies, scaleDown: hpaPolicies }, additionalProperties: false },
              },
              additionalProperties: false,
            },
          },
          additionalProperties: false,
        },
        triggers: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['type', 'metadata'],
            properties: {
              type: { const: 'prometheus' },
              name: dnsName,
              metricType: { enum: ['Value', 'AverageValue'] },
              metadata: {
                type: 'object',
                required: ['serverAddress', 'query', 'threshold'],
                // KEDA reads trigger metadata as a map of strings: a bare YAML number is rejected.
                additionalProperties: { type: 'string' },
                properties: {
                  serverAddress: { type: 'string', pattern: '^https?://[^\\s]+$' },
                  query: { type: 'string', minLength: 1 },
                  threshold: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$' },
                  activationThreshold: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$' },
                  ignoreNullValues: { enum: ['true', 'false'] },
                },
              },
            },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

export const configMapSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'data'],
  properties: {
    apiVersion: { const: 'v1' },
    kind: { const: 'ConfigMap' },
    metadata: metadata(true),
    data: { type: 'object', propertyNames: { pattern: '^[A-Z_][A-Z0-9_]*$' }, additionalProperties: { type: 'string' } },
  },
  additionalProperties: false,
} as const;

export const secretSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'type', 'stringData'],
  properties: {
    apiVersion: { const: 'v1' },
    kind: { const: 'Secret' },
    metadata: metadata(true),
    type: { const: 'Opaque' },
    stringData: stringMap,
  },
  additionalProperties: false,
} as const;

export const namespaceSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata'],
  properties: { apiVersion: { const: 'v1' }, kind: { const: 'Namespace' }, metadata: metadata(false) },
  additionalProperties: false,
} as const;

export const podMonitorSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'monitoring.coreos.com/v1' },
    kind: { const: 'PodMonitor' },
    metadata: metadata(true),
    spec: {
      type: 'object',
      required: ['selector', 'podMetricsEndpoints'],
      properties: {
        selector: labelSelector,
        podMetricsEndpoints: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['port', 'path'],
            properties: { port: dnsName, path: { type: 'string', pattern: '^/' }, interval: { type: 'string', pattern: '^[0-9]+[smh]$' } },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

export const kustomizationSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'resources'],
  properties: {
    apiVersion: { const: 'kustomize.config.k8s.io/v1beta1' },
    kind: { const: 'Kustomization' },
    namespace: { const: 'switchyard' },
    resources: { type: 'array', minItems: 1, items: { type: 'string', pattern: '\\.yaml$' } },
    images: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, newName: { type: 'string' }, newTag: { type: 'string' } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

const duration = { type: 'string', pattern: '^[0-9]+[smhd]$' } as const;

export const alertRulesSchema = {
  type: 'object',
  required: ['groups'],
  properties: {
    groups: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'rules'],
        properties: {
          name: { type: 'string' },
          interval: duration,
          rules: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['alert', 'expr', 'labels', 'annotations'],
              properties: {
                alert: { type: 'string', pattern: '^Switchyard[A-Za-z0-9]+$' },
                expr: { type: 'string', minLength: 1 },
                for: duration,
                labels: {
                  type: 'object',
                  required: ['severity'],
                  properties: { severity: { enum: ['info', 'warning', 'critical'] } },
                  additionalProperties: { type: 'string' },
                },
                annotations: {
                  type: 'object',
                  required: ['summary'],
                  properties: { summary: { type: 'string', minLength: 1 } },
                  additionalProperties: { type: 'string' },
                },
              },
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export const dashboardSchema = {
  type: 'object',
  required: ['title', 'uid', 'schemaVersion', 'panels', 'templating'],
  properties: {
    title: { type: 'string' },
    uid: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,40}$' },
    schemaVersion: { type: 'integer', minimum: 30 },
    templating: {
      type: 'object',
      required: ['list'],
      properties: {
        list: {
          type: 'array',
          contains: {
            type: 'object',
            required: ['name', 'type'],
            properties: { name: { const: 'datasource' }, type: { const: 'datasource' } },
          },
        },
      },
    },
    panels: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'type', 'title', 'gridPos'],
        properties: {
          id: { type: 'integer' },
          type: { enum: ['row', 'timeseries', 'stat'] },
          datasource: {
            type: 'object',
            required: ['type', 'uid'],
            properties: { type: { const: 'prometheus' }, uid: { const: '${datasource}' } },
          },
          title: { type: 'string', minLength: 1 },
          gridPos: {
            type: 'object',
            required: ['h', 'w', 'x', 'y'],
            properties: {
              h: { type: 'integer', minimum: 1 },
              w: { type: 'integer', minimum: 1, maximum: 24 },
              x: { type: 'integer', minimum: 0, maximum: 23 },
              y: { type: 'integer', minimum: 0 },
            },
          },
          targets: {
            type: 'array',
            items: {
              type: 'object',
              required: ['refId', 'expr'],
              properties: { refId: { type: 'string' }, expr: { type: 'string', minLength: 1 } },
            },
          },
        },
        if: { properties: { type: { const: 'row' } } },
        then: {},
        else: { required: ['targets', 'datasource'], properties: { targets: { type: 'array', minItems: 1 } } },
      },
    },
  },
} as const;

/** Schema of each Kubernetes kind used under infra/k8s. */
export const KIND_SCHEMAS: Record<string, object> = {
  Deployment: deploymentSchema,
  Service: serviceSchema,
  PodDisruptionBudget: pdbSchema,
  ScaledObject: scaledObjectSchema,
  ConfigMap: configMapSchema,
  Secret: secretSchema,
  Namespace: namespaceSchema,
  PodMonitor: podMonitorSchema,
  Kustomization: kustomizationSchema,
};
