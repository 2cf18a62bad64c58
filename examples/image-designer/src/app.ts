// Example Switchyard app (the default of `npm start`): an image designer that uses every hook —
// an agent with image generation, a client tool (the browser reports the user's brand colours), a
// palette widget with a streaming action and a sync action, a structured-input question, feedback,
// stream options and thread titling. Point SWITCHYARD_APP at a module like this one.
import { Agent, tool, type RunContext } from '@openai/agents';
import { imageGenerationTool } from '@openai/agents-openai';
import { z } from 'zod';
import { agentResponder, agentServicesOf, type AgentChatContext } from '@switchyard/agents-runtime';
import { defineApp, streamWidget, type ActionArgs, type ResponseEvent, type SwitchyardApp } from '@switchyard/app-api';
import type { StructuredInputItem, WidgetItem, WidgetRoot } from '@switchyard/protocol';

export const CLIENT_TOOL = 'get_brand_colors';

/** The palette card; `favorite` marks the sync action's result. */
export function paletteWidget(colors: string[], opts: { favorite?: boolean; caption?: string } = {}): WidgetRoot {
  return {
    type: 'Card',
    children: [
      { type: 'Title', value: 'Palette' },
      { type: 'Text', id: 'caption', value: opts.caption ?? colors.join(' · '), streaming: false },
      {
        type: 'Row',
        children: [
          { type: 'Button', label: 'Regenerate', onClickAction: { type: 'palette.regenerate', payload: { colors } } },
          { type: 'Button', label: opts.favorite ? '★ Saved' : '☆ Save', onClickAction: { type: 'palette.favorite', payload: { colors }, streaming: false } },
        ],
      },
    ],
  } as unknown as WidgetRoot;
}

const showPalette = tool({
  name: 'show_palette',
  description: 'Show the user a colour palette as an interactive card.',
  parameters: z.object({ colors: z.array(z.string()).min(2).max(6) }),
  async execute({ colors }, ctx?: RunContext<AgentChatContext>) {
    await ctx?.context.widget(paletteWidget(colors), { copyText: colors.join(', ') });
    return 'The palette card is shown.';
  },
});

const askStyle = tool({
  name: 'ask_style',
  description: 'Ask the user which visual style they prefer before drawing.',
  parameters: z.object({}),
  async execute(_args, ctx?: RunContext<AgentChatContext>) {
    const c = ctx?.context;
    if (!c) return 'no context';
    const item: StructuredInputItem = {
      id: c.args.newId('msg'),
      thread_id: c.thread.id,
      created_at: new Date().toISOString(),
      type: 'structured_input',
      status: 'pending',
      inputs: [
        { id: 'style', question: 'Which style?', type: 'multiple_choice', options: [{ value: 'Watercolor' }, { value: 'Flat vector' }, { value: 'Photo' }], multiple: false },
        { id: 'notes', question: 'Anything else?', type: 'freeform', description: 'optional' },
      ],
    };
    c.emit({ type: 'thread.item.done', item });
    return 'Asked the user; wait for their answer.';
  },
});

const brandColors = tool({
  name: CLIENT_TOOL,
  description: "Ask the user's browser for their brand colours.",
  parameters: z.object({}),
  async execute(_args, ctx?: RunContext<AgentChatContext>) {
    ctx?.context.requestClientToolCall(CLIENT_TOOL, {});
    return 'Waiting for the browser.';
  },
});

/** `palette.regenerate` (streaming): the caption streams in, then the card is replaced. */
export async function* paletteAction(args: ActionArgs): AsyncGenerator<ResponseEvent> {
  if (args.action.type !== 'palette.regenerate' || !args.sender) return;
  const colors = ((args.action.payload as { colors?: string[] } | undefined)?.colors ?? []).slice().reverse();
  yield { type: 'progress_update', icon: 'sparkle', text: 'Mixing new colours…' };
  const caption = `Reversed: ${colors.join(' · ')}`;
  const roots = [paletteWidget(colors, { caption: '' }), ...[8, 16, caption.length].map((n) => paletteWidget(colors, { caption: caption.slice(0, n) }))];
  for await (const ev of streamWidget({ id: args.sender.id, thread_id: args.sender.thread_id, created_at: args.sender.created_at, type: 'widget' }, roots)) {
    // The widget exists already: its first root is an update, its last a replacement.
    if (ev.type === 'thread.item.added') yield { type: 'thread.item.updated', item_id: args.sender.id, update: { type: 'widget.root.updated', widget: (ev.item as WidgetItem).widget } };
    else if (ev.type === 'thread.item.done') yield { type: 'thread.item.replaced', item: { ...args.sender, widget: (ev.item as WidgetItem).widget, copy_text: colors.join(', ') } };
    else yield ev;
  }
}

export default defineApp((runtime): SwitchyardApp => {
  const services = agentServicesOf(runtime);
  const agentFor = (model: string, partialImages: number) =>
    new Agent<AgentChatContext>({
      name: 'Image designer',
      instructions:
        'You design images. Ask about style with ask_style when the request is vague, fetch brand colours with ' +
        `${CLIENT_TOOL} when the user mentions their brand, show palettes with show_palette, and draw with the image tool.`,
      model,
      tools: [imageGenerationTool({ partialImages, outputFormat: 'png' }), showPalette, askStyle, brandColors],
      // The turn ends where the browser or the user must answer.
      toolUseBehavior: { stopAtToolNames: [CLIENT_TOOL, 'ask_style'] },
    });
  return {
    name: 'image-designer',
    respond: services
      ? agentResponder({
          agent: agentFor(services.model, services.partialImages) as unknown as Agent,
          providers: services.providers,
          partialImages: services.partialImages,
          imageInput: (args, item) => services.imageInput(args.context.owner, args.thread.id, item),
          ...(services.attachmentInput ? { attachmentInput: (args, a) => services.attachmentInput!(args.context.owner)(a) } : {}),
          title: { agent: new Agent({ name: 'Titler', instructions: 'You write short titles.', model: services.model }) },
        })
      : () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('respond runs in the generation worker')) }) }),
    action: paletteAction,
    async syncAction({ action, sender }) {
      if (action.type !== 'palette.favorite' || !sender || sender.type !== 'widget') return null;
      const colors = (action.payload as { colors?: string[] } | undefined)?.colors ?? [];
      return { ...sender, widget: paletteWidget(colors, { favorite: true }) };
    },
    async feedback({ threadId, itemIds, kind }) {
      console.log(JSON.stringify({ msg: 'feedback', threadId, itemIds, kind }));
    },
    streamOptions: () => ({ allow_cancel: true }),
  };
});
