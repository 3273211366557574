// Which fs/aio.c runs: the boot-time switches between the pre-patch text (2.6.8-rc3 +
// aio-retry + aio-splice-runlist) and 2.6.9 as merged with the seed patch
// ("aio-workqueue-context-switch-reduction"), plus each of the seed's optimisations alone.
// The host sets them once, before the first run (aio_set_variant in assembly/index.ts); the
// port reads aio_opt.* at each place the seed touches, so `grep aio_opt` lists them all.
import { BUG } from "../kernel/panic";

// Flag bits of aio_set_variant().
export const AIO_OPT1_SUBMIT_DRAIN: u32 = 1 << 0;     // io_submit runs the run list
export const AIO_OPT2_GETEVENTS_RUN: u32 = 1 << 1;    // io_getevents runs it before sleeping
export const AIO_OPT3_SINGLE_RUNNER: u32 = 1 << 2;    // ctx->running: one runner per context
export const AIO_OPT4_HZ10: u32 = 1 << 3;             // kicks queue delayed work, always HZ/10
export const AIO_OPT4_WAITER: u32 = 1 << 4;           // 1 jiffy if someone waits, else HZ/10
export const AIO_RUN_ALL: u32 = 1 << 5;               // drain until empty (aio_run_all_iocbs)
export const AIO_CANCEL_DELAYED: u32 = 1 << 6;        // force cancel_delayed_work in __put_ioctx
export const AIO_NO_CANCEL_DELAYED: u32 = 1 << 7;     // force it off (to show the B6 crash)

export const AIO_VARIANT_PREPATCH: u32 = 0;
export const AIO_VARIANT_PATCHED: u32 = AIO_OPT1_SUBMIT_DRAIN | AIO_OPT2_GETEVENTS_RUN |
  AIO_OPT4_WAITER | AIO_RUN_ALL;
export const AIO_VARIANT_ALL_FLAGS: u32 = 0xff;

export const OPT4_OFF: i32 = 0;       // pre-patch: queue_work, the worker runs at once
export const OPT4_HZ10: i32 = 1;      // the July 2004 [11/22] form: queue_delayed_work(HZ/10)
export const OPT4_WAITER: i32 = 2;    // the seed as merged: aio_queue_work()

// The decoded switches.
// @ts-ignore: decorator
@unmanaged export class aio_options {
  submit_drain: bool;        // seed opt 1
  getevents_run: bool;       // seed opt 2
  single_runner: bool;       // seed opt 3 (dropped before merge; reconstructed)
  queue_delay: i32;          // seed opt 4: OPT4_OFF / OPT4_HZ10 / OPT4_WAITER
  run_all: bool;             // aio_run_all_iocbs (seed) vs one __aio_run_iocbs pass (July)
  cancel_delayed: bool;      // cancel_delayed_work(&ctx->wq) in __put_ioctx
}

export const aio_opt: aio_options = changetype<aio_options>(memory.data(offsetof<aio_options>()));
export let aio_variant_flags: u32 = AIO_VARIANT_PATCHED;
let variant_locked = false;

// Decodes flags into aio_opt. cancel_delayed follows opt4 unless forced either way.
export function aio_variant_apply(flags: u32): void {
  if ((flags & ~AIO_VARIANT_ALL_FLAGS) != 0) BUG("aio_set_variant: unknown flag bits");
  if ((flags & AIO_OPT4_HZ10) && (flags & AIO_OPT4_WAITER)) BUG("aio_set_variant: opt4 is hz10 or waiter, not both");
  if ((flags & AIO_CANCEL_DELAYED) && (flags & AIO_NO_CANCEL_DELAYED)) BUG("aio_set_variant: cancel_delayed both forced on and off");
  aio_variant_flags = flags;
  aio_opt.submit_drain = (flags & AIO_OPT1_SUBMIT_DRAIN) != 0;
  aio_opt.getevents_run = (flags & AIO_OPT2_GETEVENTS_RUN) != 0;
  aio_opt.single_runner = (flags & AIO_OPT3_SINGLE_RUNNER) != 0;
  aio_opt.queue_delay = (flags & AIO_OPT4_WAITER) ? OPT4_WAITER : (flags & AIO_OPT4_HZ10) ? OPT4_HZ10 : OPT4_OFF;
  aio_opt.run_all = (flags & AIO_RUN_ALL) != 0;
  aio_opt.cancel_delayed = (flags & AIO_CANCEL_DELAYED) != 0 ||
    (aio_opt.queue_delay != OPT4_OFF && (flags & AIO_NO_CANCEL_DELAYED) == 0);
}

// Set by the host before the first run; refused once AIO has been used.
export function aio_set_variant_flags(flags: u32): i32 {
  if (variant_locked) return -1;
  aio_variant_apply(flags);
  return 0;
}
export function aio_variant_lock(): void { variant_locked = true; }

// The effective flags (cancel_delayed resolved), for read-outs.
export function aio_variant_effective(): u32 {
  let f: u32 = 0;
  if (aio_opt.submit_drain) f |= AIO_OPT1_SUBMIT_DRAIN;
  if (aio_opt.getevents_run) f |= AIO_OPT2_GETEVENTS_RUN;
  if (aio_opt.single_runner) f |= AIO_OPT3_SINGLE_RUNNER;
  if (aio_opt.queue_delay == OPT4_HZ10) f |= AIO_OPT4_HZ10;
  if (aio_opt.queue_delay == OPT4_WAITER) f |= AIO_OPT4_WAITER;
  if (aio_opt.run_all) f |= AIO_RUN_ALL;
  if (aio_opt.cancel_delayed) f |= AIO_CANCEL_DELAYED;
  return f;
}

aio_variant_apply(AIO_VARIANT_PATCHED);
