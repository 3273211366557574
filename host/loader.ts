// Loads the kernel module. The compiled WebAssembly.Module is cached per build; every machine
// gets its own instance (its own memory), so several machines live side by side.
// Works in Node and in browsers: where the bytes come from is the caller's business (see
// host/node.ts for the Node adapter, host/web/ for the browser).
//
// We instantiate the module ourselves rather than through asc's generated raw bindings: under
// 0.27.37 their glue for our own env imports calls unbound names, and they expect the
// asyncify intrinsics as imports, which the Asyncify pass has removed. The bindings' .d.ts
// still types the exports.
import type * as Bindings from "../build/kernel.release.js";

export type KernelExports = Awaited<ReturnType<typeof Bindings.instantiate>> & {
  memory: WebAssembly.Memory;
  table: WebAssembly.Table;
};

export type Build = "release" | "debug";

export interface KernelImports {
  printk_host(level: number, msg: string): void;
  bug_host(kind: number, msg: string): void;
  trace_flush(buf: number, n: number): void;
  user_step(pid: number, ret: number, args: number): number;
}

// An export that only some builds have (the port's, selftests'): undefined when absent.
export function exportOf<F>(ex: KernelExports, name: string): F | undefined {
  return (ex as unknown as Record<string, unknown>)[name] as F | undefined;
}

export type ModuleSource = (build: Build) => Promise<WebAssembly.Module>;

let source: ModuleSource | null = null;
const cache = new Map<Build, Promise<WebAssembly.Module>>();

// Tells the loader how to obtain the compiled module (Node: from build/; browser: fetch).
export function setModuleSource(s: ModuleSource): void {
  source = s;
  cache.clear();
}

export function getModule(build: Build): Promise<WebAssembly.Module> {
  if (!source) throw new Error("loader: no module source set (import host/node.ts in Node, or call setModuleSource)");
  let m = cache.get(build);
  if (!m) { m = source(build); cache.set(build, m); }
  return m;
}

// AssemblyScript strings: UTF-16 code units, byte length in the word before the data.
export function liftString(mem: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return "";
  const len = new Uint32Array(mem.buffer, ptr - 4, 1)[0] >>> 1;
  const units = new Uint16Array(mem.buffer, ptr, len);
  let s = "";
  for (let i = 0; i < len; i += 4096) s += String.fromCharCode(...units.subarray(i, i + 4096));
  return s;
}

export async function instantiateKernel(build: Build, imports: KernelImports): Promise<KernelExports> {
  const mod = await getModule(build);
  let memory: WebAssembly.Memory | null = null;
  const str = (p: number) => liftString(memory!, p >>> 0);
  const env = {
    abort(msg: number, file: number, line: number, col: number) {
      imports.bug_host(1, `assertion failed: ${str(msg)} at ${str(file)}:${line}:${col}`);
      throw new WebAssembly.RuntimeError("abort");
    },
    printk_host: (level: number, msg: number) => imports.printk_host(level, str(msg)),
    bug_host: (kind: number, msg: number) => imports.bug_host(kind, str(msg)),
    trace_flush: (buf: number, n: number) => imports.trace_flush(buf >>> 0, n),
    user_step: (pid: number, ret: number, args: number) => imports.user_step(pid, ret, args >>> 0),
  };
  const inst = await WebAssembly.instantiate(mod, { env });
  memory = inst.exports.memory as WebAssembly.Memory;
  return inst.exports as unknown as KernelExports;
}
