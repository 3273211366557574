// Inodes and dentries: allocation, reference counts and release (fs/inode.c, fs/dcache.c of
// 2.6.9, cut to what an in-memory filesystem and pipefs need). There is no inode hash and no
// dentry cache: a regular file's inode lives as long as a name (dentry in the flat directory of
// fs/open.ts) or an open file refers to it; a pipe's only as long as its files.
import { list_head, INIT_LIST_HEAD, list_add, list_del_init } from "../include/linux/list";
import { inode, dentry, address_space } from "../include/linux/fs";
import { kmem_cache_t, kmem_cache_create, kmem_cache_alloc, kmem_cache_free } from "../mm/slab";
import { lock_class_register, spin_lock_init } from "../kernel/spinlock";
import { init_MUTEX } from "../kernel/semaphore";
import { BUG } from "../kernel/panic";
import { truncate_inode_pages } from "../mm/filemap";

let inode_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);
let dentry_cachep: kmem_cache_t = changetype<kmem_cache_t>(0);
let i_sem_class: i32 = 0;
let tree_lock_class: i32 = 0;
let last_ino: u32 = 0;

// inode_in_use: every live inode, for reports and the leak check
export let inode_in_use: list_head = changetype<list_head>(memory.data(8));
export let nr_inodes: i32 = 0;
export let nr_dentries: i32 = 0;

// Hook for the release of a deleted regular file's blocks (fs/blockdev.ts fills it):
// (inode) => void. Kept as a slot so that this file needs no device knowledge.
export let release_blocks_fn: u32 = 0;
export function set_release_blocks(fn: u32): void { release_blocks_fn = fn; }

export function inode_init(): void {
  inode_cachep = kmem_cache_create("inode_cache", offsetof<inode>());
  dentry_cachep = kmem_cache_create("dentry_cache", offsetof<dentry>());
  i_sem_class = lock_class_register("inode.i_sem");
  tree_lock_class = lock_class_register("address_space.tree_lock");
  INIT_LIST_HEAD(inode_in_use);
}

// Sets up an inode's own page-cache mapping (inode_init_once + the i_data part of alloc_inode).
function address_space_init_once(m: address_space, host: inode): void {
  m.host = changetype<usize>(host);
  m.page_tree_height = 0;
  m.page_tree_gfp_mask = 0;
  m.page_tree_rnode = 0;
  spin_lock_init(m.tree_lock, tree_lock_class);
  m.nrpages = 0;
  m.flags = 0;
  INIT_LIST_HEAD(m.dirty_pages);
}

// A fresh inode with one reference, not yet typed (the caller sets i_mode and i_fop).
// Returns null when the slab has nothing. fs/inode.c (2.6.9): new_inode, alloc_inode
export function new_inode(): inode {
  let p = kmem_cache_alloc(inode_cachep);
  if (!p) return changetype<inode>(0);
  memory.fill(p, 0, offsetof<inode>());
  let i = changetype<inode>(p);
  i.i_ino = ++last_ino;
  i.i_count = 1;
  i.i_nlink = 1;
  i.i_blkbits = 12;
  init_MUTEX(i.i_sem, i_sem_class);
  address_space_init_once(i.i_data, i);
  i.i_mapping = i.i_data;
  list_add(i.i_list, inode_in_use);
  nr_inodes++;
  return i;
}

// @ts-ignore: decorator
@inline export function igrab(i: inode): inode { i.i_count++; return i; }

// Drops a reference; the last one of an unlinked inode frees its pages, blocks and itself.
// May sleep (truncate waits for locked pages). fs/inode.c (2.6.9): iput, generic_delete_inode
export function iput(i: inode): void {
  if (!changetype<usize>(i)) return;
  if (i.i_count <= 0) BUG("iput: inode already free");
  if (--i.i_count > 0) return;
  // A named file's dentry holds a reference, so reaching 0 means unlinked (or a pipe).
  truncate_inode_pages(i.i_mapping, 0);
  if (release_blocks_fn) call_indirect<void>(release_blocks_fn, changetype<usize>(i));
  list_del_init(i.i_list);
  nr_inodes--;
  kmem_cache_free(inode_cachep, changetype<usize>(i));
}

// A dentry for `name` (len bytes, copied) with one reference, no inode yet.
// fs/dcache.c (2.6.9): d_alloc
export function d_alloc(name: usize, len: u32): dentry {
  let p = kmem_cache_alloc(dentry_cachep);
  if (!p) return changetype<dentry>(0);
  memory.fill(p, 0, offsetof<dentry>());
  let d = changetype<dentry>(p);
  d.d_count = 1;
  if (len) {
    let n = heap.alloc(len);
    memory.copy(n, name, len);
    d.d_name = n;
    d.d_name_len = len;
  }
  INIT_LIST_HEAD(d.d_child);
  nr_dentries++;
  return d;
}

// Binds inode (whose reference the dentry takes over) to d. fs/dcache.c (2.6.9): d_instantiate
export function d_instantiate(d: dentry, i: inode): void { d.d_inode = i; }

// @ts-ignore: decorator
@inline export function dget(d: dentry): dentry { d.d_count++; return d; }

// Drops a reference; the last one drops the inode. fs/dcache.c (2.6.9): dput
export function dput(d: dentry): void {
  if (!changetype<usize>(d)) return;
  if (d.d_count <= 0) BUG("dput: dentry already free");
  if (--d.d_count > 0) return;
  let i = d.d_inode;
  d.d_inode = changetype<inode>(0);
  if (d.d_name) heap.free(d.d_name);
  nr_dentries--;
  kmem_cache_free(dentry_cachep, changetype<usize>(d));
  iput(i);
}
