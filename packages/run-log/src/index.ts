export * from './keys.ts';
export * from './entries.ts';
export * from './run-log.ts';
export * from './sequencer.ts';
export * from './subscriber.ts';
export * from './run-control.ts';
