// The image designer's palette: the card widget, and its streaming `palette.regenerate` action. No
// model SDK here: the gateway loads this with the app.
import { streamWidget, type ActionArgs, type ResponseEvent } from '@switchyard/app-api';
import type { WidgetItem, WidgetRoot } from '@switchyard/protocol';

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
  if (args.action.type !== 'palette.regenerate' || !args.sender) return;
  const colors = ((args.action.payload as { colors?: string[] } | undefined)?.colors ?? []).slice().reverse();
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
