// `threads.add_structured_input` (docs/protocol.md §6.5): folding the user's answers into the pending
// structured_input item by the reference's rules for skipped, missing and single-choice questions.
import type { StructuredInputSubmission, ThreadItem } from '@switchyard/protocol';

export type StructuredInputItem = Extract<ThreadItem, { type: 'structured_input' }>;

/** Answers per question: skipped or empty answers are skipped; a single-choice question keeps one value. */
export function answerStructuredInput(item: StructuredInputItem, submission: StructuredInputSubmission): StructuredInputItem {
  const inputs = item.inputs.map((q) => {
    const a = submission.answers[q.id];
    if (submission.status === 'skipped' || !a || a.skipped || a.values.length === 0) {
      return { ...q, answer: { values: [], skipped: true } };
    }
    const values = q.type === 'multiple_choice' && !q.multiple ? a.values.slice(0, 1) : a.values;
    return { ...q, answer: { values, skipped: false } };
  });
  return { ...item, status: submission.status, inputs };
}
