// Thread-title requests: apps ask the model for a short title of a new conversation (agents-runtime's
// titleFor: "Write a title of at most six words for a conversation that starts with:\n<text>"). The
// test server recognises such an ask by its shape rather than its exact words, and answers with the
// first meaningful words of the conversation instead of an echo. Hand-written: no offline server.
import type { ResponseCreateParams } from 'openai/resources/responses/responses';

export const MAX_TITLE_WORDS = 6;
const DEFAULT_TITLE = 'New conversation';

// An ask for a title: a verb of making, then (within a few words) "title"/"headline"/"name".
const ASK =
  /\b(?:write|writes|give|gives|suggest|suggests|generate|generates|create|creates|make|makes|produce|produces|propose|proposes|pick|choose|come up with|summari[sz]e|summari[sz]es)\b(?:[\s,]+[\w'’-]+){0,8}?[\s,]+(?:title|titles|headline|headlines)\b/i;
// …of a conversation (not of an essay, a song, a book…).
const OF_CONVERSATION = /\b(?:conversations?|chats?|threads?|discussions?|dialog(?:ue)?s?|exchanges?|sessions?)\b/i;
// The ask may also begin with the noun: "Title for this conversation:", "A short title for the chat".
const NOUN_FIRST = /^\s*(?:an?\s+)?(?:(?:short|brief|concise)\s+)?(?:title|headline)\s+(?:for|of)\b/i;
// An agent whose instructions are to write titles: "You write short titles."
const TITLER_INSTRUCTIONS =
  /\b(?:write|writes|generate|generates|create|creates|produce|produces|suggest|suggests)\b(?:\s+[\w'’-]+){0,3}?\s+titles?\b/i;

/**
 * The conversation text a title is asked for, or null when the request is not a title request.
 * A title request is either (a) a last user message whose first sentence asks for a title of a
 * conversation ("Write a title … for a conversation that starts with:" followed by the text; the
 * ask may also come after the text), or (b) a tool-less request to an agent whose instructions are
 * to write titles, in which case the whole user message is the conversation. An ask for the title
 * of anything else ("write a title for my essay") is normal chat.
 */
export function titleSubject(body: ResponseCreateParams, userText: string | null): string | null {
  if (userText === null) return null;
  const asked = askedSubject(userText);
  if (asked !== null) return asked;
  const instructions = typeof body.instructions === 'string' ? body.instructions : '';
  const offersTools = (body.tools ?? []).length > 0;
  return !offersTools && TITLER_INSTRUCTIONS.test(instructions) ? userText : null;
}

function askedSubject(text: string): string | null {
  // The ask is one sentence (up to a colon, a line break or a sentence end) that leads the message
  // (the usual form) or ends it; either way the conversation text must be there too, so a message
  // that is only a request for a title ("suggest a title for our chat") stays normal chat.
  const sentences = [...text.matchAll(/[^:\n.?!]+(?:[:\n.?!]+|$)/g)];
  const first = sentences[0];
  if (first && isAsk(first[0], true)) {
    const after = text.slice((first.index ?? 0) + first[0].length).trim();
    return after === '' ? null : after;
  }
  const last = sentences.at(-1);
  if (last && sentences.length > 1 && isAsk(last[0], false)) {
    const before = text.slice(0, last.index ?? 0).trim();
    return before === '' ? null : before;
  }
  return null;
}

function isAsk(sentence: string, leading: boolean): boolean {
  return OF_CONVERSATION.test(sentence) && (ASK.test(sentence) || (leading && NOUN_FIRST.test(sentence)));
}

const MARKERS = /\[(?:flow|fault):[^\]\s]*(?:\s+\{.*?\})?\]/gi;
// Greetings and request phrasing that say nothing about the topic.
const LEADING_FILLER =
  /^(?:(?:please|pls|kindly|hi|hello|hey|ok|okay|(?:can|could|would|will)\s+you|i\s+(?:want|need|would\s+like)\s+(?:you\s+)?to|i'd\s+like\s+(?:you\s+)?to|help\s+me(?:\s+to)?|let's|lets)\b[\s,;:!.]*)+/i;
// Lower-case inside a title (articles, short conjunctions and prepositions), and never its last word.
const SMALL_WORDS = new Set([
  'a',
  'an',
  'the',
  'and',
  'or',
  'but',
  'nor',
  'of',
  'at',
  'by',
  'for',
  'in',
  'on',
  'to',
  'with',
  'from',
  'into',
  'as',
  'per',
  'via',
]);
const NEVER_LAST = new Set([
  ...SMALL_WORDS,
  'about',
  'my',
  'your',
  'our',
  'their',
  'his',
  'her',
  'its',
  'this',
  'that',
  'is',
  'are',
  'me',
  'you',
  'i',
  'we',
  'some',
  'very',
]);

/**
 * A title of at most six words from the conversation's text: markers and leading filler dropped,
 * the first words of the first clause kept (not ending on a small word), capitalised as a title, no quotes, no trailing
 * punctuation. Words the user capitalised themselves (names, acronyms) stay as written.
 */
export function titleFromText(text: string): string {
  const cleaned = text.replace(MARKERS, ' ').replace(/\s+/g, ' ').trim().replace(LEADING_FILLER, '');
  // The first clause carries the topic ("What is Switchyard, and how does it scale?"); a clause of
  // one word ("Quick question: …") is joined by the next.
  const words: string[] = [];
  for (const clause of cleaned.split(/[,;:.!?()]+|\s[-–—]+\s/)) {
    words.push(...(clause.match(/[\p{L}\p{N}][\p{L}\p{N}'’&+-]*/gu) ?? []).map((w) => w.replace(/['’-]+$/, '')));
    if (words.length >= 2) break;
  }
  words.splice(MAX_TITLE_WORDS);
  while (words.length > 1 && NEVER_LAST.has(words[words.length - 1]!.toLowerCase())) words.pop();
  if (words.length === 0) return DEFAULT_TITLE;
  return words
    .map((word, i) => {
      if (word !== word.toLowerCase()) return i === 0 ? upperFirst(word) : word;
      return i > 0 && SMALL_WORDS.has(word) ? word : upperFirst(word);
    })
    .join(' ');
}

function upperFirst(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
