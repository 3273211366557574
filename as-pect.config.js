// as-pect: unit-sized specs of kernel pieces that do not switch tasks (lists, slab, page tables,
// time conversions). Whole-kernel behaviour is tested from node:test against the built module.
//
// tests/aspect.test.ts runs one spec file at a time by setting ASP_ENTRIES (the CLI's positional
// globs are added to `entries` rather than replacing them in 8.1.0, so they cannot select).
//
// as-pect.asconfig.json deliberately does not extend asconfig.json: asc merges the `entries` of
// an extended config, which would compile the whole kernel (and its Asyncify imports) into every
// spec module (README.md, "Tests", says more).

// as-pect's compiler pulls in binaryen.js, which installs a process-wide uncaughtException handler
// that rethrows; an unhandled rejection then surfaces as a crash "in binaryen/index.js" with the
// real message lost. Report the real error ourselves and fail.
process.on("unhandledRejection", (e) => {
  process.stderr.write(`as-pect: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(2);
});

export default {
  entries: process.env.ASP_ENTRIES ? process.env.ASP_ENTRIES.split(",") : ["tests/assembly/**/*.spec.ts"],
  include: ["tests/assembly/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    const stub = () => {};
    const noSwitch = (name) => () => {
      throw new Error(`as-pect: ${name} called: specs test code that never switches tasks`);
    };
    return instantiate(binary, createImports({
      env: {
        memory,
        printk_host: stub,
        bug_host: stub,
        trace_flush: stub,
        user_step: () => -1,
      },
      // Present only so that a spec importing a module that reaches arch/switch.ts links.
      asyncify: {
        start_unwind: noSwitch("asyncify.start_unwind"),
        stop_unwind: noSwitch("asyncify.stop_unwind"),
        start_rewind: noSwitch("asyncify.start_rewind"),
        stop_rewind: noSwitch("asyncify.stop_rewind"),
      },
    }));
  },
  outputBinary: false,
};
