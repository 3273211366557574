// asc transform for the kernel build: prepares Binaryen's Asyncify pass, which asconfig.json
// runs after asc's own optimiser (options.runPasses = ["asyncify"]).
//
// Two things would otherwise go wrong (see docs/arch.md):
//  - asc's optimize() clears pass arguments right before --runPasses, so the arguments set
//    here would be lost; we keep them by neutering clearPassArguments on this compile's Module.
//  - if arch_switch_out() were inlined into its caller, that caller would become Asyncify's
//    uninstrumented "top-most runtime" and re-run its bookkeeping on every rewind. It is kept
//    out of line with Binaryen's no-inline pass before asc optimises.
// No import may unwind: task switches are driven from inside wasm (arch/switch.ts), so the
// import list names a function that does not exist.
import { Transform } from "assemblyscript/transform";

// Cold paths of hot kernel functions stay out of line too: inlined, their possibly-unwinding
// calls would fragment the hot function into many Asyncify state checks (docs/arch.md).
export const NO_INLINE = ["*arch_switch_out*", "*arch_cpu_yield*", "*interleave_slow*", "*local_irq_enable_slow*",
  "*spin_contended*", "*held_pop_slow*", "*bad_unlock*", "*double_unlock*", "*lock_uninitialised*", "*too_many_locks*"];

export default class AsyncifyTransform extends Transform {
  afterCompile(module) {
    const b = this.binaryen;
    for (const pattern of NO_INLINE) {
      b.setPassArgument("no-inline", pattern);
      module.runPasses(["no-inline"]);
    }
    b.setPassArgument("no-inline", null);
    this.program.module.clearPassArguments = () => {};
    b.setPassArgument("asyncify-imports", "env.__no_import_unwinds__");
  }
}
