// Message content (docs/protocol.md §2.4, §2.5): user input parts, assistant output parts, inference
// options and the request-side UserMessageInput the server turns into a user_message item.
import type { Annotation } from './annotations.ts';
import type { JsonObject } from './json.ts';

export interface UserMessageTextContent {
  type: 'input_text';
  text: string;
}

export interface UserMessageTagContent {
  type: 'input_tag';
  id: string;
  text: string;
  /** Required by the reference model; the request parser defaults it to {} like a tolerant server. */
  data: JsonObject;
  group?: string | null;
  /** default false */
  interactive: boolean;
}

export type UserMessageContent = UserMessageTextContent | UserMessageTagContent;

export interface AssistantMessageContent {
  /** default [] */
  annotations: Annotation[];
  text: string;
  type: 'output_text';
}

export interface ToolChoice {
  id: string;
}

/** The composer's tool and model pickers; `{}` when nothing was picked. */
export interface InferenceOptions {
  tool_choice?: ToolChoice | null;
  model?: string | null;
}

/** Request-side user message (`threads.create`, `threads.add_user_message`); attachments are ids. */
export interface UserMessageInput {
  content: UserMessageContent[];
  attachments: string[];
  quoted_text?: string | null;
  inference_options: InferenceOptions;
}
