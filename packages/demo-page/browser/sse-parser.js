// Server-sent events framing for the demo page (WHATWG HTML "interpreting an event stream"): turns
// decoded text, in chunks cut anywhere, into events. Plain ES module so the browser loads it as is.

/**
 * @typedef {object} SseEvent
 * @property {string} data     the `data:` lines of one event, joined with "\n"
 * @property {string} [event]  the `event:` field, when the event named one
 * @property {string} [id]     the `id:` field, when the event carried one
 */

/**
 * @typedef {object} SseParser
 * @property {(chunk: string) => void} feed  more decoded text; complete events are delivered at once
 * @property {() => string} lastEventId      what a reconnect sends as `Last-Event-ID` (the spec's
 *                                           "last event ID string": it survives events without an id)
 */

/**
 * @param {(event: SseEvent) => void} onEvent
 * @param {{ onComment?: (text: string) => void, onRetry?: (ms: number) => void }} [options]
 * @returns {SseParser}
 */
export function createSseParser(onEvent, options = {}) {
  /** Text after the last line break seen: a line still arriving. */
  let partialLine = '';
  let started = false;
  // A CR ends a line at once; an LF right after it (maybe in the next chunk) belongs to it.
  let skipLeadingLf = false;
  let data = '';
  let dataLines = 0;
  /** @type {string | undefined} */
  let eventType;
  /** @type {string | undefined} */
  let eventId;
  let idBuffer = '';
  let lastEventId = '';

  const dispatch = () => {
    lastEventId = idBuffer;
    // An event with no data lines is not dispatched (a block of only `id:` still moves lastEventId).
    if (dataLines > 0) {
      /** @type {SseEvent} */
      const event = { data };
      if (eventType !== undefined) event.event = eventType;
      if (eventId !== undefined) event.id = eventId;
      onEvent(event);
    }
    data = '';
    dataLines = 0;
    eventType = undefined;
    eventId = undefined;
  };

  /** @param {string} line */
  const processLine = (line) => {
    if (line === '') {
      dispatch();
      return;
    }
    if (line.charCodeAt(0) === 0x3a /* ':' */) {
      options.onComment?.(line.slice(line.charCodeAt(1) === 0x20 ? 2 : 1));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case 'data':
        data = dataLines === 0 ? value : `${data}\n${value}`;
        dataLines++;
        break;
      case 'event':
        eventType = value === '' ? undefined : value;
        break;
      case 'id':
        // The spec ignores ids containing NUL (they could not be sent back in a header).
        if (!value.includes('\0')) {
          idBuffer = value;
          eventId = value;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) options.onRetry?.(Number(value));
        break;
      default:
      // Unknown fields are ignored, as the spec says.
    }
  };

  return {
    feed(chunk) {
      if (chunk === '') return;
      if (!started) {
        started = true;
        // A byte order mark may open the stream (TextDecoder usually strips it already).
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      }
      let start = 0;
      if (skipLeadingLf) {
        skipLeadingLf = false;
        if (chunk.charCodeAt(0) === 0x0a) start = 1;
      }
      for (let i = start; i < chunk.length; i++) {
        const c = chunk.charCodeAt(i);
        if (c !== 0x0a && c !== 0x0d) continue;
        const line = partialLine + chunk.slice(start, i);
        partialLine = '';
        if (c === 0x0d) {
          if (i + 1 === chunk.length) skipLeadingLf = true;
          else if (chunk.charCodeAt(i + 1) === 0x0a) i++;
        }
        start = i + 1;
        processLine(line);
      }
      partialLine += chunk.slice(start);
    },
    lastEventId: () => lastEventId,
  };
}
