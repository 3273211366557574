/*
 * cref driver: runs one aio-sim differential scenario on the real kernel of this machine and
 * prints the canonical log, one line per step. Written for aio-sim (our code, no libaio: the
 * five AIO calls go through syscall(2) with <linux/aio_abi.h>, because libaio answers some
 * calls without entering the kernel).
 *
 *   driver [-a ALARM_SECONDS] SCENARIO_FILE
 *
 * The scenario file is the line format host/cref/format.ts writes and docs/cref-diff.md
 * describes: one step a line, tokens separated by single spaces, step number = line index.
 * The simulator side (host/cref/simrun.ts) interprets the same lines and prints the same log.
 *
 * Log line: "<step> <op> key=value ...". Negative results are printed as errno names
 * ("ret=-EINVAL"). Addresses are never printed: an event's obj is printed as the name of the
 * iocb it points at, a context as "set"/"zero".
 *
 * Every call that may block runs under alarm(); SIGALRM has a handler without SA_RESTART, so
 * the blocked call returns (EINTR, or a short count) and the step's line says "alarm=1".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/aio_abi.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINES 4096
#define MAX_TOK 64
#define MAX_SYMS 512
#define PAGE 4096UL

/* An address the kernel must refuse as a user pointer on x86_64 (the libaio harness uses the
 * start of the kernel text mapping). */
#define KERNEL_PTR 0xffffffff81000000UL

enum kind { K_MEM, K_FD, K_CTX };

struct sym {
	char name[48];
	enum kind kind;
	uint64_t val;     /* address, fd or context */
	uint64_t size;    /* K_MEM: bytes */
};

static struct sym syms[MAX_SYMS];
static int nsyms;
static int alarm_secs = 2;
static volatile sig_atomic_t alarm_fired;
static int in_child;

static void die(int step, const char *msg, const char *arg)
{
	printf("%d error msg=%s%s%s\n", step, msg, arg ? ":" : "", arg ? arg : "");
	fflush(stdout);
	exit(2);
}

/* ---- errno names */

static const struct { int no; const char *name; } errnames[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" }, { EINTR, "EINTR" },
	{ EIO, "EIO" }, { ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { EBADF, "EBADF" },
	{ ECHILD, "ECHILD" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
	{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
	{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { ENFILE, "ENFILE" },
	{ EMFILE, "EMFILE" }, { ENOTTY, "ENOTTY" }, { EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" },
	{ ESPIPE, "ESPIPE" }, { EROFS, "EROFS" }, { EPIPE, "EPIPE" }, { ENOSYS, "ENOSYS" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ECANCELED, "ECANCELED" }, { ENOTSOCK, "ENOTSOCK" },
};

/* Formats a result: a non-negative number as is, a negative errno as "-ENAME". */
static const char *res_str(int64_t v)
{
	static char bufs[8][32];
	static int next;
	char *b = bufs[next++ & 7];
	if (v < 0 && v > -4096) {
		for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
			if (errnames[i].no == -v) {
				snprintf(b, 32, "-%s", errnames[i].name);
				return b;
			}
	}
	snprintf(b, 32, "%" PRId64, v);
	return b;
}

/* raw syscall result: -errno on failure, as the kernel returns it */
static long rawret(long r) { return r == -1 ? -errno : r; }

/* ---- symbols */

static struct sym *find(const char *name)
{
	for (int i = 0; i < nsyms; i++)
		if (!strcmp(syms[i].name, name))
			return &syms[i];
	return NULL;
}

static struct sym *define(int step, const char *name, enum kind k, uint64_t val, uint64_t size)
{
	struct sym *s = find(name);
	if (!s) {
		if (nsyms == MAX_SYMS)
			die(step, "too-many-symbols", name);
		s = &syms[nsyms++];
		snprintf(s->name, sizeof s->name, "%s", name);
	}
	s->kind = k;
	s->val = val;
	s->size = size;
	return s;
}

static int64_t num(int step, const char *t)
{
	char *end;
	errno = 0;
	int64_t v = strtoll(t, &end, 0);
	if (*end || errno) {
		/* large unsigned literals such as 0xffffffffffffffff */
		errno = 0;
		v = (int64_t)strtoull(t, &end, 0);
		if (*end || errno)
			die(step, "bad-number", t);
	}
	return v;
}

/* An address token: $null, $badptr, $kernelptr, -1 (all ones), a number, or $name[+off]. */
static uint64_t addr(int step, const char *t)
{
	if (t[0] != '$')
		return (uint64_t)num(step, t);
	char name[64];
	const char *plus = strchr(t, '+');
	size_t n = plus ? (size_t)(plus - t) : strlen(t);
	if (n >= sizeof name)
		die(step, "name-too-long", t);
	memcpy(name, t, n);
	name[n] = 0;
	uint64_t off = plus ? (uint64_t)num(step, plus + 1) : 0;
	if (!strcmp(name, "$null"))
		return off;
	if (!strcmp(name, "$kernelptr"))
		return KERNEL_PTR + off;
	struct sym *s = find(name);
	if (!s)
		die(step, "unknown-name", name);
	return s->val + off;
}

static int fdval(int step, const char *t)
{
	if (t[0] != '$')
		return (int)num(step, t);
	struct sym *s = find(t);
	if (!s || s->kind != K_FD)
		die(step, "unknown-fd", t);
	return (int)s->val;
}

static aio_context_t ctxval(int step, const char *t)
{
	if (t[0] != '$')
		return (aio_context_t)num(step, t);
	struct sym *s = find(t);
	if (!s || s->kind != K_CTX)
		die(step, "unknown-ctx", t);
	return (aio_context_t)s->val;
}

/* The name of the memory symbol starting exactly at a, for event obj fields. */
static const char *name_at(uint64_t a)
{
	static char b[4][64];
	static int next;
	for (int i = 0; i < nsyms; i++)
		if (syms[i].kind == K_MEM && syms[i].val == a)
			return syms[i].name;
	char *o = b[next++ & 3];
	snprintf(o, 64, "?");
	return o;
}

static void *map_region(int step, uint64_t size, int prot)
{
	size_t len = (size + PAGE - 1) & ~(PAGE - 1);
	if (!len)
		len = PAGE;
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die(step, "mmap-failed", NULL);
	return p;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* ---- io_event printing: ev<i>=<obj name>,<data hex>,<res>,<res2> */

static void print_event(const char *key, const struct io_event *e)
{
	printf(" %s=%s,0x%" PRIx64 ",%s,%s", key, name_at(e->obj), (uint64_t)e->data,
	       res_str(e->res), res_str(e->res2));
}

/* ---- the five AIO system calls */

static long io_setup(unsigned nr, uint64_t ctxp) { return rawret(syscall(SYS_io_setup, nr, ctxp)); }
static long io_destroy(aio_context_t c) { return rawret(syscall(SYS_io_destroy, c)); }
static long io_submit(aio_context_t c, long nr, uint64_t pp) { return rawret(syscall(SYS_io_submit, c, nr, pp)); }
static long io_cancel(aio_context_t c, uint64_t iocb, uint64_t res) { return rawret(syscall(SYS_io_cancel, c, iocb, res)); }
static long io_getevents(aio_context_t c, long min, long nr, uint64_t ev, uint64_t ts)
{
	return rawret(syscall(SYS_io_getevents, c, min, nr, ev, ts));
}

static void on_alarm(int sig) { (void)sig; alarm_fired = 1; }
static void arm(void) { alarm_fired = 0; alarm(alarm_secs); }
static void disarm(void) { alarm(0); }
static const char *alarm_note(void) { return alarm_fired ? " alarm=1" : ""; }

/* A timeout token: null, $badptr-like address, or S:NS (a struct timespec in a scratch page). */
static uint64_t timeout_arg(int step, const char *t)
{
	static struct timespec *slot;
	if (!strcmp(t, "null"))
		return 0;
	const char *colon = strchr(t, ':');
	if (!colon || t[0] == '$')
		return addr(step, t);
	if (!slot)
		slot = map_region(step, PAGE, PROT_READ | PROT_WRITE);
	char sec[32];
	size_t n = (size_t)(colon - t);
	if (n >= sizeof sec)
		die(step, "bad-timeout", t);
	memcpy(sec, t, n);
	sec[n] = 0;
	slot->tv_sec = (time_t)num(step, sec);
	slot->tv_nsec = (long)num(step, colon + 1);
	return (uint64_t)(uintptr_t)slot;
}

/* ---- open flags */

static int open_flags(int step, const char *t)
{
	int f = 0;
	char buf[128];
	snprintf(buf, sizeof buf, "%s", t);
	for (char *save, *p = strtok_r(buf, "|", &save); p; p = strtok_r(NULL, "|", &save)) {
		if (!strcmp(p, "RDONLY")) f |= O_RDONLY;
		else if (!strcmp(p, "WRONLY")) f |= O_WRONLY;
		else if (!strcmp(p, "RDWR")) f |= O_RDWR;
		else if (!strcmp(p, "CREAT")) f |= O_CREAT;
		else if (!strcmp(p, "TRUNC")) f |= O_TRUNC;
		else if (!strcmp(p, "APPEND")) f |= O_APPEND;
		else if (!strcmp(p, "NONBLOCK")) f |= O_NONBLOCK;
		else if (!strcmp(p, "EXCL")) f |= O_EXCL;
		else die(step, "bad-flag", p);
	}
	return f;
}

/* ---- iocb fields: name=value, value a number, an fd name or an address token */

static void set_iocb_field(int step, struct iocb *cb, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq)
		die(step, "bad-field", kv);
	char key[24];
	size_t n = (size_t)(eq - kv);
	if (n >= sizeof key)
		die(step, "bad-field", kv);
	memcpy(key, kv, n);
	key[n] = 0;
	const char *v = eq + 1;
	if (!strcmp(key, "data")) cb->aio_data = (uint64_t)num(step, v);
	else if (!strcmp(key, "key")) cb->aio_key = (uint32_t)num(step, v);
	else if (!strcmp(key, "res1")) {
		/* aio_reserved1 of 2.6.9: the u32 at offset 12 (aio_rw_flags today) */
		uint32_t r = (uint32_t)num(step, v);
		memcpy((char *)cb + 12, &r, 4);
	}
	else if (!strcmp(key, "op")) cb->aio_lio_opcode = (uint16_t)num(step, v);
	else if (!strcmp(key, "prio")) cb->aio_reqprio = (int16_t)num(step, v);
	else if (!strcmp(key, "fd")) cb->aio_fildes = (uint32_t)fdval(step, v);
	else if (!strcmp(key, "buf")) cb->aio_buf = addr(step, v);
	else if (!strcmp(key, "nbytes")) cb->aio_nbytes = (uint64_t)num(step, v);
	else if (!strcmp(key, "off")) cb->aio_offset = num(step, v);
	else if (!strcmp(key, "res2")) {
		/* aio_reserved2 of 2.6.9: the u64 at offset 48 (aio_flags + aio_resfd today) */
		uint64_t r = (uint64_t)num(step, v);
		memcpy((char *)cb + 48, &r, 8);
	} else if (!strcmp(key, "res3")) {
		uint64_t r = (uint64_t)num(step, v);
		memcpy((char *)cb + 56, &r, 8);
	} else die(step, "bad-field", key);
}

/* ---- the interpreter */

static char *lines[MAX_LINES];
static int nlines;

static int split(char *line, char **tok)
{
	int n = 0;
	for (char *save, *p = strtok_r(line, " ", &save); p && n < MAX_TOK; p = strtok_r(NULL, " ", &save))
		tok[n++] = p;
	return n;
}

static void need(int step, int ntok, int want, const char *op)
{
	if (ntok < want)
		die(step, "too-few-arguments", op);
}

/* Index of the endfork matching the fork at line i. */
static int matching_endfork(int i)
{
	int depth = 0;
	for (int j = i + 1; j < nlines; j++) {
		if (!strncmp(lines[j], "fork", 4) && (lines[j][4] == 0 || lines[j][4] == ' '))
			depth++;
		else if (!strcmp(lines[j], "endfork")) {
			if (!depth)
				return j;
			depth--;
		}
	}
	die(i, "fork-without-endfork", NULL);
	return -1;
}

static void run(int from, int to);

static void step(int *pi)
{
	int i = *pi;
	char copy[1024];
	char *tok[MAX_TOK];
	snprintf(copy, sizeof copy, "%s", lines[i]);
	int nt = split(copy, tok);
	if (!nt)
		die(i, "empty-line", NULL);
	const char *op = tok[0];

	if (!strcmp(op, "mem")) {                       /* mem $name size rw|ro|none */
		need(i, nt, 4, op);
		uint64_t size = (uint64_t)num(i, tok[2]);
		int prot = !strcmp(tok[3], "ro") ? PROT_READ : !strcmp(tok[3], "none") ? PROT_NONE
		         : PROT_READ | PROT_WRITE;
		void *p = map_region(i, size, prot);
		define(i, tok[1], K_MEM, (uint64_t)(uintptr_t)p, size);
		printf("%d mem ok\n", i);
	} else if (!strcmp(op, "protect")) {            /* protect ADDR LEN rw|ro|none: mprotect */
		need(i, nt, 4, op);
		int prot = !strcmp(tok[3], "ro") ? PROT_READ : !strcmp(tok[3], "none") ? PROT_NONE
		         : PROT_READ | PROT_WRITE;
		long r = rawret(mprotect((void *)(uintptr_t)addr(i, tok[1]), (size_t)num(i, tok[2]), prot));
		printf("%d protect ret=%s\n", i, res_str(r));
	} else if (!strcmp(op, "unmapped")) {           /* unmapped $name: a page that was unmapped */
		need(i, nt, 2, op);
		void *p = map_region(i, PAGE, PROT_READ);
		munmap(p, PAGE);
		define(i, tok[1], K_MEM, (uint64_t)(uintptr_t)p, 0);
		printf("%d unmapped ok\n", i);
	} else if (!strcmp(op, "fill")) {               /* fill ADDR HEX */
		need(i, nt, 3, op);
		unsigned char *p = (unsigned char *)(uintptr_t)addr(i, tok[1]);
		size_t n = strlen(tok[2]) / 2;
		for (size_t k = 0; k < n; k++)
			p[k] = (unsigned char)(hexval(tok[2][2 * k]) << 4 | hexval(tok[2][2 * k + 1]));
		printf("%d fill ok\n", i);
	} else if (!strcmp(op, "pattern")) {            /* pattern ADDR LEN BYTE */
		need(i, nt, 4, op);
		memset((void *)(uintptr_t)addr(i, tok[1]), (int)num(i, tok[3]), (size_t)num(i, tok[2]));
		printf("%d pattern ok\n", i);
	} else if (!strcmp(op, "check")) {              /* check ADDR HEX */
		need(i, nt, 3, op);
		const unsigned char *p = (const unsigned char *)(uintptr_t)addr(i, tok[1]);
		size_t n = strlen(tok[2]) / 2;
		int ok = 1;
		for (size_t k = 0; k < n; k++)
			if (p[k] != (unsigned char)(hexval(tok[2][2 * k]) << 4 | hexval(tok[2][2 * k + 1])))
				ok = 0;
		printf("%d check match=%s\n", i, ok ? "yes" : "no");
	} else if (!strcmp(op, "checkpattern")) {       /* checkpattern ADDR LEN BYTE */
		need(i, nt, 4, op);
		const unsigned char *p = (const unsigned char *)(uintptr_t)addr(i, tok[1]);
		size_t n = (size_t)num(i, tok[2]);
		int b = (int)num(i, tok[3]), ok = 1;
		for (size_t k = 0; k < n; k++)
			if (p[k] != (unsigned char)b)
				ok = 0;
		printf("%d checkpattern match=%s\n", i, ok ? "yes" : "no");
	} else if (!strcmp(op, "ctxslot")) {            /* ctxslot $name: 8 zero bytes */
		need(i, nt, 2, op);
		void *p = map_region(i, 8, PROT_READ | PROT_WRITE);
		define(i, tok[1], K_MEM, (uint64_t)(uintptr_t)p, 8);
		printf("%d ctxslot ok\n", i);
	} else if (!strcmp(op, "open")) {               /* open $fd FILE FLAGS MODE */
		need(i, nt, 5, op);
		arm();
		long r = rawret(open(tok[2], open_flags(i, tok[3]), (mode_t)num(i, tok[4])));
		disarm();
		if (r >= 0)
			define(i, tok[1], K_FD, (uint64_t)r, 0);
		printf("%d open ret=%s%s\n", i, r >= 0 ? "fd" : res_str(r), alarm_note());
	} else if (!strcmp(op, "close")) {
		need(i, nt, 2, op);
		long r = rawret(close(fdval(i, tok[1])));
		printf("%d close ret=%s\n", i, res_str(r));
	} else if (!strcmp(op, "unlink")) {
		need(i, nt, 2, op);
		long r = rawret(unlink(tok[1]));
		printf("%d unlink ret=%s\n", i, res_str(r));
	} else if (!strcmp(op, "pipe") || !strcmp(op, "socketpair")) {  /* pipe $r $w [NONBLOCK] */
		need(i, nt, 3, op);
		int fds[2];
		int nb = nt > 3 && !strcmp(tok[3], "NONBLOCK");
		long r = !strcmp(op, "pipe") ? rawret(pipe(fds))
		       : rawret(socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
		if (r == 0) {
			if (nb) {
				fcntl(fds[0], F_SETFL, O_NONBLOCK);
				fcntl(fds[1], F_SETFL, O_NONBLOCK);
			}
			define(i, tok[1], K_FD, (uint64_t)fds[0], 0);
			define(i, tok[2], K_FD, (uint64_t)fds[1], 0);
		}
		printf("%d %s ret=%s\n", i, op, res_str(r));
	} else if (!strcmp(op, "read") || !strcmp(op, "write")) {       /* read FD ADDR LEN */
		need(i, nt, 4, op);
		int fd = fdval(i, tok[1]);
		void *p = (void *)(uintptr_t)addr(i, tok[2]);
		size_t n = (size_t)num(i, tok[3]);
		arm();
		long r = !strcmp(op, "read") ? rawret(read(fd, p, n)) : rawret(write(fd, p, n));
		disarm();
		printf("%d %s ret=%s%s\n", i, op, res_str(r), alarm_note());
	} else if (!strcmp(op, "pread") || !strcmp(op, "pwrite")) {     /* pread FD ADDR LEN OFF */
		need(i, nt, 5, op);
		int fd = fdval(i, tok[1]);
		void *p = (void *)(uintptr_t)addr(i, tok[2]);
		size_t n = (size_t)num(i, tok[3]);
		off_t off = (off_t)num(i, tok[4]);
		arm();
		long r = !strcmp(op, "pread") ? rawret(pread(fd, p, n, off)) : rawret(pwrite(fd, p, n, off));
		disarm();
		printf("%d %s ret=%s%s\n", i, op, res_str(r), alarm_note());
	} else if (!strcmp(op, "ftruncate")) {
		need(i, nt, 3, op);
		long r = rawret(ftruncate(fdval(i, tok[1]), (off_t)num(i, tok[2])));
		printf("%d ftruncate ret=%s\n", i, res_str(r));
	} else if (!strcmp(op, "io_setup")) {           /* io_setup NR ADDR [$ctx] */
		need(i, nt, 3, op);
		uint64_t slot = addr(i, tok[2]);
		struct sym *s = tok[2][0] == '$' ? find(tok[2]) : NULL;
		long r = io_setup((unsigned)num(i, tok[1]), slot);
		printf("%d io_setup ret=%s", i, res_str(r));
		if (s && s->kind == K_MEM && s->size >= 8 && !strchr(tok[2], '+')) {
			aio_context_t c = *(aio_context_t *)(uintptr_t)slot;
			printf(" ctx=%s", c ? "set" : "zero");
			if (nt > 3)
				define(i, tok[3], K_CTX, c, 0);
		}
		printf("\n");
	} else if (!strcmp(op, "io_destroy")) {
		need(i, nt, 2, op);
		arm();
		long r = io_destroy(ctxval(i, tok[1]));
		disarm();
		printf("%d io_destroy ret=%s%s\n", i, res_str(r), alarm_note());
	} else if (!strcmp(op, "iocb")) {               /* iocb $name field=value ... */
		need(i, nt, 2, op);
		struct sym *s = find(tok[1]);
		struct iocb *cb;
		if (s && s->kind == K_MEM && s->size >= sizeof *cb)   /* placed in a named region */
			cb = (struct iocb *)(uintptr_t)s->val;
		else {
			cb = map_region(i, sizeof *cb, PROT_READ | PROT_WRITE);
			define(i, tok[1], K_MEM, (uint64_t)(uintptr_t)cb, sizeof *cb);
		}
		memset(cb, 0, sizeof *cb);
		for (int k = 2; k < nt; k++)
			set_iocb_field(i, cb, tok[k]);
		printf("%d iocb ok\n", i);
	} else if (!strcmp(op, "iocbs")) {              /* iocbs $name ADDR ... (pointer array) */
		need(i, nt, 2, op);
		int n = nt - 2;
		uintptr_t *arr = map_region(i, (uint64_t)(n ? n : 1) * sizeof *arr, PROT_READ | PROT_WRITE);
		for (int k = 0; k < n; k++)
			arr[k] = (uintptr_t)addr(i, tok[k + 2]);
		define(i, tok[1], K_MEM, (uint64_t)(uintptr_t)arr, (uint64_t)n * sizeof *arr);
		printf("%d iocbs ok\n", i);
	} else if (!strcmp(op, "io_submit")) {          /* io_submit CTX NR ADDR */
		need(i, nt, 4, op);
		arm();
		long r = io_submit(ctxval(i, tok[1]), (long)num(i, tok[2]), addr(i, tok[3]));
		disarm();
		printf("%d io_submit ret=%s%s\n", i, res_str(r), alarm_note());
	} else if (!strcmp(op, "io_getevents")) {       /* io_getevents CTX MIN NR ADDR TIMEOUT */
		need(i, nt, 6, op);
		uint64_t ev = addr(i, tok[4]);
		uint64_t ts = timeout_arg(i, tok[5]);
		arm();
		long r = io_getevents(ctxval(i, tok[1]), (long)num(i, tok[2]), (long)num(i, tok[3]), ev, ts);
		disarm();
		printf("%d io_getevents ret=%s%s", i, res_str(r), alarm_note());
		for (long k = 0; k < r; k++) {
			char key[24];
			snprintf(key, sizeof key, "ev%ld", k);
			print_event(key, (const struct io_event *)(uintptr_t)(ev + (uint64_t)k * sizeof(struct io_event)));
		}
		printf("\n");
	} else if (!strcmp(op, "io_cancel")) {          /* io_cancel CTX IOCB RESULT */
		need(i, nt, 4, op);
		uint64_t res = addr(i, tok[3]);
		arm();
		long r = io_cancel(ctxval(i, tok[1]), addr(i, tok[2]), res);
		disarm();
		printf("%d io_cancel ret=%s%s", i, res_str(r), alarm_note());
		if (r == 0)
			print_event("ev", (const struct io_event *)(uintptr_t)res);
		printf("\n");
	} else if (!strcmp(op, "sync")) {               /* sync CTX $iocb: libaio's sync_submit */
		need(i, nt, 3, op);
		aio_context_t c = ctxval(i, tok[1]);
		uint64_t cb = addr(i, tok[2]);
		static uintptr_t *one;
		static struct io_event *ev;
		static struct timespec *ts;
		if (!one) {
			one = map_region(i, PAGE, PROT_READ | PROT_WRITE);
			ev = (struct io_event *)(one + 8);
			ts = (struct timespec *)(one + 32);
		}
		one[0] = (uintptr_t)cb;
		ts->tv_sec = alarm_secs;
		ts->tv_nsec = 0;
		arm();
		long r = io_submit(c, 1, (uint64_t)(uintptr_t)one);
		disarm();
		if (r != 1) {
			printf("%d sync result=%s at=submit%s\n", i, res_str(r), alarm_note());
		} else {
			int fired = alarm_fired;
			arm();
			long g = io_getevents(c, 1, 1, (uint64_t)(uintptr_t)ev, (uint64_t)(uintptr_t)ts);
			disarm();
			fired |= alarm_fired;
			if (g == 1)
				printf("%d sync result=%s at=event obj=%s res2=%s%s\n", i, res_str(ev->res),
				       ev->obj == cb ? "ok" : "other", res_str(ev->res2), fired ? " alarm=1" : "");
			else
				printf("%d sync result=none at=getevents getevents=%s%s\n", i, res_str(g),
				       fired ? " alarm=1" : "");
		}
	} else if (!strcmp(op, "syncrepeat")) {         /* syncrepeat CTX $iocb COUNT: sync COUNT times */
		need(i, nt, 4, op);
		aio_context_t c = ctxval(i, tok[1]);
		uint64_t cb = addr(i, tok[2]);
		long count = (long)num(i, tok[3]), done = 0;
		uintptr_t one[1] = { (uintptr_t)cb };
		struct io_event ev;
		struct timespec ts = { alarm_secs, 0 };
		int64_t first = 0;
		int mixed = 0;
		arm();
		for (; done < count && !alarm_fired; done++) {
			long r = io_submit(c, 1, (uint64_t)(uintptr_t)one);
			int64_t v = r;
			if (r == 1) {
				long g = io_getevents(c, 1, 1, (uint64_t)(uintptr_t)&ev, (uint64_t)(uintptr_t)&ts);
				v = g == 1 ? ev.res : -ETIME;
			}
			if (!done)
				first = v;
			else if (v != first)
				mixed = 1;
		}
		disarm();
		printf("%d syncrepeat done=%ld result=%s%s\n", i, done, mixed ? "mixed" : res_str(first), alarm_note());
	} else if (!strcmp(op, "fillring")) {           /* fillring CTX $iocb MAX */
		need(i, nt, 4, op);
		aio_context_t c = ctxval(i, tok[1]);
		uintptr_t one[1] = { (uintptr_t)addr(i, tok[2]) };
		/* the pointer array must be in user memory: it is (our stack) */
		long max = (long)num(i, tok[3]), n = 0, r = 0;
		arm();
		while (n < max) {
			r = io_submit(c, 1, (uint64_t)(uintptr_t)one);
			if (r != 1)
				break;
			n++;
		}
		disarm();
		printf("%d fillring accepted=%ld stop=%s%s\n", i, n, n < max ? res_str(r) : "max", alarm_note());
	} else if (!strcmp(op, "drain")) {              /* drain CTX NR ADDR: getevents(0,NR) until 0 */
		need(i, nt, 4, op);
		aio_context_t c = ctxval(i, tok[1]);
		long nr = (long)num(i, tok[2]), total = 0, r;
		uint64_t ev = addr(i, tok[3]);
		int bad = 0;
		arm();
		while ((r = io_getevents(c, 0, nr, ev, 0)) > 0) {
			total += r;
			for (long k = 0; k < r; k++) {
				const struct io_event *e = (const struct io_event *)(uintptr_t)(ev + (uint64_t)k * sizeof *e);
				if (e->res < 0)
					bad++;
			}
		}
		disarm();
		printf("%d drain reaped=%ld errors=%d last=%s%s\n", i, total, bad, res_str(r), alarm_note());
	} else if (!strcmp(op, "ring")) {               /* ring CTX: the mapped ring header */
		need(i, nt, 2, op);
		aio_context_t c = ctxval(i, tok[1]);
		const uint32_t *h = (const uint32_t *)(uintptr_t)c;
		printf("%d ring id=%s nr=%u head=%u tail=%u magic=0x%x compat=%u incompat=%u hlen=%u\n", i,
		       h[0] == (uint32_t)c ? "ctx" : "other", h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
	} else if (!strcmp(op, "reap")) {               /* reap CTX MAX: consume from the ring in user space */
		need(i, nt, 3, op);
		aio_context_t c = ctxval(i, tok[1]);
		volatile uint32_t *h = (volatile uint32_t *)(uintptr_t)c;
		long max = (long)num(i, tok[2]), n = 0;
		uint32_t nr = h[1], head = h[2], tail = h[3];
		printf("%d reap", i);
		while (head != tail && n < max) {
			char key[24];
			snprintf(key, sizeof key, "ev%ld", n);
			print_event(key, (const struct io_event *)(uintptr_t)(c + 32 + (uint64_t)head * 32));
			head = (head + 1) % nr;
			n++;
		}
		__sync_synchronize();
		h[2] = head;
		printf(" n=%ld head=%u\n", n, head);
	} else if (!strcmp(op, "fork")) {               /* fork ... endfork: the child runs the block */
		int end = matching_endfork(i);
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0)
			die(i, "fork-failed", NULL);
		if (pid == 0) {
			in_child = 1;
			run(i + 1, end);
			fflush(stdout);
			_exit(0);
		}
		int st = 0;
		alarm_fired = 0;
		alarm(alarm_secs * 4);
		pid_t w;
		while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR && !alarm_fired)
			;
		disarm();
		if (w < 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			printf("%d fork child=hung\n", i);
		} else if (WIFEXITED(st))
			printf("%d fork child_exit=%d\n", i, WEXITSTATUS(st));
		else
			printf("%d fork child_signal=%d\n", i, WTERMSIG(st));
		*pi = end;           /* the endfork line prints nothing in the parent */
		return;
	} else if (!strcmp(op, "endfork")) {
		/* reached only by the child's run() bound; nothing to do */
	} else if (!strcmp(op, "exit")) {               /* exit CODE (in a child) */
		need(i, nt, 2, op);
		fflush(stdout);
		_exit((int)num(i, tok[1]));
	} else if (!strcmp(op, "sleep")) {              /* sleep MS */
		need(i, nt, 2, op);
		struct timespec t = { (time_t)(num(i, tok[1]) / 1000), (long)(num(i, tok[1]) % 1000) * 1000000 };
		nanosleep(&t, NULL);
		printf("%d sleep ok\n", i);
	} else {
		die(i, "unknown-op", op);
	}
}

static void run(int from, int to)
{
	for (int i = from; i < to; i++) {
		step(&i);
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	int a = 1;
	if (a + 1 < argc && !strcmp(argv[a], "-a")) {
		alarm_secs = atoi(argv[a + 1]);
		a += 2;
	}
	if (a >= argc) {
		fprintf(stderr, "usage: %s [-a ALARM_SECONDS] SCENARIO_FILE\n", argv[0]);
		return 2;
	}
	FILE *f = fopen(argv[a], "r");
	if (!f) {
		perror(argv[a]);
		return 2;
	}
	static char buf[1024];
	while (fgets(buf, sizeof buf, f)) {
		size_t n = strlen(buf);
		while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = 0;
		if (nlines == MAX_LINES) {
			fprintf(stderr, "too many lines\n");
			return 2;
		}
		lines[nlines++] = strdup(buf);
	}
	fclose(f);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;      /* no SA_RESTART: a blocked call returns */
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	/* $badptr: a user page the kernel cannot access (mapped PROT_NONE, so that no later
	 * mapping can land there) */
	void *bad = map_region(-1, PAGE, PROT_NONE);
	define(-1, "$badptr", K_MEM, (uint64_t)(uintptr_t)bad, 0);

	run(0, nlines);
	fflush(stdout);
	return 0;
}
