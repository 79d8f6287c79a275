/* Many idle threads, each blocked in epoll_wait on its own eventfd that
 * never becomes ready. Usage: idle_epoll [T [S]] (default 1000 threads,
 * 10 s): starts T threads, prints "idle_epoll threads=T ready" once every
 * thread is about to enter epoll_wait, then sleeps S seconds and exits.
 * The harness samples the CPU time the whole sandbox uses meanwhile. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static atomic_long started;

static void *idle(void *arg) {
    (void)arg;
    int efd = eventfd(0, 0), ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN};
    if (efd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e) != 0) {
        perror("idle_epoll: setup");
        exit(1);
    }
    atomic_fetch_add(&started, 1);
    /* Never ready: any return is a failure. */
    int r = epoll_wait(ep, &e, 1, -1);
    fprintf(stderr, "idle_epoll: epoll_wait returned %d\n", r);
    exit(1);
    return NULL;
}

int main(int argc, char **argv) {
    long t = argc > 1 ? atol(argv[1]) : 1000;
    long s = argc > 2 ? atol(argv[2]) : 10;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (long i = 0; i < t; i++) {
        pthread_t th;
        if (pthread_create(&th, &attr, idle, NULL) != 0) {
            fprintf(stderr, "idle_epoll: pthread_create %ld failed\n", i);
            return 1;
        }
    }
    struct timespec tick = {0, 10 * 1000 * 1000};
    while (atomic_load(&started) < t)
        nanosleep(&tick, NULL);
    printf("idle_epoll threads=%ld ready\n", t);
    fflush(stdout);
    struct timespec rest = {s, 0};
    nanosleep(&rest, NULL);
    return 0;
}
