// For tests that run the Agents SDK's WebSocket mode against this server on Node 20, which has no
// global WebSocket: the SDK uses the global, and `ws` fills in (it accepts the `{ headers }` option
// the SDK passes).
import { WebSocket } from 'ws';

/** Sets `globalThis.WebSocket` to `ws`'s; returns an undo for afterAll. */
export function installWebSocketGlobal(): () => void {
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
  Object.defineProperty(globalThis, 'WebSocket', { value: WebSocket, configurable: true, writable: true });
  return () => {
    if (previous) Object.defineProperty(globalThis, 'WebSocket', previous);
    else Reflect.deleteProperty(globalThis, 'WebSocket');
  };
}
