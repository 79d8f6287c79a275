/* Timers and time: nanosleep/clock_nanosleep (relative, TIMER_ABSTIME, per
 * clock), alarm, setitimer/getitimer (REAL, VIRTUAL, PROF), POSIX timers
 * (SIGEV_SIGNAL, SIGEV_THREAD_ID, SIGEV_NONE, overruns, absolute times,
 * CPU-time clocks), times, getrusage (SELF, CHILDREN, THREAD) and every
 * clock id with its _COARSE variant.
 *
 * Timer signals are blocked and collected with sigtimedwait: no handler is
 * needed. Every timer a case arms is disarmed or deleted after it (h_defer),
 * and the signal mask is restored. */
#include "harness.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>

#define WAIT_MS 5000

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif
#define sigev_notify_thread_id _sigev_un._tid

static long long ts_ms(const struct timespec *t)
{
	return t->tv_sec * 1000LL + t->tv_nsec / 1000000;
}

static long long ts_ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static long long now_ms(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return ts_ms(&t);
}

static long long cpu_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return ts_ns(&t);
}

/* Burns CPU in user mode for about ms milliseconds of this thread's time. */
static void burn_cpu_ms(long ms)
{
	volatile unsigned long x = 0;
	long long start = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	while (cpu_ns(CLOCK_THREAD_CPUTIME_ID) - start < ms * 1000000LL)
		for (int i = 0; i < 10000; i++)
			x += i;
}

static sigset_t case_mask;
static void restore_mask(void *arg)
{
	(void)arg;
	sigprocmask(SIG_SETMASK, &case_mask, NULL);
}

/* Blocks sig for the rest of the case and drops anything already pending. */
static void block_for_case(int sig)
{
	sigset_t s;
	struct timespec zero = {0, 0};
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_BLOCK, &s, &case_mask);
	h_defer(restore_mask, NULL);
	while (sigtimedwait(&s, NULL, &zero) > 0)
		;
}

static int wait_sig(int sig, siginfo_t *si, long ms)
{
	sigset_t s;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	sigemptyset(&s);
	sigaddset(&s, sig);
	return sigtimedwait(&s, si, &ts);
}

static int is_pending(int sig)
{
	sigset_t s;
	if (sigpending(&s) < 0)
		return -1;
	return sigismember(&s, sig);
}

static void drop_pending(int sig)
{
	sigset_t s;
	struct timespec zero = {0, 0};
	sigemptyset(&s);
	sigaddset(&s, sig);
	while (sigtimedwait(&s, NULL, &zero) > 0)
		;
}

static void disarm_itimers(void *arg)
{
	struct itimerval zero = {{0, 0}, {0, 0}};
	(void)arg;
	setitimer(ITIMER_REAL, &zero, NULL);
	setitimer(ITIMER_VIRTUAL, &zero, NULL);
	setitimer(ITIMER_PROF, &zero, NULL);
	drop_pending(SIGALRM);
	drop_pending(SIGVTALRM);
	drop_pending(SIGPROF);
}

static void delete_timer(void *arg)
{
	timer_delete((timer_t)arg);
}

/* timer_create that deletes the timer after the case. */
static int make_timer(clockid_t clock, struct sigevent *sev, timer_t *t)
{
	if (timer_create(clock, sev, t) < 0)
		return -1;
	h_defer(delete_timer, (void *)*t);
	return 0;
}

static struct sigevent signal_event(int sig, int value)
{
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_int = value;
	return sev;
}

/* ---- sleeping ---- */

TEST(clock_nanosleep_each_clock_relative)
{
	clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME};
	for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
		struct timespec req = {0, 15 * 1000000L};
		long long t0 = now_ms(CLOCK_MONOTONIC);
		CHECK_EQ(syscall(SYS_clock_nanosleep, clocks[i], 0, &req, NULL), 0);
		CHECK(now_ms(CLOCK_MONOTONIC) - t0 >= 14);
	}
}

TEST(clock_nanosleep_abstime_each_clock)
{
	clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME};
	for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
		struct timespec dl, after;
		clock_gettime(clocks[i], &dl);
		dl.tv_nsec += 20 * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		CHECK_EQ(syscall(SYS_clock_nanosleep, clocks[i], TIMER_ABSTIME, &dl, NULL), 0);
		clock_gettime(clocks[i], &after);
		CHECK(ts_ns(&after) >= ts_ns(&dl));
	}
}

TEST(clock_nanosleep_abstime_in_the_past)
{
	struct timespec past = {1, 0};
	long long t0 = now_ms(CLOCK_MONOTONIC);
	CHECK_EQ(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL), 0);
	CHECK_EQ(syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &past, NULL), 0);
	CHECK(now_ms(CLOCK_MONOTONIC) - t0 < 500);
}

TEST(clock_nanosleep_thread_clock_and_bad_ids)
{
	struct timespec req = {0, 1000};
	/* Sleeping on the thread's own CPU clock could never end: the clock
	 * has no sleep operation (EOPNOTSUPP). */
	CHECK_ERRNO(syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL), EOPNOTSUPP);
	CHECK_ERRNO(syscall(SYS_clock_nanosleep, 1234, 0, &req, NULL), EINVAL);
	/* glibc's wrapper returns the error instead of setting errno. */
	CHECK_EQ(clock_nanosleep(1234, 0, &req, NULL), EINVAL);
}

TEST(clock_nanosleep_raw_and_coarse_eopnotsupp)
{
	struct timespec req = {0, 1000};
	CHECK_ERRNO(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, &req, NULL), EOPNOTSUPP);
	CHECK_ERRNO(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC_COARSE, 0, &req, NULL), EOPNOTSUPP);
	CHECK_ERRNO(syscall(SYS_clock_nanosleep, CLOCK_REALTIME_COARSE, 0, &req, NULL), EOPNOTSUPP);
}

/* ---- alarm and interval timers ---- */

TEST(alarm_returns_remaining_seconds)
{
	h_defer(disarm_itimers, NULL);
	alarm(0);
	CHECK_EQ(alarm(10), 0);
	unsigned left = alarm(5);
	CHECK(left == 10 || left == 9);
	left = alarm(0);
	CHECK(left == 5 || left == 4);
	CHECK_EQ(alarm(0), 0);
}

TEST(alarm_delivers_sigalrm)
{
	siginfo_t si;
	block_for_case(SIGALRM);
	h_defer(disarm_itimers, NULL);
	long long t0 = now_ms(CLOCK_MONOTONIC);
	CHECK_EQ(alarm(1), 0);
	CHECK_EQ(wait_sig(SIGALRM, &si, 3000), SIGALRM);
	long long took = now_ms(CLOCK_MONOTONIC) - t0;
	CHECK(took >= 990);
	CHECK(took < 2500);
	CHECK_EQ(si.si_code, SI_KERNEL);
	CHECK_EQ(alarm(0), 0);
}

TEST(alarm_and_itimer_real_are_one_timer)
{
	struct itimerval cur, zero = {{0, 0}, {0, 0}};
	h_defer(disarm_itimers, NULL);
	alarm(7);
	CHECK_OK(getitimer(ITIMER_REAL, &cur));
	CHECK(cur.it_value.tv_sec >= 6 && cur.it_value.tv_sec <= 7);
	CHECK_EQ(cur.it_interval.tv_sec, 0);
	CHECK_OK(setitimer(ITIMER_REAL, &zero, NULL));
	CHECK_EQ(alarm(0), 0);
}

TEST(setitimer_real_one_shot)
{
	struct itimerval it = {{0, 0}, {0, 30000}}, cur;
	siginfo_t si;
	block_for_case(SIGALRM);
	h_defer(disarm_itimers, NULL);
	long long t0 = now_ms(CLOCK_MONOTONIC);
	CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
	CHECK_EQ(wait_sig(SIGALRM, &si, WAIT_MS), SIGALRM);
	CHECK(now_ms(CLOCK_MONOTONIC) - t0 >= 29);
	CHECK_EQ(si.si_code, SI_KERNEL);
	CHECK_OK(getitimer(ITIMER_REAL, &cur));
	CHECK_EQ(cur.it_value.tv_sec, 0);
	CHECK_EQ(cur.it_value.tv_usec, 0);
}

TEST(setitimer_real_periodic)
{
	struct itimerval it = {{0, 10000}, {0, 10000}}, cur, zero = {{0, 0}, {0, 0}};
	block_for_case(SIGALRM);
	h_defer(disarm_itimers, NULL);
	long long t0 = now_ms(CLOCK_MONOTONIC);
	CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
	for (int i = 0; i < 3; i++)
		CHECK_EQ(wait_sig(SIGALRM, NULL, WAIT_MS), SIGALRM);
	CHECK(now_ms(CLOCK_MONOTONIC) - t0 >= 29);
	CHECK_OK(getitimer(ITIMER_REAL, &cur));
	CHECK_EQ(cur.it_interval.tv_usec, 10000);
	/* Disarming returns the old setting. */
	CHECK_OK(setitimer(ITIMER_REAL, &zero, &cur));
	CHECK_EQ(cur.it_interval.tv_usec, 10000);
	CHECK(cur.it_value.tv_usec <= 10000);
}

TEST(getitimer_counts_down)
{
	struct itimerval it = {{0, 0}, {2, 0}}, cur, old;
	h_defer(disarm_itimers, NULL);
	CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
	struct timespec pause = {0, 50 * 1000000L};
	nanosleep(&pause, NULL);
	CHECK_OK(getitimer(ITIMER_REAL, &cur));
	long long left_us = cur.it_value.tv_sec * 1000000LL + cur.it_value.tv_usec;
	CHECK(left_us <= 1950000);
	CHECK(left_us > 1000000);
	it.it_value.tv_sec = 3;
	CHECK_OK(setitimer(ITIMER_REAL, &it, &old));
	CHECK(old.it_value.tv_sec <= 1 + 1);
	CHECK_OK(getitimer(ITIMER_REAL, &cur));
	CHECK(cur.it_value.tv_sec >= 2);
}

TEST(setitimer_invalid)
{
	struct itimerval it = {{0, 0}, {0, 1000000}}, cur;
	h_defer(disarm_itimers, NULL);
	CHECK_ERRNO(setitimer(ITIMER_REAL, &it, NULL), EINVAL);
	it.it_value.tv_usec = -1;
	CHECK_ERRNO(setitimer(ITIMER_REAL, &it, NULL), EINVAL);
	it.it_value.tv_usec = 0;
	CHECK_ERRNO(setitimer(5, &it, NULL), EINVAL);
	CHECK_ERRNO(getitimer(5, &cur), EINVAL);
	CHECK_ERRNO(syscall(SYS_getitimer, ITIMER_REAL, (void *)1), EFAULT);
}

/* Spins (in user mode) until sig is pending or limit_ms of wall time pass;
 * returns the CPU time used in ms, or -1 if the signal never came. */
static long long spin_until_pending(int sig, long limit_ms)
{
	long long start = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	long long deadline = now_ms(CLOCK_MONOTONIC) + limit_ms;
	while (now_ms(CLOCK_MONOTONIC) < deadline) {
		burn_cpu_ms(1);
		if (is_pending(sig) == 1)
			return (cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - start) / 1000000;
	}
	return -1;
}

TEST(itimer_virtual_counts_user_time)
{
	struct itimerval it = {{0, 0}, {0, 30000}}, cur;
	block_for_case(SIGVTALRM);
	h_defer(disarm_itimers, NULL);
	/* Sleeping uses no CPU: the virtual timer does not move. */
	CHECK_OK(setitimer(ITIMER_VIRTUAL, &it, NULL));
	struct timespec nap = {0, 60 * 1000000L};
	nanosleep(&nap, NULL);
	CHECK_EQ(is_pending(SIGVTALRM), 0);
	CHECK_OK(getitimer(ITIMER_VIRTUAL, &cur));
	CHECK(cur.it_value.tv_usec > 15000);
	/* Spinning does. */
	long long used = spin_until_pending(SIGVTALRM, WAIT_MS);
	CHECK(used >= 0);
	CHECK(used >= 10);
	CHECK_EQ(wait_sig(SIGVTALRM, NULL, 0), SIGVTALRM);
}

TEST(itimer_prof_counts_cpu_time)
{
	struct itimerval it = {{0, 0}, {0, 30000}};
	block_for_case(SIGPROF);
	h_defer(disarm_itimers, NULL);
	CHECK_OK(setitimer(ITIMER_PROF, &it, NULL));
	long long used = spin_until_pending(SIGPROF, WAIT_MS);
	CHECK(used >= 0);
	CHECK(used >= 10);
	CHECK_EQ(wait_sig(SIGPROF, NULL, 0), SIGPROF);
}

/* ---- POSIX timers ---- */

TEST(timer_sigev_signal_siginfo)
{
	timer_t t;
	siginfo_t si;
	struct sigevent sev = signal_event(SIGRTMIN, 33);
	struct itimerspec its = {{0, 0}, {0, 20 * 1000000L}};
	block_for_case(SIGRTMIN);
	CHECK_OK(make_timer(CLOCK_MONOTONIC, &sev, &t));
	long long t0 = now_ms(CLOCK_MONOTONIC);
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	CHECK_EQ(wait_sig(SIGRTMIN, &si, WAIT_MS), SIGRTMIN);
	CHECK(now_ms(CLOCK_MONOTONIC) - t0 >= 19);
	CHECK_EQ(si.si_code, SI_TIMER);
	CHECK_EQ(si.si_value.sival_int, 33);
	CHECK_EQ(si.si_overrun, 0);
	/* One-shot: disarmed now. */
	CHECK_OK(timer_gettime(t, &its));
	CHECK_EQ(its.it_value.tv_sec, 0);
	CHECK_EQ(its.it_value.tv_nsec, 0);
}

TEST(timer_default_sigevent_is_sigalrm)
{
	timer_t t;
	siginfo_t si;
	struct itimerspec its = {{0, 0}, {0, 5 * 1000000L}};
	block_for_case(SIGALRM);
	/* A NULL sigevent means SIGEV_SIGNAL, SIGALRM, with the timer id as value. */
	CHECK_OK(timer_create(CLOCK_MONOTONIC, NULL, &t));
	h_defer(delete_timer, (void *)t);
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	CHECK_EQ(wait_sig(SIGALRM, &si, WAIT_MS), SIGALRM);
	CHECK_EQ(si.si_code, SI_TIMER);
}

TEST(timer_settime_absolute)
{
	timer_t t;
	struct sigevent sev = signal_event(SIGRTMIN + 1, 1);
	struct itimerspec its;
	struct timespec now;
	block_for_case(SIGRTMIN + 1);
	CHECK_OK(make_timer(CLOCK_REALTIME, &sev, &t));
	clock_gettime(CLOCK_REALTIME, &now);
	memset(&its, 0, sizeof its);
	its.it_value = now;
	its.it_value.tv_nsec += 30 * 1000000L;
	if (its.it_value.tv_nsec >= 1000000000L) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000L;
	}
	CHECK_OK(timer_settime(t, TIMER_ABSTIME, &its, NULL));
	CHECK_EQ(wait_sig(SIGRTMIN + 1, NULL, WAIT_MS), SIGRTMIN + 1);
	clock_gettime(CLOCK_REALTIME, &now);
	CHECK(ts_ns(&now) >= ts_ns(&its.it_value));
	/* An absolute time already past fires at once. */
	its.it_value.tv_sec -= 100;
	long long t0 = now_ms(CLOCK_MONOTONIC);
	CHECK_OK(timer_settime(t, TIMER_ABSTIME, &its, NULL));
	CHECK_EQ(wait_sig(SIGRTMIN + 1, NULL, WAIT_MS), SIGRTMIN + 1);
	CHECK(now_ms(CLOCK_MONOTONIC) - t0 < 1000);
}

TEST(timer_gettime_and_old_value)
{
	timer_t t;
	struct sigevent sev = signal_event(SIGRTMIN + 2, 0);
	struct itimerspec its = {{0, 250 * 1000000L}, {5, 0}}, cur, old, zero;
	block_for_case(SIGRTMIN + 2);
	CHECK_OK(make_timer(CLOCK_MONOTONIC, &sev, &t));
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	CHECK_OK(timer_gettime(t, &cur));
	CHECK(cur.it_value.tv_sec >= 4 && cur.it_value.tv_sec <= 5);
	CHECK_EQ(cur.it_interval.tv_sec, 0);
	CHECK_EQ(cur.it_interval.tv_nsec, 250 * 1000000L);
	memset(&zero, 0, sizeof zero);
	CHECK_OK(timer_settime(t, 0, &zero, &old));
	CHECK(old.it_value.tv_sec >= 4);
	CHECK_EQ(old.it_interval.tv_nsec, 250 * 1000000L);
	CHECK_OK(timer_gettime(t, &cur));
	CHECK_EQ(cur.it_value.tv_sec, 0);
	CHECK_EQ(cur.it_value.tv_nsec, 0);
}

TEST(timer_getoverrun_counts_missed_expiries)
{
	timer_t t;
	siginfo_t si;
	struct sigevent sev = signal_event(SIGRTMIN + 3, 0);
	struct itimerspec its = {{0, 1000000L}, {0, 1000000L}}, zero;
	block_for_case(SIGRTMIN + 3);
	CHECK_OK(make_timer(CLOCK_MONOTONIC, &sev, &t));
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	/* 1 ms period while the signal stays pending for 60 ms: one queued
	 * signal, and the expiries in between counted as overruns. */
	struct timespec nap = {0, 60 * 1000000L};
	nanosleep(&nap, NULL);
	memset(&zero, 0, sizeof zero);
	CHECK_EQ(wait_sig(SIGRTMIN + 3, &si, WAIT_MS), SIGRTMIN + 3);
	/* The count of the signal just dequeued. */
	int ov = timer_getoverrun(t);
	CHECK_OK(timer_settime(t, 0, &zero, NULL));
	CHECK(si.si_overrun >= 10);
	CHECK_EQ(ov, si.si_overrun);
}

TEST(timer_sigev_none)
{
	timer_t t;
	struct sigevent sev;
	struct itimerspec its = {{0, 0}, {0, 30 * 1000000L}}, cur;
	block_for_case(SIGALRM);
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_NONE;
	CHECK_OK(make_timer(CLOCK_MONOTONIC, &sev, &t));
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	CHECK_OK(timer_gettime(t, &cur));
	CHECK(cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 30 * 1000000L);
	/* It expires silently. */
	CHECK_ERRNO(wait_sig(SIGALRM, NULL, 60), EAGAIN);
	CHECK_OK(timer_gettime(t, &cur));
	CHECK_EQ(cur.it_value.tv_sec, 0);
	CHECK_EQ(cur.it_value.tv_nsec, 0);
}

TEST(timer_sigev_thread_id_self)
{
	timer_t t;
	siginfo_t si;
	struct sigevent sev = signal_event(SIGRTMIN + 4, 44);
	struct itimerspec its = {{0, 0}, {0, 10 * 1000000L}};
	block_for_case(SIGRTMIN + 4);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_notify_thread_id = gettid();
	CHECK_OK(make_timer(CLOCK_MONOTONIC, &sev, &t));
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	CHECK_EQ(wait_sig(SIGRTMIN + 4, &si, WAIT_MS), SIGRTMIN + 4);
	CHECK_EQ(si.si_code, SI_TIMER);
	CHECK_EQ(si.si_value.sival_int, 44);
}

struct waiting_thread {
	pthread_t t;
	volatile pid_t tid;
	volatile int got;
	int sig;
};

static void *wait_for_timer_signal(void *arg)
{
	struct waiting_thread *w = arg;
	siginfo_t si;
	w->tid = gettid();
	if (wait_sig(w->sig, &si, WAIT_MS) == w->sig && si.si_code == SI_TIMER)
		w->got = gettid();
	return NULL;
}

TEST(timer_sigev_thread_id_other_thread)
{
	static struct waiting_thread w;
	timer_t t;
	struct sigevent sev = signal_event(SIGRTMIN + 5, 0);
	struct itimerspec its = {{0, 0}, {0, 20 * 1000000L}};
	block_for_case(SIGRTMIN + 5); /* the thread inherits the blocked mask */
	w.tid = 0;
	w.got = 0;
	w.sig = SIGRTMIN + 5;
	CHECK_EQ(pthread_create(&w.t, NULL, wait_for_timer_signal, &w), 0);
	long long deadline = now_ms(CLOCK_MONOTONIC) + WAIT_MS;
	while (!w.tid && now_ms(CLOCK_MONOTONIC) < deadline)
		;
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_notify_thread_id = w.tid;
	int made = make_timer(CLOCK_MONOTONIC, &sev, &t);
	if (made == 0)
		timer_settime(t, 0, &its, NULL);
	pthread_join(w.t, NULL);
	CHECK_OK(made);
	/* Delivered to that thread: it took it, not the process. */
	CHECK_EQ(w.got, w.tid);
	CHECK_EQ(is_pending(SIGRTMIN + 5), 0);
}

TEST(timer_on_process_cputime_clock)
{
	timer_t t;
	struct sigevent sev = signal_event(SIGRTMIN + 6, 0);
	struct itimerspec its = {{0, 0}, {0, 20 * 1000000L}};
	block_for_case(SIGRTMIN + 6);
	CHECK_OK(make_timer(CLOCK_PROCESS_CPUTIME_ID, &sev, &t));
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	long long used = spin_until_pending(SIGRTMIN + 6, WAIT_MS);
	CHECK(used >= 15);
	CHECK_EQ(wait_sig(SIGRTMIN + 6, NULL, 0), SIGRTMIN + 6);
}

TEST(timer_errors)
{
	timer_t t;
	struct sigevent sev = signal_event(SIGRTMIN, 0);
	struct itimerspec its = {{0, 0}, {0, 1000000000L}};
	CHECK_ERRNO(timer_create(1234, &sev, &t), EINVAL);
	sev.sigev_signo = 0;
	CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &sev, &t), EINVAL);
	sev.sigev_signo = 65;
	CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &sev, &t), EINVAL);
	sev = signal_event(SIGRTMIN, 0);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_notify_thread_id = 0x3fffffff;
	CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &sev, &t), EINVAL);
	sev.sigev_notify = 77;
	CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &sev, &t), EINVAL);
	sev = signal_event(SIGRTMIN, 0);
	CHECK_OK(timer_create(CLOCK_MONOTONIC, &sev, &t));
	CHECK_ERRNO(timer_settime(t, 0, &its, NULL), EINVAL);
	CHECK_OK(timer_delete(t));
	/* Deleted: the id means nothing now. */
	CHECK_ERRNO(timer_delete(t), EINVAL);
	CHECK_ERRNO(syscall(SYS_timer_gettime, 0x7fff, &its), EINVAL);
	CHECK_ERRNO(syscall(SYS_timer_getoverrun, 0x7fff), EINVAL);
}

TEST(timer_many_create_delete)
{
	timer_t t[200];
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_NONE;
	for (int i = 0; i < 200; i++)
		CHECK_OK(timer_create(CLOCK_MONOTONIC, &sev, &t[i]));
	/* Distinct ids. */
	for (int i = 1; i < 200; i++)
		CHECK(t[i] != t[i - 1]);
	for (int i = 0; i < 200; i++)
		CHECK_OK(timer_delete(t[i]));
}

static void child_has_no_timers(void *arg)
{
	timer_t parent_timer = arg;
	struct itimerspec its;
	struct itimerval iv;
	/* POSIX timers, interval timers and alarms are not inherited. */
	CHECK_ERRNO(timer_gettime(parent_timer, &its), EINVAL);
	CHECK_OK(getitimer(ITIMER_REAL, &iv));
	CHECK_EQ(iv.it_value.tv_sec, 0);
	CHECK_EQ(iv.it_value.tv_usec, 0);
	CHECK_EQ(alarm(0), 0);
}

TEST(timers_not_inherited_by_fork)
{
	timer_t t;
	struct sigevent sev;
	struct itimerspec its = {{0, 0}, {30, 0}};
	struct itimerval iv = {{0, 0}, {30, 0}};
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_NONE;
	h_defer(disarm_itimers, NULL);
	CHECK_OK(make_timer(CLOCK_MONOTONIC, &sev, &t));
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	CHECK_OK(setitimer(ITIMER_REAL, &iv, NULL));
	CHECK_CHILD(child_has_no_timers, t);
}

/* ---- times and getrusage ---- */

TEST(times_counts_ticks_and_cpu)
{
	struct tms a, b;
	long hz = sysconf(_SC_CLK_TCK);
	CHECK_EQ(hz, 100);
	clock_t c0 = times(&a);
	CHECK(c0 != (clock_t)-1);
	burn_cpu_ms(60);
	clock_t c1 = times(&b);
	/* The return value is elapsed ticks; user time grew by the burn. */
	CHECK(c1 - c0 >= 5);
	CHECK(b.tms_utime + b.tms_stime - a.tms_utime - a.tms_stime >= 3);
	CHECK(b.tms_utime >= a.tms_utime);
	CHECK_ERRNO(syscall(SYS_times, (void *)1), EFAULT);
}

TEST(times_and_rusage_children)
{
	struct tms a, b;
	struct rusage ra, rb;
	int status;
	times(&a);
	CHECK_OK(getrusage(RUSAGE_CHILDREN, &ra));
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		burn_cpu_ms(80);
		_exit(0);
	}
	/* Counted once the child is reaped. */
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	times(&b);
	CHECK_OK(getrusage(RUSAGE_CHILDREN, &rb));
	CHECK(b.tms_cutime + b.tms_cstime - a.tms_cutime - a.tms_cstime >= 5);
	long long us_a = ra.ru_utime.tv_sec * 1000000LL + ra.ru_utime.tv_usec +
			 ra.ru_stime.tv_sec * 1000000LL + ra.ru_stime.tv_usec;
	long long us_b = rb.ru_utime.tv_sec * 1000000LL + rb.ru_utime.tv_usec +
			 rb.ru_stime.tv_sec * 1000000LL + rb.ru_stime.tv_usec;
	CHECK(us_b - us_a >= 50000);
	CHECK(rb.ru_maxrss > 0);
}

TEST(getrusage_self_children_thread)
{
	struct rusage self, thread, children;
	burn_cpu_ms(20);
	CHECK_OK(getrusage(RUSAGE_SELF, &self));
	CHECK_OK(getrusage(RUSAGE_THREAD, &thread));
	CHECK_OK(getrusage(RUSAGE_CHILDREN, &children));
	long long self_us = self.ru_utime.tv_sec * 1000000LL + self.ru_utime.tv_usec +
			    self.ru_stime.tv_sec * 1000000LL + self.ru_stime.tv_usec;
	CHECK(self_us >= 15000);
	CHECK(thread.ru_utime.tv_usec >= 0 && thread.ru_utime.tv_usec < 1000000);
	CHECK(children.ru_utime.tv_usec >= 0 && children.ru_utime.tv_usec < 1000000);
	CHECK_ERRNO(getrusage(-3, &self), EINVAL);
	CHECK_ERRNO(syscall(SYS_getrusage, RUSAGE_SELF, (void *)1), EFAULT);
}

static void *burner(void *arg)
{
	(void)arg;
	burn_cpu_ms(80);
	return NULL;
}

TEST(getrusage_thread_vs_self)
{
	struct rusage s0, s1, t0, t1;
	pthread_t t;
	CHECK_OK(getrusage(RUSAGE_SELF, &s0));
	CHECK_OK(getrusage(RUSAGE_THREAD, &t0));
	CHECK_EQ(pthread_create(&t, NULL, burner, NULL), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_OK(getrusage(RUSAGE_SELF, &s1));
	CHECK_OK(getrusage(RUSAGE_THREAD, &t1));
	long long self_d = (s1.ru_utime.tv_sec - s0.ru_utime.tv_sec) * 1000000LL +
			   (s1.ru_utime.tv_usec - s0.ru_utime.tv_usec) +
			   (s1.ru_stime.tv_sec - s0.ru_stime.tv_sec) * 1000000LL +
			   (s1.ru_stime.tv_usec - s0.ru_stime.tv_usec);
	long long thr_d = (t1.ru_utime.tv_sec - t0.ru_utime.tv_sec) * 1000000LL +
			  (t1.ru_utime.tv_usec - t0.ru_utime.tv_usec) +
			  (t1.ru_stime.tv_sec - t0.ru_stime.tv_sec) * 1000000LL +
			  (t1.ru_stime.tv_usec - t0.ru_stime.tv_usec);
	/* The process includes the other thread's 80 ms; this thread does not. */
	CHECK(self_d >= 60000);
	CHECK(thr_d < 40000);
}

/* ---- clocks ---- */

TEST(every_clock_readable)
{
	clockid_t ids[] = {CLOCK_REALTIME,	   CLOCK_MONOTONIC,	   CLOCK_PROCESS_CPUTIME_ID,
			   CLOCK_THREAD_CPUTIME_ID, CLOCK_MONOTONIC_RAW,	   CLOCK_REALTIME_COARSE,
			   CLOCK_MONOTONIC_COARSE,  CLOCK_BOOTTIME};
	for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		struct timespec t = {-1, -1}, res = {-1, -1};
		CHECK_OK(syscall(SYS_clock_gettime, ids[i], &t));
		CHECK(t.tv_nsec >= 0 && t.tv_nsec < 1000000000L);
		CHECK(t.tv_sec >= 0);
		CHECK_OK(syscall(SYS_clock_getres, ids[i], &res));
		CHECK(res.tv_sec == 0 && res.tv_nsec > 0);
	}
}

TEST(coarse_clocks_track_fine_ones)
{
	struct timespec res_fine, res_coarse;
	CHECK_OK(clock_getres(CLOCK_MONOTONIC, &res_fine));
	CHECK_OK(clock_getres(CLOCK_MONOTONIC_COARSE, &res_coarse));
	CHECK_EQ(res_fine.tv_nsec, 1);
	/* The coarse resolution is the tick: 1 to 10 ms. */
	CHECK(res_coarse.tv_nsec >= 1000000 && res_coarse.tv_nsec <= 10000000);
	CHECK_OK(clock_getres(CLOCK_REALTIME_COARSE, &res_fine));
	CHECK_EQ(res_fine.tv_nsec, res_coarse.tv_nsec);
	for (int round = 0; round < 2; round++) {
		clockid_t fine = round ? CLOCK_REALTIME : CLOCK_MONOTONIC;
		clockid_t coarse = round ? CLOCK_REALTIME_COARSE : CLOCK_MONOTONIC_COARSE;
		struct timespec f0, c, f1;
		clock_gettime(fine, &f0);
		clock_gettime(coarse, &c);
		clock_gettime(fine, &f1);
		/* Coarse lags by at most a tick (and some slack), never leads. */
		CHECK(ts_ns(&c) <= ts_ns(&f1));
		CHECK(ts_ns(&f0) - ts_ns(&c) <= 2 * res_coarse.tv_nsec + 1000000);
	}
}

TEST(boottime_not_behind_monotonic)
{
	struct timespec mono, boot;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	/* Boot time includes suspend: never behind monotonic. */
	CHECK(ts_ns(&boot) >= ts_ns(&mono));
}

TEST(clock_tai)
{
	struct timespec real, tai, res;
	CHECK_OK(clock_gettime(CLOCK_REALTIME, &real));
	CHECK_OK(clock_gettime(CLOCK_TAI, &tai));
	CHECK_OK(clock_getres(CLOCK_TAI, &res));
	CHECK_EQ(res.tv_nsec, 1);
	/* TAI is realtime plus the TAI offset (0 or a few dozen seconds). */
	CHECK(tai.tv_sec - real.tv_sec >= 0);
	CHECK(tai.tv_sec - real.tv_sec <= 40);
}

TEST(cputime_clocks_of_process_and_thread)
{
	clockid_t pclock, tclock;
	struct timespec a, b;
	CHECK_EQ(clock_getcpuclockid(0, &pclock), 0);
	CHECK_EQ(pthread_getcpuclockid(pthread_self(), &tclock), 0);
	CHECK_OK(clock_gettime(pclock, &a));
	burn_cpu_ms(20);
	CHECK_OK(clock_gettime(pclock, &b));
	CHECK(ts_ns(&b) - ts_ns(&a) >= 15000000LL);
	CHECK_OK(clock_gettime(tclock, &a));
	CHECK(ts_ns(&a) > 0);
	/* Our own pid's clock is the process clock. */
	CHECK_EQ(clock_getcpuclockid(getpid(), &pclock), 0);
	CHECK_OK(clock_gettime(pclock, &a));
	CHECK(ts_ns(&a) >= ts_ns(&b));
}

struct cpu_thread {
	volatile int stop;
	volatile clockid_t clock;
	volatile int ready;
};

static void *spin_with_clock(void *arg)
{
	struct cpu_thread *c = arg;
	clockid_t id;
	pthread_getcpuclockid(pthread_self(), &id);
	c->clock = id;
	c->ready = 1;
	while (!c->stop)
		burn_cpu_ms(1);
	return NULL;
}

TEST(thread_cpu_clock_of_another_thread)
{
	static struct cpu_thread c;
	pthread_t t;
	struct timespec a, b, mine0, mine1;
	c.stop = 0;
	c.ready = 0;
	CHECK_EQ(pthread_create(&t, NULL, spin_with_clock, &c), 0);
	long long deadline = now_ms(CLOCK_MONOTONIC) + WAIT_MS;
	while (!c.ready && now_ms(CLOCK_MONOTONIC) < deadline)
		;
	int r0 = clock_gettime(c.clock, &a), r1 = 0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mine0);
	/* Mostly asleep until the other thread's clock has moved 20 ms. */
	deadline = now_ms(CLOCK_MONOTONIC) + WAIT_MS;
	do {
		struct timespec nap = {0, 5 * 1000000L};
		nanosleep(&nap, NULL);
		r1 = clock_gettime(c.clock, &b);
	} while (r1 == 0 && ts_ns(&b) - ts_ns(&a) < 20000000LL && now_ms(CLOCK_MONOTONIC) < deadline);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mine1);
	c.stop = 1;
	pthread_join(t, NULL);
	CHECK_EQ(r0, 0);
	CHECK_EQ(r1, 0);
	/* Its clock counts its time, not ours: it ran, we hardly did. */
	CHECK(ts_ns(&b) - ts_ns(&a) >= 20000000LL);
	CHECK(ts_ns(&mine1) - ts_ns(&mine0) < ts_ns(&b) - ts_ns(&a));
}

TEST(clock_settime_refused_where_meaningless)
{
	struct timespec now, bad = {0, 1000000000L};
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* Only CLOCK_REALTIME is settable; these fail before touching anything. */
	CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_MONOTONIC, &now), EINVAL);
	CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_BOOTTIME, &now), EINVAL);
	CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_REALTIME, &bad), EINVAL);
	CHECK_ERRNO(syscall(SYS_clock_settime, 1234, &now), EINVAL);
}
