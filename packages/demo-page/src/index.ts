// @switchyard/demo-page: the browser chat page the gateway serves at `/` — static modules speaking the
// ChatKit protocol to `/chatkit` — mounted through one express router.
export { createDemoPageRouter, DEMO_ASSETS_PATH } from './demo-page-router.ts';
