// The deployer's API: one module that tells Switchyard how to respond, handle widget actions
// (streaming and sync), feedback, transcription and stream options. The gateway and the workers
// load the same module (SWITCHYARD_APP) so JSON hooks and streaming hooks see one app.
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AuthRequest, Identity } from '@switchyard/auth';
import type {
  Action,
  FeedbackKind,
  IdPrefix,
  ThreadItem,
  ThreadMetadata,
  ThreadStreamEvent,
  UserMessageItem,
  WidgetItem,
} from '@switchyard/protocol';

export type { AuthRequest, Identity } from '@switchyard/auth';
export { CustomStreamError, ResumeUnavailable, StreamError } from '@switchyard/errors';

/** Who is asking and what the client sent alongside the request. */
export interface RequestContext {
  owner: string;
  /** The request's `metadata` object (opaque, integration-defined). */
  metadata: Record<string, unknown>;
  runId?: string;
}

/** A generated image frame: routed through the ingest worker instead of being inlined. */
export interface ImageFrameEvent {
  type: 'switchyard.image_frame';
  item: Extract<ThreadItem, { type: 'generated_image' }>;
  imageId: string;
  partialIndex: number | null;
  b64: string;
  format: string;
}

/**
 * A model response begins (docs/resume.md). An app that can continue a response after its worker
 * is gone yields this before anything else of that response: the pipeline stores `state` as the
 * run's resume point and counts the events that follow, so a later attempt continues from there.
 */
export interface ModelResponseEvent {
  type: 'switchyard.model_response';
  /**
   * The upstream response (Responses API id), kept running server-side (background mode); null
   * when a model call begins and its response is not known yet (the state is where it starts).
   */
  responseId: string | null;
  /** What the app needs to continue that response, opaque to the pipeline. */
  state: string;
}

export type ResponseEvent = ThreadStreamEvent | ImageFrameEvent | ModelResponseEvent;

/** A model response an earlier attempt of this run began, to be continued instead of regenerated. */
export interface ResumeFrom {
  /** null: the earlier attempt began a model call and no response of it is known; start that call again. */
  responseId: string | null;
  /** The `state` of that response's ModelResponseEvent. */
  state: string;
}

/**
 * Read access to the thread being answered, scoped to its owner. On a first attempt the worker reads
 * the newest 400 items together with the thread; the first `loadItems(n ≤ 400)` made before the app's
 * first event or `saveItem` is answered from that read (the same items a store read would give).
 */
export interface ThreadReader {
  /** Items oldest first, the newest `limit` of them (default 400). */
  loadItems(limit?: number): Promise<ThreadItem[]>;
  loadItem(itemId: string): Promise<ThreadItem>;
}

export interface ResponseArgs {
  /** Mutable: title, status, allowed_image_domains and metadata changes are saved and streamed. */
  thread: ThreadMetadata;
  context: RequestContext;
  items: ThreadReader;
  newId(prefix: IdPrefix): string;
  /**
   * Stores an item without streaming an event for it (a workflow left open at the end of a turn,
   * docs/protocol.md §7.6). Written under the run's fence: if another worker takes the run over, the
   * item is deleted, and a save that lost the run throws.
   */
  saveItem(item: ThreadItem): Promise<void>;
  /** Aborted when the run is cancelled (client stop, operator cancel). */
  signal: AbortSignal;
  /**
   * Set when an earlier attempt of this run (a crashed or drained worker) began a model response
   * that can be continued (docs/resume.md). The app yields that response's ModelResponseEvent and
   * then every event of it from the start, as if nothing happened: the pipeline drops what the
   * client already has. It throws ResumeUnavailable (before yielding) when it cannot continue.
   */
  resume?: ResumeFrom;
  /**
   * Whether this attempt still owns the run (a take-over fences it out): asked before a side effect
   * that cannot be taken back, such as a tool call, so a stalled attempt that wakes up after another
   * took its run over does not repeat it.
   */
  owns?(): Promise<boolean>;
  /**
   * True once the signal was aborted because this attempt gives the run to another one (drain
   * hand-off, take-over), which may continue its model responses: do not cancel them upstream.
   * (A function, so copies of the args see the answer of the moment.)
   */
  abandoned?(): boolean;
}

export interface RespondArgs extends ResponseArgs {
  /** The user message to answer; null when continuing (client tool output, structured input). */
  input: UserMessageItem | null;
}

export interface ActionArgs extends ResponseArgs {
  action: Action;
  sender: WidgetItem | null;
}

export interface SyncActionArgs {
  thread: ThreadMetadata;
  action: Action;
  sender: WidgetItem | null;
  context: RequestContext;
}

export interface FeedbackArgs {
  threadId: string;
  itemIds: string[];
  kind: FeedbackKind;
  context: RequestContext;
}

export interface TranscribeArgs {
  audio: Buffer;
  /** As sent, e.g. `audio/webm;codecs=opus`. */
  mimeType: string;
  /** Parameters stripped, e.g. `audio/webm`. */
  mediaType: string;
  context: RequestContext;
}

export interface SwitchyardApp {
  name: string;
  /**
   * Who is asking, for credentials the built-in methods do not know (a session cookie, an API key, a
   * trusted proxy's header): an owner, or null when this request carries none of them. Tried before
   * the built-in methods on every route; throw `Unauthorized` for bad credentials. Runs in the gateway.
   */
  authenticate?(request: AuthRequest): Promise<Identity | null>;
  respond(args: RespondArgs): AsyncIterable<ResponseEvent>;
  action?(args: ActionArgs): AsyncIterable<ResponseEvent>;
  syncAction?(args: SyncActionArgs): Promise<ThreadItem | null>;
  feedback?(args: FeedbackArgs): Promise<void>;
  transcribe?(args: TranscribeArgs): Promise<string>;
  streamOptions?(args: { thread: ThreadMetadata; context: RequestContext }): { allow_cancel: boolean };
  /**
   * Merge consecutive text deltas while a run-log append is in flight (default true). Turn it off
   * when every delta must reach the client as its own event (conformance tests).
   */
  coalesceTextDeltas?: boolean;
}

/** What a process hands an app factory: the services it may use. */
export interface AppRuntime {
  /** Process role: apps may skip model set-up in the gateway. */
  role: 'gateway' | 'generation-worker';
  env: Record<string, string | undefined>;
  /** Model access etc., provided by the generation worker (absent in the gateway). */
  services: Record<string, unknown>;
}

export type AppFactory = (runtime: AppRuntime) => SwitchyardApp | Promise<SwitchyardApp>;

export function defineApp(factory: AppFactory): AppFactory {
  return factory;
}

/**
 * Loads an app module (default export: an AppFactory). A file path is taken relative to the working
 * directory; a package specifier (`@switchyard/agents-runtime/app`) is resolved from `parentUrl`, the
 * calling service's module, whose package declares the app package as a dependency.
 */
export async function loadAppFactory(specifier: string, parentUrl: string): Promise<AppFactory> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier) || specifier.startsWith('file:');
  const url = specifier.startsWith('file:')
    ? specifier
    : pathToFileURL(isPath ? resolve(specifier) : createRequire(parentUrl).resolve(specifier)).href;
  const mod = (await import(url)) as { default?: unknown };
  if (typeof mod.default !== 'function') throw new Error(`app module ${specifier} must default-export defineApp(...)`);
  return mod.default as AppFactory;
}
export { diffWidget, streamWidget } from './widget-stream.ts';
