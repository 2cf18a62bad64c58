// The demo page's wiring: composer, Stop, thread list and the open thread, on top of the ChatKit
// client, the thread state and the view. The open thread lives in the URL hash (#thr_…), so a
// reload reopens it from the store; a run still going when the page left is re-attached.
import { ChatKitClient, ChatKitHttpError } from './chatkit-client.js';
import { ThreadState } from './thread-state.js';
import { ThreadView } from './thread-view.js';

/** sessionStorage key of the run this tab was following: `{ threadId, runId }`. */
const ACTIVE_RUN_KEY = 'switchyard-demo:active-run';
/** A pending client tool call is answered by the page at most this often per user message. */
const MAX_TOOL_ANSWERS = 3;

const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const ui = {
  app: byId('app'),
  list: byId('messages'),
  form: /** @type {HTMLFormElement} */ (byId('composer')),
  input: /** @type {HTMLTextAreaElement} */ (byId('composer-input')),
  send: /** @type {HTMLButtonElement} */ (byId('send')),
  stop: /** @type {HTMLButtonElement} */ (byId('stop')),
  status: byId('status'),
  title: byId('thread-title'),
  user: byId('user'),
  threads: byId('thread-list'),
  newThread: /** @type {HTMLButtonElement} */ (byId('new-thread')),
};

// `?user=alice` acts as another user (development identity, X-Switchyard-User).
const user = new URLSearchParams(location.search).get('user');
const client = new ChatKitClient(user ? { headers: { 'X-Switchyard-User': user } } : {});
const state = new ThreadState();
const view = new ThreadView(ui.list);
/** @type {import('./chatkit-client.js').Run | null} */
let run = null;
let toolAnswers = 0;
ui.user.textContent = user ?? 'dev';

/** @param {'idle' | 'running' | 'stopping'} runState @param {string} [status] */
function setRunState(runState, status = '') {
  ui.app.dataset.runState = runState;
  ui.send.disabled = runState !== 'idle';
  ui.stop.hidden = runState === 'idle';
  ui.stop.disabled = runState === 'stopping';
  ui.status.textContent = status;
}

function showTitle() {
  ui.title.textContent = state.thread?.title ?? (state.thread ? 'Untitled conversation' : 'New conversation');
  ui.app.dataset.threadId = state.thread?.id ?? '';
  document.title = `${state.thread?.title ?? 'Chat'} · Switchyard demo`;
  for (const link of ui.threads.querySelectorAll('a')) {
    if (link.dataset.threadId === state.thread?.id) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** The message a person reads for an `error` event (ChatKit localizes `stream.error` the same way). */
function errorText(/** @type {string} */ code, /** @type {string | undefined} */ message) {
  if (message) return message;
  return code === 'stream.error' ? 'Something went wrong while answering.' : `Error: ${code}`;
}

/** @param {unknown} err */
function describe(err) {
  if (err instanceof ChatKitHttpError) return `${err.message} (${err.status} ${err.code})`;
  return err instanceof Error ? err.message : String(err);
}

function rememberRun() {
  if (run?.runId && state.thread) sessionStorage.setItem(ACTIVE_RUN_KEY, JSON.stringify({ threadId: state.thread.id, runId: run.runId }));
}

/** @param {any} event  a ThreadStreamEvent */
function onEvent(event) {
  const change = state.apply(event);
  switch (change.kind) {
    case 'thread':
      if (event.type === 'thread.created') {
        // Not location.hash: that would fire hashchange and reopen the thread mid-run.
        history.replaceState(null, '', `#${encodeURIComponent(event.thread.id)}`);
        rememberRun();
        void refreshThreadList();
      }
      if (event.type === 'thread.updated') void refreshThreadList();
      showTitle();
      break;
    case 'item': {
      const entry = state.entries.get(change.id);
      if (entry) view.render(entry);
      if (ui.app.dataset.runState === 'running') ui.status.textContent = 'Streaming…';
      break;
    }
    case 'removed':
      view.remove(change.id);
      break;
    case 'stream_options':
      ui.stop.hidden = !change.allowCancel;
      break;
    case 'progress':
      ui.status.textContent = change.text;
      break;
    case 'notice':
      view.showNotice(change.level, change.message, change.title);
      break;
    case 'error': {
      const target = state.lastUserMessageId();
      view.showError(errorText(change.code, change.message), change.allowRetry && target ? () => void retry(target) : undefined);
      break;
    }
    default:
      break;
  }
}

/** @param {'streaming' | 'reattaching'} connection */
function onConnection(connection) {
  if (ui.app.dataset.runState === 'idle') return;
  ui.status.textContent =
    connection === 'reattaching' ? 'Connection lost — re-attaching…' : ui.app.dataset.runState === 'stopping' ? 'Stopping…' : 'Streaming…';
}

/** Follows `run` to its end, then settles what it left open and answers a pending client tool call. */
async function follow(/** @type {import('./chatkit-client.js').Run} */ current) {
  run = current;
  rememberRun();
  let outcome;
  try {
    outcome = await current.done;
  } catch (err) {
    view.showError(`The response stream failed: ${describe(err)}`);
  }
  if (run !== current) return; // another thread was opened meanwhile
  run = null;
  if (outcome === 'detached') return;
  sessionStorage.removeItem(ACTIVE_RUN_KEY);
  for (const id of state.settle()) {
    const entry = state.entries.get(id);
    if (entry) view.render(entry);
  }
  if (outcome === 'lost') view.showError('Lost the connection to the response. Reload the page to see what was saved.');
  setRunState('idle');
  void refreshThreadList();
  const call = state.pendingClientToolCall();
  if (call && state.thread && toolAnswers < MAX_TOOL_ANSWERS) {
    toolAnswers++;
    // ChatKit.js would run a registered handler; the demo page has none, and says so to the model.
    const result = { error: `The demo page has no client tool named ${call.name}.` };
    // The server completes the call silently (docs/protocol.md §6.4): the page shows it completed itself.
    onEvent({ type: 'thread.item.replaced', item: { ...call, status: 'completed', output: result } });
    await start('threads.add_client_tool_output', { thread_id: state.thread.id, result });
  }
}

/** Opens a streaming request and follows it. @param {string} type @param {object} params */
async function start(type, params) {
  setRunState('running', 'Sending…');
  try {
    const opened = await client.stream(type, params, { onEvent, onConnection });
    await follow(opened);
    return true;
  } catch (err) {
    view.showError(`Could not send: ${describe(err)}`);
    setRunState('idle');
    return false;
  }
}

async function send() {
  const text = ui.input.value.trim();
  if (!text || ui.app.dataset.runState !== 'idle') return;
  ui.input.value = '';
  toolAnswers = 0;
  const input = { content: [{ type: 'input_text', text }], attachments: [], inference_options: {} };
  const ok = state.thread
    ? await start('threads.add_user_message', { thread_id: state.thread.id, input })
    : await start('threads.create', { input });
  // Nothing was sent: give the words back.
  if (!ok && !ui.input.value) ui.input.value = text;
}

/** @param {string} userMessageId */
async function retry(userMessageId) {
  if (!state.thread || ui.app.dataset.runState !== 'idle') return;
  for (const id of state.dropAfter(userMessageId)) view.remove(id);
  for (const banner of ui.list.querySelectorAll('.banner')) banner.remove();
  await start('threads.retry_after_item', { thread_id: state.thread.id, item_id: userMessageId });
}

async function stop() {
  if (!run) return;
  setRunState('stopping', 'Stopping…');
  try {
    await run.stop();
  } catch (err) {
    view.showError(`Could not stop: ${describe(err)}`);
    setRunState('running');
  }
}

/** Reads a stored thread with all its items (get_by_id returns the oldest 20, items.list the rest). */
async function loadThread(/** @type {string} */ threadId) {
  const thread = await client.request('threads.get_by_id', { thread_id: threadId });
  const items = [...thread.items.data];
  let page = thread.items;
  while (page.has_more && items.length > 0) {
    page = await client.request('items.list', { thread_id: threadId, order: 'asc', limit: 100, after: items[items.length - 1].id });
    items.push(...page.data);
  }
  return { thread, items };
}

/** Shows a thread from the store (or a blank one) and re-attaches to a run this tab left running. */
async function openThread(/** @type {string | null} */ threadId) {
  run?.detach();
  run = null;
  setRunState('idle');
  state.clear();
  view.clear();
  if (threadId) {
    try {
      const { thread, items } = await loadThread(threadId);
      state.load(thread, items);
      view.renderAll(state.list());
    } catch (err) {
      history.replaceState(null, '', location.pathname + location.search);
      view.showError(`Could not open ${threadId}: ${describe(err)}`);
    }
  }
  showTitle();
  const saved = JSON.parse(sessionStorage.getItem(ACTIVE_RUN_KEY) ?? 'null');
  if (saved && state.thread && saved.threadId === state.thread.id) {
    // From the start: finished items are in the store already and are not shown twice (ThreadState).
    setRunState('running', 'Re-attaching…');
    void follow(client.attach(saved.runId, 0, { onEvent, onConnection }));
  }
  ui.input.focus();
}

async function refreshThreadList() {
  try {
    const page = await client.request('threads.list', { limit: 20, order: 'desc' });
    ui.threads.replaceChildren(
      ...page.data.map((/** @type {any} */ t) => {
        const link = document.createElement('a');
        link.href = `#${encodeURIComponent(t.id)}`;
        link.dataset.threadId = t.id;
        link.dataset.testid = 'thread-link';
        link.textContent = t.title ?? 'Untitled conversation';
        const when = document.createElement('time');
        when.dateTime = t.created_at;
        when.textContent = new Date(t.created_at).toLocaleString();
        link.append(when);
        const li = document.createElement('li');
        li.append(link);
        return li;
      }),
    );
    showTitle();
  } catch (err) {
    ui.threads.replaceChildren(`Could not list threads: ${describe(err)}`);
  }
}

const hashThread = () => decodeURIComponent(location.hash.slice(1)) || null;

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  void send();
});
ui.input.addEventListener('keydown', (e) => {
  // Enter sends, Shift+Enter is a new line (as in ChatKit's composer).
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    void send();
  }
});
ui.stop.addEventListener('click', () => void stop());
ui.newThread.addEventListener('click', () => {
  history.pushState(null, '', location.pathname + location.search);
  void openThread(null);
});
window.addEventListener('hashchange', () => {
  if (hashThread() !== (state.thread?.id ?? null)) void openThread(hashThread());
});

setRunState('idle');
void refreshThreadList();
void openThread(hashThread());
