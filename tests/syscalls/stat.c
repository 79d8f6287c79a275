/* File attributes: the stat family, statx, chmod, utimensat, access. */
#include "harness.h"

#include <sys/sysmacros.h>
#include <time.h>

/* The raw syscall: glibc's statx() falls back to an fstatat emulation on
 * ENOSYS, which would hide a missing statx. */
static int raw_statx(int dfd, const char *path, int flags, unsigned mask, struct statx *stx)
{
	return syscall(SYS_statx, dfd, path, flags, mask, stx);
}

TEST(fstat_regular)
{
	struct stat st;
	int fd = open("f", O_RDWR | O_CREAT, 0640);
	CHECK(fd >= 0);
	CHECK_OK(fstat(fd, &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_EQ(st.st_nlink, 1);
	CHECK_EQ(st.st_uid, geteuid());
	CHECK_EQ(st.st_gid, getegid());
	CHECK_EQ(st.st_size, 0);
	CHECK(st.st_ino != 0);
	CHECK(st.st_blksize > 0);
}

TEST(size_after_writes)
{
	struct stat st;
	char buf[5000];
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	memset(buf, 'x', sizeof buf);
	CHECK_EQ(write(fd, buf, 100), 100);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 100);
	CHECK_EQ(write(fd, buf, sizeof buf), sizeof buf);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_size, 5100);
	/* Data occupies blocks (st_blocks is in 512-byte units). */
	CHECK_OK(fsync(fd));
	CHECK_OK(fstat(fd, &st));
	CHECK(st.st_blocks * 512 >= 4096);
	CHECK_EQ(pwrite(fd, "y", 1, 9999), 1);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 10000);
}

TEST(stat_and_lstat_symlink)
{
	struct stat st, target;
	CHECK_OK(h_write_file("target", "12345", 5));
	CHECK_OK(symlink("target", "link"));
	CHECK_OK(lstat("link", &st));
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(st.st_size, strlen("target"));
	CHECK_OK(stat("link", &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_size, 5);
	CHECK_OK(stat("target", &target));
	CHECK_EQ(st.st_ino, target.st_ino);
	CHECK_EQ(st.st_dev, target.st_dev);
}

TEST(stat_directory)
{
	struct stat st;
	CHECK_OK(mkdir("d", 0750));
	CHECK_OK(mkdir("d/sub", 0755));
	CHECK_OK(stat("d", &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0750);
	/* ".", the entry in the parent, and "sub/..". */
	CHECK_EQ(st.st_nlink, 3);
}

TEST(stat_dev_null)
{
	struct stat st;
	CHECK_OK(stat("/dev/null", &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 1);
	CHECK_EQ(minor(st.st_rdev), 3);
	CHECK_EQ(st.st_mode & 0777, 0666);
	CHECK_EQ(st.st_size, 0);
}

TEST(stat_dev_others)
{
	static const struct {
		const char *path;
		unsigned maj, min;
	} devs[] = {
		{"/dev/zero", 1, 5}, {"/dev/full", 1, 7},    {"/dev/random", 1, 8},
		{"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
	};
	for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++) {
		struct stat st;
		CHECK_OK(stat(devs[i].path, &st));
		CHECK(S_ISCHR(st.st_mode));
		CHECK_EQ(major(st.st_rdev), devs[i].maj);
		CHECK_EQ(minor(st.st_rdev), devs[i].min);
	}
}

TEST(fstatat_symlink_nofollow)
{
	struct stat st;
	int dfd;
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(h_write_file("d/f", "abc", 3));
	CHECK_OK(symlink("f", "d/l"));
	dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK_OK(fstatat(dfd, "l", &st, AT_SYMLINK_NOFOLLOW));
	CHECK(S_ISLNK(st.st_mode));
	CHECK_OK(fstatat(dfd, "l", &st, 0));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_size, 3);
	CHECK_ERRNO(fstatat(dfd, "l", &st, 0x4000000), EINVAL);
}

TEST(fstatat_empty_path)
{
	struct stat a, b;
	int fd;
	CHECK_OK(h_write_file("f", "abcd", 4));
	fd = open("f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_OK(fstat(fd, &a));
	CHECK_OK(fstatat(fd, "", &b, AT_EMPTY_PATH));
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_EQ(b.st_size, 4);
	/* Without AT_EMPTY_PATH an empty path is ENOENT. */
	CHECK_ERRNO(fstatat(fd, "", &b, 0), ENOENT);
	CHECK_ERRNO(stat("", &b), ENOENT);
	/* AT_FDCWD with AT_EMPTY_PATH is the cwd. */
	CHECK_OK(fstatat(AT_FDCWD, "", &a, AT_EMPTY_PATH));
	CHECK_OK(stat(".", &b));
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK(S_ISDIR(a.st_mode));
}

TEST(statx_basic)
{
	struct statx stx;
	struct stat st;
	const unsigned basic = STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_UID | STATX_GID |
			       STATX_INO | STATX_SIZE;
	CHECK_OK(h_write_file("f", "hello", 5));
	CHECK_OK(chmod("f", 0604));
	CHECK_OK(stat("f", &st));
	memset(&stx, 0xff, sizeof stx);
	CHECK_OK(raw_statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, &stx));
	CHECK_EQ(stx.stx_mask & basic, basic);
	CHECK(S_ISREG(stx.stx_mode));
	CHECK_EQ(stx.stx_mode & 07777, 0604);
	CHECK_EQ(stx.stx_size, 5);
	CHECK_EQ(stx.stx_nlink, 1);
	CHECK_EQ(stx.stx_ino, st.st_ino);
	CHECK_EQ(stx.stx_uid, st.st_uid);
	CHECK_EQ(stx.stx_gid, st.st_gid);
	CHECK_EQ(stx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
	CHECK_EQ(stx.stx_mtime.tv_nsec, st.st_mtim.tv_nsec);
	CHECK_EQ(makedev(stx.stx_dev_major, stx.stx_dev_minor), st.st_dev);
}

TEST(statx_symlink_and_errors)
{
	struct statx stx;
	int fd;
	CHECK_OK(symlink("nowhere", "l"));
	CHECK_OK(raw_statx(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_SIZE, &stx));
	CHECK(S_ISLNK(stx.stx_mode));
	CHECK_EQ(stx.stx_size, 7);
	CHECK_ERRNO(raw_statx(AT_FDCWD, "l", 0, STATX_TYPE, &stx), ENOENT);
	/* STATX__RESERVED in the mask is invalid. */
	CHECK_ERRNO(raw_statx(AT_FDCWD, ".", 0, 0x80000000U, &stx), EINVAL);
	fd = open(".", O_RDONLY);
	CHECK_OK(raw_statx(fd, "", AT_EMPTY_PATH, STATX_TYPE, &stx));
	CHECK(S_ISDIR(stx.stx_mode));
}

TEST(stat_errors)
{
	struct stat st;
	CHECK_ERRNO(stat("missing", &st), ENOENT);
	CHECK_ERRNO(lstat("missing/x", &st), ENOENT);
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_ERRNO(stat("f/x", &st), ENOTDIR);
	CHECK_ERRNO(fstat(9999, &st), EBADF);
	CHECK_ERRNO(syscall(SYS_newfstatat, AT_FDCWD, "f", (void *)8, 0), EFAULT);
	CHECK_ERRNO(syscall(SYS_newfstatat, AT_FDCWD, (void *)8, &st, 0), EFAULT);
}

TEST(raw_stat_syscalls)
{
	/* glibc routes stat/lstat/fstat through newfstatat: check the old
	 * syscalls directly. */
	struct stat a, b;
	int fd;
	CHECK_OK(h_write_file("f", "abc", 3));
	CHECK_OK(symlink("f", "l"));
	CHECK_OK(syscall(SYS_stat, "l", &a));
	CHECK(S_ISREG(a.st_mode));
	CHECK_EQ(a.st_size, 3);
	CHECK_OK(syscall(SYS_lstat, "l", &b));
	CHECK(S_ISLNK(b.st_mode));
	fd = open("f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_OK(syscall(SYS_fstat, fd, &b));
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_EQ(a.st_dev, b.st_dev);
	CHECK_EQ(a.st_mode, b.st_mode);
	CHECK_ERRNO(syscall(SYS_stat, "missing", &a), ENOENT);
	CHECK_ERRNO(syscall(SYS_fstat, 9999, &a), EBADF);
	CHECK_ERRNO(syscall(SYS_fstat, fd, (void *)8), EFAULT);
}

TEST(inodes_distinct)
{
	struct stat a, b;
	CHECK_OK(h_write_file("a", "1", 1));
	CHECK_OK(h_write_file("b", "1", 1));
	CHECK_OK(stat("a", &a));
	CHECK_OK(stat("b", &b));
	CHECK(a.st_ino != b.st_ino);
	CHECK_EQ(a.st_dev, b.st_dev);
}

TEST(fstat_after_unlink)
{
	struct stat st;
	char buf[8];
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "live", 4), 4);
	CHECK_OK(unlink("f"));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(st.st_size, 4);
	CHECK_EQ(pread(fd, buf, sizeof buf, 0), 4);
	CHECK(memcmp(buf, "live", 4) == 0);
}

TEST(chmod_family)
{
	struct stat st;
	int fd;
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(chmod("f", 0600));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode, S_IFREG | 0600);
	fd = open("f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_OK(fchmod(fd, 04751));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode, S_IFREG | 04751);
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(fchmodat(AT_FDCWD, "d", 01777, 0));
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_mode, S_IFDIR | 01777);
	/* The type bits in the argument are ignored. */
	CHECK_OK(chmod("f", S_IFDIR | 0644));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode, S_IFREG | 0644);
	CHECK_ERRNO(chmod("missing", 0644), ENOENT);
	CHECK_ERRNO(fchmod(9999, 0644), EBADF);
}

TEST(chmod_follows_symlink)
{
	struct stat st;
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(symlink("f", "l"));
	CHECK_OK(chmod("l", 0611));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode & 07777, 0611);
	CHECK_OK(lstat("l", &st));
	CHECK_EQ(st.st_mode & 07777, 0777);
}

TEST(chmod_updates_ctime)
{
	struct stat st;
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(utimensat(AT_FDCWD, "f", old, 0));
	CHECK_OK(stat("f", &st));
	/* utimensat itself sets ctime to now. */
	CHECK(st.st_ctim.tv_sec > 1000000000);
	CHECK_EQ(st.st_mtim.tv_sec, 1000000000);
	CHECK_OK(chmod("f", 0600));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mtim.tv_sec, 1000000000);
	CHECK(st.st_ctim.tv_sec >= time(NULL) - 5);
}

TEST(utimensat_explicit)
{
	struct stat st;
	struct timespec ts[2] = {{1234567890, 123456789}, {1500000000, 987654321}};
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(utimensat(AT_FDCWD, "f", ts, 0));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_atim.tv_sec, 1234567890);
	CHECK_EQ(st.st_atim.tv_nsec, 123456789);
	CHECK_EQ(st.st_mtim.tv_sec, 1500000000);
	CHECK_EQ(st.st_mtim.tv_nsec, 987654321);
}

TEST(utimensat_now)
{
	struct stat st;
	struct timespec old[2] = {{1000, 0}, {2000, 0}};
	struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
	time_t before;
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(utimensat(AT_FDCWD, "f", old, 0));
	before = time(NULL);
	CHECK_OK(utimensat(AT_FDCWD, "f", now, 0));
	CHECK_OK(stat("f", &st));
	CHECK(st.st_atim.tv_sec >= before - 1 && st.st_atim.tv_sec <= time(NULL) + 1);
	CHECK(st.st_mtim.tv_sec >= before - 1 && st.st_mtim.tv_sec <= time(NULL) + 1);
	/* A NULL times argument also means now. */
	CHECK_OK(utimensat(AT_FDCWD, "f", old, 0));
	CHECK_OK(utimensat(AT_FDCWD, "f", NULL, 0));
	CHECK_OK(stat("f", &st));
	CHECK(st.st_mtim.tv_sec >= before - 1);
}

TEST(utimensat_omit)
{
	struct stat st;
	struct timespec set[2] = {{1111, 1}, {2222, 2}};
	struct timespec omit_m[2] = {{3333, 3}, {0, UTIME_OMIT}};
	struct timespec omit_a[2] = {{0, UTIME_OMIT}, {4444, 4}};
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(utimensat(AT_FDCWD, "f", set, 0));
	CHECK_OK(utimensat(AT_FDCWD, "f", omit_m, 0));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_atim.tv_sec, 3333);
	CHECK_EQ(st.st_mtim.tv_sec, 2222);
	CHECK_EQ(st.st_mtim.tv_nsec, 2);
	CHECK_OK(utimensat(AT_FDCWD, "f", omit_a, 0));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_atim.tv_sec, 3333);
	CHECK_EQ(st.st_mtim.tv_sec, 4444);
}

TEST(utimensat_nofollow_and_fd)
{
	struct stat st;
	struct timespec ts[2] = {{5000, 0}, {6000, 0}};
	struct timespec ts2[2] = {{7000, 0}, {8000, 0}};
	int fd;
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(symlink("f", "l"));
	CHECK_OK(utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW));
	CHECK_OK(lstat("l", &st));
	CHECK_EQ(st.st_mtim.tv_sec, 6000);
	CHECK_OK(stat("f", &st));
	CHECK(st.st_mtim.tv_sec != 6000);
	/* futimens: utimensat on the fd with a NULL path. */
	fd = open("f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_OK(futimens(fd, ts2));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mtim.tv_sec, 8000);
}

TEST(utimensat_errors)
{
	struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
	CHECK_ERRNO(utimensat(AT_FDCWD, "missing", NULL, 0), ENOENT);
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_ERRNO(utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
	CHECK_ERRNO(utimensat(AT_FDCWD, "f/x", NULL, 0), ENOTDIR);
}

TEST(mtime_changes_on_write)
{
	struct stat st;
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
	int fd;
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(utimensat(AT_FDCWD, "f", old, 0));
	fd = open("f", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "y", 1), 1);
	CHECK_OK(fstat(fd, &st));
	CHECK(st.st_mtim.tv_sec >= time(NULL) - 5);
	/* Creating an entry updates the directory's mtime. */
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(utimensat(AT_FDCWD, "d", old, 0));
	CHECK_OK(h_write_file("d/new", "z", 1));
	CHECK_OK(stat("d", &st));
	CHECK(st.st_mtim.tv_sec >= time(NULL) - 5);
}

TEST(access_modes)
{
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(access("f", F_OK));
	CHECK_OK(access("f", R_OK | W_OK));
	CHECK_OK(faccessat(AT_FDCWD, "f", R_OK, 0));
	CHECK_ERRNO(access("missing", F_OK), ENOENT);
	CHECK_ERRNO(access("f/x", F_OK), ENOTDIR);
	CHECK_ERRNO(access("f", 0x40), EINVAL);
	/* Even root needs an x bit somewhere for X_OK on a file. */
	if (geteuid() == 0) {
		CHECK_OK(chmod("f", 0644));
		CHECK_ERRNO(access("f", X_OK), EACCES);
		CHECK_OK(chmod("f", 0100));
		CHECK_OK(access("f", X_OK));
	}
	CHECK_OK(access("/dev/null", R_OK | W_OK));
}
