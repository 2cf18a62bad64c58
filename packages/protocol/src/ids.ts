// Identifiers: `<prefix>_<16 hex>` from the OS CSPRNG (docs/protocol.md §2.11). Clients treat ids as opaque;
// 64 random bits keep them unique across a large deployment without coordination (the reference uses 32).
import { randomBytes } from 'node:crypto';

/**
 * thr thread · msg message, widget, generated image · tc client tool call · wf workflow · tsk task ·
 * atc attachment · shcx SDK hidden context · run one generation run (Switchyard's own).
 */
export const ID_PREFIXES = ['thr', 'msg', 'tc', 'wf', 'tsk', 'atc', 'shcx', 'run'] as const;

export type IdPrefix = (typeof ID_PREFIXES)[number];

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}
