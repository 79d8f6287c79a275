/* Pipes: the 64 KiB default capacity, FIONREAD, F_GETPIPE_SZ/F_SETPIPE_SZ
 * (rounding, EBUSY, EPERM past pipe-max-size without CAP_SYS_RESOURCE,
 * EBADF on other files), PIPE_BUF atomicity, O_NONBLOCK and FIONBIO,
 * pipe2 flags and O_DIRECT packet mode. */
#include "harness.h"

#include <grp.h>
#include <sys/ioctl.h>

#define WAIT_MS 5000

/* Writes to the non-blocking fd until it would block; returns the total. */
static long fill(int fd)
{
	static char buf[4096];
	long total = 0;
	for (;;) {
		ssize_t n = write(fd, buf, sizeof buf);
		if (n < 0)
			return errno == EAGAIN ? total : -1;
		total += n;
	}
}

TEST(default_capacity_is_64k)
{
	int p[2];
	CHECK_OK(pipe2(p, O_NONBLOCK));
	CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 65536);
	CHECK_EQ(fcntl(p[1], F_GETPIPE_SZ), 65536);
	CHECK_EQ(fill(p[1]), 65536);
	CHECK_ERRNO(write(p[1], "x", 1), EAGAIN);
}

TEST(fionread_counts_queued_bytes)
{
	int p[2], n = -1;
	char buf[10];
	CHECK_OK(pipe(p));
	CHECK_OK(ioctl(p[0], FIONREAD, &n));
	CHECK_EQ(n, 0);
	CHECK_EQ(write(p[1], "hello", 5), 5);
	CHECK_EQ(write(p[1], "abc", 3), 3);
	CHECK_OK(ioctl(p[0], FIONREAD, &n));
	CHECK_EQ(n, 8);
	CHECK_EQ(read(p[0], buf, 6), 6);
	CHECK_OK(ioctl(p[1], FIONREAD, &n));
	CHECK_EQ(n, 2);
}

TEST(setpipe_sz_rounds_up_to_pages)
{
	int p[2];
	CHECK_OK(pipe2(p, O_NONBLOCK));
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 5000), 8192);
	CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 8192);
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 0), 4096);
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 65537), 131072);
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
	CHECK_EQ(fill(p[1]), 4096);
}

TEST(setpipe_sz_ebusy_below_queued_data)
{
	int p[2];
	static char buf[10000];
	CHECK_OK(pipe2(p, O_NONBLOCK));
	CHECK_EQ(write(p[1], buf, sizeof buf), (long)sizeof buf);
	CHECK_ERRNO(fcntl(p[1], F_SETPIPE_SZ, 4096), EBUSY);
	CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 65536);
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 16384), 16384);
	CHECK_EQ(read(p[0], buf, sizeof buf), (long)sizeof buf);
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
}

TEST(setpipe_sz_grows_capacity)
{
	int p[2];
	CHECK_OK(pipe2(p, O_NONBLOCK));
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 1 << 20), 1 << 20);
	CHECK_EQ(fill(p[1]), 1 << 20);
}

TEST(setpipe_sz_einval_and_ebadf)
{
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERRNO(fcntl(p[1], F_SETPIPE_SZ, 0x90000000U), EINVAL);
	CHECK_OK(h_write_file("f", "x", 1));
	int fd = open("f", O_RDWR);
	CHECK_OK(fd);
	CHECK_ERRNO(fcntl(fd, F_SETPIPE_SZ, 4096), EBADF);
	CHECK_ERRNO(fcntl(fd, F_GETPIPE_SZ), EBADF);
}

static void unprivileged_resize(void *arg)
{
	int *p = arg;
	CHECK_OK(setgroups(0, NULL));
	CHECK_OK(setresgid(65534, 65534, 65534));
	CHECK_OK(setresuid(65534, 65534, 65534));
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 1 << 20), 1 << 20);
	CHECK_ERRNO(fcntl(p[1], F_SETPIPE_SZ, (1 << 20) + 1), EPERM);
}

TEST(setpipe_sz_eperm_past_max_without_cap)
{
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_CHILD(unprivileged_resize, p);
}

TEST(small_writes_are_atomic)
{
	int p[2];
	static char buf[65536];
	CHECK_OK(pipe2(p, O_NONBLOCK));
	CHECK_EQ(write(p[1], buf, 65536 - 100), 65536 - 100);
	CHECK_ERRNO(write(p[1], buf, 200), EAGAIN);
	CHECK_EQ(write(p[1], buf, 100), 100);
	CHECK_ERRNO(write(p[1], buf, 1), EAGAIN);
}

TEST(atomic_writes_do_not_interleave)
{
	int p[2], st;
	char buf[4096];
	CHECK_OK(pipe(p));
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = h_fork();
		CHECK_OK(kids[k]);
		if (kids[k] == 0) {
			memset(buf, 'a' + k, sizeof buf);
			for (int i = 0; i < 64; i++)
				if (write(p[1], buf, sizeof buf) != sizeof buf)
					_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	for (int i = 0; i < 128; i++) {
		size_t got = 0;
		while (got < sizeof buf) {
			ssize_t n = read(p[0], buf + got, sizeof buf - got);
			CHECK(n > 0);
			got += n;
		}
		for (size_t j = 1; j < sizeof buf; j++)
			CHECK_EQ(buf[j], buf[0]);
	}
	for (int k = 0; k < 2; k++) {
		CHECK_EQ(h_waitpid_timeout(kids[k], &st, 0, WAIT_MS), kids[k]);
		CHECK_EQ(st, 0);
	}
}

TEST(nonblocking_read_eagain_and_fionbio)
{
	int p[2], on = 1;
	char c;
	CHECK_OK(pipe(p));
	CHECK_OK(ioctl(p[0], FIONBIO, &on));
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CHECK_ERRNO(read(p[0], &c, 1), EAGAIN);
	on = 0;
	CHECK_OK(ioctl(p[0], FIONBIO, &on));
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
	CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(read(p[0], &c, 1), EAGAIN);
}

TEST(pipe2_flags)
{
	int p[2];
	CHECK_ERRNO(pipe2(p, O_APPEND), EINVAL);
	CHECK_ERRNO(pipe2(p, 0x1), EINVAL);
	CHECK_OK(pipe2(p, O_CLOEXEC | O_NONBLOCK | O_DIRECT));
	CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	CHECK(fcntl(p[1], F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(p[1], F_GETFL) & O_DIRECT);
}

TEST(packet_mode_one_packet_per_read)
{
	int p[2];
	char buf[100];
	CHECK_OK(pipe2(p, O_DIRECT | O_NONBLOCK));
	CHECK_EQ(write(p[1], "abc", 3), 3);
	CHECK_EQ(write(p[1], "defg", 4), 4);
	CHECK_EQ(read(p[0], buf, sizeof buf), 3);
	CHECK(memcmp(buf, "abc", 3) == 0);
	CHECK_EQ(read(p[0], buf, sizeof buf), 4);
	CHECK(memcmp(buf, "defg", 4) == 0);
	CHECK_ERRNO(read(p[0], buf, sizeof buf), EAGAIN);
}

TEST(packet_mode_short_read_drops_the_rest)
{
	int p[2];
	char buf[100];
	CHECK_OK(pipe2(p, O_DIRECT | O_NONBLOCK));
	CHECK_EQ(write(p[1], "0123456789", 10), 10);
	CHECK_EQ(write(p[1], "xy", 2), 2);
	CHECK_EQ(read(p[0], buf, 4), 4);
	CHECK(memcmp(buf, "0123", 4) == 0);
	CHECK_EQ(read(p[0], buf, sizeof buf), 2);
	CHECK(memcmp(buf, "xy", 2) == 0);
}

TEST(packet_mode_splits_long_writes)
{
	int p[2];
	static char buf[10000];
	memset(buf, 'q', sizeof buf);
	CHECK_OK(pipe2(p, O_DIRECT | O_NONBLOCK));
	CHECK_EQ(write(p[1], buf, 5000), 5000);
	CHECK_EQ(read(p[0], buf, sizeof buf), 4096);
	CHECK_EQ(read(p[0], buf, sizeof buf), 904);
}

TEST(packet_mode_each_packet_takes_a_slot)
{
	int p[2], n = 0;
	CHECK_OK(pipe2(p, O_DIRECT | O_NONBLOCK));
	while (write(p[1], "x", 1) == 1)
		n++;
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(n, 16);
	CHECK_OK(ioctl(p[0], FIONREAD, &n));
	CHECK_EQ(n, 16);
}

TEST(packet_mode_via_setfl)
{
	int p[2];
	char buf[10];
	CHECK_OK(pipe2(p, O_NONBLOCK));
	CHECK_OK(fcntl(p[1], F_SETFL, O_NONBLOCK | O_DIRECT));
	CHECK_EQ(write(p[1], "ab", 2), 2);
	CHECK_EQ(write(p[1], "cd", 2), 2);
	CHECK_EQ(read(p[0], buf, sizeof buf), 2);
	CHECK_EQ(read(p[0], buf, sizeof buf), 2);
}

TEST(room_frees_as_data_is_read)
{
	int p[2];
	static char buf[4096];
	CHECK_OK(pipe2(p, O_NONBLOCK));
	CHECK_EQ(fill(p[1]), 65536);
	CHECK_EQ(read(p[0], buf, sizeof buf), 4096);
	CHECK_EQ(write(p[1], buf, sizeof buf), 4096);
	CHECK_ERRNO(write(p[1], buf, 1), EAGAIN);
}

TEST(eof_and_epipe)
{
	int p[2];
	char c;
	CHECK_OK(pipe(p));
	signal(SIGPIPE, SIG_IGN);
	CHECK_OK(close(p[1]));
	CHECK_EQ(read(p[0], &c, 1), 0);
	CHECK_OK(pipe(p));
	CHECK_OK(close(p[0]));
	CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
	signal(SIGPIPE, SIG_DFL);
}
