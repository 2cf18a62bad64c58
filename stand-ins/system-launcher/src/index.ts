export * from './service-process.ts';
export * from './embedded-dependencies.ts';
