/* getppid round trip: N raw getppid syscalls between two CLOCK_MONOTONIC
 * readings. Usage: getppid [N] (default 100000). Prints
 * "getppid calls=N ns_per_call=X". In the sandbox the two clock_gettime
 * calls trap too; that adds two round trips to N, which is noise. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000;
    if (n <= 0) {
        fprintf(stderr, "getppid: bad count\n");
        return 2;
    }
    struct timespec a, b;
    if (clock_gettime(CLOCK_MONOTONIC, &a) != 0) {
        perror("clock_gettime");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        /* syscall(2), not getppid(3): always a real kernel entry. */
        syscall(SYS_getppid);
    }
    if (clock_gettime(CLOCK_MONOTONIC, &b) != 0) {
        perror("clock_gettime");
        return 1;
    }
    double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
    printf("getppid calls=%ld ns_per_call=%.1f\n", n, ns / (double)n);
    return 0;
}
