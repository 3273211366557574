// Pipes (fs/pipe.c of 2.6.9): data moves between user tasks through one page, a blocking read
// waits for a writer, EOF when the writers are gone, -EAGAIN with O_NONBLOCK, -EPIPE without
// readers, and a ping-pong between two tasks on one CPU costs two context switches a round trip.
// The two ends reach the second task through fork, which copies the descriptor table.
import { test } from "node:test";
import assert from "node:assert/strict";
import "../host/node.ts";
import { Machine } from "../host/machine.ts";
import { sys, work, type ProcessApi, type Program } from "../host/program.ts";

const EAGAIN = 11, EPIPE = 32, EBADF = 9, EFAULT = 14;
const O_NONBLOCK = 0o4000;
const PROT_RW = 3, ANON = 0x22, PAGE = 4096;

interface Pipe { buf: number; rfd: number; wfd: number }

// Maps a page for buffers and makes a pipe; its fds are read back from that page.
function* mkpipe(api: ProcessApi): Generator<any, Pipe, number> {
  const buf: number = yield sys.mmap(0, PAGE, PROT_RW, ANON);
  const r: number = yield sys.pipe(buf);
  assert.equal(r, 0);
  return { buf, rfd: api.mem.i32(buf), wfd: api.mem.i32(buf + 4) };
}

async function boot(cpus = 1) {
  return Machine.boot({ overrides: { cpus } });
}

test("pipe gives the two lowest free descriptors and bytes written come out of the read end", async () => {
  const m = await boot();
  const rec: (number | string)[] = [];
  m.spawn(function* (api) {
    const p: Pipe = yield* mkpipe(api);
    rec.push(p.rfd, p.wfd);
    api.mem.write(p.buf + 100, new TextEncoder().encode("hello, pipe"));
    rec.push(yield sys.write(p.wfd, p.buf + 100, 11));
    rec.push(yield sys.read(p.rfd, p.buf + 200, 64));
    rec.push(new TextDecoder().decode(api.mem.read(p.buf + 200, 11)));
  });
  assert.equal(m.run({ seconds: 0.1 }).reason, "exited");
  assert.deepEqual(rec, [0, 1, 11, 11, "hello, pipe"]);   // a spawned task starts with no descriptors
});

test("read on the write end and write on the read end fail with EBADF; close twice gives EBADF", async () => {
  const m = await boot();
  const rec: number[] = [];
  m.spawn(function* (api) {
    const p: Pipe = yield* mkpipe(api);
    rec.push(yield sys.read(p.wfd, p.buf, 1));
    rec.push(yield sys.write(p.rfd, p.buf, 1));
    rec.push(yield sys.close(p.rfd));
    rec.push(yield sys.close(p.rfd));
    rec.push(yield sys.read(p.rfd, p.buf, 1));
    rec.push(yield sys.read(77, p.buf, 1));
  });
  assert.equal(m.run({ seconds: 0.1 }).reason, "exited");
  assert.deepEqual(rec, [-EBADF, -EBADF, 0, -EBADF, -EBADF, -EBADF]);
});

test("a blocking read sleeps until the other task writes, then returns what was written", async () => {
  const m = await boot();
  const rec: (number | bigint)[] = [];
  let wroteAt = 0n, readAt = 0n;
  m.spawn(function* (api) {
    const p: Pipe = yield* mkpipe(api);
    const child: Program = function* (capi) {
      yield work(2_800_000);                           // 1 ms of user work, then write 5 bytes
      capi.mem.write(p.buf + 64, new TextEncoder().encode("abcde"));
      wroteAt = m.cpuNow();
      rec.push(yield sys.write(p.wfd, p.buf + 64, 5));
    };
    yield sys.fork(child, "writer");
    rec.push(yield sys.read(p.rfd, p.buf + 128, 100)); // empty: sleeps
    readAt = m.cpuNow();
    rec.push(new TextDecoder().decode(api.mem.read(p.buf + 128, 5)) === "abcde" ? 1 : 0);
  }, { name: "reader" });
  assert.equal(m.run({ seconds: 0.1 }).reason, "exited");
  assert.deepEqual(rec, [5, 5, 1]);
  assert.ok(readAt > wroteAt, "the read returned after the write");
  assert.ok(Number(readAt) >= 2_800_000, `the reader slept through the writer's 1 ms of work (${readAt})`);
});

test("read returns 0 (EOF) once every writer has closed, after draining what is left", async () => {
  const m = await boot();
  const parent: number[] = [], child: number[] = [];
  m.spawn(function* (api) {
    const p: Pipe = yield* mkpipe(api);
    yield sys.fork(function* () {
      child.push(yield sys.write(p.wfd, p.buf, 3));
      yield work(100_000);
      child.push(yield sys.close(p.wfd));             // the last write end
    }, "writer");
    parent.push(yield sys.close(p.wfd));              // the parent's copy of the write end
    parent.push(yield sys.read(p.rfd, p.buf + 512, 100));
    parent.push(yield sys.read(p.rfd, p.buf + 512, 100)); // sleeps until the child closes
  });
  assert.equal(m.run({ seconds: 0.1 }).reason, "exited");
  assert.deepEqual(child, [3, 0]);
  assert.deepEqual(parent, [0, 3, 0]);
});

test("with O_NONBLOCK (fcntl F_SETFL) a read of an empty pipe gives EAGAIN instead of sleeping", async () => {
  const m = await boot();
  const rec: number[] = [];
  m.spawn(function* (api) {
    const p: Pipe = yield* mkpipe(api);
    rec.push(yield sys.fcntl(p.rfd, 4 /* F_SETFL */, O_NONBLOCK));
    rec.push(yield sys.fcntl(p.rfd, 3 /* F_GETFL */));
    rec.push(yield sys.read(p.rfd, p.buf + 64, 10));
    rec.push(yield sys.write(p.wfd, p.buf, 2));
    rec.push(yield sys.read(p.rfd, p.buf + 64, 10));
    rec.push(yield sys.read(p.rfd, p.buf + 64, 10));
  });
  assert.equal(m.run({ seconds: 0.1 }).reason, "exited");
  assert.deepEqual(rec, [0, O_NONBLOCK, -EAGAIN, 2, 2, -EAGAIN]);
});

test("with O_NONBLOCK a write to a full pipe writes what fits, then gives EAGAIN", async () => {
  const m = await boot();
  const rec: number[] = [];
  m.spawn(function* (api) {
    const p: Pipe = yield* mkpipe(api);
    const big: number = yield sys.mmap(0, 3 * PAGE, PROT_RW, ANON);
    rec.push(yield sys.fcntl(p.wfd, 4, O_NONBLOCK));
    rec.push(yield sys.write(p.wfd, big, 3000));
    rec.push(yield sys.write(p.wfd, big, 3000));
    rec.push(yield sys.write(p.wfd, big, 8192));      // > PIPE_BUF: takes what fits
  });
  assert.equal(m.run({ seconds: 0.1 }).reason, "exited");
  // 3000 fit; a second 3000 (<= PIPE_BUF) must go in whole, so EAGAIN; 8192 takes the 1096 left
  assert.deepEqual(rec, [0, 3000, -EAGAIN, 1096]);
});

test("write to a pipe whose read end is closed fails with EPIPE (and raises SIGPIPE)", async () => {
  const m = await boot();
  const rec: number[] = [];
  m.spawn(function* (api) {
    const p: Pipe = yield* mkpipe(api);
    rec.push(yield sys.close(p.rfd));
    rec.push(yield sys.write(p.wfd, p.buf, 10));
  });
  assert.equal(m.run({ seconds: 0.1 }).reason, "exited");
  assert.deepEqual(rec, [0, -EPIPE]);
});

test("a read into an unmapped buffer fails with EFAULT and leaves the data in the pipe", async () => {
  const m = await boot();
  const rec: number[] = [];
  m.spawn(function* (api) {
    const p: Pipe = yield* mkpipe(api);
    rec.push(yield sys.write(p.wfd, p.buf, 8));
    rec.push(yield sys.read(p.rfd, 0x1000, 8));        // nothing is mapped at 4 KiB
    rec.push(yield sys.read(p.rfd, p.buf + 16, 8));
  });
  assert.equal(m.run({ seconds: 0.1 }).reason, "exited");
  assert.deepEqual(rec, [8, -EFAULT, 8]);
});

test("ping-pong between two tasks on one CPU costs two context switches per round trip", async () => {
  const m = await boot();
  const ROUNDS = 50;
  let switchesBefore = 0n, switchesAfter = 0n, rounds = 0;
  m.spawn(function* (api) {
    const a: Pipe = yield* mkpipe(api);               // parent -> child
    const b: Pipe = yield* mkpipe(api);               // child -> parent
    yield sys.fork(function* () {
      for (let i = 0; i < ROUNDS; i++) {
        const n: number = yield sys.read(a.rfd, a.buf + 256, 1);
        if (n !== 1) return 1;
        yield sys.write(b.wfd, a.buf + 256, 1);
      }
      return 0;
    }, "pong");
    // let the child reach its first read and sleep there
    yield sys.write(a.wfd, a.buf, 1);
    yield sys.read(b.rfd, a.buf + 512, 1);
    switchesBefore = m.ex.total_switches() as bigint;
    for (let i = 1; i < ROUNDS; i++) {
      yield sys.write(a.wfd, a.buf, 1);
      const n: number = yield sys.read(b.rfd, a.buf + 512, 1);
      if (n === 1) rounds++;
    }
    switchesAfter = m.ex.total_switches() as bigint;
  }, { name: "ping" });
  assert.equal(m.run({ seconds: 1 }).reason, "exited");
  assert.equal(rounds, ROUNDS - 1);
  assert.equal(Number(switchesAfter - switchesBefore), 2 * (ROUNDS - 1));
});

test("with an async io_wait an empty-pipe read and a full-pipe write exit with EIOCBRETRY and are woken by the other side", async () => {
  const m = await Machine.boot({ overrides: { cpus: 1 } });
  const st = m.ex as unknown as { st_fs(i: number): bigint; st_fs_pipe_retry(cpu: number): void };
  st.st_fs_pipe_retry(0);
  m.run({ seconds: 0.1 });
  const get = (i: number) => Number(st.st_fs(i));
  const EIOCBRETRY = 530;
  assert.equal(get(31), 1, "the scenario ran to its end");
  assert.equal(get(0), 0);
  assert.equal(get(1), -EIOCBRETRY, "empty pipe: retry exit, no sleep");
  assert.equal(get(2), 1, "the entry is queued on the pipe's wait queue");
  assert.equal(get(3), 5);
  assert.equal(get(4), 1, "the write woke the entry");
  assert.equal(get(5), 5, "the retry reads what was written");
  assert.equal(get(6), PAGE, "the pipe is full");
  assert.equal(get(7), -EIOCBRETRY, "full pipe: retry exit");
  assert.equal(get(8), 0, "waiting_writers is not left raised (pipe_mm_waiting_writers_leak off)");
  assert.equal(get(9), 200);
  assert.equal(get(10), 1, "the read woke the writer's entry");
});

test("a task's descriptors are closed when it exits: no struct file and no pipe left behind", async () => {
  const m = await boot();
  m.spawn(function* (api) {
    yield* mkpipe(api);
    yield* mkpipe(api);
  });
  assert.equal(m.run({ seconds: 0.1 }).reason, "exited");
  const fsStat = (i: number) => Number((m.ex as unknown as { fs_stat(i: number): bigint }).fs_stat(i));
  assert.equal(fsStat(10), 0, "struct files");
  assert.equal(fsStat(11), 0, "inodes");
});

test("get_unused_fd gives EMFILE past RLIMIT_NOFILE (1024 descriptors)", async () => {
  const m = await boot();
  const rec: number[] = [];
  m.spawn(function* (api) {
    const buf: number = yield sys.mmap(0, PAGE, PROT_RW, ANON);
    let last = 0;
    for (let i = 0; i < 512; i++) last = yield sys.pipe(buf);
    rec.push(last, api.mem.i32(buf + 4));
    rec.push(yield sys.pipe(buf));
    rec.push(yield sys.close(5));
    rec.push(yield sys.pipe(buf));                  // one slot free: not enough for two
    rec.push(yield sys.close(9));
    rec.push(yield sys.pipe(buf), api.mem.i32(buf), api.mem.i32(buf + 4));
  });
  assert.equal(m.run({ seconds: 1 }).reason, "exited");
  assert.deepEqual(rec, [0, 1023, -24, 0, -24, 0, 0, 5, 9]);
});
