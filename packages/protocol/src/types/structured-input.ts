// Structured input questions (docs/protocol.md §2.7, 1.6.4+): a structured_input item asks the user one
// or more questions; `threads.add_structured_input` answers them and the server replaces the item.

export interface StructuredInputAnswer {
  /** default [] */
  values: string[];
  /** default false */
  skipped: boolean;
}

interface StructuredInputBase {
  id: string;
  question: string;
  answer?: StructuredInputAnswer | null;
}

export interface StructuredInputOption {
  value: string;
}

export interface StructuredInputMultipleChoice extends StructuredInputBase {
  type: 'multiple_choice';
  options: StructuredInputOption[];
  /** default false: only the first submitted value is kept. */
  multiple: boolean;
}

export interface StructuredInputFreeform extends StructuredInputBase {
  type: 'freeform';
  description?: string | null;
}

export type StructuredInput = StructuredInputMultipleChoice | StructuredInputFreeform;

export type StructuredInputStatus = 'pending' | 'answered' | 'skipped';
