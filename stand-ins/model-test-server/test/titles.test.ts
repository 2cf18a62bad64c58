// Thread-title requests (agents-runtime's titleFor asks "Write a title of at most six words for a
// conversation that starts with:\n<text>"): recognised by the shape of the ask, answered with a short
// title from the conversation's first words, streamed like any answer; normal chat still echoes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { Agent, imageGenerationTool } from '@openai/agents';
import { MAX_TITLE_WORDS, answerText, titleFromText, titleSubject, startModelTestServer } from '../src/index.ts';
import type { ModelTestServer } from '../src/index.ts';
import { agentsRunner, client, installWebSocketGlobal } from './helpers.ts';

const APP_PROMPT = (text: string): string => `Write a title of at most six words for a conversation that starts with:\n${text}`;
const body = (extra: { instructions?: string; tools?: Array<{ type: 'image_generation' }> } = {}) => ({
  model: 'gpt-test',
  input: 'x',
  ...extra,
});

let server: ModelTestServer;
let restoreWebSocket: () => void;

beforeAll(async () => {
  restoreWebSocket = installWebSocketGlobal();
  server = await startModelTestServer({ imageBytes: 5_000 });
});
afterAll(async () => {
  await server.close();
  restoreWebSocket();
});

describe('title detection', () => {
  it('recognises the app prompt and reworded asks, leading or trailing the conversation text', () => {
    expect(titleSubject(body(), APP_PROMPT('Please draw a lighthouse at dusk'))).toBe('Please draw a lighthouse at dusk');
    expect(titleSubject(body(), 'Suggest a short title (max 6 words) for this chat:\n\nHow do I bake bread?')).toBe('How do I bake bread?');
    expect(titleSubject(body(), 'Generate a concise, catchy title for the following conversation.\nuser: plan a trip to Rome')).toBe(
      'user: plan a trip to Rome',
    );
    expect(titleSubject(body(), 'Title for this conversation: tips for growing tomatoes')).toBe('tips for growing tomatoes');
    expect(titleSubject(body(), 'user: what is a monad?\n\nNow write a three-word title for the conversation above.')).toBe(
      'user: what is a monad?',
    );
    // An agent whose instructions are to write titles, given only the text (and no tools).
    expect(titleSubject(body({ instructions: 'You write short titles.' }), 'What is Switchyard?')).toBe('What is Switchyard?');
  });

  it('leaves normal chat alone, including asks for other titles and a bare ask with no conversation', () => {
    const normal = [
      'hello there',
      'draw a cat',
      'Please draw a lighthouse at dusk',
      'Write a title for my essay about dogs: they are loyal',
      'What is a good title for a book about the sea?',
      'Can you suggest a title for our chat group?',
      'I wrote a long conversation with my boss. It went badly.',
      '[flow:reasoning] why?',
    ];
    for (const text of normal) expect(titleSubject(body(), text), text).toBeNull();
    expect(titleSubject(body(), null)).toBeNull();
    // Instructions alone do not make a title request for an agent that has tools or other work.
    expect(titleSubject(body({ instructions: 'You write short titles.', tools: [{ type: 'image_generation' }] }), 'draw a cat')).toBeNull();
    expect(titleSubject(body({ instructions: 'Answer briefly.' }), 'tell me something')).toBeNull();
  });

  it('derives at most six capitalised words: no filler, markers, quotes or trailing punctuation', () => {
    const cases: Array<[string, string]> = [
      ['Please draw a lighthouse at dusk', 'Draw a Lighthouse at Dusk'],
      ['Hello! What is Switchyard?', 'What Is Switchyard'],
      ['hi, can you help me plan a week-long trip to the Italian lakes in June?', 'Plan a Week-long Trip'],
      ['Quick question: how do I reset my password?', 'Quick Question'],
      ['Help: my build fails on Node 20', 'Help My Build Fails on Node'],
      ['ok, how do I reset my password?', 'How Do I Reset My Password'],
      ['So long and thanks for all the fish', 'So Long and Thanks for All'],
      ['"tell me about the history of the printing press"', 'Tell Me About the History'],
      ['[flow:function_call:show_card {"title":"Pick one"}] show options', 'Show Options'],
      ['explain the NASA budget for', 'Explain the NASA Budget'],
      ['   ', 'New conversation'],
      ['?!', 'New conversation'],
    ];
    for (const [text, title] of cases) {
      const got = titleFromText(text);
      expect(got, text).toBe(title);
      expect(got.split(' ').length).toBeLessThanOrEqual(MAX_TITLE_WORDS);
      expect(got).not.toMatch(/["'.!?,:;]$|^["']/);
    }
  });
});

describe('title requests on the wire', () => {
  it('streams the title in the normal message shape over HTTP, even when the image tool is offered', async () => {
    const events: ResponseStreamEvent[] = [];
    const stream = await client(server).responses.create({
      model: 'gpt-test',
      input: APP_PROMPT('Please draw a lighthouse at dusk'),
      tools: [{ type: 'image_generation', partial_images: 2 }],
      stream: true,
    });
    for await (const e of stream) events.push(e);
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(types.slice(-4)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(types.some((t) => t.startsWith('response.image_generation_call'))).toBe(false);
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));
    expect(deltas).toHaveLength(12);
    expect(deltas.join('')).toBe('Draw a Lighthouse at Dusk');
  });

  it.each([false, true])(
    'titles a thread the way agents-runtime asks (Agents SDK, websocket=%s); the chat itself still echoes',
    async (websocket) => {
      const { runner, provider } = agentsRunner(server, websocket);
      try {
        const titler = new Agent({ name: 'Titler', instructions: 'You write short titles.', model: 'gpt-test' });
        const first = 'Hello! What is Switchyard, and how does it scale?';
        const titled = await runner.run(titler, APP_PROMPT(first), { maxTurns: 1 });
        expect(titled.finalOutput).toBe('What Is Switchyard');
        // The same agent the app chats with (image tool and all) can be asked for the title too.
        const artist = new Agent({
          name: 'artist',
          instructions: 'Draw when asked.',
          model: 'gpt-test',
          tools: [imageGenerationTool({ partialImages: 1 })],
        });
        const drawn = await runner.run(artist, APP_PROMPT('draw a red fox in the snow'), { maxTurns: 1 });
        expect(drawn.finalOutput).toBe('Draw a Red Fox');
        expect(drawn.newItems.map((i) => i.type)).toEqual(['message_output_item']);
        const chat = await runner.run(artist, first, { maxTurns: 1 });
        expect(chat.finalOutput).toBe(answerText(first));
      } finally {
        await provider.close();
      }
    },
  );
});
