// Ports for the processes the tests and `npm start` launch (redis-server, the services, their
// health and metrics listeners), which must be chosen before the process binds them.
//
// Asking the kernel (listen on 0, close, hand the number over) races: until the child binds it,
// the kernel may give the same number to anyone else who asks for an ephemeral port, such as an
// outgoing connection's local port or another test file's probe, and the child dies with
// EADDRINUSE. CI lost a run that way (a generation worker's health port). So these ports come from
// below Linux's ephemeral range (32768–60999 by default), which the kernel never assigns by
// itself; each concurrently running vitest worker (VITEST_POOL_ID) walks its own slice of it, so
// two test files never pick the same number; get-port checks each candidate on every local
// address and reserves it for the life of this process, so no number is handed out twice.
import getPort from 'get-port';

const FIRST = 12_000;
const SLICE = 1_000;
const SLICES = 10;
/** Redis Cluster's bus listens on port + 10000: 22000–31999, still below the ephemeral range. */
export const CLUSTER_BUS_OFFSET = 10_000;

// Outside vitest (npm start) any one slice will do: the availability check settles a clash.
const sliceOutsideVitest = Math.floor(Math.random() * SLICES);

function sliceIndex(): number {
  const pool = Number(process.env.VITEST_POOL_ID);
  return Number.isInteger(pool) && pool > 0 ? (pool - 1) % SLICES : sliceOutsideVitest;
}

// A random start within the slice keeps two test runs on one machine (a developer's and a CI
// clone's) from walking the same numbers in step.
let cursor = Math.floor(Math.random() * SLICE);

/** The next candidates: one pass over this process's slice, from where the last call stopped. */
function* candidates(): Generator<number> {
  const base = FIRST + sliceIndex() * SLICE;
  for (let i = 0; i < SLICE; i++) {
    const port = base + (cursor % SLICE);
    cursor += 1;
    yield port;
  }
}

/**
 * A loopback port no other process is listening on and this process has not handed out before.
 * With `clusterBus`, port + 10000 is free too. When the whole slice is busy, get-port falls back to
 * a kernel-chosen port.
 */
export async function freePort(opts: { clusterBus?: boolean } = {}): Promise<number> {
  for (;;) {
    const port = await getPort({ port: candidates(), reserve: true });
    if (!opts.clusterBus) return port;
    const bus = port + CLUSTER_BUS_OFFSET;
    if (bus <= 65_535 && (await getPort({ port: bus, reserve: true })) === bus) return port;
  }
}
