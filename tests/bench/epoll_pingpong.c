/* epoll wake-up latency: two threads hand a turn back and forth through
 * two eventfds, each thread sleeping in epoll_wait on its own. Usage:
 * epoll_pingpong [M] (default 5000) for M round trips. Each round trip is
 * six syscalls (per thread: write, epoll_wait, read). Prints
 * "epoll_pingpong round_trips=M us_per_round_trip=X". */
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
static int efd[2], ep[2];

static void step(int me) {
    struct epoll_event e;
    uint64_t v;
    if (epoll_wait(ep[me], &e, 1, -1) != 1 || read(efd[me], &v, 8) != 8) {
        perror("epoll_pingpong");
        exit(1);
    }
}

static void poke(int other) {
    uint64_t v = 1;
    if (write(efd[other], &v, 8) != 8) {
        perror("epoll_pingpong: write");
        exit(1);
    }
}

static void *peer(void *arg) {
    (void)arg;
    for (long i = 0; i < rounds; i++) {
        step(1);
        poke(0);
    }
    return NULL;
}

int main(int argc, char **argv) {
    rounds = argc > 1 ? atol(argv[1]) : 5000;
    for (int i = 0; i < 2; i++) {
        efd[i] = eventfd(0, 0);
        ep[i] = epoll_create1(0);
        struct epoll_event e = {.events = EPOLLIN};
        if (efd[i] < 0 || ep[i] < 0 || epoll_ctl(ep[i], EPOLL_CTL_ADD, efd[i], &e) < 0) {
            perror("epoll_pingpong: setup");
            return 1;
        }
    }
    pthread_t th;
    pthread_create(&th, NULL, peer, NULL);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < rounds; i++) {
        poke(1);
        step(0);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    pthread_join(th, NULL);
    double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3;
    printf("epoll_pingpong round_trips=%ld us_per_round_trip=%.3f\n", rounds, us / rounds);
    return 0;
}
