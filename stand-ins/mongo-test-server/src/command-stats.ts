// Per command: how many ran, how many failed, and the microseconds this server spent on them (the
// message's decode, the handler and the reply's encode). Read with `serverStatus`, whose
// `metrics.commands.<name>.{total,failed}` are a real mongod's fields; `switchyardTestServer.micros`
// is this server's own, for finding its hot paths (docs/benchmarks/README.md).
/** Command names are the client's to choose: past this many distinct names the rest count as one. */
const MAX_NAMES = 200;

export class CommandStats {
  private readonly counts = new Map<string, { total: number; failed: number; micros: number }>();

  record(commandName: string, failed: boolean, micros: number): void {
    const name = this.counts.has(commandName) || this.counts.size < MAX_NAMES ? commandName : '(other)';
    let c = this.counts.get(name);
    if (!c) this.counts.set(name, (c = { total: 0, failed: 0, micros: 0 }));
    c.total++;
    if (failed) c.failed++;
    c.micros += micros;
  }

  serverStatus(): {
    metrics: { commands: Record<string, { total: number; failed: number }> };
    switchyardTestServer: { micros: Record<string, number> };
  } {
    const commands: Record<string, { total: number; failed: number }> = {};
    const micros: Record<string, number> = {};
    for (const [name, c] of this.counts) {
      commands[name] = { total: c.total, failed: c.failed };
      micros[name] = Math.round(c.micros);
    }
    return { metrics: { commands }, switchyardTestServer: { micros } };
  }
}
