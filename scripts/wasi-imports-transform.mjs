// asc transform for the WASI build: the kernel talks to its host through a few `env` imports
// (printk_host, bug_host, trace_flush, user_step). Under WASI there is no such host, so each of
// those imports is replaced by a body that calls an AssemblyScript function of the WASI entry
// (assembly/wasi/printk.ts exports wasi_<name>), which writes through WASI's fd_write.
// The result imports only wasi_snapshot_preview1 and runs under any WASI runtime.
import { Transform } from "assemblyscript/transform";

const REDIRECT = ["printk_host", "bug_host", "trace_flush", "user_step"];

export default class WasiImportsTransform extends Transform {
  // asc hands afterCompile a binaryen.js Module.
  afterCompile(mod) {
    const b = this.binaryen;
    const byExport = new Map();
    for (let i = 0; i < mod.getNumExports(); i++) {
      const e = b.getExportInfo(mod.getExportByIndex(i));
      if (e.kind === b.ExternalFunction) byExport.set(e.name, e.value);
    }
    const imports = [];
    for (let i = 0; i < mod.getNumFunctions(); i++) {
      const f = b.getFunctionInfo(mod.getFunctionByIndex(i));
      if (f.module === "env" && REDIRECT.includes(f.base)) imports.push(f);
    }
    for (const f of imports) {
      const target = byExport.get(`wasi_${f.base}`);
      if (!target) throw new Error(`wasi-imports-transform: the WASI entry must export wasi_${f.base}`);
      const params = b.expandType(f.params);
      mod.removeFunction(f.name);
      const args = params.map((t, i) => mod.local.get(i, t));
      mod.addFunction(f.name, f.params, f.results, [], mod.call(target, args, f.results));
    }
  }
}
