// Annotations on assistant text and the sources they cite (docs/protocol.md §2.5); sources are reused by
// web-search and file tasks. `index` is the character offset in the text where the marker goes.
import type { IconName } from './icons.ts';
import type { JsonObject } from './json.ts';

interface SourceBase {
  title: string;
  description?: string | null;
  timestamp?: string | null;
  group?: string | null;
}

export interface URLSource extends SourceBase {
  type: 'url';
  url: string;
  attribution?: string | null;
}

export interface FileSource extends SourceBase {
  type: 'file';
  filename: string;
}

export interface EntitySource extends SourceBase {
  type: 'entity';
  id: string;
  icon?: IconName | null;
  label?: string | null;
  inline_label?: string | null;
  /** default false */
  interactive: boolean;
  /** default {}; passed verbatim to the client's entity callbacks. */
  data: JsonObject;
  /** Deprecated and ignored by the client. */
  preview?: 'lazy' | null;
}

export type Source = URLSource | FileSource | EntitySource;

export interface Annotation {
  type: 'annotation';
  source: Source;
  index?: number | null;
}
