// A bearer token that was presented but cannot be accepted. It is an `Unauthorized` (401) like any
// other refusal; its own class lets the adapter answer with `error="invalid_token"` (RFC 6750 §3.1).

import { Unauthorized } from '@switchyard/errors';

export class InvalidToken extends Unauthorized {}
