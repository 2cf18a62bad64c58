// The scripted words of an answer: an echo of the user's last message plus filler, cut into an exact
// number of deltas. Deterministic so tests can assert text. Hand-written: no offline Responses server.

const FILLER =
  'This answer comes from the Switchyard model test server, which streams it in deterministic pieces so that tests can count every delta and compare the text.';
const MAX_ECHO_CHARS = 200;

export const IMAGE_CAPTION = 'Here is your image.';

export function answerText(userText: string | null): string {
  const trimmed = (userText ?? '').replace(/\s+/g, ' ').trim();
  if (trimmed === '') return `Hello! ${FILLER}`;
  const echo = trimmed.length > MAX_ECHO_CHARS ? `${trimmed.slice(0, MAX_ECHO_CHARS)}…` : trimmed;
  return `You said: "${echo}". ${FILLER}`;
}

/**
 * Cuts `text` into exactly `count` non-empty deltas on word boundaries (each keeps its trailing
 * space, so joining them gives the text back). Fewer words than `count` splits inside words;
 * `count` is capped at the text length so no delta is empty.
 */
export function splitDeltas(text: string, count: number): string[] {
  const n = Math.max(1, Math.min(Math.floor(count), text.length));
  const words = text.match(/\S+\s*/g) ?? [text];
  const units = words.length >= n ? words : Array.from(text);
  const deltas: string[] = [];
  for (let i = 0; i < n; i++) {
    const start = Math.floor((i * units.length) / n);
    const end = Math.floor(((i + 1) * units.length) / n);
    deltas.push(units.slice(start, end).join(''));
  }
  return deltas;
}

/** The scripted answer once a function's output came back (the output is quoted verbatim). */
export function functionResultText(name: string | null, output: string): string {
  return `The ${name ?? 'function'} tool returned: ${output}`;
}

/** The answer when a `[flow:…]` marker could not be followed (unknown flow, tool not offered…). */
export function flowProblemText(problems: string[]): string {
  return `The model test server could not follow the flow: ${problems.join('; ')}.`;
}
