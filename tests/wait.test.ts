// Wait queues: wake_up wakes every non-exclusive waiter and exactly one exclusive one;
// wake_up_all wakes all; an exclusive entry whose wake function declines does not use up the one.
import { test } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { Machine } from "../host/machine.ts";

type Ex = { st_wait_exclusive(shared: number, excl: number): void; st_wait_res(i: number): number };

async function scenario(shared: number, excl: number) {
  const m = await Machine.boot({ overrides: { cpus: 1 } });
  const ex = m.ex as unknown as Ex;
  ex.st_wait_exclusive(shared, excl);
  m.run({ seconds: 0.05 });
  const woke = (i: number) => ex.st_wait_res(i);
  return { m, ex, woke, rounds: ex.st_wait_res(8), declined: ex.st_wait_res(9), round3: ex.st_wait_res(10) };
}

test("wake_up wakes every non-exclusive waiter and exactly one exclusive waiter", async () => {
  const { woke, rounds } = await scenario(2, 3);
  assert.equal(rounds, 3);
  // round 1 (wake_up): both shared, one exclusive; round 2 (wake_up_all): all five; round 3
  // (wake_up): both shared and one exclusive; the final release (wake_up_all) wakes all five.
  assert.equal(woke(0), 4);
  assert.equal(woke(1), 4);
  const exclusive = [woke(2), woke(3), woke(4)];
  assert.equal(exclusive.reduce((a, b) => a + b, 0), 1 + 3 + 1 + 3, `exclusive wake counts ${exclusive}`);
  assert.ok(exclusive.every((n) => n >= 2), "both wake_up_all rounds reached every exclusive waiter");
});

test("an exclusive entry whose wake function returns 0 does not use up wake_up's one exclusive wake-up", async () => {
  const { declined, round3 } = await scenario(2, 3);
  assert.equal(declined, 1, "the declining function ran once");
  assert.equal(round3, 2 + 1, "round 3 woke both shared waiters and one exclusive sleeper behind the declining entry");
});
