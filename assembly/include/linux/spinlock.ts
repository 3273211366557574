// Lock types shared by C and AS. i386 2.6.9 with CONFIG_DEBUG_SPINLOCK puts a second word
// beside the lock word; ours holds the index of the lock's debug record (kernel/spinlock.ts):
// class, owner, last CPU, acquisition time — what lockdep-lite and the statistics need.

// spinlock_t — 8 bytes
//   0        4        8
//   +--------+--------+
//   | slock  |  dep   |     slock: 1 unlocked, 0 locked (i386 convention)
//   +--------+--------+
// @ts-ignore: decorator
@unmanaged export class spinlock_t {
  slock: u32;
  dep: u32;
}

// rwlock_t — 8 bytes
//   0        4        8
//   +--------+--------+
//   |  lock  |  dep   |     lock: RW_LOCK_BIAS unlocked; readers take 1, a writer takes the bias
//   +--------+--------+
// @ts-ignore: decorator
@unmanaged export class rwlock_t {
  lock: u32;
  dep: u32;
}
export const RW_LOCK_BIAS: u32 = 0x01000000;

// struct rw_semaphore — 20 bytes
//   0        4                 12                20
//   +--------+--------+--------+--------+--------+
//   | count  |    wait_lock    |    wait_list    |
//   +--------+--------+--------+--------+--------+
//   count: 0 free, >0 readers, -1 a writer
// @ts-ignore: decorator
@unmanaged export class rw_semaphore {
  count: i32;
  wait_lock_slock: u32;
  wait_lock_dep: u32;
  wait_list_next: usize;
  wait_list_prev: usize;
}

// atomic_t — 4 bytes: { counter }
// @ts-ignore: decorator
@unmanaged export class atomic_t {
  counter: i32;
}
