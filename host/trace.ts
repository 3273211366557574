// Decodes the kernel's binary trace records into the canonical text form and hashes it
// (SHA-256, incrementally). docs/trace.md documents every line format.
import { sha256 } from "@noble/hashes/sha256";
import { bytesToHex } from "@noble/hashes/utils";

export const TRACE_RECORD_BYTES = 48;
const KIND_SWITCH = 1, KIND_SYSCALL = 2, KIND_TIMER = 3, KIND_WORK = 4, KIND_WAKEUP = 5, KIND_EXIT = 6, KIND_IRQ = 7;

export function formatRecord(dv: DataView, off: number): string {
  const cycle = dv.getBigUint64(off, true);
  const kind = dv.getInt32(off + 8, true);
  const cpu = dv.getInt32(off + 12, true);
  const a = (i: number) => dv.getInt32(off + 16 + 4 * i, true);
  const head = `${cycle} cpu${cpu}`;
  switch (kind) {
    case KIND_SWITCH: return `${head} switch ${a(0)}->${a(1)} prev_state=${a(2)}`;
    case KIND_SYSCALL: return `${head} syscall pid=${a(0)} nr=${a(1)} args=${a(2)},${a(3)},${a(4)},${a(5)},${a(6)} ret=${a(7)}`;
    case KIND_TIMER: return `${head} timer fn=${a(0)} data=${a(1) >>> 0} jiffies=${a(2) >>> 0}`;
    case KIND_WORK: return `${head} work fn=${a(0)} data=${a(1) >>> 0} worker=${a(2)}`;
    case KIND_WAKEUP: return `${head} wakeup pid=${a(0)} cpu=${a(1)} by=${a(2)}`;
    case KIND_EXIT: return `${head} exit pid=${a(0)} code=${a(1)}`;
    case KIND_IRQ: return `${head} irq kind=${a(0)} data=${a(1)}`;
    default: return `${head} kind${kind} ${[0, 1, 2, 3, 4, 5, 6, 7].map(a).join(",")}`;
  }
}

export class TraceSink {
  private hash = sha256.create();
  private enc = new TextEncoder();
  readonly lines: string[] | null;
  records = 0;
  constructor(keepLines: boolean) { this.lines = keepLines ? [] : null; }

  // Called with a view of n records at the given offset of the wasm memory.
  take(buf: ArrayBuffer, ptr: number, n: number): void {
    const dv = new DataView(buf, ptr, n * TRACE_RECORD_BYTES);
    for (let i = 0; i < n; i++) {
      const line = formatRecord(dv, i * TRACE_RECORD_BYTES);
      this.hash.update(this.enc.encode(line + "\n"));
      this.lines?.push(line);
    }
    this.records += n;
  }

  digest(): string { return bytesToHex(this.hash.clone().digest()); }
}
