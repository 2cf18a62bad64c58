// @switchyard/store: the ChatKit store contract on MongoDB (threads, items and attachments, every
// query scoped by owner) and the one connection every process opens.
export { ChatStore, type BlobRef } from './chat-store.ts';
export { connectMongo } from './connect.ts';
