/*
 * Shared mappings of a file, coherent with read and write: run natively and
 * in the sandbox on a file in a host directory (a volume or --overlay=none),
 * the host checks what reached the file.
 *
 * Usage: shared_map FILE  (FILE holds "host-data" followed by anything)
 * Prints one line per check; exits non-zero on the first failure.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define LEN 10000

static int fail(const char *what) {
    perror(what);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    int fd = open(argv[1], O_RDWR);
    if (fd < 0) return fail("open");
    if (ftruncate(fd, LEN) < 0) return fail("ftruncate");
    char *m = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) return fail("mmap");
    printf("mapping sees the host's data: %.9s\n", m);
    memcpy(m + 10, "via-mapping", 11);
    memcpy(m + 5000, "second-page", 11);
    char buf[16] = {0};
    if (pread(fd, buf, 11, 10) != 11) return fail("pread");
    printf("read sees the mapping: %s\n", buf);
    if (pwrite(fd, "WRITE", 5, 5000) != 5) return fail("pwrite");
    printf("mapping sees the write: %.11s\n", m + 5000);
    int ro = open(argv[1], O_RDONLY);
    if (ro < 0) return fail("open ro");
    char *r = mmap(NULL, LEN, PROT_READ, MAP_SHARED, ro, 0);
    if (r == MAP_FAILED) return fail("mmap ro");
    printf("second mapping sees the first: %.11s\n", r + 10);
    if (msync(m, LEN, MS_SYNC) < 0) return fail("msync");
    memcpy(m + 20, "-after-msync", 12);
    if (munmap(m, LEN) < 0) return fail("munmap");
    printf("read-only mapping after munmap: %.12s\n", r + 20);
    if (ftruncate(fd, 5003) < 0) return fail("ftruncate shrink");
    if (ftruncate(fd, 6000) < 0) return fail("ftruncate grow");
    printf("truncated page tail reads back zero: %d\n", r[5003] == 0 && r[5999] == 0);
    return 0;
}
