// The demo page's rendering of thread items: one element per item, created once and updated in
// place (streaming text grows in its text node; an image keeps its <img> while previews refine).
// Server data only ever reaches the DOM as text or as checked URLs, never as HTML.

/** @typedef {import('./thread-state.js').Entry} Entry */

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {Array<Node | string>} children
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

/** Image and link URLs from the server: only web URLs and inline images are shown. */
function safeUrl(/** @type {unknown} */ url, { image = false } = {}) {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url, document.baseURI);
    if (u.protocol === 'https:' || u.protocol === 'http:') return u.href;
    if (image && u.protocol === 'data:' && /^data:image\//i.test(url)) return url;
  } catch {
    // Not a URL at all.
  }
  return null;
}

/** The text a user message shows: its text parts, tags as `@tag`. */
function userText(/** @type {any} */ item) {
  return (item.content ?? []).map((/** @type {any} */ c) => (c.type === 'input_tag' ? `@${c.text}` : (c.text ?? ''))).join('');
}

/** Every Text/Title/Caption/Markdown value of a widget tree, in order, and its button labels. */
function widgetLines(/** @type {any} */ node, /** @type {{ text: string[], buttons: string[] }} */ out = { text: [], buttons: [] }) {
  if (Array.isArray(node)) node.forEach((n) => widgetLines(n, out));
  else if (node && typeof node === 'object') {
    if (typeof node.value === 'string' && ['Text', 'Title', 'Caption', 'Markdown', 'Label'].includes(node.type)) out.text.push(node.value);
    if (node.type === 'Button' && typeof node.label === 'string') out.buttons.push(node.label);
    if (node.children !== undefined) widgetLines(node.children, out);
  }
  return out;
}

/** What each item type looks like: `create` builds the element once, `update` brings it up to date. */
const RENDERERS = {
  user_message: {
    create: () => h('article', { class: 'item user', 'data-testid': 'user-message' }, h('div', { class: 'bubble' })),
    update(/** @type {HTMLElement} */ el, /** @type {Entry} */ { item }) {
      const bubble = /** @type {HTMLElement} */ (el.firstElementChild);
      const it = /** @type {any} */ (item);
      bubble.replaceChildren(
        ...(it.quoted_text ? [h('blockquote', {}, it.quoted_text)] : []),
        userText(it),
        ...(it.attachments?.length
          ? [h('div', { class: 'attachments' }, `Attachments: ${it.attachments.map((/** @type {any} */ a) => a.name).join(', ')}`)]
          : []),
      );
    },
  },
  assistant_message: {
    create: () =>
      h(
        'article',
        { class: 'item assistant', 'data-testid': 'assistant-message' },
        h('div', { class: 'bubble' }, h('div', { class: 'text', 'data-testid': 'assistant-text' }), h('ol', { class: 'sources' })),
      ),
    update(/** @type {HTMLElement} */ el, /** @type {Entry} */ { item }) {
      const it = /** @type {any} */ (item);
      const text = /** @type {HTMLElement} */ (el.querySelector('.text'));
      const value = it.content.map((/** @type {any} */ p) => p.text).join('\n\n');
      // Only touch the text node when it changed: streaming then shows as one growing text.
      if (text.textContent !== value) text.textContent = value;
      const sources = /** @type {HTMLElement} */ (el.querySelector('.sources'));
      const links = it.content
        .flatMap((/** @type {any} */ p) => p.annotations ?? [])
        .map((/** @type {any} */ a) => a.source)
        .filter(Boolean);
      sources.replaceChildren(
        ...links.map((/** @type {any} */ s) => {
          const href = safeUrl(s.url);
          const label = s.title || s.filename || s.url || 'source';
          return h('li', {}, href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, label) : label);
        }),
      );
    },
  },
  generated_image: {
    create: () =>
      h(
        'article',
        { class: 'item image', 'data-testid': 'generated-image' },
        h(
          'figure',
          {},
          h(
            'div',
            { class: 'frame' },
            h('div', { class: 'placeholder', 'data-testid': 'generated-image-pending' }, h('span', { class: 'spinner' })),
          ),
          h('figcaption', {}),
        ),
      ),
    update(/** @type {HTMLElement} */ el, /** @type {Entry} */ entry) {
      const it = /** @type {any} */ (entry.item);
      const frame = /** @type {HTMLElement} */ (el.querySelector('.frame'));
      const caption = /** @type {HTMLElement} */ (el.querySelector('figcaption'));
      const url = safeUrl(it.image?.url, { image: true });
      const final = entry.status === 'done';
      if (url) {
        let img = frame.querySelector('img');
        if (!img) {
          img = /** @type {HTMLImageElement} */ (h('img', { 'data-testid': 'generated-image-img', alt: 'Generated image' }));
          img.addEventListener('error', () =>
            caption.replaceChildren('The image could not be loaded (its link may have expired; reload the thread).'),
          );
          frame.replaceChildren(img);
        }
        // Setting a new src keeps showing the previous picture until the new one has loaded.
        if (img.getAttribute('src') !== url) img.src = url;
        img.dataset.state = final ? 'final' : 'partial';
        img.alt = final ? 'Generated image' : 'Generated image (preview)';
      }
      const percent = Math.round((entry.progress ?? 0) * 100);
      if (final)
        caption.replaceChildren(
          url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, 'Open full size') : 'No image was produced.',
        );
      else if (entry.status === 'interrupted') caption.replaceChildren('Image generation stopped.');
      else caption.replaceChildren(url ? `Refining preview… ${percent}%` : 'Generating image…');
      el.dataset.progress = String(percent);
      el.dataset.state = final ? 'final' : entry.status === 'interrupted' ? 'interrupted' : url ? 'partial' : 'pending';
    },
  },
  workflow: {
    create: () => h('article', { class: 'item workflow', 'data-testid': 'workflow' }, h('details', {}, h('summary', {}), h('ol', {}))),
    update(/** @type {HTMLElement} */ el, /** @type {Entry} */ entry) {
      const w = /** @type {any} */ (entry.item).workflow;
      const summary =
        w.summary?.title ??
        (w.summary?.duration !== undefined ? `Thought for ${w.summary.duration} s` : w.type === 'reasoning' ? 'Thinking…' : 'Working…');
      /** @type {HTMLElement} */ (el.querySelector('summary')).textContent = summary;
      /** @type {HTMLElement} */ (el.querySelector('ol')).replaceChildren(
        ...w.tasks.map((/** @type {any} */ t) => h('li', {}, [t.title, t.content].filter(Boolean).join(': ') || t.type)),
      );
    },
  },
  widget: {
    create: () => h('article', { class: 'item widget', 'data-testid': 'widget' }, h('div', { class: 'card' })),
    update(/** @type {HTMLElement} */ el, /** @type {Entry} */ { item }) {
      const { text, buttons } = widgetLines(/** @type {any} */ (item).widget);
      /** @type {HTMLElement} */ (el.firstElementChild).replaceChildren(
        ...text.map((t) => h('p', {}, t)),
        ...(buttons.length
          ? [
              h(
                'div',
                { class: 'buttons' },
                ...buttons.map((b) =>
                  h('button', { type: 'button', disabled: '', title: 'Widget actions are not wired up in the demo page' }, b),
                ),
              ),
            ]
          : []),
      );
    },
  },
  client_tool_call: {
    create: () => h('article', { class: 'item meta', 'data-testid': 'client-tool-call' }),
    update(/** @type {HTMLElement} */ el, /** @type {Entry} */ { item }) {
      const it = /** @type {any} */ (item);
      el.textContent = `Client tool ${it.name}(${JSON.stringify(it.arguments)}) — ${it.status === 'completed' ? 'answered by the page' : 'waiting for the page'}`;
    },
  },
  structured_input: {
    create: () => h('article', { class: 'item meta', 'data-testid': 'structured-input' }),
    update(/** @type {HTMLElement} */ el, /** @type {Entry} */ { item }) {
      const it = /** @type {any} */ (item);
      el.replaceChildren(
        h('strong', {}, 'The assistant asks:'),
        h(
          'ul',
          {},
          ...it.inputs.map((/** @type {any} */ q) =>
            h('li', {}, `${q.question}${q.options ? ` (${q.options.map((/** @type {any} */ o) => o.value).join(' / ')})` : ''}`),
          ),
        ),
        h('small', {}, 'Answer in your next message (the demo page has no form for this).'),
      );
    },
  },
  task: {
    create: () => h('article', { class: 'item meta', 'data-testid': 'task' }),
    update(/** @type {HTMLElement} */ el, /** @type {Entry} */ { item }) {
      const t = /** @type {any} */ (item).task;
      el.textContent = `✓ ${[t.title, t.content].filter(Boolean).join(': ') || t.type}`;
    },
  },
};

export class ThreadView {
  /** @param {HTMLElement} list  the scrolling element that holds the items */
  constructor(list) {
    this.list = list;
    /** @type {Map<string, HTMLElement>} */
    this.elements = new Map();
  }

  clear() {
    this.elements.clear();
    this.list.replaceChildren();
  }

  /** Draws every entry (after loading a thread). @param {Entry[]} entries */
  renderAll(entries) {
    this.clear();
    for (const entry of entries) this.render(entry);
    this.list.scrollTop = this.list.scrollHeight;
  }

  /** Creates or updates the element of one item. @param {Entry} entry */
  render(entry) {
    const renderer = /** @type {Record<string, typeof RENDERERS.task>} */ (RENDERERS)[entry.item.type];
    if (!renderer) return; // end_of_turn and kinds the page does not show
    this.keepScrolled(() => {
      let el = this.elements.get(entry.item.id);
      // A replacement may change an item's type (docs/protocol.md §4.7): start that element afresh.
      if (el && el.dataset.type !== entry.item.type) {
        const fresh = renderer.create();
        el.replaceWith(fresh);
        el = fresh;
        this.elements.set(entry.item.id, el);
      }
      if (!el) {
        el = renderer.create();
        this.elements.set(entry.item.id, el);
        this.list.append(el);
      }
      el.dataset.itemId = entry.item.id;
      el.dataset.type = entry.item.type;
      el.dataset.state = entry.status;
      renderer.update(el, entry);
      // Each state an item passes through, as it is drawn. One network read can carry several
      // events (a preview and the final image together), which a MutationObserver would only see
      // as the last; the browser tests, or a script built on the page, listen for this instead.
      el.dispatchEvent(new CustomEvent('item-rendered', { bubbles: true }));
    });
  }

  /** @param {string} id */
  remove(id) {
    this.elements.get(id)?.remove();
    this.elements.delete(id);
  }

  /**
   * An `error` event, or a request that failed, shown where the conversation is.
   * @param {string} message
   * @param {(() => void) | undefined} [retry]
   */
  showError(message, retry) {
    const banner = h('div', { class: 'banner error', role: 'alert', 'data-testid': 'error' }, h('span', {}, message));
    if (retry) {
      const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', 'data-testid': 'retry' }, 'Retry'));
      button.addEventListener('click', () => {
        banner.remove();
        retry();
      });
      banner.append(button);
    }
    this.keepScrolled(() => this.list.append(banner));
  }

  /** @param {string} level @param {string} message @param {string} [title] */
  showNotice(level, message, title) {
    this.keepScrolled(() =>
      this.list.append(
        h(
          'div',
          { class: `banner notice ${level}`, role: 'status', 'data-testid': 'notice' },
          ...(title ? [h('strong', {}, title), ' '] : []),
          message,
        ),
      ),
    );
  }

  /** Runs a DOM change and keeps the list pinned to the bottom if the reader was there. @param {() => void} change */
  keepScrolled(change) {
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 120;
    change();
    if (atBottom) this.list.scrollTop = this.list.scrollHeight;
  }
}
