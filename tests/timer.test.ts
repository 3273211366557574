// Kernel timers (kernel/timer.ts) as 2.6.9 runs them: a timer fires in the softirq of the tick
// whose jiffies reaches its expiry, never earlier; mod_timer re-arms and moves it to the
// calling CPU; del_timer_sync waits for a handler running elsewhere; timespec_to_jiffies rounds
// with i386 2.6.9's arithmetic. Scenarios run in kernel threads (assembly/selftest/timer.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { Machine } from "../host/machine.ts";

interface TimerSelftest {
  st_timer_res(i: number): bigint;
  st_timer_fire(delay: number, cpu: number): void;
  st_timer_mod(cpuArm: number, cpuMod: number): void;
  st_timer_del_running(handlerCpu: number, spinJiffies: number, sync: number): void;
  st_timer_del_pending(cpu: number): void;
  st_timespec_to_jiffies(sec: number, nsec: number): number;
}

// Result slots of assembly/selftest/timer.ts.
const R = {
  armJ: 0, fires: 1, fireJ: 2, fireCpu: 6, fireClock: 7, softirq: 8, sleepJ0: 9, sleepJ1: 10,
  sleepRet: 11, modJ: 12, modRet: 13, mod2J: 14, mod2Ret: 15, hStart: 16, hEnd: 17, delCall: 18,
  delRet: 19, delRetClock: 20, doneAtRet: 21, syncWaits: 22, delAgain: 23, pendingBefore: 24,
  pendingAfter: 25, anyBefore: 26, anyAfter: 27, done: 28,
} as const;

const KHZ = 2_800_000;

async function scenario(hz: 100 | 1000, start: (st: TimerSelftest) => void, seconds: number) {
  const m = await Machine.boot({ overrides: { cpus: 2, hz, khz: KHZ } });
  const st = m.ex as unknown as TimerSelftest;
  start(st);
  const r = m.run({ seconds });
  assert.equal(r.reason, "time");
  const get = (slot: number) => Number(st.st_timer_res(slot));
  assert.equal(get(R.done), 1, "the scenario's thread did not finish");
  return { m, st, get, cyclesPerJiffy: (KHZ * 1000) / hz };
}

for (const hz of [1000, 100] as const) {
  test(`a timer armed for jiffies + 5 fires at exactly that jiffy's tick at HZ ${hz}`, async () => {
    const { get, cyclesPerJiffy } = await scenario(hz, (st) => st.st_timer_fire(5, 1), 30 / hz);
    assert.equal(get(R.pendingBefore), 1);
    assert.equal(get(R.fires), 1);
    assert.equal(get(R.fireJ), get(R.armJ) + 5);
    // it ran inside that tick: the CPU clock is within jiffy fireJ, in softirq context, on CPU 1
    assert.equal(Math.floor(get(R.fireClock) / cyclesPerJiffy), get(R.fireJ));
    assert.equal(get(R.softirq), 1);
    assert.equal(get(R.fireCpu), 1);
  });

  test(`schedule_timeout(3) sleeps exactly 3 jiffies and returns 0 at HZ ${hz}`, async () => {
    const { get } = await scenario(hz, (st) => st.st_timer_fire(5, 0), 30 / hz);
    assert.equal(get(R.sleepJ1) - get(R.sleepJ0), 3);
    assert.equal(get(R.sleepRet), 0);
  });
}

for (const delay of [0, -3]) {
  test(`a timer armed already due (expires = jiffies ${delay < 0 ? delay : "+ 0"}) fires at the next tick, not at once`, async () => {
    const { get } = await scenario(1000, (st) => st.st_timer_fire(delay, 0), 0.02);
    assert.equal(get(R.pendingBefore), 1, "add_timer ran the handler instead of arming it");
    assert.equal(get(R.fires), 1);
    assert.equal(get(R.fireJ), get(R.armJ) + 1);
  });
}

test("mod_timer of a pending timer re-arms it for the new jiffy on the calling CPU; of a fired one arms it afresh", async () => {
  const { get } = await scenario(1000, (st) => st.st_timer_mod(0, 1), 0.05);
  assert.equal(get(R.modJ), get(R.armJ) + 2);
  assert.equal(get(R.modRet), 1);                       // it was pending
  assert.equal(get(R.fireJ), get(R.modJ) + 5);          // not at armJ + 10
  assert.equal(get(R.mod2Ret), 0);                      // it had fired
  assert.equal(get(R.fireJ + 1), get(R.mod2J) + 3);
  assert.equal(get(R.fires), 2);
  assert.equal(get(R.fireCpu), 1);                      // armed on CPU 0, moved to CPU 1
});

test("del_timer_sync waits for the timer's handler running on the other CPU", async () => {
  const { get, cyclesPerJiffy } = await scenario(1000, (st) => st.st_timer_del_running(1, 3, 1), 0.05);
  assert.equal(get(R.fireCpu), 1);
  assert.ok(get(R.hEnd) - get(R.hStart) >= 3 * cyclesPerJiffy, "the handler was not busy for 3 jiffies");
  assert.ok(get(R.delCall) < get(R.hEnd), "del_timer_sync was called after the handler ended");
  assert.equal(get(R.delRet), 0);                       // the timer had already fired
  assert.equal(get(R.doneAtRet), 1);
  assert.ok(get(R.delRetClock) >= get(R.hEnd), `returned at ${get(R.delRetClock)}, handler ended at ${get(R.hEnd)}`);
  assert.equal(get(R.syncWaits), 1);
});

test("del_timer does not wait for a handler running on the other CPU", async () => {
  const { get } = await scenario(1000, (st) => st.st_timer_del_running(1, 3, 0), 0.05);
  assert.equal(get(R.delRet), 0);
  assert.equal(get(R.doneAtRet), 0);
  assert.ok(get(R.delRetClock) < get(R.hEnd));
  assert.equal(get(R.syncWaits), 0);
});

test("del_timer of a pending timer disarms it: it never fires and timers_pending() drops to false", async () => {
  const { get } = await scenario(1000, (st) => st.st_timer_del_pending(0), 0.03);
  assert.equal(get(R.pendingBefore), 1);
  assert.equal(get(R.anyBefore), 1);
  assert.equal(get(R.delRet), 1);
  assert.equal(get(R.pendingAfter), 0);
  assert.equal(get(R.anyAfter), 0);
  assert.equal(get(R.delAgain), 0);
  assert.equal(get(R.fires), 0);
});

// Expected values follow include/linux/time.h of 2.6.9 on i386: TICK_NSEC is 999848 ns at
// HZ=1000 (the i8254's 1193182 Hz divided by LATCH 1193) and exactly 10 ms at HZ=100; tv_nsec
// is summed with TICK_NSEC - 1 in 32 bits and sign-extended; seconds saturate.
const TSJ: Record<100 | 1000, [number, number, number][]> = {
  1000: [
    [0, 0, 0], [0, 1, 1], [0, -1, 0],
    [0, 1_000_000, 2],           // 1 ms is a little more than one 999848 ns tick
    [0, 10_000_000, 11],
    [1, 0, 1001], [0, 999_999_999, 1001], [2, 500_000_000, 2501],
    [0, -1_000_000, 8191],       // small negative tv_nsec: the sum goes negative, then wraps
    [0, -2_000_000_000, 6192], [0, 2_147_483_647, 6045],
    [4294, 0, 4294653],
    [-1, 0, 2147483417], [0x7fffffff, 0, 2147483417], [2147484, 0, 2147483417],
  ],
  100: [
    [0, 0, 0], [0, 1, 1], [0, -1, 0], [0, 1_000_000, 1], [0, 10_000_000, 1],
    [1, 0, 100], [0, 999_999_999, 100], [2, 500_000_000, 250],
    [0, -1_000_000, 0], [0, -2_000_000_000, 824], [0, 2_147_483_647, 810],
    [-1, 0, 2147483600], [21474836, 0, 2147483600],
  ],
};

for (const hz of [1000, 100] as const) {
  test(`timespec_to_jiffies rounds, wraps and saturates as i386 2.6.9 does at HZ ${hz}`, async () => {
    const m = await Machine.boot({ overrides: { cpus: 1, hz } });
    const st = m.ex as unknown as TimerSelftest;
    for (const [sec, nsec, want] of TSJ[hz]) {
      assert.equal(st.st_timespec_to_jiffies(sec, nsec) >>> 0, want, `{${sec}, ${nsec}}`);
    }
  });
}
