/* Hands invalid pointers, flags and descriptors to the file syscalls of
 * issue #4 and checks each fails with the errno Linux gives. Run natively
 * and in the sandbox, in an empty scratch directory: both must print the
 * same lines. Afterwards it creates, writes and reads a file to show the
 * sandbox is still healthy. Exits non-zero on any mismatch. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wstringop-overread"
#pragma GCC diagnostic ignored "-Wstringop-overflow"

#define BAD ((void *)0x10) /* Never mapped. */

static int failures;

static void expect(const char *what, long r, int want)
{
	int got = r < 0 ? errno : 0;
	int ok = r == -1 && got == want;
	printf("%-60s %s\n", what, ok ? strerrorname_np(want) : "MISMATCH");
	if (!ok) {
		fprintf(stderr, "%s: returned %ld errno %s, want %s\n", what, r,
			got ? strerrorname_np(got) : "0", strerrorname_np(want));
		failures++;
	}
}

#define E(call, want) expect(#call, (long)(call), want)

struct open_how_ {
	uint64_t flags, mode, resolve;
};

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int fd2 = open("g", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || fd2 < 0 || write(fd, "0123456789", 10) != 10 || mkdir("d", 0755) < 0) {
		perror("setup");
		return 1;
	}
	int p[2];
	if (pipe(p) < 0) {
		perror("pipe");
		return 1;
	}
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	int ifd = inotify_init1(0);
	struct open_how_ how = {O_RDONLY, 0, 0};
	char buf[64];

	/* Opening. */
	E(syscall(SYS_openat2, AT_FDCWD, BAD, &how, sizeof how), EFAULT);
	E(syscall(SYS_openat2, AT_FDCWD, "f", BAD, sizeof how), EFAULT);
	E(syscall(SYS_openat2, AT_FDCWD, "f", &how, 8), EINVAL);
	E(syscall(SYS_close_range, 5, 3, 0), EINVAL);
	E(syscall(SYS_name_to_handle_at, AT_FDCWD, "f", buf, buf, 0x1234), EINVAL);
	E(syscall(SYS_chroot, BAD), EFAULT);
	E(syscall(SYS_pipe2, BAD, 0), EFAULT);
	E(syscall(SYS_pipe2, p, 0x1234), EINVAL);

	/* Moving data. */
	E(splice(-1, NULL, -1, NULL, 10, 0), EBADF);
	E(splice(fd, BAD, p[1], NULL, 10, 0), EFAULT);
	E(tee(-1, -1, 10, 0), EBADF);
	E(vmsplice(p[1], BAD, 1, 0), EFAULT);
	E(copy_file_range(fd, NULL, fd2, NULL, 10, 1), EINVAL);
	E(copy_file_range(fd, BAD, fd2, NULL, 10, 0), EFAULT);
	E(sendfile(fd2, fd, BAD, 10), EFAULT);
	E(fallocate(fd, 0, -1, 10), EINVAL);
	E(lseek(fd, 0, 99), EINVAL);
	E(readahead(p[0], 0, 10), EINVAL);
	E(sync_file_range(fd, 0, 0, 0xff), EINVAL);
	E(syscall(SYS_fadvise64, fd, 0, 0, 99), EINVAL);
	E(ioctl(fd, FIONREAD, BAD), EFAULT);

	/* Locks. */
	E(fcntl(fd, F_SETLK, BAD), EFAULT);
	E(fcntl(fd, F_GETLK, BAD), EFAULT);
	E(fcntl(fd, F_OFD_SETLK, BAD), EFAULT);
	E(flock(fd, 0), EINVAL);
	E(flock(-1, LOCK_SH), EBADF);
	E(syscall(SYS_memfd_create, BAD, 0), EFAULT);
	E(syscall(SYS_memfd_create, "x", 0x1000), EINVAL);

	/* Names and metadata. */
	E(syscall(SYS_getdents64, fd, buf, sizeof buf), ENOTDIR);
	E(syscall(SYS_getdents64, dfd, BAD, 4096), EFAULT);
	E(syscall(SYS_utimensat, AT_FDCWD, "f", BAD, 0), EFAULT);
	E(linkat(fd, "", AT_FDCWD, BAD, AT_EMPTY_PATH), EFAULT);
	E(setxattr(BAD, "user.a", "v", 1, 0), EFAULT);
	E(setxattr("f", BAD, "v", 1, 0), EFAULT);
	E(setxattr("f", "user.a", (const void *)(uintptr_t)0x10, 1, 0), EFAULT);
	if (setxattr("f", "user.a", "v", 1, 0) < 0) {
		perror("setxattr");
		return 1;
	}
	E(getxattr("f", "user.a", BAD, 100), EFAULT);
	E(listxattr("f", BAD, 100), EFAULT);
	E(setxattr("f", "user.a", "v", 1, 0x100), EINVAL);

	/* inotify. */
	E(inotify_init1(0x1234), EINVAL);
	E(inotify_add_watch(ifd, BAD, IN_ALL_EVENTS), EFAULT);
	E(inotify_add_watch(ifd, ".", 0), EINVAL);
	E(inotify_rm_watch(ifd, 12345), EINVAL);

	/* Mounts: only calls that fail before anything could be mounted. */
	E(mount("none", BAD, "tmpfs", 0, NULL), EFAULT);
	E(mount("none", "d", BAD, 0, NULL), EFAULT);
	E(umount2(BAD, 0), EFAULT);
	E(umount2("d", 0x100), EINVAL);
	E(syscall(SYS_pivot_root, BAD, BAD), EFAULT);

	/* Still healthy. */
	int h = open("healthy", O_RDWR | O_CREAT | O_EXCL, 0600);
	if (h < 0 || write(h, "ok", 2) != 2 || pread(h, buf, 2, 0) != 2 || memcmp(buf, "ok", 2)) {
		perror("healthy");
		failures++;
	} else {
		printf("healthy after bad arguments\n");
	}
	printf("%d mismatches\n", failures);
	return failures != 0;
}
