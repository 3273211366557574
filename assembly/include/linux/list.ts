// Doubly linked intrusive lists, shaped like include/linux/list.h so C and AS share them.
//
// struct list_head — 8 bytes
//   0        4        8
//   +--------+--------+
//   |  next  |  prev  |
//   +--------+--------+

// @ts-ignore: decorator
@unmanaged export class list_head {
  next: list_head;
  prev: list_head;
}

// @ts-ignore: decorator
@inline export function LIST_PTR(p: usize): list_head { return changetype<list_head>(p); }

export function INIT_LIST_HEAD(h: list_head): void {
  h.next = h;
  h.prev = h;
}

// @ts-ignore: decorator
@inline function __list_add(e: list_head, prev: list_head, next: list_head): void {
  next.prev = e;
  e.next = next;
  e.prev = prev;
  prev.next = e;
}

export function list_add(e: list_head, head: list_head): void { __list_add(e, head, head.next); }
export function list_add_tail(e: list_head, head: list_head): void { __list_add(e, head.prev, head); }

// @ts-ignore: decorator
@inline function __list_del(prev: list_head, next: list_head): void {
  next.prev = prev;
  prev.next = next;
}

// Unlinks e and poisons its pointers (as 2.6.9 does with LIST_POISON1/2), so a later use traps
// in the self-checks rather than corrupting a neighbour.
export const LIST_POISON1: usize = 0x00100100;
export const LIST_POISON2: usize = 0x00200200;
export function list_del(e: list_head): void {
  __list_del(e.prev, e.next);
  e.next = changetype<list_head>(LIST_POISON1);
  e.prev = changetype<list_head>(LIST_POISON2);
}
export function list_del_init(e: list_head): void {
  __list_del(e.prev, e.next);
  INIT_LIST_HEAD(e);
}
export function list_move_tail(e: list_head, head: list_head): void {
  __list_del(e.prev, e.next);
  list_add_tail(e, head);
}
// @ts-ignore: decorator
@inline export function list_empty(h: list_head): bool { return h.next === h; }

// Moves every entry of list onto the front of head and reinitialises list (list_splice_init).
export function list_splice_init(list: list_head, head: list_head): void {
  if (list_empty(list)) return;
  let first = list.next, last = list.prev, at = head.next;
  first.prev = head;
  head.next = first;
  last.next = at;
  at.prev = last;
  INIT_LIST_HEAD(list);
}
