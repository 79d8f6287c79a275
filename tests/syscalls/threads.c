/* Threads and futexes: pthreads (create/join, mutexes, condition variables,
 * barriers, rwlocks, cancellation, robust mutexes), the futex operations
 * with and without FUTEX_PRIVATE_FLAG, timeouts and clocks, robust lists,
 * set_tid_address, shared futexes across fork, and per-thread scheduling
 * calls.
 *
 * Waiters are counted, never assumed: a test that needs N threads blocked
 * in FUTEX_WAIT moves them with FUTEX_CMP_REQUEUE (which reports how many it
 * moved) until all N are accounted for. Every wait has a timeout. */
#include "harness.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/time.h>

#define WAIT_MS 5000

static long futex(void *uaddr, int op, int val, const struct timespec *ts, void *uaddr2,
		  int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* FUTEX_CMP_REQUEUE's nr_requeue goes in the timeout slot. */
static long futex_requeue(void *uaddr, int op, int nr_wake, int nr_requeue, void *uaddr2,
			  int val3)
{
	return syscall(SYS_futex, uaddr, op, nr_wake, (long)nr_requeue, uaddr2, val3);
}

static long long elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000LL + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void add_ms(struct timespec *ts, long ms)
{
	ts->tv_nsec += (ms % 1000) * 1000000L;
	ts->tv_sec += ms / 1000 + ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

/* ---- futex, single-threaded ---- */

TEST(futex_wait_value_mismatch_eagain)
{
	int word = 1;
	struct timespec ts = {1, 0};
	CHECK_ERRNO(futex(&word, FUTEX_WAIT, 0, &ts, NULL, 0), EAGAIN);
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 2, &ts, NULL, 0), EAGAIN);
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 1), EAGAIN);
}

TEST(futex_wait_relative_timeout)
{
	int word = 0;
	struct timespec ts = {0, 30 * 1000000L}, a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0), ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(elapsed_ms(&a, &b) >= 29);
	CHECK(elapsed_ms(&a, &b) < 2000);
	/* Shared (no private flag) works the same on our own memory. */
	CHECK_ERRNO(futex(&word, FUTEX_WAIT, 0, &ts, NULL, 0), ETIMEDOUT);
	/* A zero timeout expires at once. */
	struct timespec zero = {0, 0};
	CHECK_ERRNO(futex(&word, FUTEX_WAIT, 0, &zero, NULL, 0), ETIMEDOUT);
}

TEST(futex_wait_bitset_absolute_monotonic)
{
	int word = 0;
	struct timespec dl, now;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	add_ms(&dl, 30);
	/* WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline. */
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, &dl, NULL,
			  FUTEX_BITSET_MATCH_ANY),
		    ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &now);
	CHECK(now.tv_sec > dl.tv_sec || (now.tv_sec == dl.tv_sec && now.tv_nsec >= dl.tv_nsec));
	/* A deadline in the past: at once. */
	dl.tv_sec -= 10;
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_BITSET, 0, &dl, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
}

TEST(futex_clock_realtime)
{
	int word = 0;
	struct timespec dl, now, a, b;
	clock_gettime(CLOCK_REALTIME, &dl);
	add_ms(&dl, 30);
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME | FUTEX_PRIVATE_FLAG, 0,
			  &dl, NULL, FUTEX_BITSET_MATCH_ANY),
		    ETIMEDOUT);
	clock_gettime(CLOCK_REALTIME, &now);
	CHECK(now.tv_sec > dl.tv_sec || (now.tv_sec == dl.tv_sec && now.tv_nsec >= dl.tv_nsec));
	/* A relative WAIT_BITSET timeout is impossible (it is always absolute)
	 * but a deadline already past returns at once on either clock. */
	clock_gettime(CLOCK_MONOTONIC, &a);
	dl.tv_sec -= 100;
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &dl, NULL,
			  FUTEX_BITSET_MATCH_ANY),
		    ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(elapsed_ms(&a, &b) < 1000);
}

TEST(futex_clock_realtime_only_with_wait_bitset)
{
	int word = 0;
	/* Only WAIT_BITSET (and the PI waits) take FUTEX_CLOCK_REALTIME: plain
	 * FUTEX_WAIT and FUTEX_WAKE with it are ENOSYS (Linux 6.x; the man
	 * page's "FUTEX_WAIT since 4.5" does not hold). */
	struct timespec rel = {0, 20 * 1000000L};
	CHECK_ERRNO(futex(&word, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, &rel, NULL, 0), ENOSYS);
	CHECK_ERRNO(futex(&word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), ENOSYS);
}

TEST(futex_wake_without_waiters)
{
	int w[2] = {0, 0};
	CHECK_EQ(futex(&w[0], FUTEX_WAKE, 1, NULL, NULL, 0), 0);
	CHECK_EQ(futex(&w[0], FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 0);
	CHECK_EQ(futex(&w[0], FUTEX_WAKE_BITSET, 1, NULL, NULL, 0xff), 0);
	CHECK_EQ(futex_requeue(&w[0], FUTEX_REQUEUE_PRIVATE, 1, 1, &w[1], 0), 0);
	CHECK_EQ(futex_requeue(&w[0], FUTEX_CMP_REQUEUE, 1, 1, &w[1], 0), 0);
}

TEST(futex_cmp_requeue_mismatch_eagain)
{
	int a = 5, b = 0;
	CHECK_ERRNO(futex_requeue(&a, FUTEX_CMP_REQUEUE, 1, 1, &b, 4), EAGAIN);
	CHECK_ERRNO(futex_requeue(&a, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &b, 6), EAGAIN);
	CHECK_EQ(futex_requeue(&a, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &b, 5), 0);
	/* Negative counts are invalid. */
	CHECK_ERRNO(futex_requeue(&a, FUTEX_CMP_REQUEUE, -1, 1, &b, 5), EINVAL);
	CHECK_ERRNO(futex_requeue(&a, FUTEX_CMP_REQUEUE, 1, -1, &b, 5), EINVAL);
}

TEST(futex_wake_op_updates_second_word)
{
	int a = 0, b = 5;
	/* b += 3 (old value 5 compared EQ 5; nobody waits anywhere). */
	CHECK_EQ(futex_requeue(&a, FUTEX_WAKE_OP_PRIVATE, 1, 1, &b,
			       FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 5)),
		 0);
	CHECK_EQ(b, 8);
	CHECK_EQ(futex_requeue(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(FUTEX_OP_SET, 100, FUTEX_OP_CMP_LT, 0)),
		 0);
	CHECK_EQ(b, 100);
	CHECK_EQ(futex_requeue(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(FUTEX_OP_OR, 0x3, FUTEX_OP_CMP_NE, 0)),
		 0);
	CHECK_EQ(b, 103);
	CHECK_EQ(futex_requeue(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(FUTEX_OP_ANDN, 0x1, FUTEX_OP_CMP_GE, 0)),
		 0);
	CHECK_EQ(b, 102);
	CHECK_EQ(futex_requeue(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(FUTEX_OP_XOR, 0xff, FUTEX_OP_CMP_GT, 0)),
		 0);
	CHECK_EQ(b, 102 ^ 0xff);
	/* FUTEX_OP_OPARG_SHIFT: the operand is 1 << oparg. */
	b = 0;
	CHECK_EQ(futex_requeue(&a, FUTEX_WAKE_OP, 1, 1, &b,
			       FUTEX_OP((FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_EQ, 0)),
		 0);
	CHECK_EQ(b, 16);
	/* An unknown operation is ENOSYS, and b is left alone. */
	CHECK_ERRNO(futex_requeue(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(7, 1, FUTEX_OP_CMP_EQ, 0)),
		    ENOSYS);
	CHECK_EQ(b, 16);
}

TEST(futex_bitset_zero_einval)
{
	int word = 0;
	struct timespec ts = {0, 1000000};
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_BITSET, 0, &ts, NULL, 0), EINVAL);
	CHECK_ERRNO(futex(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0), EINVAL);
}

TEST(futex_invalid_arguments)
{
	int words[2] = {0, 0};
	struct timespec bad = {0, 1000000000L}, neg = {-1, 0};
	/* Unaligned. */
	CHECK_ERRNO(futex((char *)words + 1, FUTEX_WAIT, 0, NULL, NULL, 0), EINVAL);
	CHECK_ERRNO(futex((char *)words + 1, FUTEX_WAKE, 1, NULL, NULL, 0), EINVAL);
	/* Unknown command. */
	CHECK_ERRNO(futex(words, 99, 0, NULL, NULL, 0), ENOSYS);
	/* Bad timeouts. */
	CHECK_ERRNO(futex(words, FUTEX_WAIT, 0, &bad, NULL, 0), EINVAL);
	CHECK_ERRNO(futex(words, FUTEX_WAIT, 0, &neg, NULL, 0), EINVAL);
	CHECK_ERRNO(futex(words, FUTEX_WAIT, 0, (struct timespec *)1, NULL, 0), EFAULT);
	/* Unmapped futex word. */
	CHECK_ERRNO(futex((void *)8, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT);
	CHECK_ERRNO(futex_requeue(words, FUTEX_CMP_REQUEUE, 1, 1, (void *)8, 0), EFAULT);
}

/* PI futexes may be missing in the sandbox: each operation either works as
 * on Linux or fails with some errno, never succeeds wrongly. */
TEST(futex_pi_works_or_fails_cleanly)
{
	int word = 0;
	long r = futex(&word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	if (r == 0) {
		CHECK_EQ(word & FUTEX_TID_MASK, gettid());
		/* Held by us: trylock fails with EDEADLK. */
		CHECK_ERRNO(futex(&word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0), EDEADLK);
		CHECK_OK(futex(&word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
		CHECK_EQ(word, 0);
		CHECK_OK(futex(&word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
		CHECK_EQ(word & FUTEX_TID_MASK, gettid());
		CHECK_OK(futex(&word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
		/* Not ours to unlock. */
		word = 1;
		CHECK_ERRNO(futex(&word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0), EPERM);
	} else {
		CHECK_EQ(r, -1);
		CHECK(errno > 0 && errno < 4096);
		CHECK_EQ(word, 0);
	}
}

TEST(set_robust_list_arguments)
{
	struct robust_list_head *head = NULL;
	size_t len = 0;
	/* glibc registered one per thread at start-up. */
	CHECK_OK(syscall(SYS_get_robust_list, 0, &head, &len));
	CHECK(head != NULL);
	CHECK_EQ(len, sizeof(struct robust_list_head));
	CHECK_ERRNO(syscall(SYS_set_robust_list, head, len + 1), EINVAL);
	CHECK_ERRNO(syscall(SYS_set_robust_list, head, 0), EINVAL);
	CHECK_OK(syscall(SYS_set_robust_list, head, len));
	CHECK_ERRNO(syscall(SYS_get_robust_list, 0x3fffffff, &head, &len), ESRCH);
}

TEST(cond_timedwait_times_out)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec dl, a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_REALTIME, &dl);
	add_ms(&dl, 30);
	CHECK_EQ(pthread_mutex_lock(&m), 0);
	CHECK_EQ(pthread_cond_timedwait(&c, &m, &dl), ETIMEDOUT);
	CHECK_EQ(pthread_mutex_unlock(&m), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(elapsed_ms(&a, &b) >= 25);
}

TEST(mutex_trylock_and_errorcheck)
{
	pthread_mutex_t m;
	pthread_mutexattr_t at;
	CHECK_EQ(pthread_mutexattr_init(&at), 0);
	CHECK_EQ(pthread_mutexattr_settype(&at, PTHREAD_MUTEX_ERRORCHECK), 0);
	CHECK_EQ(pthread_mutex_init(&m, &at), 0);
	CHECK_EQ(pthread_mutex_lock(&m), 0);
	CHECK_EQ(pthread_mutex_trylock(&m), EBUSY);
	CHECK_EQ(pthread_mutex_lock(&m), EDEADLK);
	CHECK_EQ(pthread_mutex_unlock(&m), 0);
	CHECK_EQ(pthread_mutex_unlock(&m), EPERM);
	CHECK_EQ(pthread_mutex_destroy(&m), 0);
}

/* ---- threads ---- */

static void *return_arg_plus_one(void *arg)
{
	return (void *)((intptr_t)arg + 1);
}

TEST(pthread_create_join)
{
	pthread_t t;
	void *ret = NULL;
	CHECK_EQ(pthread_create(&t, NULL, return_arg_plus_one, (void *)41), 0);
	CHECK_EQ(pthread_join(t, &ret), 0);
	CHECK_EQ((intptr_t)ret, 42);
}

struct ids {
	pid_t tid, pid;
	int tls_seen;
};
static __thread int tls_value = 7;

static void *record_ids(void *arg)
{
	struct ids *id = arg;
	id->tid = gettid();
	id->pid = getpid();
	id->tls_seen = tls_value;
	tls_value = id->tid; /* our own copy only */
	return NULL;
}

TEST(gettid_distinct_per_thread_and_tls)
{
	pthread_t t[8];
	struct ids id[8];
	tls_value = 99;
	for (int i = 0; i < 8; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, record_ids, &id[i]), 0);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < 8; i++) {
		CHECK_EQ(id[i].pid, getpid());
		CHECK(id[i].tid != getpid());
		CHECK(id[i].tid > 0);
		/* Each thread starts with the initial TLS image, not our value. */
		CHECK_EQ(id[i].tls_seen, 7);
		for (int j = 0; j < i; j++)
			CHECK(id[i].tid != id[j].tid);
	}
	CHECK_EQ(tls_value, 99);
	CHECK_EQ(gettid(), getpid());
}

static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *increment(void *arg)
{
	long n = (long)(intptr_t)arg;
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&count_lock);
		counter++;
		pthread_mutex_unlock(&count_lock);
	}
	return NULL;
}

TEST(mutex_sixteen_threads)
{
	pthread_t t[16];
	counter = 0;
	for (int i = 0; i < 16; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, increment, (void *)20000), 0);
	for (int i = 0; i < 16; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	CHECK_EQ(counter, 16 * 20000);
}

TEST(many_short_threads)
{
	for (int round = 0; round < 4; round++) {
		pthread_t t[64];
		for (int i = 0; i < 64; i++)
			CHECK_EQ(pthread_create(&t[i], NULL, return_arg_plus_one, (void *)(intptr_t)i), 0);
		for (int i = 0; i < 64; i++) {
			void *r;
			CHECK_EQ(pthread_join(t[i], &r), 0);
			CHECK_EQ((intptr_t)r, i + 1);
		}
	}
}

struct queue {
	pthread_mutex_t m;
	pthread_cond_t nonempty, nonfull;
	int items[4], head, len;
	long sum;
};

static void *consume(void *arg)
{
	struct queue *q = arg;
	for (;;) {
		pthread_mutex_lock(&q->m);
		while (q->len == 0)
			pthread_cond_wait(&q->nonempty, &q->m);
		int v = q->items[q->head];
		q->head = (q->head + 1) % 4;
		q->len--;
		pthread_cond_signal(&q->nonfull);
		pthread_mutex_unlock(&q->m);
		if (v < 0)
			return NULL;
		__atomic_add_fetch(&q->sum, v, __ATOMIC_SEQ_CST);
	}
}

static void put(struct queue *q, int v)
{
	pthread_mutex_lock(&q->m);
	while (q->len == 4)
		pthread_cond_wait(&q->nonfull, &q->m);
	q->items[(q->head + q->len) % 4] = v;
	q->len++;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->m);
}

TEST(condvar_producer_consumers)
{
	static struct queue q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
				 PTHREAD_COND_INITIALIZER, {0}, 0, 0, 0};
	pthread_t t[4];
	q.sum = 0;
	for (int i = 0; i < 4; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, consume, &q), 0);
	for (int i = 1; i <= 5000; i++)
		put(&q, i);
	for (int i = 0; i < 4; i++)
		put(&q, -1);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	CHECK_EQ(q.sum, 5000L * 5001 / 2);
}

struct gate {
	pthread_mutex_t m;
	pthread_cond_t c;
	int open, waiting;
};

static void *wait_gate(void *arg)
{
	struct gate *g = arg;
	pthread_mutex_lock(&g->m);
	g->waiting++;
	while (!g->open)
		pthread_cond_wait(&g->c, &g->m);
	pthread_mutex_unlock(&g->m);
	return NULL;
}

TEST(condvar_broadcast_wakes_all)
{
	static struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	pthread_t t[8];
	long long deadline = h_now_ms() + WAIT_MS;
	g.open = g.waiting = 0;
	for (int i = 0; i < 8; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, wait_gate, &g), 0);
	for (;;) {
		pthread_mutex_lock(&g.m);
		int n = g.waiting;
		pthread_mutex_unlock(&g.m);
		if (n == 8)
			break;
		if (h_now_ms() > deadline) {
			pthread_mutex_lock(&g.m);
			g.open = 1;
			pthread_cond_broadcast(&g.c);
			pthread_mutex_unlock(&g.m);
			for (int i = 0; i < 8; i++)
				pthread_join(t[i], NULL);
			CHECK(!"threads never reached the condition variable");
		}
		sleep_ms(1);
	}
	pthread_mutex_lock(&g.m);
	g.open = 1;
	CHECK_EQ(pthread_cond_broadcast(&g.c), 0);
	pthread_mutex_unlock(&g.m);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
}

static pthread_barrier_t barrier;
static volatile int before_barrier;

static void *barrier_worker(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&before_barrier, 1, __ATOMIC_SEQ_CST);
	int r = pthread_barrier_wait(&barrier);
	/* Past the barrier, everyone has arrived. */
	if (__atomic_load_n(&before_barrier, __ATOMIC_SEQ_CST) != 8)
		return (void *)1;
	return (void *)(intptr_t)(r == PTHREAD_BARRIER_SERIAL_THREAD ? 2 : 0);
}

TEST(barrier_eight_threads)
{
	pthread_t t[8];
	int serial = 0;
	before_barrier = 0;
	CHECK_EQ(pthread_barrier_init(&barrier, NULL, 8), 0);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, barrier_worker, NULL), 0);
	for (int i = 0; i < 8; i++) {
		void *r;
		CHECK_EQ(pthread_join(t[i], &r), 0);
		CHECK((intptr_t)r != 1);
		serial += (intptr_t)r == 2;
	}
	CHECK_EQ(serial, 1);
	CHECK_EQ(pthread_barrier_destroy(&barrier), 0);
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long rw_value;

static void *rw_worker(void *arg)
{
	int writer = (intptr_t)arg & 1;
	for (int i = 0; i < 2000; i++) {
		if (writer) {
			pthread_rwlock_wrlock(&rw);
			long v = rw_value;
			rw_value = v + 1;
			pthread_rwlock_unlock(&rw);
		} else {
			pthread_rwlock_rdlock(&rw);
			long v1 = rw_value;
			sched_yield();
			long v2 = rw_value;
			pthread_rwlock_unlock(&rw);
			if (v1 != v2)
				return (void *)1;
		}
	}
	return NULL;
}

TEST(rwlock_readers_and_writers)
{
	pthread_t t[8];
	rw_value = 0;
	for (int i = 0; i < 8; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, rw_worker, (void *)(intptr_t)i), 0);
	for (int i = 0; i < 8; i++) {
		void *r;
		CHECK_EQ(pthread_join(t[i], &r), 0);
		CHECK(r == NULL);
	}
	CHECK_EQ(rw_value, 4 * 2000);
}

static void *block_in_nanosleep(void *arg)
{
	(void)arg;
	for (;;)
		sleep_ms(1000);
	return NULL;
}

TEST(pthread_cancel_blocked_thread)
{
	pthread_t t;
	void *r = NULL;
	CHECK_EQ(pthread_create(&t, NULL, block_in_nanosleep, NULL), 0);
	sleep_ms(10);
	/* Cancellation is a signal (SIGCANCEL) whose handler unwinds the thread. */
	CHECK_EQ(pthread_cancel(t), 0);
	CHECK_EQ(pthread_join(t, &r), 0);
	CHECK(r == PTHREAD_CANCELED);
}

/* 1 once tgkill(tid, 0) says ESRCH (within 5 s). */
static int gone_soon(pid_t tid)
{
	long long deadline = h_now_ms() + WAIT_MS;
	while (h_now_ms() < deadline) {
		if (syscall(SYS_tgkill, getpid(), tid, 0) < 0 && errno == ESRCH)
			return 1;
		sleep_ms(1);
	}
	return 0;
}

static void *short_lived(void *arg)
{
	*(pid_t *)arg = gettid();
	return NULL;
}

TEST(exited_thread_tid_is_gone)
{
	pthread_t t;
	pid_t tid = 0;
	CHECK_EQ(pthread_create(&t, NULL, short_lived, &tid), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK(tid > 0);
	/* pthread_join returns when the kernel clears the tid word, a moment
	 * before the thread is gone for good. */
	CHECK(gone_soon(tid));
	CHECK_OK(syscall(SYS_tgkill, getpid(), gettid(), 0));
}

/* ---- futex between threads ---- */

struct waiter {
	int *word;
	int op;
	int val;
	int bitset;
	long result;
	int err;
};

static void *futex_waiter(void *arg)
{
	struct waiter *w = arg;
	struct timespec ts = {WAIT_MS / 1000, 0};
	if (w->op == FUTEX_WAIT_BITSET || w->op == (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += WAIT_MS / 1000;
	}
	w->result = futex(w->word, w->op, w->val, &ts, NULL, w->bitset);
	w->err = errno;
	return NULL;
}

/* Moves waiters from a to b with CMP_REQUEUE until n have been moved;
 * returns how many were (n unless time ran out). */
static int gather(int *a, int *b, int n, int private)
{
	int moved = 0;
	long long deadline = h_now_ms() + WAIT_MS;
	int op = FUTEX_CMP_REQUEUE | (private ? FUTEX_PRIVATE_FLAG : 0);
	while (moved < n && h_now_ms() < deadline) {
		long r = futex_requeue(a, op, 0, INT_MAX, b, *a);
		if (r > 0)
			moved += r;
		else
			sleep_ms(1);
	}
	return moved;
}

/* Starts n waiters on word (FUTEX_WAIT, expected value 0). */
static int start_waiters(pthread_t *t, struct waiter *w, int n, int *word, int op, int bitset)
{
	for (int i = 0; i < n; i++) {
		w[i] = (struct waiter){word, op, 0, bitset, -2, 0};
		if (pthread_create(&t[i], NULL, futex_waiter, &w[i]))
			return -1;
	}
	return 0;
}

static void join_all(pthread_t *t, int n)
{
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/* Spurious wakeups are allowed: the kernel then queues the waiter again on
 * the word it first waited on. After gathering, the scenarios below set
 * that word to 1, so such a waiter returns EAGAIN instead, and the scenario
 * is tried again (the counts it checks assume no spurious wakeup). */
static int spurious;

static int any_spurious(const struct waiter *w, int n)
{
	for (int i = 0; i < n; i++)
		if (w[i].result == -1 && w[i].err == EAGAIN)
			return 1;
	return 0;
}

#define RETRY_IF_SPURIOUS(scenario)                                           \
	do {                                                                  \
		for (int try_ = 0; try_ < 5; try_++) {                        \
			spurious = 0;                                         \
			scenario();                                           \
			if (h_failed || !spurious)                            \
				return;                                       \
		}                                                             \
		CHECK(!"spurious futex wakeups in 5 attempts");               \
	} while (0)

static void wake_one_thread(void)
{
	static int a, b;
	pthread_t t[1];
	struct waiter w[1];
	a = b = 0;
	CHECK_OK(start_waiters(t, w, 1, &a, FUTEX_WAIT_PRIVATE, 0));
	int moved = gather(&a, &b, 1, 1);
	a = 1;
	/* Wake (on b) before checking, so the thread never outlives the case. */
	long woke = futex(&b, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	join_all(t, 1);
	if (any_spurious(w, 1) || moved > 1) {
		spurious = 1;
		return;
	}
	CHECK_EQ(moved, 1);
	CHECK_EQ(woke, 1);
	CHECK_EQ(w[0].result, 0);
}

TEST(futex_wake_one_thread)
{
	RETRY_IF_SPURIOUS(wake_one_thread);
}

static int wake_counts_private;
static void wake_counts(void)
{
	static int a, b;
	pthread_t t[4];
	struct waiter w[4];
	int private = wake_counts_private;
	int pf = private ? FUTEX_PRIVATE_FLAG : 0;
	a = b = 0;
	CHECK_OK(start_waiters(t, w, 4, &a, FUTEX_WAIT | pf, 0));
	int moved = gather(&a, &b, 4, private);
	a = 1;
	long one = futex(&b, FUTEX_WAKE | pf, 1, NULL, NULL, 0);
	long two = futex(&b, FUTEX_WAKE | pf, 2, NULL, NULL, 0);
	long rest = futex(&b, FUTEX_WAKE | pf, INT_MAX, NULL, NULL, 0);
	long more = futex(&a, FUTEX_WAKE | pf, INT_MAX, NULL, NULL, 0);
	join_all(t, 4);
	if (any_spurious(w, 4) || moved > 4) {
		spurious = 1;
		return;
	}
	CHECK_EQ(moved, 4);
	CHECK_EQ(one, 1);
	CHECK_EQ(two, 2);
	CHECK_EQ(rest, 1);
	CHECK_EQ(more, 0);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(w[i].result, 0);
}

TEST(futex_wake_counts_shared)
{
	wake_counts_private = 0;
	RETRY_IF_SPURIOUS(wake_counts);
}

TEST(futex_wake_counts_private)
{
	wake_counts_private = 1;
	RETRY_IF_SPURIOUS(wake_counts);
}

static void requeue_wakes_and_moves(void)
{
	static int a, b, c;
	pthread_t t[4];
	struct waiter w[4];
	a = b = c = 0;
	CHECK_OK(start_waiters(t, w, 4, &a, FUTEX_WAIT_PRIVATE, 0));
	int moved = gather(&a, &b, 4, 1);
	a = 1;
	/* Wake 1 on b, move 2 to c: 3 "woken or requeued"; 1 stays on b. */
	long r = futex_requeue(&b, FUTEX_REQUEUE_PRIVATE, 1, 2, &c, 0);
	long on_c = futex(&c, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	long on_b = futex(&b, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	futex(&a, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	join_all(t, 4);
	if (any_spurious(w, 4) || moved > 4) {
		spurious = 1;
		return;
	}
	CHECK_EQ(moved, 4);
	CHECK_EQ(r, 3);
	CHECK_EQ(on_c, 2);
	CHECK_EQ(on_b, 1);
}

TEST(futex_requeue_wakes_and_moves)
{
	RETRY_IF_SPURIOUS(requeue_wakes_and_moves);
}

static void cmp_requeue_with_waiters(void)
{
	static int a, b, c;
	pthread_t t[3];
	struct waiter w[3];
	a = b = c = 0;
	CHECK_OK(start_waiters(t, w, 3, &a, FUTEX_WAIT, 0));
	int moved = gather(&a, &b, 3, 0);
	a = 1;
	b = 9;
	/* The value check comes first: nothing moves on a mismatch. */
	long bad = futex_requeue(&b, FUTEX_CMP_REQUEUE, 1, 1, &c, 8);
	int bad_errno = errno;
	long good = futex_requeue(&b, FUTEX_CMP_REQUEUE, 1, 1, &c, 9);
	long on_c = futex(&c, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	long on_b = futex(&b, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	futex(&a, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	join_all(t, 3);
	if (any_spurious(w, 3) || moved > 3) {
		spurious = 1;
		return;
	}
	CHECK_EQ(moved, 3);
	CHECK_EQ(bad, -1);
	CHECK_EQ(bad_errno, EAGAIN);
	CHECK_EQ(good, 2);
	CHECK_EQ(on_c, 1);
	CHECK_EQ(on_b, 1);
}

TEST(futex_cmp_requeue_with_waiters)
{
	RETRY_IF_SPURIOUS(cmp_requeue_with_waiters);
}

static void wake_op_with_waiters(void)
{
	static int a, b, park, empty;
	pthread_t t[2];
	struct waiter w[2];
	a = b = park = empty = 0;
	/* X waits on a, Y on b; then X is moved to park and Y to a. */
	w[0] = (struct waiter){&a, FUTEX_WAIT_PRIVATE, 0, 0, -2, 0};
	w[1] = (struct waiter){&b, FUTEX_WAIT_PRIVATE, 0, 0, -2, 0};
	CHECK_EQ(pthread_create(&t[0], NULL, futex_waiter, &w[0]), 0);
	CHECK_EQ(pthread_create(&t[1], NULL, futex_waiter, &w[1]), 0);
	int gx = gather(&a, &park, 1, 1);
	int gy = gather(&b, &a, 1, 1);
	b = 1;
	a = 5;
	/* a = 1; old a (5) > 5 is false: a's waiter stays; nobody on empty.
	 * (nr_wake 0 would still wake one on Linux: the count is checked after
	 * each wake.) */
	long r1 = futex_requeue(&empty, FUTEX_WAKE_OP_PRIVATE, 1, 1, &a,
				FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_GT, 5));
	int a_after_r1 = a;
	/* a = 2; old a (1) == 1 is true: one woken on park and one on a. */
	long r2 = futex_requeue(&park, FUTEX_WAKE_OP_PRIVATE, 1, 1, &a,
				FUTEX_OP(FUTEX_OP_SET, 2, FUTEX_OP_CMP_EQ, 1));
	futex(&park, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	futex(&a, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	futex(&b, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	join_all(t, 2);
	if (any_spurious(w, 2) || gx > 1 || gy > 1) {
		spurious = 1;
		return;
	}
	CHECK_EQ(gx, 1);
	CHECK_EQ(gy, 1);
	CHECK_EQ(r1, 0);
	CHECK_EQ(a_after_r1, 1);
	CHECK_EQ(r2, 2);
	CHECK_EQ(a, 2);
	CHECK_EQ(w[0].result, 0);
	CHECK_EQ(w[1].result, 0);
}

TEST(futex_wake_op_wakes_second_on_condition)
{
	RETRY_IF_SPURIOUS(wake_op_with_waiters);
}

static void bitset_selects(void)
{
	static int a, b;
	pthread_t t[2];
	struct waiter w[2];
	a = b = 0;
	w[0] = (struct waiter){&a, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, 0x1, -2, 0};
	w[1] = (struct waiter){&a, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, 0x2, -2, 0};
	CHECK_EQ(pthread_create(&t[0], NULL, futex_waiter, &w[0]), 0);
	CHECK_EQ(pthread_create(&t[1], NULL, futex_waiter, &w[1]), 0);
	/* Requeueing keeps each waiter's bitset. */
	int moved = gather(&a, &b, 2, 1);
	a = 1;
	long none = futex(&b, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0x4);
	long second = futex(&b, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0x2);
	int first_still_waiting = w[0].result == -2;
	long first = futex(&b, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL,
			   FUTEX_BITSET_MATCH_ANY);
	join_all(t, 2);
	if (any_spurious(w, 2) || moved > 2) {
		spurious = 1;
		return;
	}
	CHECK_EQ(moved, 2);
	CHECK_EQ(none, 0);
	CHECK_EQ(second, 1);
	CHECK(first_still_waiting);
	CHECK_EQ(first, 1);
	CHECK_EQ(w[0].result, 0);
	CHECK_EQ(w[1].result, 0);
}

TEST(futex_bitset_selects_waiters)
{
	RETRY_IF_SPURIOUS(bitset_selects);
}

static void plain_wait_any_bitset(void)
{
	static int a, b;
	pthread_t t[1];
	struct waiter w[1];
	a = b = 0;
	/* A plain FUTEX_WAIT waits with all bits: WAKE_BITSET of any bit finds it. */
	CHECK_OK(start_waiters(t, w, 1, &a, FUTEX_WAIT_PRIVATE, 0));
	int moved = gather(&a, &b, 1, 1);
	a = 1;
	long r = futex(&b, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0x80);
	futex(&b, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	join_all(t, 1);
	if (any_spurious(w, 1) || moved > 1) {
		spurious = 1;
		return;
	}
	CHECK_EQ(moved, 1);
	CHECK_EQ(r, 1);
}

TEST(futex_wait_woken_by_wake_bitset_any_bit)
{
	RETRY_IF_SPURIOUS(plain_wait_any_bitset);
}

/* ---- robust lists and clear-child-tid ---- */

static pthread_mutex_t robust;
static void *lock_and_die(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust);
	return NULL; /* exits holding it */
}

TEST(robust_mutex_owner_died_thread)
{
	pthread_mutexattr_t at;
	pthread_t t;
	CHECK_EQ(pthread_mutexattr_init(&at), 0);
	CHECK_EQ(pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST), 0);
	CHECK_EQ(pthread_mutex_init(&robust, &at), 0);
	CHECK_EQ(pthread_create(&t, NULL, lock_and_die, NULL), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	/* The kernel walked the dead thread's robust list: FUTEX_OWNER_DIED. */
	CHECK_EQ(pthread_mutex_lock(&robust), EOWNERDEAD);
	CHECK_EQ(pthread_mutex_consistent(&robust), 0);
	CHECK_EQ(pthread_mutex_unlock(&robust), 0);
	CHECK_EQ(pthread_mutex_lock(&robust), 0);
	CHECK_EQ(pthread_mutex_unlock(&robust), 0);
}

TEST(robust_mutex_owner_died_process)
{
	pthread_mutexattr_t at;
	pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
				  0);
	int status;
	CHECK(m != MAP_FAILED);
	CHECK_EQ(pthread_mutexattr_init(&at), 0);
	CHECK_EQ(pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST), 0);
	CHECK_EQ(pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED), 0);
	CHECK_EQ(pthread_mutex_init(m, &at), 0);
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(pthread_mutex_lock(m) == 0 ? 0 : 1);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK_EQ(pthread_mutex_lock(m), EOWNERDEAD);
	CHECK_EQ(pthread_mutex_consistent(m), 0);
	CHECK_EQ(pthread_mutex_unlock(m), 0);
	munmap(m, 4096);
}

static pthread_mutex_t robust_unrecovered;
static void *lock_and_die2(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust_unrecovered);
	return NULL;
}

TEST(robust_mutex_not_made_consistent_is_unrecoverable)
{
	pthread_mutexattr_t at;
	pthread_t t;
	CHECK_EQ(pthread_mutexattr_init(&at), 0);
	CHECK_EQ(pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST), 0);
	CHECK_EQ(pthread_mutex_init(&robust_unrecovered, &at), 0);
	CHECK_EQ(pthread_create(&t, NULL, lock_and_die2, NULL), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(pthread_mutex_lock(&robust_unrecovered), EOWNERDEAD);
	CHECK_EQ(pthread_mutex_unlock(&robust_unrecovered), 0);
	CHECK_EQ(pthread_mutex_lock(&robust_unrecovered), ENOTRECOVERABLE);
}

static int clear_word;
static void *set_clear_word(void *arg)
{
	(void)arg;
	clear_word = gettid();
	/* Replace glibc's own clear-child-tid address with ours, then leave
	 * without glibc's exit path (which would wait for its own word). */
	syscall(SYS_set_tid_address, &clear_word);
	sleep_ms(20);
	syscall(SYS_exit, 0);
	return NULL;
}

TEST(set_tid_address_cleared_and_woken_at_exit)
{
	pthread_t t;
	clear_word = 0;
	CHECK_EQ(pthread_create(&t, NULL, set_clear_word, NULL), 0);
	/* Never joined: glibc's tid word is not the one the kernel clears. The
	 * thread's stack is leaked on purpose (it is never marked free). */
	long long deadline = h_now_ms() + WAIT_MS;
	while (__atomic_load_n(&clear_word, __ATOMIC_SEQ_CST) == 0 && h_now_ms() < deadline)
		sleep_ms(1);
	int v = __atomic_load_n(&clear_word, __ATOMIC_SEQ_CST);
	pid_t tid = v;
	CHECK(v > 0);
	/* Sleep on it as pthread_join would: the exit writes 0 and wakes us. */
	int waits = 0;
	while (v != 0 && h_now_ms() < deadline) {
		struct timespec ts = {1, 0};
		long r = futex(&clear_word, FUTEX_WAIT, v, &ts, NULL, 0);
		CHECK(r == 0 || errno == EAGAIN);
		waits++;
		v = __atomic_load_n(&clear_word, __ATOMIC_SEQ_CST);
	}
	CHECK_EQ(v, 0);
	CHECK(waits >= 1);
	CHECK(gone_soon(tid));
}

/* ---- shared futexes across processes ---- */

static void shared_futex_child(volatile int *word)
{
	struct timespec ts = {WAIT_MS / 1000, 0};
	while (*word == 0) {
		long r = futex((void *)word, FUTEX_WAIT, 0, &ts, NULL, 0);
		if (r < 0 && errno == ETIMEDOUT)
			_exit(1);
	}
	_exit(*word == 7 ? 0 : 2);
}

TEST(futex_shared_anonymous_across_fork)
{
	int status;
	volatile int *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	CHECK(word != MAP_FAILED);
	*word = 0;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		shared_futex_child(word);
	/* Set the value first: a child still on its way to the wait then sees it. */
	long woken = 0;
	long long deadline = h_now_ms() + WAIT_MS;
	while (woken == 0 && h_now_ms() < deadline) {
		/* Count the waiter without waking it: requeue onto itself. */
		woken = futex_requeue((void *)word, FUTEX_CMP_REQUEUE, 0, INT_MAX, (void *)word, 0);
		if (woken == 0)
			sleep_ms(1);
	}
	*word = 7;
	long r = futex((void *)word, FUTEX_WAKE, 1, NULL, NULL, 0);
	CHECK_EQ(woken, 1);
	CHECK_EQ(r, 1);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	munmap((void *)word, 4096);
}

TEST(futex_shared_file_mapping_across_fork)
{
	int status, fd = open("futex-file", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_OK(ftruncate(fd, 4096));
	volatile int *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(word != MAP_FAILED);
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* The child maps the file on its own: a different address. */
		volatile int *mine = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (mine == MAP_FAILED)
			_exit(3);
		shared_futex_child(mine);
	}
	long r = 0;
	long long deadline = h_now_ms() + WAIT_MS;
	while (r == 0 && h_now_ms() < deadline) {
		r = futex_requeue((void *)word, FUTEX_CMP_REQUEUE, 0, INT_MAX, (void *)word, 0);
		if (r == 0)
			sleep_ms(1);
	}
	*word = 7;
	long woke = futex((void *)word, FUTEX_WAKE, 1, NULL, NULL, 0);
	CHECK_EQ(r, 1);
	CHECK_EQ(woke, 1);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	munmap((void *)word, 4096);
}

TEST(futex_private_does_not_cross_processes)
{
	int status;
	volatile int *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	CHECK(word != MAP_FAILED);
	*word = 0;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct timespec ts = {0, 300 * 1000000L};
		long r = futex((void *)word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
		_exit(r < 0 && errno == ETIMEDOUT ? 0 : 1);
	}
	/* Our private wakes cannot reach a waiter in another process. */
	long total = 0;
	for (int i = 0; i < 50; i++) {
		total += futex((void *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
		sleep_ms(2);
	}
	CHECK_EQ(total, 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	munmap((void *)word, 4096);
}

/* ---- scheduling calls from threads ---- */

struct sched_report {
	int ok;
	int cpu;
	int nice;
	char why[64];
};

static void *sched_thread(void *arg)
{
	struct sched_report *r = arg;
	cpu_set_t set, one;
	unsigned cpu = 99, node = 99;
	r->ok = 0;
	if (sched_yield() != 0) {
		snprintf(r->why, sizeof r->why, "sched_yield");
		return NULL;
	}
	if (sched_getaffinity(0, sizeof set, &set) < 0 || CPU_COUNT(&set) < 1) {
		snprintf(r->why, sizeof r->why, "sched_getaffinity");
		return NULL;
	}
	int first = -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set)) {
			first = i;
			break;
		}
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	if (sched_setaffinity(0, sizeof one, &one) < 0) {
		snprintf(r->why, sizeof r->why, "sched_setaffinity");
		return NULL;
	}
	sched_yield();
	if (syscall(SYS_getcpu, &cpu, &node, NULL) < 0) {
		snprintf(r->why, sizeof r->why, "getcpu");
		return NULL;
	}
	r->cpu = (int)cpu == first ? 1 : 0;
	/* nice is per thread: raise ours only. */
	if (setpriority(PRIO_PROCESS, 0, 5) < 0) {
		snprintf(r->why, sizeof r->why, "setpriority");
		return NULL;
	}
	errno = 0;
	r->nice = getpriority(PRIO_PROCESS, 0);
	r->ok = 1;
	return NULL;
}

TEST(sched_calls_from_thread)
{
	pthread_t t;
	struct sched_report r = {0, 0, 0, ""};
	cpu_set_t before, after;
	int my_nice;
	CHECK_OK(sched_getaffinity(0, sizeof before, &before));
	errno = 0;
	my_nice = getpriority(PRIO_PROCESS, 0);
	CHECK_EQ(pthread_create(&t, NULL, sched_thread, &r), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	if (!r.ok)
		CHECK_STREQ(r.why, "");
	CHECK_EQ(r.cpu, 1);
	CHECK_EQ(r.nice, 5);
	/* Neither the thread's affinity nor its nice value leaked to us. */
	CHECK_OK(sched_getaffinity(0, sizeof after, &after));
	CHECK(CPU_EQUAL(&before, &after));
	errno = 0;
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), my_nice);
}

struct tid_target {
	volatile int stop;
	volatile pid_t tid;
};

static void *other_tid_target(void *arg)
{
	struct tid_target *tt = arg;
	tt->tid = gettid();
	while (!tt->stop)
		sleep_ms(1);
	return NULL;
}

TEST(sched_and_priority_by_tid)
{
	static struct tid_target tt;
	pthread_t t;
	struct sched_param sp;
	cpu_set_t set;
	tt.stop = 0;
	tt.tid = 0;
	CHECK_EQ(pthread_create(&t, NULL, other_tid_target, &tt), 0);
	long long deadline = h_now_ms() + WAIT_MS;
	while (!tt.tid && h_now_ms() < deadline)
		sleep_ms(1);
	pid_t tid = tt.tid;
	int ok_aff = sched_getaffinity(tid, sizeof set, &set) == 0 && CPU_COUNT(&set) >= 1;
	int ok_param = sched_getparam(tid, &sp) == 0 && sp.sched_priority == 0;
	int policy = sched_getscheduler(tid);
	int ok_set = setpriority(PRIO_PROCESS, tid, 3) == 0;
	errno = 0;
	int prio = getpriority(PRIO_PROCESS, tid);
	tt.stop = 1;
	CHECK_EQ(pthread_join(t, NULL), 0);
	/* Calls that take a tid act on that thread. */
	CHECK(tid > 0);
	CHECK(ok_aff);
	CHECK(ok_param);
	CHECK_EQ(policy, SCHED_OTHER);
	CHECK(ok_set);
	CHECK_EQ(prio, 3);
	/* Gone once fully exited (join returns a little before that). */
	CHECK(gone_soon(tid));
}

TEST(sched_queries_and_errors)
{
	struct sched_param sp = {0};
	cpu_set_t set;
	CHECK_EQ(sched_get_priority_max(SCHED_OTHER), 0);
	CHECK_EQ(sched_get_priority_min(SCHED_OTHER), 0);
	CHECK_EQ(sched_get_priority_max(SCHED_FIFO), 99);
	CHECK_EQ(sched_get_priority_min(SCHED_FIFO), 1);
	CHECK_EQ(sched_get_priority_max(SCHED_RR), 99);
	CHECK_ERRNO(sched_get_priority_max(42), EINVAL);
	CHECK_OK(sched_getparam(0, &sp));
	CHECK_EQ(sp.sched_priority, 0);
	CHECK_ERRNO(sched_getparam(-1, &sp), EINVAL);
	CHECK_ERRNO(sched_getparam(0x3fffffff, &sp), ESRCH);
	/* SCHED_OTHER wants priority 0. */
	sp.sched_priority = 5;
	CHECK_ERRNO(sched_setscheduler(0, SCHED_OTHER, &sp), EINVAL);
	sp.sched_priority = 0;
	CHECK_OK(sched_setscheduler(0, SCHED_OTHER, &sp));
	/* Affinity: an empty mask is invalid; a too-small buffer is EINVAL. */
	CPU_ZERO(&set);
	CHECK_ERRNO(sched_setaffinity(0, sizeof set, &set), EINVAL);
	CHECK_ERRNO(syscall(SYS_sched_getaffinity, 0, 1, &set), EINVAL);
	/* The raw call returns the number of bytes it wrote. */
	long n = syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
	CHECK(n > 0 && n <= (long)sizeof set && n % 8 == 0);
}

TEST(getcpu_in_range)
{
	unsigned cpu = 9999, node = 9999;
	cpu_set_t set;
	CHECK_OK(syscall(SYS_getcpu, &cpu, &node, NULL));
	CHECK_OK(sched_getaffinity(0, sizeof set, &set));
	CHECK(cpu < CPU_SETSIZE);
	CHECK(CPU_ISSET(cpu, &set));
	CHECK_EQ(node, 0);
	/* Either pointer may be NULL. */
	CHECK_OK(syscall(SYS_getcpu, NULL, &node, NULL));
	CHECK_OK(syscall(SYS_getcpu, &cpu, NULL, NULL));
}

static void restore_nice(void *arg)
{
	setpriority(PRIO_PROCESS, 0, (int)(intptr_t)arg);
}

TEST(setpriority_getpriority)
{
	errno = 0;
	int before = getpriority(PRIO_PROCESS, 0);
	CHECK_EQ(errno, 0);
	h_defer(restore_nice, (void *)(intptr_t)before);
	CHECK_OK(setpriority(PRIO_PROCESS, 0, 7));
	errno = 0;
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), 7);
	CHECK_EQ(getpriority(PRIO_PROCESS, getpid()), 7);
	/* Values are clamped to [-20, 19]. */
	CHECK_OK(setpriority(PRIO_PROCESS, 0, 100));
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), 19);
	CHECK_ERRNO(setpriority(42, 0, 1), EINVAL);
	CHECK_ERRNO(setpriority(PRIO_PROCESS, 0x3fffffff, 1), ESRCH);
}
