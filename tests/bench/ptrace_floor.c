/* The ptrace platform's floor: what one syscall costs when all a tracer
 * does is what the sentry must do at the least (a PTRACE_SYSEMU stop,
 * GETREGS, set the result, SETREGS, resume). Run it under `taskset -c 0` so
 * tracer and tracee share a CPU, as the sentry arranges for its stubs.
 *
 * Usage: ptrace_floor [N] (default 100000). The child stops itself, then
 * makes N getppid calls and exits; the parent times every syscall stop from
 * the first resume to the exit. Prints
 * "ptrace_floor stops=S us_per_syscall=X". */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PTRACE_SYSEMU
#define PTRACE_SYSEMU 31
#endif

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000;
    if (n <= 0) {
        fprintf(stderr, "ptrace_floor: bad count\n");
        return 2;
    }
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 1;
    }
    if (child == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(3);
        raise(SIGSTOP);
        for (long i = 0; i < n; i++)
            syscall(SYS_getppid);
        /* Raw exit_group: no atexit work, and the parent spots it. */
        syscall(SYS_exit_group, 0);
        _exit(0);
    }

    int status;
    if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
        fprintf(stderr, "ptrace_floor: child did not stop (status %#x)\n", status);
        return 1;
    }
    struct user_regs_struct regs;
    struct timespec a, b;
    long stops = 0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (;;) {
        /* Signal 0: the initial SIGSTOP is swallowed, not delivered. */
        if (ptrace(PTRACE_SYSEMU, child, 0, 0) != 0) {
            perror("PTRACE_SYSEMU");
            return 1;
        }
        if (waitpid(child, &status, 0) != child) {
            perror("waitpid");
            return 1;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            fprintf(stderr, "ptrace_floor: child ended before exit_group\n");
            return 1;
        }
        if (ptrace(PTRACE_GETREGS, child, 0, &regs) != 0) {
            perror("PTRACE_GETREGS");
            return 1;
        }
        stops++;
        if (regs.orig_rax == SYS_exit_group || regs.orig_rax == SYS_exit)
            break;
        regs.rax = 1; /* what a sentry would answer for getppid */
        if (ptrace(PTRACE_SETREGS, child, 0, &regs) != 0) {
            perror("PTRACE_SETREGS");
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    if (stops < n) {
        fprintf(stderr, "ptrace_floor: only %ld stops for %ld calls\n", stops, n);
        return 1;
    }
    double us = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
    printf("ptrace_floor stops=%ld us_per_syscall=%.3f\n", stops, us / (double)stops);
    return 0;
}
