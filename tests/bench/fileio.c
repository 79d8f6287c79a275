/* File I/O throughput for the bench harness (issue #4).
 *
 *   fileio write PATH MIB     write MIB MiB in 1 MiB writes (creating PATH)
 *   fileio read PATH          read PATH to its end in 1 MiB reads
 *   fileio rand PATH COUNT    COUNT 4 KiB preads at pseudo-random
 *                             page-aligned offsets of PATH
 *   fileio all PATH MIB COUNT write, read, rand, then unlink PATH: for a
 *                             file system that does not outlive the run
 *                             (the sandbox's tmpfs)
 *
 * Prints key=value figures: bytes= and write_mb_per_s= / read_mb_per_s=,
 * reads= and reads_per_s=. Exits non-zero on any error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)
#define PAGE 4096

static char buf[CHUNK];

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *path) {
	fprintf(stderr, "fileio: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void do_write(const char *path, long mib) {
	uint64_t state = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i + 8 <= CHUNK; i += 8) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		memcpy(buf + i, &state, 8);
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open", path);
	double start = now();
	for (long i = 0; i < mib; i++) {
		buf[0] = (char)i; /* not the same page over and over */
		ssize_t n = write(fd, buf, CHUNK);
		if (n != CHUNK)
			die("write", path);
	}
	if (close(fd) < 0)
		die("close", path);
	double secs = now() - start;
	long long bytes = (long long)mib * CHUNK;
	printf("bytes=%lld write_mb_per_s=%.0f\n", bytes, bytes / secs / 1e6);
}

static void do_read(const char *path) {
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open", path);
	long long bytes = 0;
	unsigned sum = 0;
	double start = now();
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0)
			die("read", path);
		if (n == 0)
			break;
		bytes += n;
		sum += (unsigned char)buf[n - 1];
	}
	double secs = now() - start;
	close(fd);
	printf("bytes=%lld read_mb_per_s=%.0f checksum=%u\n", bytes, bytes / secs / 1e6, sum);
}

static void do_rand(const char *path, long count) {
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		die("fstat", path);
	long long pages = st.st_size / PAGE;
	if (pages < 1) {
		fprintf(stderr, "fileio: %s is smaller than a page\n", path);
		exit(1);
	}
	uint64_t state = 88172645463325252ull;
	unsigned sum = 0;
	double start = now();
	for (long i = 0; i < count; i++) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		off_t off = (off_t)(state % (uint64_t)pages) * PAGE;
		if (pread(fd, buf, PAGE, off) != PAGE)
			die("pread", path);
		sum += (unsigned char)buf[i % PAGE];
	}
	double secs = now() - start;
	close(fd);
	printf("reads=%ld reads_per_s=%.0f rand_checksum=%u\n", count, count / secs, sum);
}

int main(int argc, char **argv) {
	/* Touch the buffer first so its page faults are not timed. */
	for (size_t i = 0; i < CHUNK; i += PAGE)
		buf[i] = 1;
	if (argc == 4 && strcmp(argv[1], "write") == 0) {
		do_write(argv[2], atol(argv[3]));
	} else if (argc == 3 && strcmp(argv[1], "read") == 0) {
		do_read(argv[2]);
	} else if (argc == 4 && strcmp(argv[1], "rand") == 0) {
		do_rand(argv[2], atol(argv[3]));
	} else if (argc == 5 && strcmp(argv[1], "all") == 0) {
		do_write(argv[2], atol(argv[3]));
		do_read(argv[2]);
		do_rand(argv[2], atol(argv[4]));
		if (unlink(argv[2]) < 0)
			die("unlink", argv[2]);
	} else {
		fprintf(stderr, "usage: fileio write PATH MIB | read PATH | rand PATH COUNT | all PATH MIB COUNT\n");
		return 2;
	}
	return 0;
}
