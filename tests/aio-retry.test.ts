// A kiocb's path through kick, retry and completion in the fs/aio.c port, and what each seed
// switch changes about who runs the retry and when. The scenarios run in kernel threads
// (assembly/selftest/aio.ts): a task with its own mm submits a PREAD to a test file whose
// aio_read parks the kiocb on a wait queue (-EIOCBRETRY) and arms a timer that wakes that queue
// `kickDelay` jiffies later, from timer softirq context — aio_wake_function → kick_iocb.
import { test } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { Machine, KernelPanic } from "../host/machine.ts";
import { VARIANT_BITS as B } from "../host/variant.ts";

interface AioSelftest {
  selftest_aio_kick(waiter: number, sleepJ: number, kickDelay: number, cpu: number): void;
  selftest_aio_destroy_armed(kickDelay: number, cpu: number): void;
  st_aio(i: number): bigint;
  aio_set_variant(flags: number): number;
  aio_variant(): number;
}

const S = {
  phase: 0, result: 1, steps: 2, kickJ: 3, retryJ: 4, retryPid: 5, byWorker: 6, eventRes: 7,
  eventData: 8, doneJ: 9, errno: 10, submitJ: 11, kicks: 12, wakeups: 13, workerRuns: 14,
  retries: 15, events: 16, badPut: 17, queueWork: 18, armed: 19, freedMagic: 20,
} as const;

const PREPATCH = 0;
const PATCHED = B.opt1 | B.opt2 | B.waiter | B.runAll;
const HZ10 = B.opt1 | B.opt2 | B.hz10 | B.runAll;

async function kick(flags: number, waiter: number, sleepJ: number, kickDelay = 5, seconds = 0.5) {
  const m = await Machine.boot({ overrides: { cpus: 2, hz: 1000 }, boot: (ex) => {
    assert.equal((ex as unknown as AioSelftest).aio_set_variant(flags), 0);
  } });
  const st = m.ex as unknown as AioSelftest;
  st.selftest_aio_kick(waiter, sleepJ, kickDelay, 0);
  m.run({ seconds });
  const get = (i: number) => Number(st.st_aio(i));
  return { m, st, get };
}

test("an iocb parked on a wait queue completes once its kick is retried: one event with the bytes and aio_data", async () => {
  const { get } = await kick(PATCHED, 1, 0);
  assert.equal(get(S.phase), 4, "the user thread did not reap its event");
  assert.equal(get(S.result), 1);
  assert.equal(get(S.steps), 2, "aio_read runs once at submit and once after the kick");
  assert.equal(get(S.kicks), 1);
  assert.equal(get(S.eventRes), 16);
  assert.equal(get(S.eventData), 0x1234);
  assert.equal(get(S.events), 1);
  assert.equal(get(S.kickJ), get(S.submitJ) + 5);
});

test("pre-patch: a kick wakes the aio worker at once (queue_work), and the worker runs the retry in the kick's jiffy", async () => {
  const { get } = await kick(PREPATCH, 0, 200);
  assert.equal(get(S.byWorker), 1);
  assert.equal(get(S.retryJ), get(S.kickJ));
  // pre-patch io_submit also woke the worker when the iocb had to wait, with nothing runnable
  // yet: two queue_work calls, two worker runs, one of them wasted
  assert.equal(get(S.queueWork), 2);
  assert.equal(get(S.workerRuns), 2);
  assert.equal(get(S.retries), 2);
});

test("opt4=waiter: with nobody waiting the worker runs HZ/10 (100 jiffies) after the kick", async () => {
  const { get } = await kick(PATCHED, 0, 300);
  assert.equal(get(S.byWorker), 1);
  assert.equal(get(S.retryJ) - get(S.kickJ), 100);
});

test("opt4=waiter: while a task sleeps in io_getevents the worker runs one jiffy after the kick", async () => {
  const { get } = await kick(PATCHED, 1, 0);
  assert.equal(get(S.byWorker), 1);
  assert.equal(get(S.retryJ) - get(S.kickJ), 1);
  assert.equal(get(S.doneJ) - get(S.kickJ), 1);
});

test("opt4=hz10: even with a sleeper in io_getevents the worker waits HZ/10 after the kick (the July stall)", async () => {
  const { get } = await kick(HZ10, 1, 0);
  assert.equal(get(S.byWorker), 1);
  assert.equal(get(S.retryJ) - get(S.kickJ), 100);
});

test("opt2: io_getevents runs a kicked iocb itself before sleeping, so no worker runs", async () => {
  // kicked at +5 with nobody waiting (delayed work armed for +105); the user reaps at +50
  const { get } = await kick(PATCHED, 0, 50);
  assert.equal(get(S.byWorker), 0, "the retry ran in the io_getevents caller");
  assert.equal(get(S.retryJ), get(S.submitJ) + 50);
  assert.equal(get(S.eventRes), 16);
});

test("without opt2 io_getevents sleeps and the worker's delayed run completes the iocb", async () => {
  const { get } = await kick(PATCHED & ~B.opt2, 0, 50);
  assert.equal(get(S.byWorker), 1);
  assert.equal(get(S.retryJ) - get(S.kickJ), 100);
});

interface Live { aio_kioctxs_live(): number; aio_kiocbs_live(): number; aio_stat_ctx_free(): bigint }

async function destroyArmed(flags: number) {
  const m = await Machine.boot({ overrides: { cpus: 2, hz: 1000 }, boot: (ex) => {
    assert.equal((ex as unknown as AioSelftest).aio_set_variant(flags), 0);
  } });
  const st = m.ex as unknown as AioSelftest & Live & { selftest_aio_destroy_armed(k: number, s: number, cpu: number): void };
  // kicked at +5 with nobody waiting: the work's timer is armed for +105; reaped at +50 by opt2
  st.selftest_aio_destroy_armed(5, 50, 0);
  return { m, st };
}

test("__put_ioctx cancels the armed delayed work (seed): io_destroy with the HZ/10 timer pending frees the context cleanly", async () => {
  const { m, st } = await destroyArmed(PATCHED | B.cancelDelayed);
  m.run({ seconds: 0.3 });
  assert.equal(Number(st.st_aio(S.phase)), 5);
  assert.equal(Number(st.st_aio(S.result)), 0);
  assert.equal(Number(st.st_aio(S.byWorker)), 0, "io_getevents ran the retry (opt2)");
  assert.equal(Number(st.st_aio(S.workerRuns)), 0, "the cancelled work never ran");
  assert.equal(Number(st.st_aio(S.armed)), 0, "no timer of the freed kioctx is left armed");
  assert.equal(st.aio_kioctxs_live(), 0);
  assert.equal(st.aio_kiocbs_live(), 0);
});

test("without cancel_delayed_work the kioctx is freed with its work's timer armed; the timer list finds the slab poison at the next tick, before the old expiry (B6)", async () => {
  const { m, st } = await destroyArmed(PATCHED | B.noCancelDelayed);
  // destroyed at about +55 with the work's timer due at +105
  assert.throws(() => m.run({ seconds: 0.3 }), (e: unknown) => {
    assert.ok(e instanceof KernelPanic, String(e));
    assert.match(e.bugMessage, /^run_timers: timer_list 0x[0-9a-f]+ on CPU 0's timer list has bad magic 0x6b6b6b6b \(slab free poison: freed while armed\)$/);
    assert.ok(e.jiffies <= 105, `caught at jiffy ${e.jiffies}, at or before the old expiry`);
    return true;
  });
  assert.equal(Number(st.st_aio(S.phase)), 5, "io_destroy itself returned");
  assert.equal(Number(st.st_aio(S.armed)), 1, "the freed kioctx's timer was left on a timer list");
  assert.equal(Number(st.st_aio(S.freedMagic)) >>> 0, 0x6b6b6b6b, "its memory holds the slab's free poison");
  assert.equal(Number(st.st_aio(S.workerRuns)), 0, "the work never ran");
});
