export * from './chat-store.ts';
export * from './connect.ts';
