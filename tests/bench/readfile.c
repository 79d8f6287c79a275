/* Sequential read throughput: read(2) a file 1 MiB at a time into one
 * buffer until EOF. Usage: readfile PATH. Prints
 * "readfile bytes=B ns=T mb_per_s=X" (MB = 10^6 bytes). Only the read loop
 * is timed, not open or close. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static char buf[CHUNK];

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: readfile PATH\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    /* Touch the buffer first so its page faults are not timed. */
    for (size_t i = 0; i < CHUNK; i += 4096)
        buf[i] = 1;
    struct timespec a, b;
    long long total = 0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (;;) {
        ssize_t got = read(fd, buf, CHUNK);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            perror("read");
            return 1;
        }
        if (got == 0)
            break;
        total += got;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    close(fd);
    double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
    printf("readfile bytes=%lld ns=%.0f mb_per_s=%.1f\n", total, ns, ns > 0 ? (double)total * 1e3 / ns : 0.0);
    return 0;
}
