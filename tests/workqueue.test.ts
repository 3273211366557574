// Workqueues (kernel/workqueue.ts) with 2.6.9's rules: a pending delay is never shortened,
// delay 0 waits for the next tick, flush waits only for what was queued before it, cancel
// removes an armed timer, and a work's pending bit is cleared before its function runs, so it
// can run on two CPUs at once. Scenarios run in kernel threads on a test workqueue "stwq"
// (assembly/selftest/workqueue.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { Machine } from "../host/machine.ts";

interface WqSelftest {
  st_wq_res(i: number): bigint;
  st_wq_delay_twice(cpu: number): void;
  st_wq_delay_zero(cpu: number): void;
  st_wq_flush(cpu: number): void;
  st_wq_cancel(cpu: number): void;
  st_wq_concurrent(cpuA: number, cpuB: number): void;
  st_wq_requeue_self(cpu: number): void;
  st_wq_ptr(): number;
  wq_lookup(nameLen: number): number;
  wq_works_run(wq: number, cpu: number): number;
  wq_worker_wakeups(wq: number, cpu: number): number;
  wq_worker_pid(wq: number, cpu: number): number;
  scratch(): number;
  task_iter(t: number): number;
  task_pid(t: number): number;
  task_comm(t: number): number;
  task_cpu(t: number): number;
}

// Result slots of assembly/selftest/workqueue.ts.
const R = { j0: 0, ret1: 1, ret2: 2, ret3: 3, j1: 4, j2: 5, maxActive: 6, done: 7, snap: 40 } as const;
// Per work k: slot 8 + 8k + field.
const W = { runs: 0, j1: 1, j2: 2, cpu1: 3, cpu2: 4, pid1: 5, pid2: 6, finished1: 7 } as const;
const A = 0, B = 1, D = 2;

async function scenario(start: (st: WqSelftest) => void, seconds = 0.1) {
  const m = await Machine.boot({ overrides: { cpus: 2, hz: 1000 } });
  const st = m.ex as unknown as WqSelftest;
  start(st);
  const r = m.run({ seconds });
  assert.equal(r.reason, "time");
  const get = (slot: number) => Number(st.st_wq_res(slot));
  const work = (k: number, field: number) => get(8 + 8 * k + field);
  assert.equal(get(R.done), 1, "the scenario's thread did not finish");
  const wq = st.st_wq_ptr();
  const workerPid = (cpu: number) => st.wq_worker_pid(wq, cpu);
  return { m, st, get, work, wq, workerPid };
}

test("a second queue_delayed_work does not shorten a pending delay: the work runs at the first delay's jiffy", async () => {
  const { get, work, workerPid } = await scenario((st) => st.st_wq_delay_twice(0));
  assert.equal(get(R.ret1), 1);
  assert.equal(get(R.j1), get(R.j0) + 2);
  assert.equal(get(R.ret2), 0);                         // still pending: refused
  assert.equal(work(A, W.runs), 1);
  assert.equal(work(A, W.j1), get(R.j0) + 10);          // not j1 + 1
  assert.equal(work(A, W.cpu1), 0);
  assert.equal(work(A, W.pid1), workerPid(0));
});

test("queue_delayed_work with delay 0 runs at the next tick, while queue_work runs in the same jiffy", async () => {
  const { get, work, workerPid } = await scenario((st) => st.st_wq_delay_zero(1));
  assert.equal(get(R.ret1), 1);
  assert.equal(get(R.ret2), 1);
  assert.equal(get(R.j1), get(R.j0));
  assert.equal(get(R.snap), 0);                         // not run by the time queue_delayed_work returned
  assert.equal(work(A, W.runs), 1);
  assert.equal(work(A, W.j1), get(R.j0) + 1);
  assert.equal(work(B, W.runs), 1);
  assert.equal(work(B, W.j1), get(R.j0));
  assert.equal(work(A, W.pid1), workerPid(1));
  assert.equal(work(B, W.pid1), workerPid(1));
});

test("flush_workqueue waits for work queued before it, not for work queued during it nor for an armed delayed work", async () => {
  const { get, work } = await scenario((st) => st.st_wq_flush(0));
  const snap = (k: number, finished: 0 | 1) => get(R.snap + 8 * k + finished);
  assert.equal(get(R.ret1), 1);
  assert.equal(get(R.ret2), 1);
  assert.equal(get(R.ret3), 1);
  assert.ok(get(R.j2) > get(R.j0), "B was not queued after the flush began");
  // flush returned when A (5 jiffies of sleep) finished
  assert.equal(get(R.j1), get(R.j0) + 5);
  assert.equal(snap(A, 1), 1);
  // B, queued during the flush behind A, had not finished; D's timer had not fired
  assert.equal(snap(B, 1), 0);
  assert.equal(snap(D, 0), 0);
  // both ran later: B after A, D at its own jiffy
  assert.equal(work(B, W.runs), 1);
  assert.equal(work(B, W.finished1), 1);
  assert.equal(work(D, W.runs), 1);
  assert.equal(work(D, W.j1), get(R.j0) + 50);
});

test("cancel_delayed_work stops an armed delayed work and clears pending so it can be queued again", async () => {
  const { get, work } = await scenario((st) => st.st_wq_cancel(0));
  assert.equal(get(R.ret1), 1);
  assert.equal(get(R.ret2), 1);                         // a pending timer was removed
  assert.equal(get(R.snap), 0);                         // pending bit cleared
  assert.equal(get(R.snap + 1), 0);                     // did not run at j0 + 5
  assert.equal(get(R.ret3), 1);                         // queueing it again is accepted
  assert.equal(work(A, W.runs), 1);
  assert.equal(work(A, W.j1), get(R.j1) + 3);
  assert.equal(get(R.snap + 2), 0);                     // cancel after it ran: nothing removed
});

test("a work queued again from the other CPU while its function runs runs there at the same time", async () => {
  const { st, get, work, wq, workerPid } = await scenario((st) => st.st_wq_concurrent(0, 1));
  assert.equal(get(R.ret1), 1);
  assert.equal(get(R.ret2), 1);                         // pending was cleared before the function ran
  assert.equal(get(R.maxActive), 2);
  assert.equal(work(A, W.runs), 2);
  assert.deepEqual([work(A, W.cpu1), work(A, W.cpu2)], [0, 1]);
  assert.deepEqual([work(A, W.pid1), work(A, W.pid2)], [workerPid(0), workerPid(1)]);
  assert.ok(work(A, W.j2) < work(A, W.j1) + 4, "second run did not start while the first slept");
  assert.equal(st.wq_works_run(wq, 0), 1);
  assert.equal(st.wq_works_run(wq, 1), 1);
  assert.equal(st.wq_worker_wakeups(wq, 0), 1);
  assert.equal(st.wq_worker_wakeups(wq, 1), 1);
});

test("a work can queue itself again from its own function and then runs twice on that CPU", async () => {
  const { get, work, workerPid } = await scenario((st) => st.st_wq_requeue_self(1));
  assert.equal(get(R.ret1), 1);
  assert.equal(get(R.ret3), 1);
  assert.equal(work(3, W.runs), 2);
  assert.deepEqual([work(3, W.cpu1), work(3, W.cpu2)], [1, 1]);
  assert.deepEqual([work(3, W.pid1), work(3, W.pid2)], [workerPid(1), workerPid(1)]);
});

test("keventd runs one worker per CPU, named events/N and bound to CPU N", async () => {
  const m = await Machine.boot({ overrides: { cpus: 2 } });
  const st = m.ex as unknown as WqSelftest;
  const name = new TextEncoder().encode("events");
  new Uint8Array(m.ex.memory.buffer, st.scratch(), 16).fill(0).set(name);
  const wq = st.wq_lookup(name.length);
  assert.notEqual(wq, 0);
  m.run({ seconds: 0.01 });
  const comm = (t: number) => {
    const b = new Uint8Array(m.ex.memory.buffer, st.task_comm(t) >>> 0, 16);
    return new TextDecoder().decode(b.subarray(0, b.indexOf(0)));
  };
  for (const cpu of [0, 1]) {
    const pid = st.wq_worker_pid(wq, cpu);
    let found = 0;
    for (let t = st.task_iter(0) >>> 0; t; t = st.task_iter(t) >>> 0) {
      if (st.task_pid(t) !== pid) continue;
      found++;
      assert.equal(comm(t), `events/${cpu}`);
      assert.equal(st.task_cpu(t), cpu);
    }
    assert.equal(found, 1);
    assert.equal(st.wq_works_run(wq, cpu), 0);
  }
});
