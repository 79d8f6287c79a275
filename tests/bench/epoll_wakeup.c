/* One-way epoll_wait wake-up latency through an eventfd. Thread B sleeps
 * in epoll_wait on eventfd `go`; thread A takes a time stamp right before
 * write(go), B takes one right after epoll_wait returns. The stamps are
 * TSC reads (rdtsc: a constant, nonstop TSC on our machines), converted to
 * CLOCK_MONOTONIC nanoseconds by a calibration over the whole run: a
 * clock_gettime would be a syscall in the sandbox (it gives no vDSO) and
 * add a trapped round trip to each side of what is measured. Between rounds A waits for B's acknowledgement on a
 * second eventfd (not timed), then sleeps briefly so B is surely asleep in
 * epoll_wait again. Usage: epoll_wakeup [M] (default 2000) for M rounds.
 * Prints "epoll_wakeup rounds=M median_us=X p10_us=Y p90_us=Z". */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static long rounds;
static int go, ack, ep;
static volatile long long stamp_b;

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static inline long long tsc(void) {
    unsigned lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
    return ((long long)hi << 32) | lo;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void *waiter(void *arg) {
    (void)arg;
    for (long i = 0; i < rounds; i++) {
        struct epoll_event e;
        uint64_t v = 1;
        if (epoll_wait(ep, &e, 1, -1) != 1)
            die("epoll_wakeup: epoll_wait");
        stamp_b = tsc();
        if (read(go, &v, 8) != 8)
            die("epoll_wakeup: read go");
        v = 1;
        if (write(ack, &v, 8) != 8)
            die("epoll_wakeup: write ack");
    }
    return NULL;
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    rounds = argc > 1 ? atol(argv[1]) : 2000;
    if (rounds < 1)
        rounds = 1;
    go = eventfd(0, 0);
    ack = eventfd(0, 0);
    ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN};
    if (go < 0 || ack < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, go, &e) < 0)
        die("epoll_wakeup: setup");
    long long *lat = calloc(rounds, sizeof *lat);
    if (!lat)
        die("epoll_wakeup: calloc");
    pthread_t th;
    if (pthread_create(&th, NULL, waiter, NULL) != 0)
        die("epoll_wakeup: pthread_create");
    long long ns0 = now_ns(), tsc0 = tsc();
    struct timespec pause = {0, 200000}; /* 200 µs: B is back in epoll_wait */
    for (long i = 0; i < rounds; i++) {
        uint64_t v = 1;
        nanosleep(&pause, NULL);
        long long a = tsc();
        if (write(go, &v, 8) != 8)
            die("epoll_wakeup: write go");
        if (read(ack, &v, 8) != 8)
            die("epoll_wakeup: read ack");
        lat[i] = stamp_b - a;
    }
    pthread_join(th, NULL);
    /* TSC ticks per nanosecond over the run (at least 200 µs per round). */
    double per_ns = (double)(tsc() - tsc0) / (double)(now_ns() - ns0);
    if (per_ns <= 0) {
        fprintf(stderr, "epoll_wakeup: the TSC does not advance\n");
        return 1;
    }
    for (long i = 0; i < rounds; i++)
        lat[i] = (long long)(lat[i] / per_ns);
    qsort(lat, rounds, sizeof *lat, cmp);
    printf("epoll_wakeup rounds=%ld median_us=%.3f p10_us=%.3f p90_us=%.3f\n", rounds,
           lat[rounds / 2] / 1e3, lat[rounds / 10] / 1e3, lat[rounds * 9 / 10] / 1e3);
    return 0;
}
