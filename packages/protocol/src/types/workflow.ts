// Workflows and tasks (docs/protocol.md §2.6): a workflow item holds an ordered task list and an
// optional summary; a task item holds one standalone task. Reasoning summaries arrive as `thought`
// tasks.
import type { FileSource, URLSource } from './annotations.ts';
import type { IconName } from './icons.ts';

export type TaskStatusIndicator = 'none' | 'loading' | 'complete';

interface TaskBase {
  /** default "none"; only rendered inside a workflow. */
  status_indicator: TaskStatusIndicator;
  title?: string | null;
}

export interface CustomTask extends TaskBase {
  type: 'custom';
  icon?: IconName | null;
  content?: string | null;
}

export interface SearchTask extends TaskBase {
  type: 'web_search';
  title_query?: string | null;
  /** default [] */
  queries: string[];
  /** default [] */
  sources: URLSource[];
}

export interface ThoughtTask extends TaskBase {
  type: 'thought';
  content: string;
}

export interface FileTask extends TaskBase {
  type: 'file';
  /** default [] */
  sources: FileSource[];
}

export interface ImageTask extends TaskBase {
  type: 'image';
}

export type Task = CustomTask | SearchTask | ThoughtTask | FileTask | ImageTask;

export interface CustomSummary {
  title: string;
  icon?: IconName | null;
}

/** Whole seconds the workflow ran. */
export interface DurationSummary {
  duration: number;
}

/** Not discriminated on the wire: the shape decides. */
export type WorkflowSummary = CustomSummary | DurationSummary;

export interface Workflow {
  type: 'custom' | 'reasoning';
  tasks: Task[];
  summary?: WorkflowSummary | null;
  /** default false */
  expanded: boolean;
}
