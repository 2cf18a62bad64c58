// Step 2 of processing a run: the app's generator the plan asks for — respond to a user item,
// continue after a tool output or structured input, or run a widget action (docs/protocol.md §6.1).
import type { ResponseArgs, ResponseEvent, SwitchyardApp } from '@switchyard/app-api';
import type { RunPlan } from '../run-plan.ts';

export async function* responseGenerator(deps: { app: SwitchyardApp }, plan: RunPlan, base: ResponseArgs): AsyncGenerator<ResponseEvent> {
  // Items through the app's reader: the input item usually comes with the prefetched history (thread-reads.ts).
  switch (plan.request) {
    case 'threads.custom_action': {
      if (!deps.app.action) throw new Error(`app ${deps.app.name} has no action handler`);
      const sender = plan.senderItemId ? await base.items.loadItem(plan.senderItemId) : null;
      if (sender && sender.type !== 'widget') throw new Error(`item ${sender.id} is not a widget`);
      yield* deps.app.action({ ...base, action: plan.action, sender });
      return;
    }
    case 'threads.create':
    case 'threads.add_user_message':
    case 'threads.retry_after_item': {
      const input = await base.items.loadItem(plan.inputItemId);
      if (input.type !== 'user_message') throw new Error(`item ${input.id} is not a user message`);
      yield* deps.app.respond({ ...base, input });
      return;
    }
    case 'threads.add_client_tool_output':
    case 'threads.add_structured_input':
      yield* deps.app.respond({ ...base, input: null });
      return;
  }
}
