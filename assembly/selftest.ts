// Test-only exports: kernel self-test scenarios that node:test files drive (design.md,
// "Exports"). A second build entry beside assembly/index.ts; nothing in the kernel imports it.
export { selftest_bug_at } from "./selftest/machine";
export {
  selftest_locks_done, selftest_lock_order, selftest_lock_chain, selftest_irq_timer, selftest_b4,
  selftest_contend, selftest_misuse, selftest_might_sleep, selftest_hang_setup, selftest_trylock_order,
} from "./selftest/locks";
export {
  st_timer_res, st_timer_fire, st_timer_mod, st_timer_del_running, st_timer_del_pending,
  st_timespec_to_jiffies,
} from "./selftest/timer";
export {
  st_wq_res, st_wq_delay_twice, st_wq_delay_zero, st_wq_flush, st_wq_cancel, st_wq_concurrent,
  st_wq_requeue_self, st_wq_ptr,
} from "./selftest/workqueue";
export { selftest_aio_kick, selftest_aio_destroy_armed, st_aio, selftest_aio_scenario, st_aio_iocb, st_aio_misc } from "./selftest/aio";
export {
  st_mm_res, st_mm_reset, st_mm_install, st_slab_uaf, st_slab_double_free, st_slab_overrun,
  st_slab_kfree_twice, st_slab_try, st_slab_cache, st_rwsem_fifo, st_use_mm,
} from "./selftest/mm";
export { st_fs, st_fs_pipe_retry, st_fs_page_retry, st_fs_dio_async } from "./selftest/fs";
export { st_wait_exclusive, st_wait_res } from "./selftest/wait";
