/* fork+exit+wait: N times, fork a child that _exit(0)s at once and reap
 * it with waitpid. Usage: fork_wait [N] (default 1000). Prints
 * "fork_wait forks=N us_per_fork=X forks_per_s=Y". Any failing fork or
 * waitpid, or a child that does not exit 0, fails the run. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    if (n <= 0) {
        fprintf(stderr, "fork_wait: bad count\n");
        return 2;
    }
    struct timespec a, b;
    if (clock_gettime(CLOCK_MONOTONIC, &a) != 0) {
        perror("clock_gettime");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        pid_t child = fork();
        if (child < 0) {
            perror("fork");
            return 1;
        }
        if (child == 0)
            _exit(0);
        int status;
        if (waitpid(child, &status, 0) != child) {
            perror("waitpid");
            return 1;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "fork_wait: child %ld ended with status %#x\n", i, status);
            return 1;
        }
    }
    if (clock_gettime(CLOCK_MONOTONIC, &b) != 0) {
        perror("clock_gettime");
        return 1;
    }
    double us = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
    printf("fork_wait forks=%ld us_per_fork=%.1f forks_per_s=%.1f\n", n, us / (double)n,
           (double)n * 1e6 / us);
    return 0;
}
