import { list_head, INIT_LIST_HEAD, list_add, list_add_tail, list_del_init, list_empty,
         list_splice_init } from "../../assembly/include/linux/list";

function node(): list_head {
  let l = changetype<list_head>(heap.alloc(offsetof<list_head>()));
  INIT_LIST_HEAD(l);
  return l;
}

describe("list_head", () => {
  it("list_add_tail keeps FIFO order and list_del_init re-links the entry to itself", () => {
    let h = node(), a = node(), b = node();
    list_add_tail(a, h);
    list_add_tail(b, h);
    expect(changetype<usize>(h.next)).toBe(changetype<usize>(a));
    expect(changetype<usize>(h.prev)).toBe(changetype<usize>(b));
    list_del_init(a);
    expect(list_empty(a)).toBe(true);
    expect(changetype<usize>(h.next)).toBe(changetype<usize>(b));
  });

  it("list_splice_init moves every entry in order and empties the source", () => {
    let src = node(), dst = node(), a = node(), b = node(), c = node();
    list_add_tail(a, src);
    list_add_tail(b, src);
    list_add(c, dst);
    list_splice_init(src, dst);
    expect(list_empty(src)).toBe(true);
    expect(changetype<usize>(dst.next)).toBe(changetype<usize>(a));
    expect(changetype<usize>(dst.next.next)).toBe(changetype<usize>(b));
    expect(changetype<usize>(dst.prev)).toBe(changetype<usize>(c));
  });
});
