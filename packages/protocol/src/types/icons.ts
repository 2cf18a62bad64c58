// IconName (docs/protocol.md §2.10): the icon vocabulary of progress updates, tasks, summaries and
// entity sources. Any `vendor:` or `lucide:` name is accepted as well, exactly as the reference's schema
// allows.

export const ICON_NAMES = [
  'agent', 'analytics', 'atom', 'batch', 'bolt', 'book-open', 'book-closed', 'book-clock', 'bug',
  'calendar', 'chart', 'check', 'check-circle', 'check-circle-filled', 'chevron-left', 'chevron-right',
  'circle-question', 'clock', 'compass', 'confetti', 'cube', 'desktop', 'document', 'dot',
  'dots-horizontal', 'dots-vertical', 'empty-circle', 'external-link', 'globe', 'keys', 'lab', 'images',
  'info', 'lifesaver', 'lightbulb', 'mail', 'map-pin', 'maps', 'mobile', 'name', 'notebook',
  'notebook-pencil', 'page-blank', 'phone', 'play', 'plus', 'profile', 'profile-card', 'reload', 'star',
  'star-filled', 'search', 'sparkle', 'sparkle-double', 'square-code', 'square-image', 'square-text',
  'suitcase', 'settings-slider', 'user', 'wreath', 'write', 'write-alt', 'write-alt2',
] as const;

export type IconName = (typeof ICON_NAMES)[number] | `vendor:${string}` | `lucide:${string}`;

const iconNames: ReadonlySet<string> = new Set(ICON_NAMES);

export function isIconName(value: string): value is IconName {
  return iconNames.has(value) || value.startsWith('vendor:') || value.startsWith('lucide:');
}
