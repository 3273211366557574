// The simulation's Web Worker: the same host core as the CLI (Machine, experiments), the same
// kernel module, fetched instead of read from disk. The page stays responsive; runs slice by
// slice so a Stop message gets in between slices.
import { setModuleSource, type Build } from "../loader.ts";
import { runPipetest, type MachineOptions } from "../experiments.ts";
import { runReproduce } from "../reproduce.ts";
import { resolveVariant } from "../variant.ts";
import { runAioStress, AIO_STRESS_REPRODUCE_OPTIONS } from "../workloads/aio-stress.ts";

setModuleSource(async (build: Build) => {
  const url = new URL(`kernel.${build}.wasm`, self.location.href);
  return WebAssembly.compileStreaming(fetch(url));
});

export interface RunRequest {
  type: "run";
  workload: "pipetest" | "aio-stress" | "reproduce";
  machine: MachineOptions;
  variant: string;
  opt: string;
  pipetest: { pipes: number; threads: number; generations: number; bufsize: number };
}

let stopRequested = false;
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

self.onmessage = async (e: MessageEvent<RunRequest | { type: "stop" }>) => {
  const msg = e.data;
  if (msg.type === "stop") { stopRequested = true; return; }
  stopRequested = false;
  const post = (m: unknown) => (self as unknown as Worker).postMessage(m);
  try {
    if (msg.workload === "pipetest") {
      const report = await runPipetest(msg.machine, resolveVariant(msg.variant, msg.opt), msg.pipetest, {
        onProgress: (f) => post({ type: "progress", f }),
        onSample: (s) => post({ type: "sample", s }),
        between: tick,
        shouldStop: () => stopRequested,
      });
      post({ type: "done", report });
    } else if (msg.workload === "aio-stress") {
      // The page runs aio-stress with reproduce's arguments on cold files (docs/aio-stress.md).
      const report = await runAioStress(msg.machine, resolveVariant(msg.variant, msg.opt), AIO_STRESS_REPRODUCE_OPTIONS, {
        coldFiles: true,
        onProgress: (f) => post({ type: "progress", f }),
        onSample: (s) => post({ type: "sample", s }),
        between: tick,
        shouldStop: () => stopRequested,
      });
      post({ type: "done", report });
    } else {
      const report = await runReproduce(msg.machine, { quick: true, onProgress: (f) => post({ type: "progress", f }), between: tick,
        shouldStop: () => stopRequested });
      post({ type: "done", report });
    }
  } catch (err) {
    post({ type: "error", message: (err as Error).message });
  }
};
