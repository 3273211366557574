/* The real kernel's figure for bench/sched.ts: two processes pinned to one CPU pass a byte back
 * and forth through two pipes; every round trip is two context switches. Prints one line:
 *   rounds=<n> seconds=<s> switches_per_sec=<rate>
 * Build: gcc -O2 -o build/pingpong bench/pingpong.c      Run: build/pingpong [rounds]
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0)
		perror("sched_setaffinity");
}

static void xfer(int fd, char *c, int out)
{
	ssize_t r = out ? write(fd, c, 1) : read(fd, c, 1);
	if (r != 1) {
		perror(out ? "write" : "read");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 200000;
	int ping[2], pong[2];
	char c = 'x';
	struct timespec t0, t1;

	if (pipe(ping) || pipe(pong)) {
		perror("pipe");
		return 1;
	}
	pin(0);
	pid_t child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		for (long i = 0; i < rounds; i++) {
			xfer(ping[0], &c, 0);
			xfer(pong[1], &c, 1);
		}
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < rounds; i++) {
		xfer(ping[1], &c, 1);
		xfer(pong[0], &c, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waitpid(child, NULL, 0);
	double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("rounds=%ld seconds=%.6f switches_per_sec=%.0f\n", rounds, s, 2.0 * rounds / s);
	return 0;
}
