/* poll() over many pipes, one of them readable. Usage: poll_pipes [P [N]]
 * (default 1000 pipes, 2000 calls): makes P pipes, writes one byte into
 * the middle one, then times N poll() calls over the P read ends (each
 * returns 1 at once). Prints
 * "poll_pipes pipes=P calls=N us_per_call=X". */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long p = argc > 1 ? atol(argv[1]) : 1000;
    long n = argc > 2 ? atol(argv[2]) : 2000;
    if (p < 1 || n < 1) {
        fprintf(stderr, "poll_pipes: bad arguments\n");
        return 2;
    }
    /* 2 descriptors a pipe: raise the soft limit to the hard one. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct pollfd *fds = calloc(p, sizeof *fds);
    if (!fds) {
        perror("poll_pipes: calloc");
        return 1;
    }
    int ready_w = -1;
    for (long i = 0; i < p; i++) {
        int fd[2];
        if (pipe(fd) != 0) {
            perror("poll_pipes: pipe");
            return 1;
        }
        fds[i].fd = fd[0];
        fds[i].events = POLLIN;
        if (i == p / 2)
            ready_w = fd[1];
    }
    if (write(ready_w, "x", 1) != 1) {
        perror("poll_pipes: write");
        return 1;
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
        int r = poll(fds, p, -1);
        if (r != 1 || !(fds[p / 2].revents & POLLIN)) {
            fprintf(stderr, "poll_pipes: poll returned %d\n", r);
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3;
    printf("poll_pipes pipes=%ld calls=%ld us_per_call=%.3f\n", p, n, us / n);
    return 0;
}
