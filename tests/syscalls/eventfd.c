/* eventfd and eventfd2: counter semantics, EFD_SEMAPHORE, EFD_NONBLOCK,
 * EFD_CLOEXEC, short buffers, overflow, blocking across threads, poll
 * readiness and the fdinfo line. */
#include "harness.h"
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>

static uint64_t rd(int fd)
{
	uint64_t v = 0;
	if (read(fd, &v, 8) != 8)
		return (uint64_t)-1;
	return v;
}

static int wr(int fd, uint64_t v)
{
	return write(fd, &v, 8) == 8 ? 0 : -1;
}

TEST(initial_value_read_drains)
{
	int fd = eventfd(5, EFD_NONBLOCK);
	CHECK_OK(fd);
	CHECK_EQ(rd(fd), 5);
	uint64_t v;
	CHECK_ERRNO(read(fd, &v, 8), EAGAIN);
}

TEST(writes_add_up)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	CHECK_OK(fd);
	CHECK_EQ(wr(fd, 3), 0);
	CHECK_EQ(wr(fd, 4), 0);
	CHECK_EQ(rd(fd), 7);
}

TEST(semaphore_reads_one)
{
	int fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK_OK(fd);
	CHECK_EQ(rd(fd), 1);
	CHECK_EQ(rd(fd), 1);
	CHECK_EQ(rd(fd), 1);
	uint64_t v;
	CHECK_ERRNO(read(fd, &v, 8), EAGAIN);
}

TEST(short_read_einval)
{
	int fd = eventfd(1, 0);
	char b[4];
	CHECK_ERRNO(read(fd, b, 4), EINVAL);
}

TEST(short_write_einval)
{
	int fd = eventfd(1, 0);
	char b[4] = {0};
	CHECK_ERRNO(write(fd, b, 4), EINVAL);
}

TEST(long_read_returns_8)
{
	int fd = eventfd(9, 0);
	uint64_t b[2] = {0, 0};
	CHECK_EQ(read(fd, b, 16), 8);
	CHECK_EQ(b[0], 9);
}

TEST(write_max_einval)
{
	int fd = eventfd(0, 0);
	uint64_t v = UINT64_MAX;
	CHECK_ERRNO(write(fd, &v, 8), EINVAL);
}

TEST(overflow_eagain_nonblock)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	CHECK_EQ(wr(fd, 0xfffffffffffffffeULL), 0);
	uint64_t v = 1;
	CHECK_ERRNO(write(fd, &v, 8), EAGAIN);
	CHECK_EQ(rd(fd), 0xfffffffffffffffeULL);
	CHECK_EQ(wr(fd, 1), 0);
}

TEST(bad_flags_einval)
{
	CHECK_ERRNO(syscall(SYS_eventfd2, 0, 0x4000000), EINVAL);
}

TEST(cloexec_flag)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	int fd2 = eventfd(0, 0);
	CHECK_EQ(fcntl(fd2, F_GETFD), 0);
}

TEST(nonblock_flag_in_getfl)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
}

TEST(old_eventfd_syscall)
{
	int fd = syscall(SYS_eventfd, 2);
	CHECK_OK(fd);
	CHECK_EQ(rd(fd), 2);
}

TEST(poll_readiness)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	struct pollfd p = {fd, POLLIN | POLLOUT, 0};
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLOUT);
	CHECK_EQ(wr(fd, 1), 0);
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN | POLLOUT);
	CHECK_EQ(wr(fd, 0xfffffffffffffffdULL), 0);
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN);
}

static void *writer(void *arg)
{
	usleep(50000);
	wr(*(int *)arg, 42);
	return NULL;
}

TEST(blocking_read_woken_by_thread)
{
	int fd = eventfd(0, 0);
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, writer, &fd), 0);
	CHECK_EQ(rd(fd), 42);
	pthread_join(th, NULL);
}

static void *reader(void *arg)
{
	usleep(50000);
	rd(*(int *)arg);
	return NULL;
}

TEST(blocking_write_at_overflow)
{
	int fd = eventfd(0, 0);
	CHECK_EQ(wr(fd, 0xfffffffffffffffeULL), 0);
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, reader, &fd), 0);
	CHECK_EQ(wr(fd, 5), 0);
	pthread_join(th, NULL);
	CHECK_EQ(rd(fd), 5);
}

TEST(poll_wakes_on_write)
{
	int fd = eventfd(0, 0);
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, writer, &fd), 0);
	struct pollfd p = {fd, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents, POLLIN);
	pthread_join(th, NULL);
}

TEST(fdinfo_count)
{
	int fd = eventfd(0x1234, 0);
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	int f = open(path, O_RDONLY);
	CHECK_OK(f);
	ssize_t n = read(f, buf, sizeof buf - 1);
	CHECK(n > 0);
	buf[n] = 0;
	CHECK(strstr(buf, "eventfd-count:             1234\n") != NULL);
}

TEST(lseek_is_a_noop)
{
	int fd = eventfd(0, 0);
	CHECK_EQ(lseek(fd, 10, SEEK_SET), 0);
}

TEST(shared_after_fork)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	pid_t p = fork();
	if (p == 0) {
		wr(fd, 6);
		_exit(0);
	}
	CHECK(p > 0);
	int st;
	CHECK_EQ(waitpid(p, &st, 0), p);
	CHECK_EQ(rd(fd), 6);
}
