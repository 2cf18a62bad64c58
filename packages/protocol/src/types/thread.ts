// Threads (docs/protocol.md §2.2): ThreadMetadata is the stored record (with server-only `metadata`);
// Thread is what the client receives: the metadata plus a page of items, `metadata` always `{}`.
import type { ThreadItem } from './items.ts';
import type { JsonObject } from './json.ts';
import type { Page } from './page.ts';

export interface ActiveStatus {
  type: 'active';
}

/** Composer disabled, showing `reason`. */
export interface LockedStatus {
  type: 'locked';
  reason?: string | null;
}

/** Composer replaced by a banner showing `reason`. */
export interface ClosedStatus {
  type: 'closed';
  reason?: string | null;
}

export type ThreadStatus = ActiveStatus | LockedStatus | ClosedStatus;

export interface ThreadMetadata {
  title?: string | null;
  id: string;
  created_at: string;
  /** default {"type":"active"} */
  status: ThreadStatus;
  /** Since 1.6.3. */
  allowed_image_domains?: string[] | null;
  /** Server-side only: thread responses always carry `"metadata":{}`. */
  metadata: JsonObject;
}

export interface Thread extends ThreadMetadata {
  items: Page<ThreadItem>;
}
