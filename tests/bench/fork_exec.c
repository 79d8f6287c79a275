/* fork+exec+wait: N times, fork a child that execve()s PROGRAM (with no
 * arguments and an empty environment) and reap it with waitpid. Usage:
 * fork_exec PROGRAM [N] (default 500); the harness passes true_static, so
 * the figure is exec's cost, not a big program's startup. Prints
 * "fork_exec execs=N us_per_exec=X execs_per_s=Y". A failing fork, execve
 * (the child exits 127) or waitpid, or a child that does not exit 0, fails
 * the run. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: fork_exec PROGRAM [N]\n");
        return 2;
    }
    const char *prog = argv[1];
    long n = argc > 2 ? atol(argv[2]) : 500;
    if (n <= 0) {
        fprintf(stderr, "fork_exec: bad count\n");
        return 2;
    }
    char *const child_argv[] = {(char *)prog, NULL};
    char *const child_envp[] = {NULL};
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
        if (child == 0) {
            execve(prog, child_argv, child_envp);
            /* Only async-signal-safe calls between fork and _exit. */
            const char *msg = "fork_exec: execve failed: ";
            const char *err = strerror(errno);
            if (write(2, msg, strlen(msg)) < 0 || write(2, err, strlen(err)) < 0 ||
                write(2, "\n", 1) < 0)
                _exit(126);
            _exit(127);
        }
        int status;
        if (waitpid(child, &status, 0) != child) {
            perror("waitpid");
            return 1;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "fork_exec: child %ld (%s) ended with status %#x\n", i, prog, status);
            return 1;
        }
    }
    if (clock_gettime(CLOCK_MONOTONIC, &b) != 0) {
        perror("clock_gettime");
        return 1;
    }
    double us = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
    printf("fork_exec execs=%ld us_per_exec=%.1f execs_per_s=%.1f\n", n, us / (double)n,
           (double)n * 1e6 / us);
    return 0;
}
