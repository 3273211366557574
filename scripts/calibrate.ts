// Development-time calibration (docs/calibration.md): finds the profile's `userWork` so that
// pre-patch pipetest at reproduce's default arguments makes about 600,000 context switches per
// simulated second, by bisection. Prints the value; a person commits it in host/profile.ts.
// `aio-sim reproduce` never refits. Usage: node --import tsx scripts/calibrate.ts [target]
import "../host/node.ts";
import { runPipetest } from "../host/experiments.ts";
import { resolveVariant } from "../host/variant.ts";
import { PIPETEST_DEFAULTS } from "../host/reproduce.ts";

const target = Number(process.argv[2] ?? 600_000);
const v = resolveVariant("pre-patch");
async function csAt(userWork: number): Promise<number> {
  const r = await runPipetest({ overrides: { costs: { userWork } } }, v, PIPETEST_DEFAULTS);
  return r.contextSwitches.switchesPerSec;
}
// More user work per pass means fewer passes, so fewer switches per second: cs/s falls with it.
let lo = 0, hi = 20_000;
let csLo = await csAt(lo);
if (csLo < target) { console.log(`even userWork=0 gives only ${Math.round(csLo)} cs/s: lower other costs first`); process.exit(1); }
while (hi - lo > 10) {
  const mid = Math.round((lo + hi) / 2);
  const cs = await csAt(mid);
  console.log(`userWork ${mid} cycles -> ${Math.round(cs)} cs/s`);
  if (cs > target) { lo = mid; csLo = cs; } else hi = mid;
}
console.log(`\nuserWork = ${lo} cycles gives ${Math.round(csLo)} cs/s (target ${target})`);
