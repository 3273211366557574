// Regular files, descriptors and the storage model: errno paths of read/write/close/open as in
// 2.6.9, data written comes back (buffered, pread/pwrite, O_DIRECT), O_DIRECT's alignment rule,
// a buffered read of an uncached page costs the disk's latency in simulated time, fsync and
// O_SYNC put dirty pages on the disk, AIO reads on regular files through the port complete.
// docs/storage-model.md describes the model.
import { test } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { Machine } from "../host/machine.ts";
import { sys, type ProcessApi } from "../host/program.ts";
import { UserHeap, ioSetup, ioPrepPread, writeIocbPointers, ioSubmit, ioGetevents, readEvents, IOCB_SIZE, IO_EVENT_SIZE } from "../host/libaio.ts";

const EBADF = 9, EFAULT = 14, EINVAL = 22, ENOENT = 2, EEXIST = 17, ESPIPE = 29;
const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_EXCL = 0o200, O_TRUNC = 0o1000;
const O_SYNC = 0o10000, O_DIRECT = 0o40000;
const PROT_RW = 3, ANON = 0x22, PAGE = 4096;
const STAT = { reads: 0, writes: 1, readBytes: 2, writeBytes: 3, irqs: 4, inflight: 5, blocks: 6, cached: 7 };

type Fs = { fs_stat(i: number): bigint; fs_drop_caches(): number };
const fsx = (m: Machine) => m.ex as unknown as Fs;
const stat = (m: Machine, k: keyof typeof STAT) => Number(fsx(m).fs_stat(STAT[k]));

// 32 pages of user memory holding a path at offset 0 and free space after.
function* setup(api: ProcessApi, path = "data"): Generator<any, number, number> {
  const buf: number = yield sys.mmap(0, 32 * PAGE, PROT_RW, ANON);
  api.mem.cstring(buf, path);
  return buf;
}

function fill(api: ProcessApi, at: number, n: number, seed: number): void {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  api.mem.write(at, b);
}
function same(api: ProcessApi, at: number, n: number, seed: number): boolean {
  const b = api.mem.read(at, n);
  for (let i = 0; i < n; i++) if (b[i] !== ((i * 7 + seed) & 0xff)) return false;
  return true;
}

async function runOne(prog: (api: ProcessApi, rec: unknown[]) => Generator<any, any, number>, overrides = {}) {
  const m = await Machine.boot({ overrides: { cpus: 1, ...overrides } });
  const rec: unknown[] = [];
  m.spawn(function* (api) { yield* prog(api, rec); });
  assert.equal(m.run({ seconds: 1 }).reason, "exited");
  return { m, rec };
}

test("read, write and close of a closed or never-opened descriptor fail with EBADF", async () => {
  const { rec } = await runOne(function* (api, rec) {
    const buf: number = yield* setup(api);
    const fd: number = yield sys.open(buf, O_RDWR | O_CREAT, 0o644);
    rec.push(fd);
    rec.push(yield sys.close(fd));
    rec.push(yield sys.read(fd, buf + PAGE, 10));
    rec.push(yield sys.write(fd, buf + PAGE, 10));
    rec.push(yield sys.close(fd));
    rec.push(yield sys.read(1000, buf + PAGE, 10));
    rec.push(yield sys.fsync(fd));
  });
  assert.deepEqual(rec, [0, 0, -EBADF, -EBADF, -EBADF, -EBADF, -EBADF]);
});

test("read on an O_WRONLY descriptor and write on an O_RDONLY one fail with EBADF", async () => {
  const { rec } = await runOne(function* (api, rec) {
    const buf: number = yield* setup(api);
    const w: number = yield sys.open(buf, O_WRONLY | O_CREAT, 0o644);
    const r: number = yield sys.open(buf, O_RDONLY);
    rec.push(w, r);
    rec.push(yield sys.read(w, buf + PAGE, 10));
    rec.push(yield sys.write(r, buf + PAGE, 10));
    rec.push(yield sys.write(w, buf + PAGE, 10));
    rec.push(yield sys.read(r, buf + PAGE, 100));
    rec.push(yield sys.ftruncate(r, 0));              // needs FMODE_WRITE
  });
  assert.deepEqual(rec, [0, 1, -EBADF, -EBADF, 10, 10, -EINVAL]);
});

test("a bad user buffer gives EFAULT: unmapped for read and write, above TASK_SIZE at access_ok", async () => {
  const { rec } = await runOne(function* (api, rec) {
    const buf: number = yield* setup(api);
    const fd: number = yield sys.open(buf, O_RDWR | O_CREAT, 0o644);
    rec.push(yield sys.write(fd, 0x1000, 16));        // nothing mapped there
    rec.push(yield sys.write(fd, buf + PAGE, 16));
    rec.push(yield sys.pread(fd, 0x1000, 16, 0));
    rec.push(yield sys.pread(fd, 0xc0001000, 16, 0)); // kernel space
    rec.push(yield sys.pread(fd, buf + 2 * PAGE, 16, 0));
  });
  assert.deepEqual(rec, [-EFAULT, 16, -EFAULT, -EFAULT, 16]);
});

test("open: ENOENT without O_CREAT, EEXIST with O_CREAT|O_EXCL, O_TRUNC empties, unlink removes the name", async () => {
  const { rec } = await runOne(function* (api, rec) {
    const buf: number = yield* setup(api, "/f1");
    rec.push(yield sys.open(buf, O_RDONLY));
    const fd: number = yield sys.open(buf, O_RDWR | O_CREAT | O_EXCL, 0o600);
    rec.push(fd);
    rec.push(yield sys.open(buf, O_RDWR | O_CREAT | O_EXCL, 0o600));
    rec.push(yield sys.write(fd, buf + PAGE, 5000));
    const t: number = yield sys.open(buf, O_RDWR | O_TRUNC);
    rec.push(yield sys.pread(t, buf + 2 * PAGE, 100, 0));
    rec.push(yield sys.unlink(buf));
    rec.push(yield sys.open(buf, O_RDONLY));
    rec.push(yield sys.unlink(buf));
    // the unlinked file stays usable through its open descriptors
    rec.push(yield sys.pwrite(fd, buf + PAGE, 10, 0));
    rec.push(yield sys.pread(t, buf + 2 * PAGE, 100, 0));
  });
  assert.deepEqual(rec, [-ENOENT, 0, -EEXIST, 5000, 0, 0, -ENOENT, -ENOENT, 10, 10]);
});

test("data written through the page cache reads back, across pages and at offsets", async () => {
  const { rec } = await runOne(function* (api, rec) {
    const buf: number = yield* setup(api);
    const fd: number = yield sys.open(buf, O_RDWR | O_CREAT, 0o644);
    fill(api, buf + PAGE, 3 * PAGE, 1);
    rec.push(yield sys.write(fd, buf + PAGE, 10000));  // f_pos moves to 10000
    rec.push(yield sys.read(fd, buf + 8 * PAGE, 100)); // at EOF
    rec.push(yield sys.pread(fd, buf + 8 * PAGE, 10000, 0));
    rec.push(same(api, buf + 8 * PAGE, 10000, 1));
    rec.push(yield sys.pread(fd, buf + 8 * PAGE, 100, 9950)); // only 50 left
    rec.push(yield sys.pwrite(fd, buf + PAGE + 100, 300, 4000)); // straddles a page boundary
    rec.push(yield sys.pread(fd, buf + 12 * PAGE, 300, 4000));
    const a = api.mem.read(buf + 12 * PAGE, 300), b = api.mem.read(buf + PAGE + 100, 300);
    rec.push(a.every((x, i) => x === b[i]));
    rec.push(yield sys.ftruncate(fd, 5000));
    rec.push(yield sys.pread(fd, buf + 8 * PAGE, 10000, 0));
    rec.push(yield sys.ftruncate(fd, -1));            // 4 GiB - 1 as unsigned long: too big without O_LARGEFILE
    rec.push(yield sys.ftruncate(99, -1));            // the descriptor is checked first
  });
  assert.deepEqual(rec, [10000, 0, 10000, true, 50, 300, 300, true, 0, 5000, -EINVAL, -EBADF]);
});

test("pread and pwrite on a pipe fail with ESPIPE; a negative offset with EINVAL", async () => {
  const { rec } = await runOne(function* (api, rec) {
    const buf: number = yield* setup(api);
    rec.push(yield sys.pipe(buf + PAGE));
    const rfd = api.mem.i32(buf + PAGE), wfd = api.mem.i32(buf + PAGE + 4);
    rec.push(yield sys.pwrite(wfd, buf, 4, 0));
    rec.push(yield sys.pread(rfd, buf, 4, 0));
    const fd: number = yield sys.open(buf, O_RDWR | O_CREAT, 0o644);
    rec.push(yield sys.syscall(180, fd, buf, 4, -1, -1)); // pos = -1
  });
  assert.deepEqual(rec, [0, -ESPIPE, -ESPIPE, -EINVAL]);
});

test("O_DIRECT needs sector-aligned offset, buffer and length (EINVAL), and aligned I/O round-trips", async () => {
  const { m, rec } = await runOne(function* (api, rec) {
    const buf: number = yield* setup(api);
    const fd: number = yield sys.open(buf, O_RDWR | O_CREAT | O_DIRECT, 0o644);
    fill(api, buf + PAGE, 2 * PAGE, 9);
    rec.push(yield sys.pwrite(fd, buf + PAGE + 1, 512, 0));   // buffer not aligned
    rec.push(yield sys.pwrite(fd, buf + PAGE, 500, 0));       // length not aligned
    rec.push(yield sys.pwrite(fd, buf + PAGE, 512, 100));     // offset not aligned
    rec.push(yield sys.pwrite(fd, buf + PAGE, 2 * PAGE, 0));  // page-aligned: fine
    rec.push(yield sys.pwrite(fd, buf + PAGE + 512, 1024, 8192 + 512)); // sector-aligned: fine
    rec.push(yield sys.pread(fd, buf + 4 * PAGE, 2 * PAGE, 0));
    rec.push(same(api, buf + 4 * PAGE, 2 * PAGE, 9));
    rec.push(yield sys.pread(fd, buf + 4 * PAGE + 3, 512, 0)); // misaligned read
  });
  assert.deepEqual(rec, [-EINVAL, -EINVAL, -EINVAL, 2 * PAGE, 1024, 2 * PAGE, true, -EINVAL]);
  assert.equal(stat(m, "cached"), 0, "O_DIRECT left nothing in the page cache");
  assert.ok(stat(m, "writes") >= 2 && stat(m, "reads") >= 1);
});

test("fsync writes the dirty pages to the disk and waits for them; a clean file writes nothing", async () => {
  const lat = 500, mbs = 100, khz = 2_800_000;
  const m = await Machine.boot({ overrides: { cpus: 1, disk: { latencyUs: lat, bandwidthMBs: mbs } } });
  const rec: number[] = [];
  let t0 = 0n, t1 = 0n, writesBefore = -1, writesAfter = -1;
  m.spawn(function* (api) {
    const buf: number = yield* setup(api);
    const fd: number = yield sys.open(buf, O_RDWR | O_CREAT, 0o644);
    rec.push(yield sys.write(fd, buf + PAGE, 3 * PAGE));
    writesBefore = stat(m, "writes");
    t0 = m.cpuNow();
    rec.push(yield sys.fsync(fd));
    t1 = m.cpuNow();
    writesAfter = stat(m, "writes");
    rec.push(yield sys.fsync(fd));
    rec.push(stat(m, "writes"));
  });
  assert.equal(m.run({ seconds: 1 }).reason, "exited");
  assert.deepEqual(rec, [3 * PAGE, 0, 0, 3]);
  assert.equal(writesBefore, 0, "buffered writes stay in the cache");
  assert.equal(writesAfter, 3);
  assert.equal(stat(m, "blocks"), 3);
  // three 4 KiB writes behind one latency, one after another on the channel
  const min = (lat * khz) / 1000 + (3 * PAGE * khz) / (mbs * 1000);
  const took = Number(t1 - t0);
  assert.ok(took >= min, `fsync took ${took} cycles, at least ${min} expected`);
  assert.ok(took < min + 200_000, `fsync took ${took} cycles, about ${min} expected`);
});

test("an O_SYNC write is on the disk when write returns", async () => {
  const { m, rec } = await runOne(function* (api, rec) {
    const buf: number = yield* setup(api);
    const fd: number = yield sys.open(buf, O_RDWR | O_CREAT | O_SYNC, 0o644);
    rec.push(yield sys.write(fd, buf + PAGE, 2 * PAGE));
    rec.push(stat((api.machine as Machine), "writes"));
  });
  assert.deepEqual(rec, [2 * PAGE, 2]);
  assert.equal(stat(m, "inflight"), 0);
});

test("a buffered read of a page not in the cache waits the disk's latency; a cached one does not", async () => {
  const lat = 1000, mbs = 80, khz = 2_800_000;
  const m = await Machine.boot({ overrides: { cpus: 1, disk: { latencyUs: lat, bandwidthMBs: mbs } } });
  m.spawn(function* (api) {
    const buf: number = yield* setup(api);
    const fd: number = yield sys.open(buf, O_RDWR | O_CREAT, 0o644);
    fill(api, buf + PAGE, PAGE, 5);
    yield sys.write(fd, buf + PAGE, PAGE);
    yield sys.fsync(fd);
  }, { name: "writer" });
  assert.equal(m.run({ seconds: 1 }).reason, "exited");
  const dropped = fsx(m).fs_drop_caches();
  assert.equal(dropped, 1, "the one clean page was dropped");
  const times: number[] = [];
  let ok = false;
  const readsBefore = stat(m, "reads");
  m.spawn(function* (api) {
    const buf: number = yield* setup(api);
    const fd: number = yield sys.open(buf, O_RDONLY);
    for (let k = 0; k < 2; k++) {
      const t0 = m.cpuNow();
      const n: number = yield sys.read(fd, buf + 2 * PAGE, PAGE);
      times.push(Number(m.cpuNow() - t0));
      assert.equal(n, PAGE);
      yield sys.syscall(19 /* lseek: absent */, fd, 0, 0);
      yield sys.close(fd);
      yield sys.open(buf, O_RDONLY);                  // same fd number, position 0 again
    }
    ok = same(api, buf + 2 * PAGE, PAGE, 5);
  }, { name: "reader" });
  assert.equal(m.run({ seconds: 1 }).reason, "exited");
  assert.ok(ok, "the data read back from the disk");
  assert.equal(stat(m, "reads") - readsBefore, 1, "one disk read: the second read hit the cache");
  const min = (lat * khz) / 1000 + (PAGE * khz) / (mbs * 1000);
  assert.ok(times[0] >= min && times[0] < min + 100_000, `cold read took ${times[0]} cycles, about ${min} expected`);
  assert.ok(times[1] < 50_000, `warm read took ${times[1]} cycles`);
});

// ---- the retry exits under the AIO port (assembly/selftest/fs.ts)

interface FsSelftest {
  st_fs(i: number): bigint;
  st_fs_pipe_retry(cpu: number): void;
  st_fs_page_retry(cpu: number): void;
  st_fs_dio_async(cpu: number): void;
}
const EIOCBRETRY = 530, EIOCBQUEUED = 529;

async function scenario(start: (st: FsSelftest) => void, overrides = {}) {
  const m = await Machine.boot({ overrides: { cpus: 1, ...overrides } });
  const st = m.ex as unknown as FsSelftest;
  start(st);
  m.run({ seconds: 0.2 });
  const get = (i: number) => Number(st.st_fs(i));
  assert.equal(get(31), 1, "the scenario ran to its end");
  return get;
}

test("a read of an uncached page with an async io_wait exits with EIOCBRETRY; the disk interrupt wakes it; the retry gets the data", async () => {
  const lat = 300;
  const get = await scenario((st) => st.st_fs_page_retry(0), { hz: 1000, disk: { latencyUs: lat } });
  assert.equal(get(0), PAGE, "written");
  assert.equal(get(1), 0, "written back");
  assert.equal(get(2), 1, "one clean page dropped from the cache");
  assert.equal(get(3), -EIOCBRETRY, "no bytes yet: retry exit");
  assert.equal(get(4), 1, "the async entry sits on the page's wait queue");
  assert.equal(get(5), 1, "woken from the completion interrupt (hard-irq context)");
  assert.ok(get(6) <= 1, `woken within a jiffy of the issue (${get(6)})`);
  assert.equal(get(7), PAGE, "the retry copied the page");
  assert.equal(get(8), 1, "with the right bytes");
});

test("an async O_DIRECT read returns EIOCBQUEUED and is completed from the disk interrupt through the completion slot", async () => {
  const get = await scenario((st) => st.st_fs_dio_async(0));
  assert.equal(get(0), 2 * PAGE, "synchronous O_DIRECT write");
  assert.equal(get(1), -EIOCBQUEUED);
  assert.equal(get(2), 0, "not completed at submission");
  assert.equal(get(3), 2 * PAGE, "completion reports the bytes read");
  assert.equal(get(4), 1, "called in interrupt context");
  assert.equal(get(5), 1, "for the kiocb submitted");
  assert.equal(get(6), 1, "the data reached the user pages");
});

let irqsOn: number[] = [];
// Four tasks each read 64 KiB with O_DIRECT at once; returns the span from the first start to the
// last finish, in µs.
async function fourReads(queueDepth: number, cpus = 1, irqCpu = 0) {
  const lat = 1000, mbs = 80;
  const m = await Machine.boot({ overrides: { cpus, disk: { latencyUs: lat, bandwidthMBs: mbs, queueDepth, irqCpu } } });
  const starts: bigint[] = [], ends: bigint[] = [], results: number[] = [];
  const CHUNK = 16 * PAGE;
  m.spawn(function* (api) {
    const buf: number = yield sys.mmap(0, 80 * PAGE, PROT_RW, ANON);
    api.mem.cstring(buf, "big");
    const fd: number = yield sys.open(buf, O_RDWR | O_CREAT | O_DIRECT, 0o644);
    yield sys.pwrite(fd, buf + PAGE, 4 * CHUNK, 0);
    const reader = (k: number) => function* () {
      starts.push(m.cpuNow());
      results.push(yield sys.pread(fd, buf + PAGE + k * CHUNK, CHUNK, k * CHUNK));
      ends.push(m.cpuNow());
    };
    for (let k = 1; k < 4; k++) yield sys.fork(reader(k), `r${k}`);
    yield* reader(0)();
  }, { name: "r0" });
  assert.equal(m.run({ seconds: 2 }).reason, "exited");
  assert.deepEqual(results, [CHUNK, CHUNK, CHUNK, CHUNK]);
  irqsOn = [0, 1].map((c) => Number(fsx(m).fs_stat(16 + c)));
  const first = starts.reduce((a, b) => (a < b ? a : b));
  const last = ends.reduce((a, b) => (a > b ? a : b));
  return Number(last - first) / 2800;           // µs at 2.8 GHz
}

test("the disk overlaps request latencies up to its queue depth and shares its bandwidth", async () => {
  // 64 KiB at 80 MB/s = 819 µs of transfer; latency 1000 µs
  const deep = await fourReads(8);
  const shallow = await fourReads(1);
  assert.ok(deep > 1000 + 4 * 819 && deep < 1000 + 4 * 819 + 300, `depth 8: ${deep.toFixed(0)} µs, about 4277 expected`);
  assert.ok(shallow > 4 * 1819 && shallow < 4 * 1819 + 300, `depth 1: ${shallow.toFixed(0)} µs, about 7277 expected`);
});

test("completions are delivered on the profile's IRQ CPU and wake a reader on the other CPU", async () => {
  const onOther = await fourReads(8, 2, 1);
  assert.ok(onOther > 1000 + 4 * 819 && onOther < 1000 + 4 * 819 + 300, `irq on CPU 1: ${onOther.toFixed(0)} µs`);
  assert.equal(irqsOn[0], 0, "no disk interrupt on CPU 0");
  assert.ok(irqsOn[1] >= 4, `disk interrupts on CPU 1: ${irqsOn[1]}`);
});

test("with readahead on, a cold 64 KiB read costs one disk round trip instead of sixteen", async () => {
  const cold = async (ra: boolean) => {
    const m = await Machine.boot({ overrides: { cpus: 1, disk: { latencyUs: 1000, bandwidthMBs: 80 } } });
    (m.ex as unknown as { fs_set_readahead(on: number): void }).fs_set_readahead(ra ? 1 : 0);
    m.spawn(function* (api) {
      const buf: number = yield* setup(api);
      const fd: number = yield sys.open(buf, O_RDWR | O_CREAT, 0o644);
      yield sys.write(fd, buf + PAGE, 16 * PAGE);
      yield sys.fsync(fd);
    });
    m.run({ seconds: 1 });
    fsx(m).fs_drop_caches();
    const readsBefore = stat(m, "reads");
    let took = 0, n = 0;
    m.spawn(function* (api) {
      const buf: number = yield* setup(api);
      const fd: number = yield sys.open(buf, O_RDONLY);
      const t0 = m.cpuNow();
      n = yield sys.read(fd, buf + PAGE, 16 * PAGE);
      took = Number(m.cpuNow() - t0) / 2800;
    });
    assert.equal(m.run({ seconds: 1 }).reason, "exited");
    return { took, n, requests: stat(m, "reads") - readsBefore };
  };
  const off = await cold(false), on = await cold(true);
  assert.equal(off.n, 16 * PAGE);
  assert.equal(on.n, 16 * PAGE);
  assert.equal(off.requests, 16, "one request per page without readahead");
  assert.equal(on.requests, 1, "the run of 16 pages goes out as one request");
  // off: 16 × (1000 + 51) µs; on: 1000 + 819 µs
  assert.ok(off.took > 16 * 1051 && off.took < 16 * 1051 + 500, `without readahead: ${off.took.toFixed(0)} µs`);
  assert.ok(on.took > 1819 && on.took < 1819 + 300, `with readahead: ${on.took.toFixed(0)} µs`);
});

test("a writer that sleeps on the disk holding i_sem makes a second writer of the file wait for it", async () => {
  const m = await Machine.boot({ overrides: { cpus: 1, disk: { latencyUs: 2000 } } });
  m.spawn(function* (api) {
    const buf: number = yield* setup(api);
    const fd: number = yield sys.open(buf, O_RDWR | O_CREAT, 0o644);
    fill(api, buf + PAGE, PAGE, 3);
    yield sys.write(fd, buf + PAGE, PAGE);
    yield sys.fsync(fd);
  });
  m.run({ seconds: 1 });
  fsx(m).fs_drop_caches();
  const done: [string, bigint, number][] = [];
  let check = false;
  m.spawn(function* (api) {
    const buf: number = yield* setup(api);
    const fd: number = yield sys.open(buf, O_RDWR);
    api.mem.write(buf + 2 * PAGE, new TextEncoder().encode("AAAAAAAAAA"));
    api.mem.write(buf + 3 * PAGE, new TextEncoder().encode("BBBBBBBBBB"));
    yield sys.fork(function* () {
      const n: number = yield sys.pwrite(fd, buf + 3 * PAGE, 10, 100);   // i_sem is taken: waits
      done.push(["child", m.cpuNow(), n]);
    }, "second");
    // a partial overwrite of a block not in the cache: prepare_write reads it, holding i_sem
    const n: number = yield sys.pwrite(fd, buf + 2 * PAGE, 10, 2000);
    done.push(["parent", m.cpuNow(), n]);
    yield sys.syscall(158);                           // sched_yield: let the child finish
    yield sys.pread(fd, buf + 4 * PAGE, PAGE, 0);
    const b = api.mem.read(buf + 4 * PAGE, PAGE);
    const t = new TextDecoder();
    check = t.decode(b.subarray(100, 110)) === "BBBBBBBBBB" && t.decode(b.subarray(2000, 2010)) === "AAAAAAAAAA" &&
      b[0] === (3 & 0xff) && b[4095] === ((4095 * 7 + 3) & 0xff);
  });
  assert.equal(m.run({ seconds: 1 }).reason, "exited");
  assert.deepEqual(done.map((d) => [d[0], d[2]]), [["parent", 10], ["child", 10]]);
  assert.ok(Number(done[0][1]) >= 2000 * 2800, "the parent's write waited for the disk read");
  assert.ok(check, "both writes landed on the old contents");
});

test("unlinking a file frees its cached pages and disk blocks once the last descriptor closes", async () => {
  const m = await Machine.boot({ overrides: { cpus: 1 } });
  const mid: number[] = [];
  m.spawn(function* (api) {
    const buf: number = yield* setup(api);
    const fd: number = yield sys.open(buf, O_RDWR | O_CREAT, 0o644);
    yield sys.write(fd, buf + PAGE, 5 * PAGE);
    yield sys.fsync(fd);
    yield sys.unlink(buf);
    mid.push(stat(m, "cached"), stat(m, "blocks"));  // still open: nothing freed yet
    yield sys.close(fd);
  });
  assert.equal(m.run({ seconds: 1 }).reason, "exited");
  assert.deepEqual(mid, [5, 5]);
  assert.equal(stat(m, "cached"), 0);
  assert.equal(stat(m, "blocks"), 0);
  assert.equal(Number(fsx(m).fs_stat(11)), 0, "no inode left");
});

// ---- through the AIO port (fs/aio.ts): io_submit on regular files


// Submits n reads of `size` bytes (one per iocb, consecutive offsets) on path and reaps them all.
async function aioReads(flags: number, n: number, size: number, cold: boolean) {
  const m = await Machine.boot({ overrides: { cpus: 1, disk: { latencyUs: 500, bandwidthMBs: 80 } } });
  m.spawn(function* (api) {
    const buf: number = yield* setup(api);
    const fd: number = yield sys.open(buf, O_RDWR | O_CREAT, 0o644);
    fill(api, buf + PAGE, 16 * PAGE, 4);
    yield sys.write(fd, buf + PAGE, 16 * PAGE);
    yield sys.fsync(fd);
  });
  m.run({ seconds: 1 });
  if (cold) fsx(m).fs_drop_caches();
  const out = { submitted: 0, events: [] as { res: number; data: bigint }[], ok: true, took: 0 };
  m.spawn(function* (api) {
    const heap: UserHeap = yield* UserHeap.create(64 * PAGE);
    const path = heap.alloc(8, 8);
    api.mem.cstring(path, "data");
    const fd: number = yield sys.open(path, flags);
    const ctx: number = yield* ioSetup(api.mem, heap, 32);
    const bufs: number[] = [], iocbs: number[] = [];
    for (let k = 0; k < n; k++) {
      bufs.push(heap.alloc(size, PAGE));
      iocbs.push(heap.alloc(IOCB_SIZE, 8));
      ioPrepPread(api.mem, iocbs[k], fd, bufs[k], size, k * size, BigInt(k + 1));
    }
    const vec = heap.alloc(4 * n, 4);
    writeIocbPointers(api.mem, vec, iocbs);
    const evs = heap.alloc(IO_EVENT_SIZE * n, 8);
    const t0 = m.cpuNow();
    out.submitted = yield ioSubmit(ctx, n, vec);
    let got = 0;
    while (got < n) {
      const r: number = yield ioGetevents(ctx, 1, n - got, evs + got * IO_EVENT_SIZE, 0);
      if (r <= 0) break;
      got += r;
    }
    out.took = Number(m.cpuNow() - t0) / 2800;
    out.events = readEvents(api.mem, evs, got).map((e) => ({ res: Number(e.res), data: e.data }));
    for (let k = 0; k < n; k++) {
      const b = api.mem.read(bufs[k], size);
      for (let j = 0; j < size; j++) if (b[j] !== (((k * size + j) * 7 + 4) & 0xff)) { out.ok = false; break; }
    }
  });
  assert.equal(m.run({ seconds: 5 }).reason, "exited");
  return out;
}

test("AIO O_DIRECT reads through io_submit complete from the disk interrupt with the right data", async () => {
  const r = await aioReads(O_RDONLY | O_DIRECT, 4, 4 * PAGE, true);
  assert.equal(r.submitted, 4);
  assert.deepEqual(r.events.map((e) => e.res), [4 * PAGE, 4 * PAGE, 4 * PAGE, 4 * PAGE]);
  assert.deepEqual(r.events.map((e) => Number(e.data)).sort(), [1, 2, 3, 4]);
  assert.ok(r.ok, "data");
  // four requests queued together: one latency, then 64 KiB at 80 MB/s
  assert.ok(r.took > 500 + 819 && r.took < 500 + 819 + 400, `took ${r.took.toFixed(0)} µs`);
});

test("AIO buffered reads of a cold file retry page by page until every byte is there", async () => {
  const r = await aioReads(O_RDONLY, 4, 4 * PAGE, true);
  assert.equal(r.submitted, 4);
  assert.deepEqual(r.events.map((e) => e.res), [4 * PAGE, 4 * PAGE, 4 * PAGE, 4 * PAGE]);
  assert.ok(r.ok, "data");
});
