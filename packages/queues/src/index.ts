export * from './names.ts';
export * from './jobs.ts';
export * from './factory.ts';
