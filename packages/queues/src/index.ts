export * from './names.ts';
export * from './jobs.ts';
export * from './factory.ts';
export * from './job-spans.ts';
