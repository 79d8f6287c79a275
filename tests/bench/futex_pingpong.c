/* Futex ping-pong between two threads: a shared int says whose turn it is;
 * each thread, on its turn, hands the turn over (store, FUTEX_WAKE) and
 * sleeps in FUTEX_WAIT until the turn comes back. Usage: futex_pingpong
 * [M] (default 20000) for M round trips (main -> peer -> main), timed by the
 * main thread. Prints
 * "futex_pingpong round_trips=M futex_calls=C us_per_round_trip=X".
 *
 * Both threads call FUTEX_WAIT once per round even when the turn is already
 * back (it then fails with EAGAIN at once), so a round trip is exactly four
 * futex calls, two WAKEs and two WAITs, plus one more WAIT for each
 * spurious wakeup; futex_calls counts them all. Private futexes, raw
 * syscall(SYS_futex); any other failure fails the run. The program pins
 * nothing; the harness runs it natively under `taskset -c 0` because the
 * sandbox runs both threads on one CPU (see docs/benchmarks.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* 0: the main thread's turn; 1: the peer's. */
static int turn;
static long rounds;
/* futex calls made by the peer, read after the join. */
static long peer_calls;

static void fail(const char *what, int err) {
    fprintf(stderr, "futex_pingpong: %s: %s\n", what, strerror(err));
    exit(1);
}

static void wake(long *calls) {
    long r = syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    (*calls)++;
    if (r < 0)
        fail("FUTEX_WAKE", errno);
}

/* Sleeps until `turn` is no longer `other`; always calls FUTEX_WAIT once. */
static void wait_while(int other, long *calls) {
    do {
        long r = syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, other, NULL, NULL, 0);
        (*calls)++;
        if (r < 0 && errno != EAGAIN && errno != EINTR)
            fail("FUTEX_WAIT", errno);
    } while (__atomic_load_n(&turn, __ATOMIC_SEQ_CST) == other);
}

static void *peer(void *arg) {
    (void)arg;
    long calls = 0;
    for (long i = 0; i < rounds; i++) {
        wait_while(0, &calls);
        __atomic_store_n(&turn, 0, __ATOMIC_SEQ_CST);
        wake(&calls);
    }
    peer_calls = calls;
    return NULL;
}

int main(int argc, char **argv) {
    rounds = argc > 1 ? atol(argv[1]) : 20000;
    if (rounds <= 0) {
        fprintf(stderr, "futex_pingpong: bad count\n");
        return 2;
    }
    pthread_t thread;
    int err = pthread_create(&thread, NULL, peer, NULL);
    if (err != 0)
        fail("pthread_create", err);
    long calls = 0;
    struct timespec a, b;
    if (clock_gettime(CLOCK_MONOTONIC, &a) != 0)
        fail("clock_gettime", errno);
    for (long i = 0; i < rounds; i++) {
        __atomic_store_n(&turn, 1, __ATOMIC_SEQ_CST);
        wake(&calls);
        wait_while(1, &calls);
    }
    if (clock_gettime(CLOCK_MONOTONIC, &b) != 0)
        fail("clock_gettime", errno);
    err = pthread_join(thread, NULL);
    if (err != 0)
        fail("pthread_join", err);
    long total = calls + peer_calls;
    if (total < 4 * rounds) {
        fprintf(stderr, "futex_pingpong: %ld futex calls for %ld round trips\n", total, rounds);
        return 1;
    }
    double us = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
    printf("futex_pingpong round_trips=%ld futex_calls=%ld us_per_round_trip=%.3f\n", rounds, total,
           us / (double)rounds);
    return 0;
}
