// A first look at the machine: two kernel threads ping-pong through one wait queue on 1 and on
// 2 simulated CPUs; prints what the kernel counted. `npm start` runs this until the main
// `aio-sim reproduce` command exists.
//   node --import tsx host/cli/pingpong.ts [--rounds N] [--json]
import "../node.ts";
import { Machine } from "../machine.ts";

interface Row {
  cpus: number; rounds: number; switches: number; perCpu: number[]; jiffies: number;
  simulatedMs: number; wallMs: number; traceHash: string;
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: expected a positive integer, got ${process.argv[i + 1]}`);
  return v;
}

async function pingpong(cpus: number, rounds: number): Promise<Row> {
  const m = await Machine.boot({ overrides: { cpus }, trace: true });
  m.ex.start_pingpong(rounds, 0, cpus > 1 ? 1 : 0);
  const slice = BigInt(m.profile.khz);          // one simulated millisecond
  const t0 = performance.now();
  for (let ms = 0; ms < 1_000_000 && m.ex.pingpong_done() < rounds; ms++) m.run({ cycles: m.now + slice });
  const wallMs = performance.now() - t0;
  const perCpu = Array.from({ length: cpus }, (_, i) => Number(m.ex.cpu_switches(i)));
  return { cpus, rounds: m.ex.pingpong_done(), switches: Number(m.ex.total_switches()), perCpu,
           jiffies: m.jiffies, simulatedMs: m.seconds * 1000, wallMs, traceHash: m.traceHash() };
}

const rounds = arg("--rounds", 100_000);
const rows = [await pingpong(1, rounds), await pingpong(2, rounds)];
if (process.argv.includes("--json")) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  console.log(`aio-sim ping-pong: two kernel threads, one wait queue, ${rounds} rounds (profile xeon-2004)\n`);
  const head = ["CPUs", "rounds", "switches", "per CPU", "jiffies", "simulated", "wall", "trace hash"];
  const body = rows.map((r) => [String(r.cpus), String(r.rounds), String(r.switches), r.perCpu.join("/"),
    String(r.jiffies), `${r.simulatedMs.toFixed(2)} ms`, `${r.wallMs.toFixed(0)} ms`, r.traceHash.slice(0, 16)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 || i === 7 ? x.padEnd(w[i]) : x.padStart(w[i]))).join("  ");
  console.log(line(head));
  for (const b of body) console.log(line(b));
  console.log("\n(the main job, `aio-sim reproduce`, is not built yet; this demo stands in for it)");
}
