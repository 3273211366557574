// The one source of the C-visible struct layouts (i386, 2.6.9 era): every struct that C code
// and the AssemblyScript kernel both touch, field by field with its C type. scripts/gen-layout.mjs
// turns it into assembly/include/linux/layout.ts (offsets the kernel checks at boot against its
// @unmanaged classes) and into a C header for the C reference build. Pointers and longs are 4
// bytes; 64-bit fields are 4-byte aligned inside structs, as gcc does for i386.
//
// A field is [name, type] or [name, type, asName] when the AS class spells it differently
// (embedded structs are flattened there: `lock` of a wait_queue_head_t is `lock_slock`).
export const STRUCTS = {
  list_head: [["next", "ptr"], ["prev", "ptr"]],
  spinlock_t: [["slock", "u32"], ["dep", "u32"]],
  rwlock_t: [["lock", "u32"], ["dep", "u32"]],
  atomic_t: [["counter", "i32"]],
  rw_semaphore: [["count", "i32"], ["wait_lock", "spinlock_t"], ["wait_list", "list_head"]],
  wait_queue_t: [["flags", "u32"], ["task", "ptr"], ["func", "ptr"], ["task_list", "list_head"]],
  wait_queue_head_t: [["lock", "spinlock_t"], ["task_list", "list_head"]],
  timer_list: [["entry", "list_head"], ["expires", "long"], ["lock", "spinlock_t"], ["magic", "long"],
    ["function", "ptr"], ["data", "long"], ["base", "ptr"]],
  work_struct: [["pending", "long"], ["entry", "list_head"], ["func", "ptr"], ["data", "ptr"], ["wq_data", "ptr"],
    ["timer", "timer_list"]],
  task_struct: [["state", "long"], ["flags", "long"], ["mm", "ptr"], ["active_mm", "ptr"], ["io_wait", "ptr"],
    ["alloc_lock", "spinlock_t"], ["pid", "i32"]],
  mm_struct: [["mm_users", "atomic_t", "mm_users"], ["mm_count", "atomic_t", "mm_count"], ["mmap_sem", "rw_semaphore"],
    ["ioctx_list_lock", "rwlock_t"], ["ioctx_list", "ptr"]],
  file: [["f_list", "list_head"], ["f_dentry", "ptr"], ["f_vfsmnt", "ptr"], ["f_op", "ptr"], ["f_count", "atomic_t", "f_count"],
    ["f_flags", "u32"], ["f_mode", "u32"], ["f_error", "i32"], ["f_pos", "i64", "f_pos_lo"], ["f_uid", "u32"], ["f_gid", "u32"],
    ["f_version", "long"], ["private_data", "ptr"], ["f_mapping", "ptr"]],
  file_operations: [["owner", "ptr"], ["llseek", "ptr"], ["read", "ptr"], ["aio_read", "ptr"], ["write", "ptr"],
    ["aio_write", "ptr"], ["readdir", "ptr"], ["poll", "ptr"], ["ioctl", "ptr"], ["mmap", "ptr"], ["open", "ptr"],
    ["flush", "ptr"], ["release", "ptr"], ["fsync", "ptr"], ["aio_fsync", "ptr"]],
  iocb: [["aio_data", "u64"], ["aio_key", "u32"], ["aio_reserved1", "u32"], ["aio_lio_opcode", "u16"],
    ["aio_reqprio", "i16"], ["aio_fildes", "u32"], ["aio_buf", "u64"], ["aio_nbytes", "u64"], ["aio_offset", "i64"],
    ["aio_reserved2", "u64"], ["aio_reserved3", "u64"]],
  io_event: [["data", "u64"], ["obj", "u64"], ["res", "i64"], ["res2", "i64"]],
};

// Which structs are complete (their size is checked too) rather than a prefix of a larger one.
export const COMPLETE = ["list_head", "spinlock_t", "rwlock_t", "atomic_t", "rw_semaphore", "wait_queue_t",
  "wait_queue_head_t", "timer_list", "work_struct", "iocb", "io_event"];

// Where each struct's AssemblyScript class lives (relative to assembly/kernel/).
export const CLASSES = {
  list_head: "../include/linux/list", spinlock_t: "../include/linux/spinlock", rwlock_t: "../include/linux/spinlock",
  atomic_t: "../include/linux/spinlock", rw_semaphore: "../include/linux/spinlock", wait_queue_t: "../include/linux/wait",
  wait_queue_head_t: "../include/linux/wait", timer_list: "../include/linux/timer", work_struct: "../include/linux/workqueue",
  task_struct: "../include/linux/sched", mm_struct: "../include/linux/sched", file: "../include/linux/fs",
  file_operations: "../include/linux/fs", iocb: "../include/linux/aio_abi", io_event: "../include/linux/aio_abi",
};
