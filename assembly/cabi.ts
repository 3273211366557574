// The kernel's primitives exported under their kernel names, with C-compatible signatures
// (pointers are i32 addresses of structs in the i386 layout of include/linux/layout.ts; function
// pointers are table indices). This is the face the original C fs/aio.c links against when it
// is compiled to wasm and merged with this module (the C reference of docs/cref-diff.md); the
// simulator itself does not call through it. Only re-exports: nothing is defined here.
export { schedule, wake_up_process, try_to_wake_up, signal_pending } from "./kernel/sched";
export { prepare_to_wait, prepare_to_wait_exclusive, finish_wait, add_wait_queue, add_wait_queue_exclusive,
         remove_wait_queue, __wake_up, default_wake_function, autoremove_wake_function } from "./kernel/wait";
export { spin_lock, spin_unlock, spin_lock_irq, spin_unlock_irq, spin_lock_irqsave, spin_unlock_irqrestore,
         read_lock, read_unlock, write_lock, write_unlock } from "./kernel/spinlock";
export { down_read, up_read, down_write, up_write } from "./kernel/rwsem";
export { init_timer, add_timer, mod_timer, del_timer, del_timer_sync, del_singleshot_timer_sync,
         timespec_to_jiffies } from "./kernel/timer";
export { queue_work, queue_delayed_work, cancel_delayed_work, flush_workqueue } from "./kernel/workqueue";
export { kmem_cache_alloc, kmem_cache_free, kmalloc, kfree } from "./mm/slab";
export { copy_to_user, copy_from_user, access_ok } from "./mm/uaccess";
export { get_user_pages } from "./mm/memory";
export { put_page } from "./mm/page_alloc";
export { use_mm, unuse_mm, mmdrop, mmput } from "./kernel/fork";
export { fget, fput } from "./fs/file";
