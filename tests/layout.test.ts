// The C-visible structs: one spec (scripts/layout-spec.mjs) gives the i386 offsets; the generated
// constants and boot-time checker are current, the offsets are 2.6.9's, and a machine boots
// with every class matching them (the checker BUGs otherwise).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import "../host/node.ts";
import { Machine } from "../host/machine.ts";
// @ts-expect-error: a plain JS build script
import { layout } from "../scripts/gen-layout.mjs";

type Layout = { size: number; fields: { name: string; off: number }[] };
const off = (s: string, f: string) => (layout(s) as Layout).fields.find((x) => x.name === f)!.off;

test("the committed layout constants and checker are what the spec generates", () => {
  const r = spawnSync(process.execPath, ["scripts/gen-layout.mjs", "--check"], { cwd: new URL("../", import.meta.url), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
});

test("the spec gives 2.6.9's i386 sizes and offsets", () => {
  assert.equal((layout("wait_queue_t") as Layout).size, 20);
  assert.equal(off("wait_queue_t", "task_list"), 12);
  assert.equal((layout("wait_queue_head_t") as Layout).size, 16);
  assert.equal((layout("timer_list") as Layout).size, 36);
  assert.equal(off("timer_list", "function"), 24);
  assert.equal((layout("work_struct") as Layout).size, 60);
  assert.equal(off("work_struct", "timer"), 24);
  assert.equal(off("mm_struct", "ioctx_list"), 36);
  assert.equal(off("file", "f_op"), 16);
  assert.equal(off("file", "f_pos"), 36);          // a 64-bit field, 4-byte aligned on i386
  assert.equal((layout("iocb") as Layout).size, 64);
  assert.equal(off("iocb", "aio_fildes"), 20);
  assert.equal((layout("io_event") as Layout).size, 32);
});

test("a machine boots: every class matches the generated layout", async () => {
  const m = await Machine.boot({ overrides: { cpus: 1 } });
  assert.equal(m.ex.cpu_count(), 1);
});

test("the kernel's primitives are exported under their kernel names with C arities", async () => {
  const m = await Machine.boot({ overrides: { cpus: 1 } });
  const ex = m.ex as unknown as Record<string, unknown>;
  const arity: Record<string, number> = {
    schedule: 0, wake_up_process: 1, prepare_to_wait: 3, prepare_to_wait_exclusive: 3, finish_wait: 2, __wake_up: 4,
    add_wait_queue: 2, remove_wait_queue: 2, spin_lock_irq: 1, spin_unlock_irq: 1, spin_lock_irqsave: 1,
    spin_unlock_irqrestore: 2, read_lock: 1, write_lock: 1, down_write: 1, up_write: 1, init_timer: 1, add_timer: 1,
    mod_timer: 2, del_timer_sync: 1, queue_work: 2, queue_delayed_work: 3, cancel_delayed_work: 1, flush_workqueue: 1,
    kmem_cache_free: 2, kfree: 1, copy_to_user: 3, copy_from_user: 3, put_page: 1, use_mm: 1, unuse_mm: 1, fput: 1,
  };
  for (const [name, n] of Object.entries(arity)) {
    assert.equal(typeof ex[name], "function", `${name} is not exported`);
    assert.equal((ex[name] as (...a: unknown[]) => unknown).length, n, `${name} takes ${n} arguments in C`);
  }
});
