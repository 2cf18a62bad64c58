// Lint rules: typescript-eslint's recommended set, plus the seams between packages, written down as
// `no-restricted-imports` so a wrong import fails `npm test` (docs/architecture.md §8 lists them).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const STAND_INS = ['model-test-server', 'mongo-test-server', 'gcs-test-server', 'jwks-test-server', 'redis-server', 'system-launcher'].map(
  (p) => `@switchyard/${p}`,
);
const MODEL_SDKS = ['openai', 'openai/*', '@openai/*'];
const SERVICES = ['@switchyard/gateway', '@switchyard/generation-worker', '@switchyard/image-ingest-worker'];

/** One seam: files under `files` may not import any of `groups` (package names or globs), with why. */
const seam = (files, rules) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: STAND_INS, message: 'stand-ins (test servers, launchers) are for tests and `npm start`, never product code' },
          { group: SERVICES, message: 'services compose packages; nothing imports a service' },
          ...rules.map(([group, message]) => ({ group, message })),
        ],
      },
    ],
  },
});

const NO_HTTP = [
  ['express', 'express/*', 'busboy', 'pino-http'],
  'transport belongs to @switchyard/chatkit-endpoint (the express adapter)',
];
const NO_MODEL = [
  [...MODEL_SDKS, '@switchyard/agents-runtime', '@switchyard/agents-runtime/*'],
  'model SDKs run only in the generation worker, behind the app API',
];
const NO_PAGES = [
  ['@switchyard/ops-live', '@switchyard/demo-page', '@switchyard/queue-dashboard', '@switchyard/chatkit-endpoint'],
  'workers carry no page, socket or HTTP adapter (snapshots come from @switchyard/ops-snapshots)',
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.data/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Product code: no stand-in, no service. Later entries repeat these and add their own seams.
  seam(['packages/*/src/**', 'services/*/src/**', 'examples/*/src/**'], []),
  // The ChatKit server has no transport and no model SDK: adapters and workers call into it.
  seam(
    ['packages/chatkit-server/src/**'],
    [NO_HTTP, NO_MODEL, [['@switchyard/chatkit-endpoint'], 'chatkit-server sits below its HTTP adapter']],
  ),
  // The express adapter only adapts: it holds no model client.
  seam(['packages/chatkit-endpoint/src/**'], [NO_MODEL]),
  // Attachments are records, tokens and model input, no HTTP; the snapshot writer carries no page or socket.
  seam(['packages/attachments/src/**'], [NO_HTTP, NO_MODEL]),
  seam(
    ['packages/ops-snapshots/src/**'],
    [NO_HTTP, [['ws', 'jose', '@switchyard/ops-live'], 'the snapshot writer every process loads carries no page, socket or credentials']],
  ),
  // The gateway names the app by module (SWITCHYARD_APP) and never loads a model SDK itself.
  seam(['services/gateway/src/**'], [NO_MODEL]),
  seam(['services/generation-worker/src/**', 'services/image-ingest-worker/src/**'], [NO_PAGES]),
  // Packages below the request handlers never reach up into them.
  seam(
    ['packages/{protocol,errors,config,logging,tracing,redis-connection,run-log,queues,store,blob,limits,metrics,app-api}/src/**'],
    [
      [
        [
          '@switchyard/chatkit-server',
          '@switchyard/chatkit-endpoint',
          '@switchyard/agents-runtime',
          '@switchyard/agents-runtime/*',
          '@switchyard/attachments',
        ],
        'a foundation package may not import the layers built on it',
      ],
    ],
  ),
  // Plain Node modules (preloaded with --import before tsx is there) see Node's globals.
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly' } } },
  {
    // The demo page's browser modules are plain JS loaded as they are: they run with a browser's globals.
    files: ['packages/demo-page/browser/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'history',
          'sessionStorage',
          'fetch',
          'URL',
          'URLSearchParams',
          'TextDecoder',
          'AbortController',
          'CustomEvent',
          'setTimeout',
          'clearTimeout',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
);
