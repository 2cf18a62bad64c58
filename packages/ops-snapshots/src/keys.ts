// Where process snapshots live in Redis, shared by their writers and the gateways that read them: a
// hash (process id → JSON) and a sorted set of publish times, both in the one cluster slot `{sy:ops}`.

export const SNAPSHOTS_KEY = '{sy:ops}:snapshots';
export const PUBLISHED_AT_KEY = '{sy:ops}:published-at';
