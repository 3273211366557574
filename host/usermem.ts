// A process's view of its simulated address space, for host programs (user-mode accesses).
// Goes through the process's page tables: an unmapped page throws, like a segfault would.
import type { KernelExports } from "./loader.ts";

export class UserMemory {
  constructor(private ex: KernelExports, readonly pid: number) {}

  // Linear-memory address of user address `ua`, or throws. `write` checks the page is writable.
  private page(ua: number, write: boolean): number {
    const ex = this.ex as unknown as { user_translate?: (pid: number, ua: number, w: number) => number };
    if (!ex.user_translate) throw new Error("usermem: this kernel build has no user address spaces yet");
    const p = ex.user_translate(this.pid, ua >>> 0, write ? 1 : 0) >>> 0;
    if (!p) throw new Error(`usermem: pid ${this.pid}: ${write ? "write to" : "read from"} unmapped or protected address 0x${(ua >>> 0).toString(16)}`);
    return p;
  }

  read(ua: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const a = (ua + done) >>> 0;
      const chunk = Math.min(n - done, 4096 - (a & 4095));
      const p = this.page(a, false);
      out.set(new Uint8Array(this.ex.memory.buffer, p, chunk), done);
      done += chunk;
    }
    return out;
  }

  write(ua: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const a = (ua + done) >>> 0;
      const chunk = Math.min(data.length - done, 4096 - (a & 4095));
      const p = this.page(a, true);
      new Uint8Array(this.ex.memory.buffer, p, chunk).set(data.subarray(done, done + chunk));
      done += chunk;
    }
  }

  u32(ua: number): number { return new DataView(this.read(ua, 4).buffer).getUint32(0, true); }
  i32(ua: number): number { return new DataView(this.read(ua, 4).buffer).getInt32(0, true); }
  u64(ua: number): bigint { return new DataView(this.read(ua, 8).buffer).getBigUint64(0, true); }
  i64(ua: number): bigint { return new DataView(this.read(ua, 8).buffer).getBigInt64(0, true); }
  setU32(ua: number, v: number): void { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, true); this.write(ua, b); }
  setU64(ua: number, v: bigint): void { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true); this.write(ua, b); }
  cstring(ua: number, s: string): void { this.write(ua, new TextEncoder().encode(s + "\0")); }
}
