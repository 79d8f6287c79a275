/* Pseudo-terminal throughput: a child writes M MiB to a pty slave in raw
 * mode (16 KiB writes), the parent reads them from the master (64 KiB
 * reads). Usage: pty_throughput [M] (default 64). Prints
 * "pty_throughput mib=M mib_per_s=X". Fails unless every byte arrives. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 64;
	if (mib <= 0) {
		fprintf(stderr, "pty_throughput: bad size\n");
		return 2;
	}
	long long total = (long long)mib << 20;
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
		perror("posix_openpt");
		return 1;
	}
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	struct termios t;
	if (s < 0 || tcgetattr(s, &t) < 0) {
		perror("slave");
		return 1;
	}
	cfmakeraw(&t);
	if (tcsetattr(s, TCSANOW, &t) < 0) {
		perror("tcsetattr");
		return 1;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid_t c = fork();
	if (c < 0) {
		perror("fork");
		return 1;
	}
	if (c == 0) {
		static char buf[16384];
		memset(buf, 'x', sizeof buf);
		for (long long done = 0; done < total;) {
			ssize_t n = write(s, buf, sizeof buf);
			if (n <= 0)
				_exit(1);
			done += n;
		}
		_exit(0);
	}
	close(s);
	static char buf[65536];
	long long got = 0;
	while (got < total) {
		ssize_t n = read(m, buf, sizeof buf);
		if (n <= 0) {
			perror("read master");
			return 1;
		}
		got += n;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	int st;
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "pty_throughput: writer failed\n");
		return 1;
	}
	double secs = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("pty_throughput mib=%ld mib_per_s=%.1f\n", mib, mib / secs);
	return 0;
}
