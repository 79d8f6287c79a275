/* Clocks and sleeps: clock_gettime/getres, gettimeofday, time, nanosleep,
 * clock_nanosleep. glibc reads most clocks through the vDSO; the raw
 * syscalls are checked too, and only they are given bad pointers. */
#include "harness.h"

#include <sys/time.h>
#include <time.h>

static long long ns_of(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static long long mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ns_of(&ts);
}

TEST(realtime_matches_time_and_gettimeofday)
{
	struct timespec ts;
	struct timeval tv;
	time_t t;
	CHECK_OK(clock_gettime(CLOCK_REALTIME, &ts));
	t = time(NULL);
	CHECK_OK(gettimeofday(&tv, NULL));
	CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	CHECK(t - ts.tv_sec >= 0 && t - ts.tv_sec <= 1);
	CHECK(tv.tv_sec - ts.tv_sec >= 0 && tv.tv_sec - ts.tv_sec <= 1);
	/* Some time after 2023-01-01. */
	CHECK(ts.tv_sec > 1672531200);
}

TEST(raw_syscalls_agree_with_vdso)
{
	struct timespec vdso, raw;
	struct timeval tv;
	long t;
	CHECK_OK(clock_gettime(CLOCK_REALTIME, &vdso));
	CHECK_OK(syscall(SYS_clock_gettime, CLOCK_REALTIME, &raw));
	CHECK(ns_of(&raw) >= ns_of(&vdso) - 1000000000LL);
	CHECK(ns_of(&raw) - ns_of(&vdso) < 2000000000LL);
	CHECK_OK(syscall(SYS_gettimeofday, &tv, NULL));
	CHECK(tv.tv_sec - raw.tv_sec >= 0 && tv.tv_sec - raw.tv_sec <= 1);
	t = syscall(SYS_time, NULL);
	CHECK(t - raw.tv_sec >= 0 && t - raw.tv_sec <= 1);
	CHECK_OK(clock_gettime(CLOCK_MONOTONIC, &vdso));
	CHECK_OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &raw));
	CHECK(ns_of(&raw) >= ns_of(&vdso));
	CHECK(ns_of(&raw) - ns_of(&vdso) < 2000000000LL);
}

TEST(time_stores_result)
{
	time_t out = 0;
	long r = syscall(SYS_time, &out);
	CHECK(r > 0);
	CHECK(out == r || out == r + 1);
}

TEST(monotonic_nondecreasing)
{
	struct timespec prev, cur;
	CHECK_OK(clock_gettime(CLOCK_MONOTONIC, &prev));
	for (int i = 0; i < 10000; i++) {
		CHECK_OK(clock_gettime(CLOCK_MONOTONIC, &cur));
		CHECK(ns_of(&cur) >= ns_of(&prev));
		prev = cur;
	}
}

TEST(monotonic_raw_syscall_nondecreasing)
{
	struct timespec prev, cur;
	CHECK_OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &prev));
	for (int i = 0; i < 300; i++) {
		CHECK_OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &cur));
		CHECK(ns_of(&cur) >= ns_of(&prev));
		prev = cur;
	}
}

TEST(other_clocks)
{
	static const clockid_t clocks[] = {
		CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW,
		CLOCK_BOOTTIME,        CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
	};
	struct timespec mono, boot;
	for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
		struct timespec ts;
		CHECK_OK(syscall(SYS_clock_gettime, clocks[i], &ts));
		CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
	}
	CHECK_OK(clock_gettime(CLOCK_MONOTONIC, &mono));
	CHECK_OK(clock_gettime(CLOCK_BOOTTIME, &boot));
	CHECK(ns_of(&boot) >= ns_of(&mono));
}

TEST(cputime_advances)
{
	struct timespec a, b;
	volatile unsigned long sink = 0;
	CHECK_OK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a));
	for (unsigned long i = 0; i < 50000000UL; i++)
		sink += i;
	CHECK_OK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b));
	CHECK(ns_of(&b) > ns_of(&a));
	CHECK_OK(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b));
	CHECK(ns_of(&b) > 0);
}

TEST(clock_getres)
{
	struct timespec res;
	CHECK_OK(clock_getres(CLOCK_REALTIME, &res));
	CHECK_EQ(res.tv_sec, 0);
	CHECK(res.tv_nsec > 0 && res.tv_nsec <= 10000000);
	CHECK_OK(syscall(SYS_clock_getres, CLOCK_MONOTONIC, &res));
	CHECK_EQ(res.tv_sec, 0);
	CHECK(res.tv_nsec > 0 && res.tv_nsec <= 10000000);
	/* A NULL result pointer is allowed. */
	CHECK_OK(syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
	CHECK_ERRNO(syscall(SYS_clock_getres, 12345, &res), EINVAL);
}

TEST(invalid_clock)
{
	struct timespec ts;
	CHECK_ERRNO(syscall(SYS_clock_gettime, 12345, &ts), EINVAL);
	CHECK_ERRNO(clock_gettime((clockid_t)12345, &ts), EINVAL);
}

TEST(clock_gettime_efault)
{
	CHECK_ERRNO(syscall(SYS_clock_gettime, CLOCK_REALTIME, (void *)8), EFAULT);
	CHECK_ERRNO(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)8), EFAULT);
	CHECK_ERRNO(syscall(SYS_gettimeofday, (void *)8, NULL), EFAULT);
	CHECK_ERRNO(syscall(SYS_clock_getres, CLOCK_MONOTONIC, (void *)8), EFAULT);
}

TEST(nanosleep_20ms)
{
	struct timespec req = {0, 20000000}, rem = {9, 9};
	long long start = mono_ns(), elapsed;
	CHECK_OK(nanosleep(&req, &rem));
	elapsed = mono_ns() - start;
	CHECK(elapsed >= 20000000LL);
	CHECK(elapsed < 2000000000LL);
	/* A zero sleep returns at once. */
	req.tv_nsec = 0;
	CHECK_OK(nanosleep(&req, NULL));
}

TEST(nanosleep_bad_timespec)
{
	struct timespec bad = {0, 1000000000}, neg = {-1, 0}, negn = {0, -1};
	CHECK_ERRNO(syscall(SYS_nanosleep, &bad, NULL), EINVAL);
	CHECK_ERRNO(syscall(SYS_nanosleep, &neg, NULL), EINVAL);
	CHECK_ERRNO(syscall(SYS_nanosleep, &negn, NULL), EINVAL);
	CHECK_ERRNO(syscall(SYS_nanosleep, (void *)8, NULL), EFAULT);
}

TEST(clock_nanosleep_relative)
{
	struct timespec req = {0, 25000000};
	long long start = mono_ns(), elapsed;
	CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), 0);
	elapsed = mono_ns() - start;
	CHECK(elapsed >= 25000000LL);
	CHECK(elapsed < 2000000000LL);
	start = mono_ns();
	CHECK_OK(syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &req, NULL));
	CHECK(mono_ns() - start >= 25000000LL);
}

TEST(clock_nanosleep_abstime)
{
	struct timespec now, target;
	long long start = mono_ns();
	CHECK_OK(clock_gettime(CLOCK_MONOTONIC, &now));
	target = now;
	target.tv_nsec += 30000000;
	if (target.tv_nsec >= 1000000000) {
		target.tv_sec++;
		target.tv_nsec -= 1000000000;
	}
	CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0);
	CHECK_OK(clock_gettime(CLOCK_MONOTONIC, &now));
	CHECK(ns_of(&now) >= ns_of(&target));
	CHECK(mono_ns() - start < 2000000000LL);
	/* A deadline in the past returns at once. */
	target.tv_sec -= 10;
	start = mono_ns();
	CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0);
	CHECK(mono_ns() - start < 500000000LL);
	/* Against the realtime clock too. */
	CHECK_OK(clock_gettime(CLOCK_REALTIME, &target));
	target.tv_nsec += 20000000;
	if (target.tv_nsec >= 1000000000) {
		target.tv_sec++;
		target.tv_nsec -= 1000000000;
	}
	CHECK_EQ(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &target, NULL), 0);
	CHECK_OK(clock_gettime(CLOCK_REALTIME, &now));
	CHECK(ns_of(&now) >= ns_of(&target));
}

TEST(clock_nanosleep_errors)
{
	struct timespec req = {0, 1000}, bad = {0, 1000000000};
	/* The glibc function returns the error number; the syscall sets errno. */
	CHECK_EQ(clock_nanosleep((clockid_t)12345, 0, &req, NULL), EINVAL);
	CHECK_ERRNO(syscall(SYS_clock_nanosleep, 12345, 0, &req, NULL), EINVAL);
	CHECK_ERRNO(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad, NULL), EINVAL);
	/* man 2 clock_nanosleep says EINVAL; Linux 6.x returns EOPNOTSUPP. */
	CHECK_ERRNO(syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL),
		    EOPNOTSUPP);
	CHECK_ERRNO(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (void *)8, NULL), EFAULT);
}
