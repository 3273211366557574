// struct pipe_inode_info and the PIPE_* accessors of include/linux/pipe_fs_i.h (2.6.9): one page of
// circular buffer (start, len), reader/writer counts, and the wait queue both sides sleep on.
import { wait_queue_head_t } from "./wait";
import { inode } from "./fs";
import { semaphore } from "../../kernel/semaphore";
import { PAGE_SIZE } from "../../mm/page_alloc";

export const PIPEFS_MAGIC: u32 = 0x50495045;
export const PIPE_BUF: u32 = 4096;             // writes up to this size are atomic (limits.h)
export const PIPE_SIZE: u32 = <u32>PAGE_SIZE;  // the buffer itself: one page

// struct pipe_inode_info — 56 bytes
//   0 wait (16)  16 base  20 len  24 start  28 readers  32 writers  36 waiting_writers
//  40 r_counter  44 w_counter  48 fasync_readers  52 fasync_writers
// @ts-ignore: decorator
@unmanaged export class pipe_inode_info {
  wait_lock_slock: u32;
  wait_lock_dep: u32;
  wait_task_list_next: usize;
  wait_task_list_prev: usize;
  base: usize;
  len: u32;
  start: u32;
  readers: u32;
  writers: u32;
  waiting_writers: u32;
  r_counter: u32;
  w_counter: u32;
  fasync_readers: usize;
  fasync_writers: usize;

  // @ts-ignore: decorator
  @inline get wait(): wait_queue_head_t { return changetype<wait_queue_head_t>(changetype<usize>(this)); }
}

// The macros, taking the inode as C does.
// @ts-ignore: decorator
@inline export function PIPE_INFO(i: inode): pipe_inode_info { return changetype<pipe_inode_info>(i.i_pipe); }
// @ts-ignore: decorator
@inline export function PIPE_SEM(i: inode): semaphore { return i.i_sem; }
// @ts-ignore: decorator
@inline export function PIPE_WAIT(i: inode): wait_queue_head_t { return PIPE_INFO(i).wait; }
// @ts-ignore: decorator
@inline export function PIPE_BASE(i: inode): usize { return PIPE_INFO(i).base; }
// @ts-ignore: decorator
@inline export function PIPE_START(i: inode): u32 { return PIPE_INFO(i).start; }
// @ts-ignore: decorator
@inline export function PIPE_LEN(i: inode): u32 { return PIPE_INFO(i).len; }
// @ts-ignore: decorator
@inline export function PIPE_READERS(i: inode): u32 { return PIPE_INFO(i).readers; }
// @ts-ignore: decorator
@inline export function PIPE_WRITERS(i: inode): u32 { return PIPE_INFO(i).writers; }
// @ts-ignore: decorator
@inline export function PIPE_WAITING_WRITERS(i: inode): u32 { return PIPE_INFO(i).waiting_writers; }
// @ts-ignore: decorator
@inline export function PIPE_EMPTY(i: inode): bool { return PIPE_LEN(i) == 0; }
// @ts-ignore: decorator
@inline export function PIPE_FULL(i: inode): bool { return PIPE_LEN(i) == PIPE_SIZE; }
// @ts-ignore: decorator
@inline export function PIPE_FREE(i: inode): u32 { return PIPE_SIZE - PIPE_LEN(i); }
// @ts-ignore: decorator
@inline export function PIPE_END(i: inode): u32 { return (PIPE_START(i) + PIPE_LEN(i)) & (PIPE_SIZE - 1); }
// @ts-ignore: decorator
@inline export function PIPE_MAX_RCHUNK(i: inode): u32 { return PIPE_SIZE - PIPE_START(i); }
// @ts-ignore: decorator
@inline export function PIPE_MAX_WCHUNK(i: inode): u32 { return PIPE_SIZE - PIPE_END(i); }
