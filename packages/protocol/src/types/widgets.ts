// Widgets (docs/protocol.md §2.9), loosely typed: a tree of JSON objects discriminated by a string `type`.
// The server only ships rendered trees; nulls anywhere inside a tree are dropped on the wire.
import type { JsonValue } from './json.ts';

export type WidgetRootType = 'Card' | 'ListView' | 'Basic';

interface WidgetNodeBase {
  key?: string | null;
  id?: string | null;
}

/** Any component (`Text`, `Row`, `Button`, …, or a dynamic template component); props are camelCase. */
export type WidgetComponent = WidgetNodeBase & { type: string } & { [prop: string]: JsonValue | undefined };

export type WidgetRoot = WidgetNodeBase & { type: WidgetRootType } & { [prop: string]: JsonValue | undefined };

/** A widget action declaration (`onClickAction`, …): server actions with `streaming: false` go to `threads.sync_custom_action`. */
export interface ActionConfig {
  type: string;
  payload?: JsonValue;
  /** default "server" */
  handler?: 'client' | 'server';
  /** default "auto" */
  loadingBehavior?: 'auto' | 'none' | 'self' | 'container';
  /** default true */
  streaming?: boolean;
}

/** The action a client sends back in `threads.custom_action` / `threads.sync_custom_action`. */
export interface Action {
  type: string;
  payload?: JsonValue;
}
