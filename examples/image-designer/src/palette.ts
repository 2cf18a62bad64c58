// The image designer's palette: the card widget, its actions' payload, and the streaming
// `palette.regenerate` action. No model SDK here: the gateway loads this with the app.
import { z } from 'zod';
import { streamWidget, type ActionArgs, type ResponseEvent } from '@switchyard/app-api';
import { BadRequest } from '@switchyard/errors';
import type { Action, WidgetItem, WidgetRoot } from '@switchyard/protocol';

export const CLIENT_TOOL = 'get_brand_colors';

/** What the card's buttons send back (`{colors}`); a client may send anything, so it is checked. */
const palettePayload = z
  .object({ colors: z.array(z.string().max(64)).max(32).default([]) })
  .nullish()
  .transform((payload) => payload?.colors ?? []);

/** The colours of a palette action; a payload of another shape is the client's error (400). */
export function paletteColorsOf(action: Action): string[] {
  const parsed = palettePayload.safeParse(action.payload);
  if (!parsed.success) throw new BadRequest(`${action.type}: payload.colors must be a list of at most 32 colour strings`);
  return parsed.data;
}

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
          {
            type: 'Button',
            label: opts.favorite ? '★ Saved' : '☆ Save',
            onClickAction: { type: 'palette.favorite', payload: { colors }, streaming: false },
          },
        ],
      },
    ],
  } as unknown as WidgetRoot;
}

/** `palette.regenerate` (streaming): the caption streams in, then the card is replaced. */
export async function* paletteAction(args: ActionArgs): AsyncGenerator<ResponseEvent> {
  if (args.action.type !== 'palette.regenerate') return;
  const colors = paletteColorsOf(args.action).slice().reverse();
  if (!args.sender) return;
  yield { type: 'progress_update', icon: 'sparkle', text: 'Mixing new colours…' };
  const caption = `Reversed: ${colors.join(' · ')}`;
  const roots = [
    paletteWidget(colors, { caption: '' }),
    ...[8, 16, caption.length].map((n) => paletteWidget(colors, { caption: caption.slice(0, n) })),
  ];
  for await (const ev of streamWidget(
    { id: args.sender.id, thread_id: args.sender.thread_id, created_at: args.sender.created_at, type: 'widget' },
    roots,
  )) {
    // The widget exists already: its first root is an update, its last a replacement.
    if (ev.type === 'thread.item.added')
      yield {
        type: 'thread.item.updated',
        item_id: args.sender.id,
        update: { type: 'widget.root.updated', widget: (ev.item as WidgetItem).widget },
      };
    else if (ev.type === 'thread.item.done')
      yield {
        type: 'thread.item.replaced',
        item: { ...args.sender, widget: (ev.item as WidgetItem).widget, copy_text: colors.join(', ') },
      };
    else yield ev;
  }
}
