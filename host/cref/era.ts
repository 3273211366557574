// The era table: every known way a current kernel's AIO answers differ from 2.6.9's for the
// same call (shared/reference/peer-tests.md §5, kernel-aio.md §2.6 and §4). The comparer
// accepts a real-kernel answer that differs from the simulator's only when the step names an
// entry of this table and the real answer is that step's modern answer; the row then prints
// both answers and the entry's title.
export interface EraEntry {
  id: string;
  title: string;
  v2_6_9: string;        // what 2.6.9 (and so the simulator) does
  modern: string;        // what the running kernel does (measured on 6.18)
  note?: string;
}

export const ERA_TABLE: EraEntry[] = [
  {
    id: "io_cancel-errno",
    title: "io_cancel EAGAIN vs EINVAL",
    v2_6_9: "-EAGAIN for an iocb that is not active or has no cancel method",
    modern: "-EINVAL (Sept 2005 -mm patch, amended to EINVAL)",
  },
  {
    id: "reserved-fields",
    title: "iocb reserved fields",
    v2_6_9: "non-zero aio_reserved1/2/3 give -EINVAL at submit",
    modern: "aio_reserved1 is aio_rw_flags (unknown bits -EOPNOTSUPP), aio_reserved3 is aio_flags/aio_resfd (unknown flag bits ignored); aio_reserved2 still -EINVAL",
  },
  {
    id: "fsync-aio",
    title: "FSYNC/FDSYNC support",
    v2_6_9: "no filesystem has aio_fsync: -EINVAL at submit",
    modern: "executed: submit 1, event res 0",
  },
  {
    id: "pipe-aio",
    title: "pipe AIO (-mm)",
    v2_6_9: "ours is the -mm aio-pipe answer: the read parks and completes with the bytes as soon as data arrive; mainline 2.6.9 has no pipe aio_read and gives -EINVAL at submit",
    modern: "synchronous fallback: io_submit blocks in the read until data or a signal (alarm: submit 1, event -EINTR)",
  },
  {
    id: "getevents-efault",
    title: "io_getevents EFAULT ordering and lost events",
    v2_6_9: "the timeout is read only when the call must sleep, so ready events are returned despite a bad timeout pointer; a failed event copy has already consumed the event (lost)",
    modern: "the timeout is copied first (-EFAULT even with events ready); a failed copy leaves the event in the ring",
  },
  {
    id: "timeout-0-minus1",
    title: "{0,-1} timeout",
    v2_6_9: "timespec_to_jiffies rounds it to about one jiffy: returns 0 at once",
    modern: "a negative timeout is an unbounded wait (ended here by the alarm: -EINTR)",
  },
  {
    id: "submit-efault-einval-order",
    title: "io_submit EFAULT-vs-EINVAL order",
    v2_6_9: "access_ok on the iocb pointer array comes before the context lookup: a kernel-address array with a bad context is -EFAULT",
    modern: "the context is looked up first: -EINVAL",
  },
  {
    id: "negative-offset",
    title: "negative-offset reads",
    v2_6_9: "no check at submit; a buffered read at pos -1 finds the page index beyond EOF: event res 0",
    modern: "rw_verify_area at submit: -EINVAL",
  },
  {
    id: "error-surface",
    title: "where an error surfaces (submit or event)",
    v2_6_9: "argument errors at submit, errors of the I/O itself (e.g. generic_write_checks) in the event",
    modern: "most argument errors at submit, including the offset checks",
    note: "compared as one value (libaio's sync_submit); only the split differs",
  },
  {
    id: "ring-geometry",
    title: "ring geometry and capacity",
    v2_6_9: "nr = 128*pages-1 for N+2 slots (io_setup(128): 255; io_setup(1) admits 126); ring id = the context address",
    modern: "per-CPU slack: io_setup(128) gives 383, io_setup(1) admits about 120 on 2 CPUs; ring id = table index",
    note: "never compared exactly: only 'capacity >= nr_events' and conservation",
  },
  {
    id: "io_destroy-timing",
    title: "io_destroy timing",
    v2_6_9: "io_destroy returns as soon as the requests are gone; aio_nr drops at once",
    modern: "io_destroy waits for an RCU grace period (about 32 ms)",
    note: "timing is never compared; results after io_destroy are",
  },
  {
    id: "io_setup-nr-sign",
    title: "io_setup nr of 2^31 and more",
    v2_6_9: "(int)nr_events <= 0 is -EINVAL",
    modern: "only 0 is refused there; 2^31 doubles to 0 in ioctx_alloc and gives -EAGAIN",
  },
  {
    id: "B1",
    title: "io_setup put_user failure puts the context twice (B1)",
    v2_6_9: "-EFAULT after io_destroy drops a reference it never took: the context is used after it is freed (the simulator's slab poisoning stops the kernel with a BUG)",
    modern: "-EFAULT and nothing leaked (the missing get_ioctx is back by 2.6.11)",
  },
  {
    id: "i386-word",
    title: "i386 word size",
    v2_6_9: "aio_buf and aio_nbytes must fit 32 bits (else -EINVAL at submit)",
    modern: "a 64-bit kernel takes 64-bit buffers and sizes",
  },
];

export const ERA_BY_ID: ReadonlyMap<string, EraEntry> = new Map(ERA_TABLE.map((e) => [e.id, e]));
