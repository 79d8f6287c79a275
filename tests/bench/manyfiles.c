/* Small-file metadata rate for the bench harness (issue #4).
 *
 *   manyfiles DIR COUNT
 *
 * Creates DIR, then COUNT files DIR/fN (open O_CREAT|O_EXCL, a 100-byte
 * write, close), stats each, unlinks each, and removes DIR. Prints
 * files=COUNT and files_per_s= (whole create+stat+unlink cycles per
 * second), and the three phases' rates. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *path) {
	fprintf(stderr, "manyfiles: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: manyfiles DIR COUNT\n");
		return 2;
	}
	const char *dir = argv[1];
	long count = atol(argv[2]);
	char path[4096];
	char data[100];
	memset(data, 'x', sizeof data);
	if (mkdir(dir, 0755) < 0)
		die("mkdir", dir);
	double t0 = now();
	for (long i = 0; i < count; i++) {
		snprintf(path, sizeof path, "%s/f%ld", dir, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			die("open", path);
		if (write(fd, data, sizeof data) != sizeof data)
			die("write", path);
		if (close(fd) < 0)
			die("close", path);
	}
	double t1 = now();
	for (long i = 0; i < count; i++) {
		struct stat st;
		snprintf(path, sizeof path, "%s/f%ld", dir, i);
		if (stat(path, &st) < 0)
			die("stat", path);
		if (st.st_size != sizeof data) {
			fprintf(stderr, "manyfiles: %s has size %lld\n", path, (long long)st.st_size);
			return 1;
		}
	}
	double t2 = now();
	for (long i = 0; i < count; i++) {
		snprintf(path, sizeof path, "%s/f%ld", dir, i);
		if (unlink(path) < 0)
			die("unlink", path);
	}
	double t3 = now();
	if (rmdir(dir) < 0)
		die("rmdir", dir);
	printf("files=%ld files_per_s=%.0f creates_per_s=%.0f stats_per_s=%.0f unlinks_per_s=%.0f\n",
	       count, count / (t3 - t0), count / (t1 - t0), count / (t2 - t1), count / (t3 - t2));
	return 0;
}
