// as-pect: unit-sized specs of kernel pieces that do not switch tasks (lists, slab, page tables,
// time conversions). Whole-kernel behaviour is tested from node:test against the built module.
export default {
  entries: ["tests/assembly/**/*.spec.ts"],
  include: ["tests/assembly/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    const stub = () => {};
    return instantiate(binary, createImports({
      env: {
        memory,
        printk_host: stub,
        bug_host: stub,
        trace_flush: stub,
        user_step: () => -1,
      },
    }));
  },
  outputBinary: false,
};
