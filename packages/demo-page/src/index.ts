export * from './demo-page-router.ts';
