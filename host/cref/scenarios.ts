// The differential corpus: each scenario is a short system-call sequence, run on this machine's
// real kernel (tests/cref/driver.c) and on the simulator (host/cref/simrun.ts). Every step
// states what 2.6.9 answers (the simulator must give exactly that); where a current kernel
// answers differently the step names the era-table entry (host/cref/era.ts) and the modern
// answer. Sources of the expectations: kernel-aio.md §2.6 (the error paths in order), §2.8
// (read_events), §4 (known bugs); peer-tests.md §2.2 (libaio harness cases) and §5.
import { s, type Scenario, type Step, type Log } from "./format.ts";

const PREAD = 0, PWRITE = 1, FSYNC = 2, FDSYNC = 3, NOOP = 6;

// A context of n events bound to $ctx (slot $ctxp), a 64 KiB buffer and an event array.
function setup(n = 128): Step[] {
  return [
    s("ctxslot $ctxp"),
    s(`io_setup ${n} $ctxp $ctx`, { ret: 0, ctx: "set" }),
    s("mem $buf 65536 rw"),
    s("mem $ev 8192 rw"),
  ];
}

// The harness's test file: "test\n" in a file opened with `flags` as $fd.
function testfile(flags = "RDWR", name = "rwfile"): Step[] {
  return [
    s(`open $setupfd ${name} RDWR|CREAT|TRUNC 384`, { ret: "fd" }),
    s("fill $buf 746573740a"),
    s("write $setupfd $buf 5", { ret: 5 }),
    s("close $setupfd", { ret: 0 }),
    s(`open $fd ${name} ${flags} 384`, { ret: "fd" }),
  ];
}

// sync's log for an error found at submit, and for an event result.
const atSubmit = (err: string) => ({ result: err, at: "submit" });
const inEvent = (res: string | number) => ({ result: res, at: "event", obj: "ok", res2: 0 });

// The value of key on the first log line of op.
const field = (log: Log, op: string, key: string) => [...log.values()].find((l) => l.op === op)?.fields[key];

export const SCENARIOS: Scenario[] = [
  // ---------------------------------------------------------------- io_setup
  {
    name: "io_setup reads *ctxp before checking nr: a kernel-address ctxp is EFAULT for any nr",
    covers: ["libaio 2.t", "io_setup 1"],
    steps: [
      s("io_setup -1000 $kernelptr", { ret: "-EFAULT" }),
      s("io_setup 1000 $kernelptr", { ret: "-EFAULT" }),
      s("io_setup 0 $kernelptr", { ret: "-EFAULT" }),
    ],
  },
  {
    name: "io_setup with nr <= 0 is EINVAL and leaves *ctxp zero",
    covers: ["libaio 2.t", "io_setup 3"],
    steps: [
      s("ctxslot $ctxp"),
      s("io_setup -1000 $ctxp", { ret: "-EINVAL", ctx: "zero" }),
      s("io_setup -1 $ctxp", { ret: "-EINVAL", ctx: "zero" }),
      s("io_setup 0 $ctxp", { ret: "-EINVAL", ctx: "zero" }),
      s("io_setup 2147483648 $ctxp", { ret: "-EINVAL", ctx: "zero" },
        { id: "io_setup-nr-sign", modern: { ret: "-EAGAIN", ctx: "zero" } }),
    ],
  },
  {
    name: "io_setup fills *ctxp once and then refuses a non-zero *ctxp",
    covers: ["libaio 2.t", "io_setup 2"],
    steps: [
      s("ctxslot $ctxp"),
      s("io_setup 1 $ctxp $ctx", { ret: 0, ctx: "set" }),
      s("io_setup 1 $ctxp", { ret: "-EINVAL", ctx: "set" }),
      s("io_destroy $ctx", { ret: 0 }),
    ],
  },
  {
    name: "io_setup with an unmapped or NULL ctxp is EFAULT",
    covers: ["io_setup 1"],
    steps: [
      s("io_setup 1 $badptr", { ret: "-EFAULT" }),
      s("io_setup 1 $null", { ret: "-EFAULT" }),
    ],
  },
  {
    name: "io_setup past the overflow guard is EINVAL, past aio-max-nr EAGAIN",
    covers: ["io_setup 4", "io_setup 5"],
    steps: [
      s("ctxslot $ctxp"),
      s("io_setup 8388609 $ctxp", { ret: "-EINVAL", ctx: "zero" }),
      s("io_setup 5000000 $ctxp", { ret: "-EINVAL", ctx: "zero" }),
      s("io_setup 2000000 $ctxp", { ret: "-EAGAIN", ctx: "zero" }),
      s("io_setup 65537 $ctxp", { ret: "-EAGAIN", ctx: "zero" }),
    ],
  },
  {
    name: "io_setup into a read-only page puts the new context once too often in 2.6.9 (B1)",
    covers: ["io_setup 9", "B1", "xfstests generic/212"],
    steps: [
      s("mem $ro 4096 ro"),
      s("io_setup 1 $ro", { panic: "BUG" }, { id: "B1", modern: { ret: "-EFAULT", ctx: "zero" } }),
    ],
  },
  {
    name: "aio-max-nr is charged per context and given back by io_destroy",
    covers: ["io_setup 8", "io_destroy"],
    steps: [
      s("ctxslot $p1"),
      s("io_setup 32768 $p1 $c1", { ret: 0, ctx: "set" }),
      s("ctxslot $p2"),
      s("io_setup 32768 $p2 $c2", { ret: 0, ctx: "set" }),
      s("ctxslot $p3"),
      s("io_setup 1 $p3", { ret: "-EAGAIN", ctx: "zero" }),
      s("io_destroy $c1", { ret: 0 }),
      s("io_setup 1 $p3 $c3", { ret: 0, ctx: "set" }),
      s("io_destroy $c2", { ret: 0 }),
      s("io_destroy $c3", { ret: 0 }),
    ],
  },

  // ---------------------------------------------------------------- io_destroy
  {
    name: "io_destroy of a handle that is no live context is EINVAL",
    covers: ["io_destroy"],
    steps: [
      s("io_destroy 0", { ret: "-EINVAL" }),
      s("io_destroy -1", { ret: "-EINVAL" }),
      s("io_destroy 4096", { ret: "-EINVAL" }),
    ],
  },
  {
    name: "a destroyed context is gone for every call",
    covers: ["io_destroy", "io_submit 3", "io_getevents 1", "io_cancel 2"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0`),
      s("iocbs $arr $io"),
      s("io_destroy $ctx", { ret: 0 }),
      s("io_destroy $ctx", { ret: "-EINVAL" }),
      s("io_submit $ctx 1 $arr", { ret: "-EINVAL" }),
      s("io_getevents $ctx 0 1 $ev 0:0", { ret: "-EINVAL" }),
      s("io_cancel $ctx $io $ev", { ret: "-EINVAL" }),
    ],
  },
  {
    name: "io_destroy with unreaped completions returns 0",
    covers: ["io_destroy", "exit_aio"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $w1 op=${PWRITE} fd=$fd buf=$buf nbytes=512 off=0`),
      s(`iocb $w2 op=${PWRITE} fd=$fd buf=$buf nbytes=512 off=512`),
      s("iocbs $arr $w1 $w2"),
      s("io_submit $ctx 2 $arr", { ret: 2 }),
      s("io_destroy $ctx", { ret: 0 }),
      s("io_getevents $ctx 0 2 $ev 0:0", { ret: "-EINVAL" }),
      s("pread $fd $buf+4096 1024 0", { ret: 1024 }),
    ],
  },

  // ---------------------------------------------------------------- io_submit: arguments
  {
    name: "io_submit on a bad context is EINVAL, also for nr 0",
    covers: ["libaio 3.t", "io_submit 3"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0`),
      s("iocbs $arr $io"),
      s("io_submit -1 1 $arr", { ret: "-EINVAL" }),
      s("io_submit 0 1 $arr", { ret: "-EINVAL" }),
      s("io_submit -1 0 $arr", { ret: "-EINVAL" }),
    ],
  },
  {
    name: "io_submit of nr 0 on a good context returns 0, whatever the array",
    covers: ["libaio 3.t", "io_submit 3"],
    steps: [
      ...setup(),
      s("io_submit $ctx 0 $null", { ret: 0 }),
      s("io_submit $ctx 0 $badptr", { ret: 0 }),
    ],
  },
  {
    name: "io_submit with a NULL or all-ones iocb array is EFAULT",
    covers: ["libaio 3.t", "io_submit 2", "io_submit 4"],
    steps: [
      ...setup(),
      s("io_submit $ctx 1 $null", { ret: "-EFAULT" }),
      s("io_submit $ctx 1 -1", { ret: "-EFAULT" }),
      s("io_submit $ctx 1 $badptr", { ret: "-EFAULT" }),
    ],
  },
  {
    name: "io_submit stops at a NULL or kernel iocb pointer and reports it only if nothing was accepted",
    covers: ["libaio 3.t", "io_submit 4", "io_submit 5"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0 data=0x11`),
      s("iocbs $a1 $null $io"),
      s("io_submit $ctx 2 $a1", { ret: "-EFAULT" }),
      s("iocbs $a2 $kernelptr $io"),
      s("io_submit $ctx 2 $a2", { ret: "-EFAULT" }),
      s("iocbs $a3 $io $null"),
      s("io_submit $ctx 2 $a3", { ret: 1 }),
      s("io_getevents $ctx 1 4 $ev 1:0", { ret: 1, ev0: "$io,0x11,5,0" }),
    ],
  },
  {
    name: "io_submit with nr -1 is EINVAL, on a good or a bad context",
    covers: ["libaio 3.t", "io_submit 1"],
    steps: [
      ...setup(),
      s("iocbs $arr $null"),
      s("io_submit $ctx -1 $arr", { ret: "-EINVAL" }),
      s("io_submit -1 -1 $arr", { ret: "-EINVAL" }),
    ],
  },
  {
    name: "io_submit checks a kernel-address iocb array before looking up the context",
    covers: ["io_submit 2", "io_submit 3"],
    steps: [
      ...setup(),
      s("io_submit $ctx 1 $kernelptr", { ret: "-EFAULT" }),
      s("io_submit -1 1 $kernelptr", { ret: "-EFAULT" },
        { id: "submit-efault-einval-order", modern: { ret: "-EINVAL" } }),
    ],
  },
  {
    name: "io_submit returns how many were accepted before a failure and drops that error",
    covers: ["io_submit 5"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $w1 op=${PWRITE} fd=$fd buf=$buf nbytes=512 off=0 data=1`),
      s(`iocb $bad op=${PWRITE} fd=9999 buf=$buf nbytes=512 off=512 data=2`),
      s(`iocb $w2 op=${PWRITE} fd=$fd buf=$buf nbytes=512 off=1024 data=3`),
      s("iocbs $arr $w1 $bad $w2"),
      s("io_submit $ctx 3 $arr", { ret: 1 }),
      s("io_getevents $ctx 1 3 $ev 1:0", { ret: 1, ev0: "$w1,0x1,512,0" }),
      s("io_getevents $ctx 0 3 $ev 0:0", { ret: 0 }),
    ],
  },
  {
    name: "an iocb naming a closed or never-opened fd is EBADF",
    covers: ["io_submit_one fget"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $i1 op=${PREAD} fd=9999 buf=$buf nbytes=5 off=0`),
      s("sync $ctx $i1", atSubmit("-EBADF")),
      s(`iocb $i2 op=${PREAD} fd=-1 buf=$buf nbytes=5 off=0`),
      s("sync $ctx $i2", atSubmit("-EBADF")),
      s(`iocb $i3 op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0`),
      s("close $fd", { ret: 0 }),
      s("sync $ctx $i3", atSubmit("-EBADF")),
    ],
  },

  // ---------------------------------------------------------------- io_submit: the iocb
  {
    name: "a non-zero aio_reserved1 is EINVAL",
    covers: ["io_submit_one reserved"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0 res1=0x80000000`),
      s("sync $ctx $io", atSubmit("-EINVAL"),
        { id: "reserved-fields", modern: atSubmit("-EOPNOTSUPP") }),
    ],
  },
  {
    name: "a non-zero aio_reserved2 is EINVAL",
    covers: ["io_submit_one reserved"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0 res2=1`),
      s("sync $ctx $io", atSubmit("-EINVAL")),
    ],
  },
  {
    name: "a non-zero aio_reserved3 is EINVAL",
    covers: ["io_submit_one reserved"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0 res3=0x100000000`),
      s("sync $ctx $io", atSubmit("-EINVAL"),
        { id: "reserved-fields", modern: inEvent(5) }),
    ],
  },
  {
    name: "NOOP and unknown opcodes are EINVAL at submit",
    covers: ["aio_setup_iocb default"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $noop op=${NOOP} fd=$fd buf=$buf nbytes=5 off=0`),
      s("sync $ctx $noop", atSubmit("-EINVAL")),
      s(`iocb $op4 op=4 fd=$fd buf=$buf nbytes=5 off=0`),
      s("sync $ctx $op4", atSubmit("-EINVAL")),
      s(`iocb $op9 op=9 fd=$fd buf=$buf nbytes=5 off=0`),
      s("sync $ctx $op9", atSubmit("-EINVAL")),
      s(`iocb $op255 op=255 fd=$fd buf=$buf nbytes=5 off=0`),
      s("sync $ctx $op255", atSubmit("-EINVAL")),
    ],
  },
  {
    name: "FSYNC and FDSYNC are EINVAL at submit: no filesystem has aio_fsync",
    covers: ["aio_setup_iocb FSYNC/FDSYNC"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $fs op=${FSYNC} fd=$fd`),
      s("sync $ctx $fs", atSubmit("-EINVAL"), { id: "fsync-aio", modern: inEvent(0) }),
      s(`iocb $fds op=${FDSYNC} fd=$fd`),
      s("sync $ctx $fds", atSubmit("-EINVAL"), { id: "fsync-aio", modern: inEvent(0) }),
    ],
  },
  {
    name: "an aio_buf that does not fit 32 bits is EINVAL on i386",
    covers: ["io_submit_one sizes"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=0x100000000000 nbytes=5 off=0`),
      s("sync $ctx $io", atSubmit("-EINVAL"), { id: "i386-word", modern: inEvent("-EFAULT") }),
    ],
  },
  {
    name: "an aio_nbytes that is negative as ssize_t is EINVAL",
    covers: ["io_submit_one sizes"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $huge op=${PREAD} fd=$fd buf=$buf nbytes=0x8000000000000000 off=0`),
      s("sync $ctx $huge", atSubmit("-EINVAL")),
      s(`iocb $big op=${PREAD} fd=$fd buf=$buf nbytes=0x80000000 off=0`),
      s("sync $ctx $big", atSubmit("-EINVAL"), { id: "i386-word", modern: inEvent(5) }),
    ],
  },
  {
    name: "io_submit writes aio_key 0 back into the user iocb",
    covers: ["io_submit_one key"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0 key=0x55`),
      s("check $io+8 55000000", { match: "yes" }),
      s("iocbs $arr $io"),
      s("io_submit $ctx 1 $arr", { ret: 1 }),
      s("check $io+8 00000000", { match: "yes" }),
      s("io_getevents $ctx 1 1 $ev 1:0", { ret: 1 }),
    ],
  },
  {
    name: "an iocb in read-only memory is EFAULT: aio_key cannot be written back",
    covers: ["io_submit_one key", "io_submit 4"],
    steps: [
      ...setup(),
      ...testfile(),
      s("mem $io 4096 rw"),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0`),
      s("iocbs $arr $io"),
      s("protect $io 4096 ro", { ret: 0 }),
      s("io_submit $ctx 1 $arr", { ret: "-EFAULT" }),
      s("io_getevents $ctx 0 1 $ev 0:0", { ret: 0 }),
      s("iocbs $bad $badptr"),
      s("io_submit $ctx 1 $bad", { ret: "-EFAULT" }),
    ],
  },
  {
    name: "aio_reqprio is ignored",
    covers: ["io_submit_one"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf+1024 nbytes=512 off=0 prio=7`),
      s("sync $ctx $io", inEvent(5)),
      s("check $buf+1024 746573740a", { match: "yes" }),
    ],
  },

  // ---------------------------------------------------------------- file I/O (libaio 4.t)
  {
    name: "a write on an O_RDONLY fd and a read on an O_WRONLY fd are EBADF",
    covers: ["libaio 4.t", "aio_setup_iocb f_mode"],
    steps: [
      ...setup(),
      ...testfile("RDONLY", "rofile"),
      s(`iocb $w op=${PWRITE} fd=$fd buf=$buf nbytes=512 off=0`),
      s("sync $ctx $w", atSubmit("-EBADF")),
      s("open $wfd wofile WRONLY|CREAT|TRUNC 128", { ret: "fd" }),
      s(`iocb $r op=${PREAD} fd=$wfd buf=$buf nbytes=512 off=0`),
      s("sync $ctx $r", atSubmit("-EBADF")),
    ],
  },
  {
    name: "512-byte write and read on an O_RDWR file complete with 512 and the data",
    covers: ["libaio 4.t"],
    steps: [
      ...setup(),
      ...testfile(),
      s("pattern $buf 512 0x5a"),
      s(`iocb $w op=${PWRITE} fd=$fd buf=$buf nbytes=512 off=0 data=0x77`),
      s("sync $ctx $w", inEvent(512)),
      s(`iocb $r op=${PREAD} fd=$fd buf=$buf+4096 nbytes=512 off=0`),
      s("sync $ctx $r", inEvent(512)),
      s("checkpattern $buf+4096 512 0x5a", { match: "yes" }),
      s("pread $fd $buf+8192 512 0", { ret: 512 }),
      s("checkpattern $buf+8192 512 0x5a", { match: "yes" }),
    ],
  },
  {
    name: "a write at offset -1 is EINVAL, found in the event in 2.6.9",
    covers: ["libaio 4.t", "generic_write_checks"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $w op=${PWRITE} fd=$fd buf=$buf nbytes=512 off=-1`),
      s("sync $ctx $w", inEvent("-EINVAL"), { id: "error-surface", modern: atSubmit("-EINVAL") }),
    ],
  },
  {
    name: "a buffered read at offset -1 reads nothing in 2.6.9",
    covers: ["libaio 4.t", "do_generic_mapping_read"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $r op=${PREAD} fd=$fd buf=$buf nbytes=512 off=-1`),
      s("sync $ctx $r", inEvent(0), { id: "negative-offset", modern: atSubmit("-EINVAL") }),
    ],
  },
  {
    name: "a kernel-address buffer is EFAULT at submit for read and write",
    covers: ["libaio 4.t", "aio_setup_iocb access_ok"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $r op=${PREAD} fd=$fd buf=$kernelptr nbytes=512 off=0`),
      s("sync $ctx $r", atSubmit("-EFAULT")),
      s(`iocb $w op=${PWRITE} fd=$fd buf=$kernelptr nbytes=512 off=0`),
      s("sync $ctx $w", atSubmit("-EFAULT")),
    ],
  },
  {
    name: "a NULL-buffer write and read pass access_ok and fail with EFAULT in the event",
    covers: ["libaio 4.t"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $w op=${PWRITE} fd=$fd buf=$null nbytes=512 off=0`),
      s("sync $ctx $w", inEvent("-EFAULT")),
      s(`iocb $r op=${PREAD} fd=$fd buf=$null nbytes=512 off=0`),
      s("sync $ctx $r", inEvent("-EFAULT")),
    ],
  },
  {
    name: "O_APPEND writes go to the end whatever their offset",
    covers: ["libaio 4.t"],
    steps: [
      ...setup(),
      ...testfile("RDWR|APPEND"),
      s("ftruncate $fd 0", { ret: 0 }),
      s(`iocb $r0 op=${PREAD} fd=$fd buf=$buf+4096 nbytes=512 off=0`),
      s("sync $ctx $r0", inEvent(0)),
      s("fill $buf 3132333435363738"),
      s(`iocb $w1 op=${PWRITE} fd=$fd buf=$buf nbytes=4 off=0`),
      s("sync $ctx $w1", inEvent(4)),
      s(`iocb $w2 op=${PWRITE} fd=$fd buf=$buf+4 nbytes=4 off=0`),
      s("sync $ctx $w2", inEvent(4)),
      s(`iocb $r op=${PREAD} fd=$fd buf=$buf+4096 nbytes=512 off=0`),
      s("sync $ctx $r", inEvent(8)),
      s("check $buf+4096 3132333435363738", { match: "yes" }),
    ],
  },
  {
    name: "zero-length read and write complete with 0",
    covers: ["io_submit_one", "aio_pread", "aio_pwrite"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $r op=${PREAD} fd=$fd buf=$buf nbytes=0 off=0`),
      s("sync $ctx $r", inEvent(0)),
      s(`iocb $w op=${PWRITE} fd=$fd buf=$buf nbytes=0 off=0`),
      s("sync $ctx $w", inEvent(0)),
    ],
  },
  {
    name: "a read across EOF returns the bytes left and a read at or past EOF returns 0",
    covers: ["aio_pread"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $r1 op=${PREAD} fd=$fd buf=$buf+4096 nbytes=512 off=0`),
      s("sync $ctx $r1", inEvent(5)),
      s("check $buf+4096 746573740a", { match: "yes" }),
      s(`iocb $r2 op=${PREAD} fd=$fd buf=$buf nbytes=512 off=5`),
      s("sync $ctx $r2", inEvent(0)),
      s(`iocb $r3 op=${PREAD} fd=$fd buf=$buf nbytes=512 off=8192`),
      s("sync $ctx $r3", inEvent(0)),
    ],
  },
  {
    name: "eight 1 MiB writes in one io_submit all complete",
    covers: ["libaio 13.t"],
    steps: [
      ...setup(1024),
      ...testfile(),
      s("mem $big 1048576 rw"),
      s("pattern $big 1048576 0x42"),
      ...[0, 1, 2, 3, 4, 5, 6, 7].map((k) =>
        s(`iocb $w${k} op=${PWRITE} fd=$fd buf=$big nbytes=1048576 off=${k * 1048576} data=${k}`)),
      s("iocbs $arr $w0 $w1 $w2 $w3 $w4 $w5 $w6 $w7"),
      s("io_submit $ctx 8 $arr", { ret: 8 }),
      s("io_getevents $ctx 8 8 $ev 5:0", {
        ret: 8,
        ...Object.fromEntries([0, 1, 2, 3, 4, 5, 6, 7].map((k) => [`ev${k}`, `$w${k},0x${k},1048576,0`])),
      }),
      s("pread $fd $buf 4096 7340032", { ret: 4096 }),
      s("checkpattern $buf 4096 0x42", { match: "yes" }),
    ],
  },
  {
    name: "a thousand sync_submit writes then reads keep every count right (11.t scaled down)",
    covers: ["libaio 11.t"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $w op=${PWRITE} fd=$fd buf=$buf nbytes=256 off=0`),
      s("syncrepeat $ctx $w 1000", { done: 1000, result: 256 }),
      s(`iocb $r op=${PREAD} fd=$fd buf=$buf nbytes=256 off=0`),
      s("syncrepeat $ctx $r 1000", { done: 1000, result: 256 }),
      s("io_getevents $ctx 0 8 $ev 0:0", { ret: 0 }),
      s("io_destroy $ctx", { ret: 0 }),
    ],
  },

  // ---------------------------------------------------------------- fork
  {
    name: "a child that submits without reaping exits cleanly (14.t scaled down)",
    covers: ["libaio 14.t", "exit_aio"],
    steps: [
      ...setup(),
      ...testfile(),
      s("fork", { child_exit: 0 }),
      s("ctxslot $cp"),
      s("io_setup 1024 $cp $cctx", { ret: 0, ctx: "set" }),
      ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((k) => [
        s(`iocb $c${k} op=${k % 2 ? PREAD : PWRITE} fd=$fd buf=$buf nbytes=65536 off=0`),
        s(`iocbs $ca${k} $c${k}`),
        s(`io_submit $cctx 1 $ca${k}`, { ret: 1 }),
      ]),
      s("exit 0"),
      s("endfork"),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=4 off=0`),
      s("sync $ctx $io", inEvent(4)),
    ],
  },
  {
    name: "a forked child cannot use its parent's context",
    covers: ["lookup_ioctx", "fork"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0 data=0x9`),
      s("iocbs $arr $io"),
      s("io_submit $ctx 1 $arr", { ret: 1 }),
      s("fork", { child_exit: 7 }),
      s("io_submit $ctx 1 $arr", { ret: "-EINVAL" }),
      s("io_getevents $ctx 0 1 $ev 0:0", { ret: "-EINVAL" }),
      s("io_cancel $ctx $io $ev", { ret: "-EINVAL" }),
      s("io_destroy $ctx", { ret: "-EINVAL" }),
      s("exit 7"),
      s("endfork"),
      s("io_getevents $ctx 1 1 $ev 1:0", { ret: 1, ev0: "$io,0x9,5,0" }),
      s("io_destroy $ctx", { ret: 0 }),
    ],
  },

  // ---------------------------------------------------------------- io_getevents
  {
    name: "io_getevents on a bad context is EINVAL, even with bad counts",
    covers: ["io_getevents 1"],
    steps: [
      s("mem $ev 4096 rw"),
      s("io_getevents -1 1 1 $ev 0:0", { ret: "-EINVAL" }),
      s("io_getevents 0 2 1 $ev 0:0", { ret: "-EINVAL" }),
      s("io_getevents 4096 0 1 $ev null", { ret: "-EINVAL" }),
    ],
  },
  {
    name: "io_getevents rejects min_nr > nr, min_nr < 0 and nr < 0",
    covers: ["io_getevents 2"],
    steps: [
      ...setup(),
      s("io_getevents $ctx 2 1 $ev 0:0", { ret: "-EINVAL" }),
      s("io_getevents $ctx -1 1 $ev 0:0", { ret: "-EINVAL" }),
      s("io_getevents $ctx 0 -1 $ev 0:0", { ret: "-EINVAL" }),
      s("io_getevents $ctx -2 -1 $ev 0:0", { ret: "-EINVAL" }),
    ],
  },
  {
    name: "io_getevents with nr 0 or min_nr 0 and nothing ready returns 0 at once",
    covers: ["read_events"],
    steps: [
      ...setup(),
      s("io_getevents $ctx 0 0 $ev null", { ret: 0 }),
      s("io_getevents $ctx 0 1 $ev null", { ret: 0 }),
      s("io_getevents $ctx 0 1 $badptr null", { ret: 0 }),
    ],
  },
  {
    name: "io_getevents times out with 0 when nothing completes",
    covers: ["read_events timeout"],
    steps: [
      ...setup(),
      s("io_getevents $ctx 1 1 $ev 0:0", { ret: 0 }),
      s("io_getevents $ctx 1 1 $ev 0:1000000", { ret: 0 }),
      s("io_getevents $ctx 1 4 $ev 0:20000000", { ret: 0 }),
    ],
  },
  {
    name: "io_getevents returns at most nr events and leaves the rest in the ring",
    covers: ["read_events"],
    steps: [
      ...setup(),
      ...testfile(),
      ...[1, 2, 3, 4].map((k) => s(`iocb $r${k} op=${PREAD} fd=$fd buf=$buf+${k * 4096} nbytes=5 off=0 data=${k}`)),
      s("iocbs $arr $r1 $r2 $r3 $r4"),
      s("io_submit $ctx 4 $arr", { ret: 4 }),
      s("io_getevents $ctx 1 2 $ev 1:0", { ret: 2, ev0: "$r1,0x1,5,0", ev1: "$r2,0x2,5,0" }),
      s("io_getevents $ctx 1 4 $ev 1:0", { ret: 2, ev0: "$r3,0x3,5,0", ev1: "$r4,0x4,5,0" }),
      s("io_getevents $ctx 0 4 $ev 0:0", { ret: 0 }),
    ],
  },
  {
    name: "events carry their iocb's address and 64-bit aio_data",
    covers: ["aio_complete"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $a op=${PREAD} fd=$fd buf=$buf nbytes=2 off=0 data=0x1122334455667788`),
      s(`iocb $b op=${PREAD} fd=$fd buf=$buf+512 nbytes=5 off=3 data=0xffffffffffffffff`),
      s("iocbs $arr $a $b"),
      s("io_submit $ctx 2 $arr", { ret: 2 }),
      s("io_getevents $ctx 2 2 $ev 1:0",
        { ret: 2, ev0: "$a,0x1122334455667788,2,0", ev1: "$b,0xffffffffffffffff,2,0" }),
    ],
  },
  {
    name: "a bad events pointer is EFAULT and in 2.6.9 the event is lost",
    covers: ["read_events 1", "kernel-aio B9"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0 data=0x5`),
      s("iocbs $arr $io"),
      s("io_submit $ctx 1 $arr", { ret: 1 }),
      s("io_getevents $ctx 1 1 $badptr null", { ret: "-EFAULT" }),
      s("io_getevents $ctx 0 1 $ev 0:0", { ret: 0 },
        { id: "getevents-efault", modern: { ret: 1, ev0: "$io,0x5,5,0" } }),
    ],
  },
  {
    name: "an event copy that faults before min_nr is EFAULT and in 2.6.9 loses the events",
    covers: ["read_events 2", "kernel-aio B9"],
    steps: [
      ...setup(),
      ...testfile(),
      s("mem $evs 8192 rw"),
      s("protect $evs+4096 4096 none", { ret: 0 }),
      s(`iocb $a op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0 data=0xa`),
      s(`iocb $b op=${PREAD} fd=$fd buf=$buf+512 nbytes=5 off=0 data=0xb`),
      s("iocbs $arr $a $b"),
      s("io_submit $ctx 2 $arr", { ret: 2 }),
      s("io_getevents $ctx 2 2 $evs+4064 null", { ret: "-EFAULT" }),
      s("io_getevents $ctx 0 4 $ev 0:0", { ret: 0 },
        { id: "getevents-efault", modern: { ret: 2, ev0: "$a,0xa,5,0", ev1: "$b,0xb,5,0" } }),
    ],
  },
  {
    name: "an event copy that faults after min_nr returns the events copied and in 2.6.9 loses the next",
    covers: ["read_events 2"],
    steps: [
      ...setup(),
      ...testfile(),
      s("mem $evs 8192 rw"),
      s("protect $evs+4096 4096 none", { ret: 0 }),
      s(`iocb $a op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0 data=0xa`),
      s(`iocb $b op=${PREAD} fd=$fd buf=$buf+512 nbytes=5 off=0 data=0xb`),
      s("iocbs $arr $a $b"),
      s("io_submit $ctx 2 $arr", { ret: 2 }),
      s("io_getevents $ctx 1 2 $evs+4064 null", { ret: 1, ev0: "$a,0xa,5,0" },
        { id: "getevents-efault", modern: { ret: "-EFAULT" } }),
      s("io_getevents $ctx 0 4 $ev 0:0", { ret: 0 },
        { id: "getevents-efault", modern: { ret: 2, ev0: "$a,0xa,5,0", ev1: "$b,0xb,5,0" } }),
    ],
  },
  {
    name: "io_getevents interrupted by a signal with nothing copied is EINTR",
    covers: ["read_events 5"],
    steps: [
      ...setup(),
      s("io_getevents $ctx 1 1 $ev 30:0", { ret: "-EINTR", alarm: 1 }),
      s("io_getevents $ctx 0 1 $ev 0:0", { ret: 0 }),
    ],
  },
  {
    name: "a bad timeout pointer is not read while events are ready",
    covers: ["read_events 4"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0 data=0x6`),
      s("iocbs $arr $io"),
      s("io_submit $ctx 1 $arr", { ret: 1 }),
      s("io_getevents $ctx 1 1 $ev $badptr", { ret: 1, ev0: "$io,0x6,5,0" },
        { id: "getevents-efault", modern: { ret: "-EFAULT" } }),
    ],
  },
  {
    name: "a bad timeout pointer is EFAULT when the call has to sleep",
    covers: ["read_events 4"],
    steps: [
      ...setup(),
      s("io_getevents $ctx 1 1 $ev $badptr", { ret: "-EFAULT" }),
      s("io_getevents $ctx 1 1 $ev $kernelptr", { ret: "-EFAULT" }),
    ],
  },
  {
    name: "a {0,-1} timeout returns 0 after about a jiffy in 2.6.9",
    covers: ["read_events timeout"],
    steps: [
      ...setup(),
      s("io_getevents $ctx 1 1 $ev 0:-1", { ret: 0 },
        { id: "timeout-0-minus1", modern: { ret: "-EINTR", alarm: "1" } }),
    ],
  },

  // ---------------------------------------------------------------- io_cancel
  {
    name: "io_cancel of a completed file iocb is EAGAIN",
    covers: ["io_cancel 3"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0`),
      s("sync $ctx $io", inEvent(5)),
      s("io_cancel $ctx $io $ev", { ret: "-EAGAIN" }, { id: "io_cancel-errno", modern: { ret: "-EINVAL" } }),
    ],
  },
  {
    name: "io_cancel of an iocb never submitted is EAGAIN, whatever its key",
    covers: ["io_cancel 3"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0`),
      s("io_cancel $ctx $io $ev", { ret: "-EAGAIN" }, { id: "io_cancel-errno", modern: { ret: "-EINVAL" } }),
      s(`iocb $keyed op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0 key=5`),
      s("io_cancel $ctx $keyed $ev", { ret: "-EAGAIN" }, { id: "io_cancel-errno", modern: { ret: "-EINVAL" } }),
    ],
  },
  {
    name: "io_cancel reads aio_key before looking up the context",
    covers: ["io_cancel 1", "io_cancel 2"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $io op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0`),
      s("io_cancel -1 $badptr $ev", { ret: "-EFAULT" }),
      s("io_cancel $ctx $badptr $ev", { ret: "-EFAULT" }),
      s("io_cancel $ctx $kernelptr $ev", { ret: "-EFAULT" }),
      s("io_cancel -1 $io $ev", { ret: "-EINVAL" }),
    ],
  },

  // ---------------------------------------------------------------- the mapped ring
  {
    name: "the mapped ring header carries magic, features and header length",
    covers: ["aio_setup_ring"],
    steps: [
      ...setup(128),
      s("ring $ctx", { id: "ctx", nr: 255, head: 0, tail: 0, magic: "0xa10a10a1", compat: 1, incompat: 0, hlen: 32 },
        { id: "ring-geometry", modern: { id: "other", nr: { atLeast: 128 } } }),
    ],
  },
  {
    name: "the ring tail follows completions and its head follows io_getevents",
    covers: ["aio_complete", "aio_read_evt"],
    steps: [
      ...setup(1),
      ...testfile(),
      ...[1, 2, 3].map((k) => s(`iocb $w${k} op=${PWRITE} fd=$fd buf=$buf nbytes=100 off=${k * 100}`)),
      s("iocbs $arr $w1 $w2 $w3"),
      s("io_submit $ctx 3 $arr", { ret: 3 }),
      s("ring $ctx", { nr: 127, head: 0, tail: 3 }, { id: "ring-geometry", modern: { id: "other", nr: { atLeast: 1 } } }),
      s("io_getevents $ctx 3 3 $ev 1:0", { ret: 3 }),
      s("ring $ctx", { nr: 127, head: 3, tail: 3 }, { id: "ring-geometry", modern: { id: "other", nr: { atLeast: 1 } } }),
    ],
  },
  {
    name: "events reaped from the mapped ring in user space are gone for io_getevents",
    covers: ["libaio user-space reaping", "aio_read_evt"],
    steps: [
      ...setup(),
      ...testfile(),
      s(`iocb $a op=${PREAD} fd=$fd buf=$buf nbytes=5 off=0 data=0xa`),
      s(`iocb $b op=${PREAD} fd=$fd buf=$buf+512 nbytes=5 off=0 data=0xb`),
      s("iocbs $arr $a $b"),
      s("io_submit $ctx 2 $arr", { ret: 2 }),
      s("reap $ctx 1", { n: 1, head: 1, ev0: "$a,0xa,5,0" }),
      s("io_getevents $ctx 0 4 $ev 0:0", { ret: 1, ev0: "$b,0xb,5,0" }),
      s("reap $ctx 4", { n: 0, head: 2 }),
    ],
  },
  {
    name: "io_setup(1) admits nr-1 requests before EAGAIN and every one completes",
    covers: ["__aio_get_req", "aio_ring_avail"],
    steps: [
      ...setup(1),
      ...testfile(),
      s(`iocb $w op=${PWRITE} fd=$fd buf=$buf nbytes=16 off=0`),
      s("fillring $ctx $w 1000", { accepted: 126, stop: "-EAGAIN" },
        { id: "ring-geometry", modern: { accepted: { atLeast: 1 }, stop: "-EAGAIN" } }),
      s("drain $ctx 256 $ev", { reaped: 126, errors: 0, last: 0 },
        { id: "ring-geometry", modern: { reaped: { atLeast: 1 }, errors: 0, last: 0 } }),
    ],
    invariants: [{
      desc: "every request accepted is reaped",
      holds: (log) => field(log, "fillring", "accepted") !== undefined &&
        field(log, "fillring", "accepted") === field(log, "drain", "reaped"),
    }],
  },
  {
    name: "a full ring refuses a submission with EAGAIN until an event is reaped",
    covers: ["io_submit_one EAGAIN"],
    steps: [
      ...setup(1),
      ...testfile(),
      s(`iocb $w op=${PWRITE} fd=$fd buf=$buf nbytes=16 off=0`),
      s("iocbs $arr $w"),
      s("fillring $ctx $w 1000", { accepted: 126, stop: "-EAGAIN" },
        { id: "ring-geometry", modern: { accepted: { atLeast: 1 }, stop: "-EAGAIN" } }),
      s("io_submit $ctx 1 $arr", { ret: "-EAGAIN" }),
      s("io_getevents $ctx 1 1 $ev 1:0", { ret: 1 }),
      s("io_submit $ctx 1 $arr", { ret: 1 }),
    ],
  },

  // ---------------------------------------------------------------- pipes and sockets
  {
    name: "an AIO read of a pipe with data waiting completes with the bytes that are there",
    covers: ["aio_pread FIFO rule", "pipe AIO"],
    steps: [
      ...setup(),
      s("pipe $r $w", { ret: 0 }),
      s("fill $buf 68656c6c6f"),
      s("write $w $buf 5", { ret: 5 }),
      s(`iocb $rd op=${PREAD} fd=$r buf=$buf+4096 nbytes=512 off=0`),
      s("sync $ctx $rd", inEvent(5)),
      s("check $buf+4096 68656c6c6f", { match: "yes" }),
    ],
  },
  {
    name: "an AIO write to a pipe completes with all its bytes",
    covers: ["aio_pwrite", "pipe AIO"],
    steps: [
      ...setup(),
      s("pipe $r $w", { ret: 0 }),
      s("pattern $buf 512 0x33"),
      s(`iocb $wr op=${PWRITE} fd=$w buf=$buf nbytes=512 off=0`),
      s("sync $ctx $wr", inEvent(512)),
      s("read $r $buf+4096 4096", { ret: 512 }),
      s("checkpattern $buf+4096 512 0x33", { match: "yes" }),
    ],
  },
  {
    name: "AIO on the wrong end of a pipe is EBADF",
    covers: ["aio_setup_iocb f_mode", "pipe AIO"],
    steps: [
      ...setup(),
      s("pipe $r $w", { ret: 0 }),
      s(`iocb $rd op=${PREAD} fd=$w buf=$buf nbytes=16 off=0`),
      s("sync $ctx $rd", atSubmit("-EBADF")),
      s(`iocb $wr op=${PWRITE} fd=$r buf=$buf nbytes=16 off=0`),
      s("sync $ctx $wr", atSubmit("-EBADF")),
    ],
  },
  {
    name: "an AIO read parked on an empty pipe completes when a writer comes",
    covers: ["pipe AIO", "kick_iocb", "aio_run_all_iocbs"],
    steps: [
      ...setup(),
      s("pipe $r $w", { ret: 0 }),
      s(`iocb $rd op=${PREAD} fd=$r buf=$buf+4096 nbytes=512 off=0 data=0x44`),
      s("iocbs $arr $rd"),
      s("io_submit $ctx 1 $arr", { ret: 1 }, { id: "pipe-aio", modern: { ret: 1, alarm: "1" } }),
      s("fill $buf 6869"),
      s("write $w $buf 2", { ret: 2 }),
      s("io_getevents $ctx 1 1 $ev 1:0", { ret: 1, ev0: "$rd,0x44,2,0" },
        { id: "pipe-aio", modern: { ret: 1, ev0: "$rd,0x44,-EINTR,0" } }),
    ],
  },
  {
    name: "io_cancel of a parked pipe read hands back its event and posts none",
    covers: ["io_cancel 4", "pipe_aio_cancel"],
    steps: [
      ...setup(),
      s("pipe $r $w", { ret: 0 }),
      s(`iocb $rd op=${PREAD} fd=$r buf=$buf nbytes=512 off=0 data=0x45`),
      s("iocbs $arr $rd"),
      s("io_submit $ctx 1 $arr", { ret: 1 }, { id: "pipe-aio", modern: { ret: 1, alarm: "1" } }),
      s("io_cancel $ctx $rd $ev", { ret: 0, ev: "$rd,0x45,-EINTR,0" },
        { id: "pipe-aio", modern: { ret: "-EINVAL" } }),
      s("io_getevents $ctx 0 1 $ev 0:0", { ret: 0 },
        { id: "pipe-aio", modern: { ret: 1, ev0: "$rd,0x45,-EINTR,0" } }),
    ],
  },
  {
    name: "a cancelled pipe read retires when io_getevents runs the run list, and then is EAGAIN to cancel",
    covers: ["io_cancel 3", "io_cancel 4", "read_events 3", "aio_run_iocb KIF_CANCELLED"],
    steps: [
      ...setup(),
      s("pipe $r $w", { ret: 0 }),
      s(`iocb $rd op=${PREAD} fd=$r buf=$buf nbytes=512 off=0 data=0x47`),
      s("iocbs $arr $rd"),
      s("io_submit $ctx 1 $arr", { ret: 1 }, { id: "pipe-aio", modern: { ret: 1, alarm: "1" } }),
      s("io_cancel $ctx $rd $ev", { ret: 0, ev: "$rd,0x47,-EINTR,0" }, { id: "pipe-aio", modern: { ret: "-EINVAL" } }),
      // min_nr 1: the fast path finds nothing, runs the run list once (the retry sees
      // KIF_CANCELLED and completes without an event), then sleeps out the 50 ms
      s("io_getevents $ctx 1 1 $ev 0:50000000", { ret: 0 },
        { id: "pipe-aio", modern: { ret: 1, ev0: "$rd,0x47,-EINTR,0" } }),
      s("io_cancel $ctx $rd $ev", { ret: "-EAGAIN" }, { id: "io_cancel-errno", modern: { ret: "-EINVAL" } }),
      s("write $w $buf 3", { ret: 3 }),
      s("read $r $buf+4096 16", { ret: 3 }),
    ],
  },
  {
    name: "io_cancel that cannot write its result is EFAULT and the cancelled read posts nothing",
    covers: ["io_cancel 4", "pipe_aio_cancel"],
    steps: [
      ...setup(),
      s("pipe $r $w", { ret: 0 }),
      s(`iocb $rd op=${PREAD} fd=$r buf=$buf nbytes=512 off=0 data=0x46`),
      s("iocbs $arr $rd"),
      s("io_submit $ctx 1 $arr", { ret: 1 }, { id: "pipe-aio", modern: { ret: 1, alarm: "1" } }),
      s("io_cancel $ctx $rd $badptr", { ret: "-EFAULT" }, { id: "pipe-aio", modern: { ret: "-EINVAL" } }),
      s("io_getevents $ctx 0 1 $ev 0:0", { ret: 0 },
        { id: "pipe-aio", modern: { ret: 1, ev0: "$rd,0x46,-EINTR,0" } }),
      // The cancel woke the parked read, but its retry has not run yet (io_getevents with
      // min_nr 0 returns before running the run list, the worker waits HZ/10): the kiocb is
      // still active with its cancel method, so a second io_cancel cancels it again.
      s("io_cancel $ctx $rd $ev", { ret: 0, ev: "$rd,0x46,-EINTR,0" }, { id: "pipe-aio", modern: { ret: "-EINVAL" } }),
    ],
  },
  {
    name: "io_destroy of a context with a parked pipe read returns 0",
    covers: ["io_destroy", "aio_cancel_all", "wait_for_all_aios"],
    steps: [
      ...setup(),
      s("pipe $r $w", { ret: 0 }),
      s(`iocb $rd op=${PREAD} fd=$r buf=$buf nbytes=512 off=0`),
      s("iocbs $arr $rd"),
      s("io_submit $ctx 1 $arr", { ret: 1 }, { id: "pipe-aio", modern: { ret: 1, alarm: "1" } }),
      s("io_destroy $ctx", { ret: 0 }),
      s("write $w $buf 4", { ret: 4 }),
      s("read $r $buf+4096 16", { ret: 4 }),
    ],
  },
  {
    name: "an AIO read of an empty O_NONBLOCK pipe completes with EAGAIN",
    covers: ["pipe AIO"],
    steps: [
      ...setup(),
      s("pipe $r $w NONBLOCK", { ret: 0 }),
      s(`iocb $rd op=${PREAD} fd=$r buf=$buf nbytes=512 off=0`),
      s("sync $ctx $rd", inEvent("-EAGAIN")),
    ],
  },
  {
    name: "an AIO read of a socket with data waiting completes with the bytes",
    covers: ["aio_pread FIFO rule (sockets)"],
    outOfScope: { sim: "the simulator has no sockets (socketcall)" },
    steps: [
      ...setup(),
      s("socketpair $a $b", { ret: 0 }),
      s("fill $buf 736f636b", {}),
      s("write $b $buf 4", { ret: 4 }),
      s(`iocb $rd op=${PREAD} fd=$a buf=$buf+4096 nbytes=512 off=0`),
      s("sync $ctx $rd", inEvent(4)),
    ],
  },
  {
    name: "writes past RLIMIT_FSIZE are short, then EFBIG (7.t)",
    covers: ["libaio 7.t", "generic_write_checks rlimit"],
    outOfScope: {
      sim: "the simulator has no setrlimit (RLIMIT_FSIZE)",
      real: "the driver does not set rlimits: the case has no simulator side to compare with",
    },
    steps: [],
  },

  // ---------------------------------------------------------------- plain file calls
  {
    name: "plain read, write, pread, pwrite and close of the test file",
    covers: ["read_write", "open"],
    steps: [
      s("mem $buf 8192 rw"),
      s("open $fd plain RDWR|CREAT|TRUNC 384", { ret: "fd" }),
      s("fill $buf 616263646566"),
      s("write $fd $buf 6", { ret: 6 }),
      s("pwrite $fd $buf 2 10", { ret: 2 }),
      s("pread $fd $buf+4096 64 0", { ret: 12 }),
      s("check $buf+4096 616263646566000000006162", { match: "yes" }),
      s("read $fd $buf+4096 64", { ret: 6 }),
      s("ftruncate $fd 3", { ret: 0 }),
      s("pread $fd $buf+4096 64 0", { ret: 3 }),
      s("close $fd", { ret: 0 }),
      s("close $fd", { ret: "-EBADF" }),
      s("read $fd $buf 1", { ret: "-EBADF" }),
      s("open $nofd missing RDONLY 0", { ret: "-ENOENT" }),
      s("unlink plain", { ret: 0 }),
      s("unlink plain", { ret: "-ENOENT" }),
    ],
  },
];
