/* Signal delivery round trip: K times kill(self, SIGUSR1), whose handler
 * (installed with sigaction) counts it; each round trip is kill, delivery
 * and rt_sigreturn. Usage: signal_roundtrip [K] (default 20000). Prints
 * "signal_roundtrip signals=K us_per_signal=X". The pid is read once, so
 * the loop makes two syscalls per round trip: kill and rt_sigreturn. The
 * run fails unless kill succeeds every time and the handler ran K times. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig) {
    (void)sig;
    handled++;
}

int main(int argc, char **argv) {
    long k = argc > 1 ? atol(argv[1]) : 20000;
    if (k <= 0) {
        fprintf(stderr, "signal_roundtrip: bad count\n");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0) {
        perror("sigaction");
        return 1;
    }
    pid_t self = getpid();
    struct timespec a, b;
    if (clock_gettime(CLOCK_MONOTONIC, &a) != 0) {
        perror("clock_gettime");
        return 1;
    }
    for (long i = 0; i < k; i++) {
        /* A signal sent to oneself and not blocked is delivered before
         * kill returns. */
        if (kill(self, SIGUSR1) != 0) {
            perror("kill");
            return 1;
        }
    }
    if (clock_gettime(CLOCK_MONOTONIC, &b) != 0) {
        perror("clock_gettime");
        return 1;
    }
    if (handled != k) {
        fprintf(stderr, "signal_roundtrip: handler ran %ld times for %ld signals\n", (long)handled, k);
        return 1;
    }
    double us = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
    printf("signal_roundtrip signals=%ld us_per_signal=%.3f\n", k, us / (double)k);
    return 0;
}
