// Preload for profiling the service processes under the benchmark (`--cpu-prof` is not allowed in
// NODE_OPTIONS, `--import` is): BENCH_NODE_OPTIONS='--import ./scripts/bench/cpu-profile.mjs' with
// CPU_PROFILE_DIR=<dir> starts the V8 profiler at start-up and writes <dir>/<pid>.cpuprofile when the
// process gets SIGTERM (the services then drain and exit). Open the files in Chrome DevTools.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  process.once('SIGTERM', () => {
    void session.post('Profiler.stop').then(({ profile }) => {
      writeFileSync(
        join(dir, `${process.argv[2]?.split('/').slice(-3, -2)[0] ?? 'node'}-${process.pid}.cpuprofile`),
        JSON.stringify(profile),
      );
    });
  });
}
