#!/usr/bin/env node
// Instruments a kernel module with a wasm instruction counter: an exported mutable i64 global
// `__icount`, charged on entry to every block, loop body and if arm with the static number of
// non-control instructions it holds (nested structures charge their own). An early exit still
// charges the whole block: the count is stable and slightly high, and it does not depend on the
// machine it runs on — the figure to compare hot paths by. Usage:
//   node scripts/icount.mjs build/kernel.release.wasm build/kernel.icount.wasm
// Uses the binaryen.js that assemblyscript brings (its version is pinned by package-lock).
import binaryen from "binaryen";
import { readFileSync, writeFileSync } from "node:fs";

export function instrument(bytes) {
  const mod = binaryen.readBinary(bytes);
  mod.setFeatures(binaryen.Features.All);
  mod.addGlobal("__icount", binaryen.i64, true, mod.i64.const(0, 0));
  mod.addGlobalExport("__icount", "__icount");
  const charge = (n) => mod.global.set("__icount",
    mod.i64.add(mod.global.get("__icount", binaryen.i64), mod.i64.const(n, 0)));
  const CHILD_KEYS = ["value", "ptr", "left", "right", "condition", "ifTrue", "ifFalse", "target",
    "size", "dest", "source", "expected", "replacement", "delta"];
  function cost(e) {
    if (!e) return 0;
    const id = binaryen.getExpressionId(e);
    if (id === binaryen.UnreachableId || id === binaryen.NopId || id === binaryen.ConstId) return 1;
    const info = binaryen.getExpressionInfo(e);
    if (id === binaryen.BlockId) {
      let n = 0;
      for (const c of info.children) n += cost(c);
      binaryen.Block.insertChildAt(e, 0, charge(n));
      return 0;
    }
    if (id === binaryen.LoopId) { binaryen.Loop.setBody(e, charged(info.body)); return 1; }
    if (id === binaryen.IfId) {
      binaryen.If.setIfTrue(e, charged(info.ifTrue));
      if (info.ifFalse) binaryen.If.setIfFalse(e, charged(info.ifFalse));
      return 1 + cost(info.condition);
    }
    let n = 1;
    for (const k of CHILD_KEYS) if (typeof info[k] === "number" && info[k]) n += cost(info[k]);
    if (info.operands) for (const o of info.operands) n += cost(o);
    return n;
  }
  function charged(body) {
    const n = cost(body);
    return mod.block(null, [charge(n), body], binaryen.getExpressionType(body));
  }
  for (let i = 0; i < mod.getNumFunctions(); i++) {
    const f = mod.getFunctionByIndex(i);
    const fi = binaryen.getFunctionInfo(f);
    if (fi.module) continue;
    binaryen.Function.setBody(f, charged(fi.body));
  }
  if (!mod.validate()) throw new Error("icount: module invalid after instrumentation");
  const out = mod.emitBinary();
  mod.dispose();
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [, , inFile, outFile] = process.argv;
  if (!inFile || !outFile) { console.error("usage: icount.mjs in.wasm out.wasm"); process.exit(2); }
  writeFileSync(outFile, instrument(readFileSync(inFile)));
}
