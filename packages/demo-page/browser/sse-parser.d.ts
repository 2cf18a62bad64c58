// Types of sse-parser.js for the TypeScript tests (the browser loads the .js itself, no build step).
export interface SseEvent {
  data: string;
  event?: string;
  id?: string;
}

export interface SseParser {
  feed(chunk: string): void;
  lastEventId(): string;
}

export function createSseParser(
  onEvent: (event: SseEvent) => void,
  options?: { onComment?: (text: string) => void; onRetry?: (ms: number) => void },
): SseParser;
