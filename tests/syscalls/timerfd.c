/* timerfd: create flags and clocks, settime/gettime, ABSTIME, intervals,
 * expiration counts, nonblocking reads and poll readiness. */
#include "harness.h"
#include <poll.h>
#include <sys/timerfd.h>

static struct itimerspec its(long vs, long vns, long is, long ins)
{
	struct itimerspec t = {{is, ins}, {vs, vns}};
	return t;
}

TEST(create_clocks)
{
	CHECK_OK(timerfd_create(CLOCK_MONOTONIC, 0));
	CHECK_OK(timerfd_create(CLOCK_REALTIME, 0));
	CHECK_OK(timerfd_create(CLOCK_BOOTTIME, 0));
	CHECK_ERRNO(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
	CHECK_ERRNO(timerfd_create(77, 0), EINVAL);
}

TEST(create_bad_flags)
{
	CHECK_ERRNO(timerfd_create(CLOCK_MONOTONIC, 1), EINVAL);
}

TEST(create_cloexec_nonblock)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

TEST(disarmed_gettime_zero)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec cur;
	CHECK_OK(timerfd_gettime(fd, &cur));
	CHECK_EQ(cur.it_value.tv_sec + cur.it_value.tv_nsec, 0);
}

TEST(nonblock_read_eagain)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	uint64_t v;
	CHECK_ERRNO(read(fd, &v, 8), EAGAIN);
}

TEST(oneshot_expires_once)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec t = its(0, 20000000, 0, 0);
	CHECK_OK(timerfd_settime(fd, 0, &t, NULL));
	uint64_t v = 0;
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, 1);
	struct itimerspec cur;
	CHECK_OK(timerfd_gettime(fd, &cur));
	CHECK_EQ(cur.it_value.tv_sec + cur.it_value.tv_nsec, 0);
}

TEST(interval_counts_expirations)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec t = its(0, 10000000, 0, 10000000);
	CHECK_OK(timerfd_settime(fd, 0, &t, NULL));
	usleep(100000);
	uint64_t v = 0;
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK(v >= 3);
	struct itimerspec cur;
	CHECK_OK(timerfd_gettime(fd, &cur));
	CHECK_EQ(cur.it_interval.tv_nsec, 10000000);
}

TEST(gettime_counts_down)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec t = its(10, 0, 0, 0), cur, old;
	CHECK_OK(timerfd_settime(fd, 0, &t, NULL));
	CHECK_OK(timerfd_gettime(fd, &cur));
	CHECK(cur.it_value.tv_sec <= 10 && cur.it_value.tv_sec >= 9);
	struct itimerspec z = its(0, 0, 0, 0);
	CHECK_OK(timerfd_settime(fd, 0, &z, &old));
	CHECK(old.it_value.tv_sec >= 9);
}

TEST(abstime_in_past_fires_now)
{
	int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct itimerspec t = its(now.tv_sec - 5, 0, 0, 0);
	CHECK_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &t, NULL));
	struct pollfd p = {fd, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 1000), 1);
	uint64_t v;
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, 1);
}

TEST(abstime_monotonic)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ns = now.tv_nsec + 30000000;
	struct itimerspec t = its(now.tv_sec + ns / 1000000000, ns % 1000000000, 0, 0);
	CHECK_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &t, NULL));
	uint64_t v;
	CHECK_EQ(read(fd, &v, 8), 8);
	struct timespec after;
	clock_gettime(CLOCK_MONOTONIC, &after);
	CHECK((after.tv_sec - now.tv_sec) * 1000000000L + after.tv_nsec - now.tv_nsec >= 29000000);
}

TEST(settime_errors)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec bad = its(0, 1000000000, 0, 0);
	CHECK_ERRNO(timerfd_settime(fd, 0, &bad, NULL), EINVAL);
	struct itimerspec ok = its(1, 0, 0, 0);
	CHECK_ERRNO(timerfd_settime(fd, 8, &ok, NULL), EINVAL);
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERRNO(timerfd_settime(p[0], 0, &ok, NULL), EINVAL);
	CHECK_ERRNO(timerfd_settime(999, 0, &ok, NULL), EBADF);
	CHECK_ERRNO(timerfd_settime(fd, 0, (void *)8, NULL), EFAULT);
}

TEST(short_read_einval)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	char b[4];
	CHECK_ERRNO(read(fd, b, 4), EINVAL);
}

TEST(write_einval)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	uint64_t v = 1;
	CHECK_ERRNO(write(fd, &v, 8), EINVAL);
}

TEST(settime_resets_count)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct itimerspec t = its(0, 1000000, 0, 0);
	CHECK_OK(timerfd_settime(fd, 0, &t, NULL));
	usleep(20000);
	struct itimerspec l = its(10, 0, 0, 0);
	CHECK_OK(timerfd_settime(fd, 0, &l, NULL));
	uint64_t v;
	CHECK_ERRNO(read(fd, &v, 8), EAGAIN);
}

TEST(poll_blocks_until_expiry)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct pollfd p = {fd, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 0), 0);
	struct itimerspec t = its(0, 30000000, 0, 0);
	CHECK_OK(timerfd_settime(fd, 0, &t, NULL));
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents, POLLIN);
}
