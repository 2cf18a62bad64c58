// Golden parity: each recording 01–14 of the reference server (packages/protocol/test/golden) is
// replayed against Switchyard with the same request bodies, the scripted conformance app reproducing the
// recorded responder (selected by `metadata.scenario`, which the reference ignores). Each answer must
// carry the same events, item types and update types, and — once server-generated ids are paired up and
// timestamps set aside — the same JSON, frame for frame; the `=== STORE` dumps must match MongoDB.
// Values the integration decides (the test attachment store's upload URLs and tokens, preview URLs, the
// transcription text) are compared by presence only. Recordings 20–26 (Responses → ChatKit mapping,
// docs/conformance.md N) belong to another suite.
//
// Deliberate differences (README "Behaviour choices"): where the reference aborted a stream or raised
// (HTTP 500), Switchyard answers a JSON 4xx before streaming and changes nothing; timestamps carry Z;
// ids are `<prefix>_<16 hex>`; SSE frames carry `id:` lines (the strict parser in ChatKitClient allows them).
import { describe, expect, it } from 'vitest';
import { transcriptText } from '@switchyard/model-test-server';
import {
  ChatKitClient,
  eventually,
  snapshotStore,
  useConformanceSystem,
  storedAttachment,
  storedItems,
  storedThread,
  type Answer,
  type ConformanceSystem,
  type Json,
} from '../kit/conformance.ts';
import {
  compareNormalised,
  eventKinds,
  IdMap,
  readGolden,
  type Exchange,
  type GoldenAnswer,
  type GoldenFile,
  type GoldenStep,
} from './golden.ts';

let sys: ConformanceSystem;

useConformanceSystem((started) => {
  sys = started;
});

/** Switchyard's documented answer where the reference raised before or instead of answering. */
function refusalStatuses(error: string): number[] {
  if (error.startsWith('NotFoundError')) return [404];
  if (error.startsWith('ValidationError')) return [400];
  // Set-up checks of the streaming requests (not a pending tool call / user message / pending input).
  if (error.startsWith('ValueError')) return [400, 409];
  throw new Error(`no documented Switchyard answer for the reference's ${error}`);
}

class Replay {
  readonly ids = new IdMap();
  readonly client: ChatKitClient;
  readonly scenario: string;

  constructor(readonly golden: GoldenFile) {
    this.scenario = `golden-${golden.number}`;
    // One user per recording: list answers hold exactly this recording's threads.
    this.client = new ChatKitClient(sys.url, `golden-${golden.number}`);
  }

  expectSame(golden: unknown, ours: unknown, where: string, opts: { attachmentMetadata?: boolean } = {}): void {
    const diffs = compareNormalised(golden, ours, this.ids, '$', opts);
    expect(diffs, `${this.golden.name}, ${where}:\n${diffs.join('\n')}\nours: ${JSON.stringify(ours)}`).toEqual([]);
  }

  /** Sends a recorded request (golden ids replaced by ours, the scenario named in metadata) and checks the answer. */
  async exchange(ex: Exchange, index: number): Promise<Answer | undefined> {
    if (!ex.request) return undefined;
    const where = `request ${index + 1} (${ex.request.label || (ex.request.body.type as string)})`;
    const body = { ...this.ids.rewrite(ex.request.body), metadata: { scenario: this.scenario } };
    const before = await snapshotStore(sys.db);
    const ours = await this.client.send(body);
    await this.answer(ex.answer, ours, body, before, where);
    return ours;
  }

  async answer(golden: GoldenAnswer | undefined, ours: Answer, body: Json, before: string, where: string): Promise<void> {
    if (!golden) throw new Error(`${where}: the recording has no answer`);
    const type = body.type as string;
    if (golden.kind === 'sse' && golden.raised === undefined) {
      if (ours.kind !== 'sse') throw new Error(`${where}: expected a stream, got ${ours.status} ${ours.text}`);
      expect(ours.status).toBe(200);
      expect(eventKinds(ours.events), where).toEqual(eventKinds(golden.frames));
      this.expectSame(golden.frames, ours.events, where);
      return;
    }
    const raised = golden.kind === 'sse' ? golden.raised! : golden.kind === 'raised' ? golden.error : undefined;
    if (raised !== undefined) {
      if (raised.startsWith('RuntimeError: AttachmentStore is not configured')) {
        // The reference ran without an attachment store; Switchyard always has one (docs/conformance.md E5).
        expect(ours, where).toMatchObject({ kind: 'json', status: 200 });
        return;
      }
      // Reference: an aborted 200 stream or a 500; Switchyard: a JSON 4xx before streaming, nothing written.
      if (ours.kind !== 'json')
        throw new Error(`${where}: expected a JSON refusal for "${raised}", got a stream of ${ours.events.length} events`);
      expect(refusalStatuses(raised), `${where}: ${ours.text}`).toContain(ours.status);
      expect(await snapshotStore(sys.db), `${where}: the store changed`).toBe(before);
      return;
    }
    if (golden.kind !== 'json') throw new Error(`${where}: unexpected golden answer ${golden.kind}`);
    if (ours.kind !== 'json' || ours.status !== 200)
      throw new Error(`${where}: expected JSON 200, got ${ours.status} ${ours.kind === 'json' ? ours.text : 'stream'}`);
    if (type === 'input.transcribe') {
      // The text is the integration's; what it was given is the protocol's: the decoded bytes and the media type.
      const audio = Buffer.from((body.params as Json).audio_base64 as string, 'base64');
      const mediaType = ((body.params as Json).mime_type as string).split(';')[0]!;
      expect(Object.keys(golden.body as Json)).toEqual(['text']);
      expect(ours.body).toEqual({ text: transcriptText(audio.length, mediaType) });
      expect(sys.model.transcriptions[sys.model.transcriptions.length - 1]).toMatchObject({ bytes: audio.length, mimeType: mediaType });
      return;
    }
    this.expectSame(golden.body, ours.body, where);
  }

  async store(step: GoldenStep, where: string): Promise<void> {
    switch (step.kind) {
      case 'store-item-ids': {
        const items = await storedItems(sys.db, this.ids.ours(step.threadId));
        this.expectSame(
          step.items,
          items.map((i) => [i.type, i.id]),
          `${where}, stored items`,
        );
        return;
      }
      case 'store-items': {
        const threadId = step.items[0]!.thread_id as string;
        this.expectSame(step.items, await storedItems(sys.db, this.ids.ours(threadId)), `${where}, stored items ${step.label}`);
        return;
      }
      case 'store-thread':
        this.expectSame(step.thread, await storedThread(sys.db, this.ids.ours(step.thread.id as string)), `${where}, stored thread`);
        return;
      case 'store-attachment':
        // Server-side metadata is the integration's (the reference's test store kept {"secret": …}); it must be kept, not sent.
        this.expectSame(
          step.attachment,
          await storedAttachment(sys.db, this.ids.ours(step.attachment.id as string)),
          `${where}, stored attachment`,
          { attachmentMetadata: true },
        );
        return;
      case 'responder-inputs': {
        const inputs = sys
          .hookLog()
          .filter(
            (h) =>
              h.kind === 'respond' &&
              h.data.owner === this.client.user &&
              h.data.metadata &&
              (h.data.metadata as Json).scenario === this.scenario,
          )
          .map((h) => ((h.data.input as Json | null)?.id as string | undefined) ?? null);
        this.expectSame(step.ids, inputs, `${where}, responder inputs`);
        return;
      }
      default:
        throw new Error(`${where}: ${step.kind} is not a store step`);
    }
  }

  /** Replays every exchange that has a request, checking the store dumps after each. */
  async all(): Promise<void> {
    for (const [i, ex] of this.golden.exchanges.entries()) {
      if (!ex.request) throw new Error(`${this.golden.name}: exchange ${i + 1} has no request; replay it by hand`);
      await this.exchange(ex, i);
      for (const step of ex.store) await this.store(step, `after request ${i + 1}`);
    }
  }
}

const title = (number: string) => {
  const g = readGolden(number);
  return `golden ${number}: ${g.name
    .replace(/^\d+_/, '')
    .replace(/\.txt$/, '')
    .replace(/_/g, ' ')}`;
};

describe('golden parity with the reference recordings', () => {
  for (const number of ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12']) {
    it(title(number), async () => {
      const replay = new Replay(readGolden(number));
      expect(replay.golden.exchanges.length).toBeGreaterThan(0);
      await replay.all();
    });
  }

  it(title('13'), async () => {
    const replay = new Replay(readGolden('13'));
    const [cut] = replay.golden.exchanges;
    if (!cut || cut.answer?.kind !== 'sse') throw new Error('G:13 starts with the stream received before the disconnect');
    // The recording shows the answer to threads.create "hi" up to the client's disconnect.
    const s = await replay.client.open({
      type: 'threads.create',
      params: { input: { content: [{ type: 'input_text', text: 'hi' }], attachments: [], inference_options: {} } },
      metadata: { scenario: replay.scenario },
    });
    await s.waitForEvents(cut.answer.frames.length);
    s.abort();
    await s.done;
    expect(eventKinds(s.events)).toEqual(eventKinds(cut.answer.frames));
    replay.expectSame(cut.answer.frames, s.events, 'stream before the disconnect');
    const threadId = replay.ids.ours('thr_0001');
    await eventually(
      async () => ((await storedItems(sys.db, threadId)).some((i) => i.type === 'sdk_hidden_context') ? true : undefined),
      15_000,
      'the cancellation note',
    );
    for (const step of cut.store) await replay.store(step, 'after the disconnect');
  });

  it(title('14'), async () => {
    const replay = new Replay(readGolden('14'));
    const [out] = replay.golden.exchanges;
    if (!out || out.answer?.kind !== 'sse') throw new Error('G:14 is the stream answering a client tool output');
    // Not recorded: the turn that left the pending call (threads.create "hi", the responder yields tc_1).
    const created = await replay.client.create('hi', { metadata: { scenario: replay.scenario } });
    expect(replay.ids.bind('thr_0001', created.threadId)).toBeNull();
    const body = {
      type: 'threads.add_client_tool_output',
      params: { thread_id: created.threadId, result: { ok: true } },
      metadata: { scenario: replay.scenario },
    };
    const before = await snapshotStore(sys.db);
    await replay.answer(out.answer, await replay.client.send(body), body, before, 'tool output');
    for (const step of out.store) await replay.store(step, 'after the tool output');
  });
});
