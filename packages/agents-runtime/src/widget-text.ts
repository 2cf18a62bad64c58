// Text and Markdown widgets that fill with a model's streamed text (the reference's `accumulate_text`,
// docs/conformance.md N23): feed the roots to `AgentChatContext.widget` or `streamWidget` and the diff
// rules of docs/protocol.md §8 turn the growth into `value_delta` events.
import type { RunStreamEvent } from '@openai/agents';
import type { WidgetComponent } from '@switchyard/protocol';

/** A `Text` or `Markdown` component whose `value` the text grows into. */
export type TextWidget = WidgetComponent & { type: 'Text' | 'Markdown'; value: string };

/**
 * Yields `base` first, then a copy with the text so far after every text delta of the run, and
 * finally the whole text with `streaming: false`.
 */
export async function* accumulateText<W extends TextWidget>(events: AsyncIterable<RunStreamEvent>, base: W): AsyncGenerator<W> {
  let text = '';
  yield base;
  for await (const event of events) {
    if (event.type === 'raw_model_stream_event' && event.data.type === 'output_text_delta') {
      text += event.data.delta;
      yield { ...base, value: text };
    }
  }
  yield { ...base, value: text, streaming: false };
}
