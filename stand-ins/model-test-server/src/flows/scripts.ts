// The scripted answers selected by `[flow:…]` markers: each answer is a list of output items to
// stream (reasoning, messages with annotations, function calls, images), written with the `openai`
// package's own types so every event the writer derives from them type-checks against the API.
// Hand-written: no offline Responses API server exists to record from.
import type { ResponseOutputText, Tool } from 'openai/resources/responses/responses';

/** One annotation exactly as the API attaches it to an `output_text` part. */
export type OutputTextAnnotation = ResponseOutputText['annotations'][number];

/** One `output_text` part: its deltas (joined, the part's text) and the annotations that follow them. */
export interface PartScript {
  deltas: string[];
  annotations?: OutputTextAnnotation[];
}

export interface ReasoningScript {
  type: 'reasoning';
  /** One entry per summary part, each the deltas of its text. */
  summaries: string[][];
}

export interface MessageScript {
  type: 'message';
  parts: PartScript[];
  /**
   * false: only the text deltas, without `content_part.added`, `output_text.done` and
   * `content_part.done`, as in the reference's recordings (golden 21, 25). Default true.
   */
  partEvents?: boolean;
}

export interface FunctionCallScript {
  type: 'function_call';
  name: string;
  /** JSON text, as the API sends function arguments. */
  arguments: string;
}

export interface ImageScript {
  type: 'image';
  tool: Tool.ImageGeneration;
}

export type ItemScript = ReasoningScript | MessageScript | FunctionCallScript | ImageScript;

/** Splits text into `n` deltas (see text.ts) and wraps it as a one-part message. */
export function textMessage(deltas: string[]): MessageScript {
  return { type: 'message', parts: [{ deltas }] };
}

/** Golden 20: "Hi there" in two deltas, one URL citation kept and one `file_path` the mapping drops. */
export const GOLDEN_20_TEXT_ANNOTATIONS: ItemScript[] = [
  {
    type: 'message',
    parts: [
      {
        deltas: ['Hi ', 'there'],
        annotations: [
          { type: 'url_citation', url: 'https://example.com/a', title: 'A', start_index: 0, end_index: 5 },
          { type: 'file_path', file_id: 'file_dropped', index: 2 },
        ],
      },
    ],
  },
];

/** Golden 21: two reasoning summaries (only the first streams in ChatKit), then "Answer". */
export const GOLDEN_21_REASONING_ANSWER: ItemScript[] = [
  {
    type: 'reasoning',
    summaries: [
      ['Think', 'ing'],
      ['More', ' thoughts'],
    ],
  },
  { type: 'message', parts: [{ deltas: ['Answer'] }], partEvents: false },
];

/** Golden 22: reasoning and nothing else; the workflow stays open at the end of the run. */
export const GOLDEN_22_REASONING_ONLY: ItemScript[] = [{ type: 'reasoning', summaries: [['Think', 'ing']] }];

/** Golden 25: a message cut short; the app's guardrail then removes it. */
export const GOLDEN_25_PARTIAL: ItemScript[] = [{ type: 'message', parts: [{ deltas: ['Partial'] }], partEvents: false }];

/** Several summary parts, each streamed in deltas (prefixed to whatever the answer is). */
export const REASONING: ReasoningScript = {
  type: 'reasoning',
  summaries: [
    ['Reading', ' the', ' question'],
    ['Checking', ' what', ' I', ' know'],
    ['Drafting', ' the', ' answer'],
  ],
};

/**
 * Every annotation kind on the first part — a file citation with an empty filename, a container
 * file citation, a URL citation, a file path, a named file citation — and a plain second part.
 */
export const ANNOTATIONS: ItemScript[] = [
  {
    type: 'message',
    parts: [
      {
        deltas: ['Hello, ', 'world!'],
        annotations: [
          { type: 'file_citation', file_id: 'file_empty', filename: '', index: 1 },
          {
            type: 'container_file_citation',
            container_id: 'cntr_1',
            file_id: 'file_container',
            filename: 'container.txt',
            start_index: 0,
            end_index: 3,
          },
          { type: 'url_citation', url: 'https://example.com', title: 'Example', start_index: 0, end_index: 5 },
          { type: 'file_path', file_id: 'file_path_1', index: 7 },
          { type: 'file_citation', file_id: 'file_named', filename: 'file.txt', index: 12 },
        ],
      },
      { deltas: ["Can't ", 'do that'] },
    ],
  },
];

/** Fixtures a `[flow:<name>]` marker selects by name (the function-call flows take arguments). */
export const NAMED_SCRIPTS = {
  annotations: ANNOTATIONS,
  golden20: GOLDEN_20_TEXT_ANNOTATIONS,
  golden21: GOLDEN_21_REASONING_ANSWER,
  golden22: GOLDEN_22_REASONING_ONLY,
  golden25: GOLDEN_25_PARTIAL,
} satisfies Record<string, ItemScript[]>;

export type ScriptName = keyof typeof NAMED_SCRIPTS;

export function isScriptName(name: string): name is ScriptName {
  return Object.hasOwn(NAMED_SCRIPTS, name);
}
