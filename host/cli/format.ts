// Text output for people: the original programs' lines first, then our measurements, every
// number with its unit.
import type { PipetestReport, SimSpeed } from "../experiments.ts";

export const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
export const fmt = (n: number, d = 1) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });

export function table(head: string[], rows: string[][], alignRight: boolean[] = []): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (alignRight[i] ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  ").trimEnd();
  return [line(head), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n") + "\n";
}

export function formatPipetest(r: PipetestReport): string {
  const cs = r.contextSwitches;
  let s = r.lines.join("\n") + "\n";
  s += `context_switches_per_sec: ${fmt(cs.switchesPerSec, 2)}\n\n`;
  s += `variant   ${r.variant}\n`;
  s += `machine   ${r.machine.profile}, ${r.machine.cpus} CPU${r.machine.cpus > 1 ? "s" : ""} at ${fmt(r.machine.khz / 1e6, 2)} GHz, HZ=${r.machine.hz}\n`;
  s += `simulated ${fmt(r.seconds, 6)} s, ${fmtInt(r.cyclesPerPass)} cycles per pass\n`;
  s += `latency   submit to reap: p50 ${fmt(r.latency.p50Us)} µs, p90 ${fmt(r.latency.p90Us)} µs, p99 ${fmt(r.latency.p99Us)} µs, max ${fmt(r.latency.maxUs)} µs\n`;
  s += "\nper CPU\n" + table(["cpu", "switches/s", "idle"],
    cs.perCpu.map((c) => [String(c.cpu), fmtInt(c.switchesPerSec), `${fmt(c.idlePct)} %`]), [true, true, true]);
  s += "\nper task\n" + table(["pid", "task", "switches/s", "voluntary", "involuntary", "cpu"],
    cs.perTask.map((t) => [String(t.pid), t.comm, fmtInt(t.switchesPerSec), fmtInt(t.voluntary), fmtInt(t.involuntary), `${fmt(t.cpuPct)} %`]),
    [true, false, true, true, true, true]);
  const aio = Object.entries(r.aio);
  if (aio.length) s += "\naio counters: " + aio.map(([k, v]) => `${k} ${fmtInt(v)}`).join(", ") + "\n";
  const c = r.ctxLock;
  s += c
    ? `\nctx_lock  ${c.name}: ${fmtInt(c.contended)} of ${fmtInt(c.acquisitions)} acquisitions contended` +
      ` (${fmt(c.acquisitions ? (100 * c.contended) / c.acquisitions : 0, 2)} %), ${fmtInt(c.spinCycles)} cycles spinning,` +
      ` ${fmtInt(c.transfers)} cache-line transfers, longest hold ${fmtInt(c.maxHold)} cycles (since boot)\n`
    : "\nctx_lock  not taken (no AIO context was used)\n";
  if (r.locks.length) {
    // the six most contended classes (then the busiest), ctx_lock always among them
    const order = [...r.locks].sort((a, b) => b.contended - a.contended || b.acquisitions - a.acquisitions);
    const shown = order.slice(0, 6);
    if (c && !shown.some((l) => l.name === c.name)) shown[shown.length - 1] = c;
    s += "\nlocks since boot (contended first)\n" + table(["class", "acquisitions", "contended", "spin cycles", "transfers"],
      shown.map((l) => [l.name, fmtInt(l.acquisitions), fmtInt(l.contended), fmtInt(l.spinCycles), fmtInt(l.transfers)]),
      [false, true, true, true, true]);
  }
  if (r.errors.length) s += `\nerrors: ${r.errors.length} (first: ${r.errors[0]})\n`;
  s += "\n" + formatSpeed(r.speed);
  return s;
}

// The simulator's own speed (wall clock: differs from run to run).
export function formatSpeed(v: SimSpeed): string {
  return `simulator: ${fmt(v.simSecondsPerWallSecond, 3)} simulated s per wall s, ` +
    `${fmtInt(v.eventsPerWallSecond)} events per wall s (${fmtInt(v.events)} engine steps in ${fmt(v.wallSeconds, 2)} s wall)\n`;
}
