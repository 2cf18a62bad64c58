// The image designer's agent: image generation, a palette tool, a structured-input question and a
// client tool. Loaded only where models run (the generation worker), never by the gateway.
import { Agent, tool, type RunContext } from '@openai/agents';
import { imageGenerationTool } from '@openai/agents-openai';
import { z } from 'zod';
import { agentResponder, type AgentAppServices, type AgentChatContext } from '@switchyard/agents-runtime';
import type { RespondArgs, ResponseEvent } from '@switchyard/app-api';
import type { StructuredInputItem } from '@switchyard/protocol';
import { CLIENT_TOOL, paletteWidget } from './palette.ts';

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
        {
          id: 'style',
          question: 'Which style?',
          type: 'multiple_choice',
          options: [{ value: 'Watercolor' }, { value: 'Flat vector' }, { value: 'Photo' }],
          multiple: false,
        },
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

/** The designer's `respond`, on the worker's model providers. */
export function designerResponder(services: AgentAppServices): (args: RespondArgs) => AsyncIterable<ResponseEvent> {
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
  return agentResponder({
    agent: agentFor(services.model, services.partialImages) as unknown as Agent,
    providers: services.providers,
    partialImages: services.partialImages,
    imageInput: (args, item) => services.imageInput(args.context.owner, args.thread.id, item),
    ...(services.attachmentInput ? { attachmentInput: (args, a) => services.attachmentInput!(args.context.owner)(a) } : {}),
    title: { agent: new Agent({ name: 'Titler', instructions: 'You write short titles.', model: services.model }) },
  });
}
