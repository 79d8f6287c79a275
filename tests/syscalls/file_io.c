/* File descriptors and file I/O: open/openat/creat, read/write and their
 * vectored and positional forms, lseek, dup*, fcntl, ftruncate, fsync and
 * the character devices every sandbox has in /dev. */
#include "harness.h"

#include <sys/uio.h>

TEST(open_creat_mode)
{
	struct stat st;
	int fd = open("f", O_WRONLY | O_CREAT, 0666);
	CHECK(fd >= 0);
	CHECK_OK(fstat(fd, &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0644); /* 0666 & ~umask(022) */
	CHECK_EQ(st.st_size, 0);
	CHECK_OK(close(fd));
	CHECK_OK(access("f", F_OK));
}

TEST(open_enoent)
{
	CHECK_ERRNO(open("missing", O_RDONLY), ENOENT);
	CHECK_ERRNO(open("missing/x", O_RDONLY | O_CREAT, 0644), ENOENT);
}

TEST(open_creat_excl)
{
	int fd = open("f", O_RDWR | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	CHECK_ERRNO(open("f", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
	/* O_EXCL with O_CREAT fails on a symlink even if it dangles. */
	CHECK_OK(symlink("nowhere", "dangling"));
	CHECK_ERRNO(open("dangling", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
	CHECK_ERRNO(access("nowhere", F_OK), ENOENT);
}

TEST(open_creat_through_dangling_symlink)
{
	struct stat st;
	int fd;
	CHECK_OK(symlink("target", "link"));
	fd = open("link", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_OK(stat("target", &st));
	CHECK(S_ISREG(st.st_mode));
}

TEST(open_trunc)
{
	struct stat st;
	int fd;
	CHECK_OK(h_write_file("f", "0123456789", 10));
	fd = open("f", O_RDWR | O_TRUNC);
	CHECK(fd >= 0);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
}

TEST(open_append)
{
	char buf[32];
	int fd;
	CHECK_OK(h_write_file("f", "abc", 3));
	fd = open("f", O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "de", 2), 2);
	/* The write went to the end and left the offset there. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
	CHECK_EQ(h_read_file("f", buf, sizeof buf), 5);
	CHECK_STREQ(buf, "abcde");
}

TEST(open_directory_on_file)
{
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_ERRNO(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK(open(".", O_RDONLY | O_DIRECTORY) >= 0);
}

TEST(open_dir_for_writing)
{
	CHECK_OK(mkdir("d", 0755));
	CHECK_ERRNO(open("d", O_WRONLY), EISDIR);
	CHECK_ERRNO(open("d", O_RDWR), EISDIR);
}

TEST(read_on_directory)
{
	char buf[8];
	int fd = open(".", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERRNO(read(fd, buf, sizeof buf), EISDIR);
}

TEST(open_nofollow_symlink)
{
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(symlink("f", "link"));
	CHECK_ERRNO(open("link", O_RDONLY | O_NOFOLLOW), ELOOP);
	/* O_NOFOLLOW only concerns the last component. */
	CHECK(open("f", O_RDONLY | O_NOFOLLOW) >= 0);
}

TEST(open_cloexec)
{
	int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
}

TEST(openat_dirfd)
{
	struct stat st;
	int dfd, fd;
	CHECK_OK(mkdir("d", 0755));
	dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	fd = openat(dfd, "f", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "hi", 2), 2);
	CHECK_OK(stat("d/f", &st));
	CHECK_EQ(st.st_size, 2);
	/* AT_FDCWD resolves against the cwd. */
	CHECK(openat(AT_FDCWD, "d/f", O_RDONLY) >= 0);
}

TEST(openat_absolute_ignores_dirfd)
{
	char path[600];
	CHECK_OK(h_write_file("f", "x", 1));
	snprintf(path, sizeof path, "%s/f", h_case_dir);
	CHECK(openat(9999, path, O_RDONLY) >= 0);
	CHECK_ERRNO(openat(9999, "f", O_RDONLY), EBADF);
}

TEST(openat_dirfd_not_dir)
{
	int fd;
	CHECK_OK(h_write_file("f", "x", 1));
	fd = open("f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERRNO(openat(fd, "x", O_RDONLY), ENOTDIR);
}

TEST(creat_truncates_write_only)
{
	char c;
	struct stat st;
	int fd;
	CHECK_OK(h_write_file("f", "hello", 5));
	fd = creat("f", 0644);
	CHECK(fd >= 0);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	CHECK_ERRNO(read(fd, &c, 1), EBADF);
}

TEST(read_write_roundtrip)
{
	char buf[64] = {0};
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "hello, world", 12), 12);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(read(fd, buf, sizeof buf), 12);
	CHECK_STREQ(buf, "hello, world");
	/* At EOF, read returns 0. */
	CHECK_EQ(read(fd, buf, sizeof buf), 0);
	/* A zero-length write is a no-op that succeeds. */
	CHECK_EQ(write(fd, buf, 0), 0);
}

TEST(read_write_large)
{
	static char out[1 << 20], in[1 << 20];
	ssize_t total = 0, n;
	int fd;
	for (size_t i = 0; i < sizeof out; i++)
		out[i] = (char)(i * 7 + (i >> 12));
	fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, out, sizeof out), sizeof out);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	while (total < (ssize_t)sizeof in && (n = read(fd, in + total, sizeof in - total)) > 0)
		total += n;
	CHECK_EQ(total, sizeof in);
	CHECK(memcmp(in, out, sizeof in) == 0);
}

TEST(readv_writev)
{
	char a[3], b[5], all[16] = {0};
	struct iovec wv[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
	struct iovec rv[2] = {{a, sizeof a}, {b, sizeof b}};
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(writev(fd, wv, 3), 8);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(readv(fd, rv, 2), 8);
	CHECK(memcmp(a, "abc", 3) == 0);
	CHECK(memcmp(b, "defgh", 5) == 0);
	CHECK_EQ(h_read_file("f", all, sizeof all), 8);
	CHECK_STREQ(all, "abcdefgh");
}

TEST(readv_bad_iovcnt)
{
	char a[4];
	struct iovec v = {a, sizeof a};
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_ERRNO(syscall(SYS_readv, fd, &v, -1), EINVAL);
	CHECK_ERRNO(syscall(SYS_writev, fd, &v, 1025), EINVAL);
}

TEST(pread_pwrite)
{
	char buf[8] = {0};
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
	CHECK_EQ(pread(fd, buf, 3, 5), 3);
	CHECK_STREQ(buf, "567");
	CHECK_EQ(pwrite(fd, "XY", 2, 8), 2);
	/* Neither moved the file offset. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2);
	CHECK_EQ(read(fd, buf, 8), 8);
	CHECK(memcmp(buf, "234567XY", 8) == 0);
	/* pread past EOF returns 0. */
	CHECK_EQ(pread(fd, buf, 4, 100), 0);
}

TEST(pread_negative_offset)
{
	char buf[4];
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_ERRNO(syscall(SYS_pread64, fd, buf, 4, -1L), EINVAL);
	CHECK_ERRNO(syscall(SYS_pwrite64, fd, buf, 4, -1L), EINVAL);
}

TEST(preadv_pwritev)
{
	char a[2], b[3];
	struct iovec wv[2] = {{"hi", 2}, {"there", 5}};
	struct iovec rv[2] = {{a, 2}, {b, 3}};
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(pwritev(fd, wv, 2, 4), 7);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	CHECK_EQ(preadv(fd, rv, 2, 6), 5);
	CHECK(memcmp(a, "th", 2) == 0);
	CHECK(memcmp(b, "ere", 3) == 0);
}

TEST(lseek_whence)
{
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	CHECK_EQ(lseek(fd, 3, SEEK_SET), 3);
	CHECK_EQ(lseek(fd, 4, SEEK_CUR), 7);
	CHECK_EQ(lseek(fd, -2, SEEK_CUR), 5);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 10);
	CHECK_EQ(lseek(fd, -4, SEEK_END), 6);
	CHECK_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL);
	CHECK_ERRNO(lseek(fd, -11, SEEK_END), EINVAL);
	CHECK_ERRNO(lseek(fd, 0, 42), EINVAL);
	/* A failed lseek leaves the offset alone. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6);
}

TEST(lseek_past_eof_makes_hole)
{
	char buf[16];
	struct stat st;
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "ab", 2), 2);
	CHECK_EQ(lseek(fd, 100, SEEK_SET), 100);
	/* Seeking alone does not change the size. */
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 2);
	CHECK_EQ(read(fd, buf, sizeof buf), 0);
	CHECK_EQ(write(fd, "z", 1), 1);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 101);
	CHECK_EQ(pread(fd, buf, 10, 50), 10);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(buf[i], 0);
	CHECK_EQ(pread(fd, buf, 16, 99), 2);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(buf[1], 'z');
}

TEST(lseek_bad_fd)
{
	CHECK_ERRNO(lseek(9999, 0, SEEK_SET), EBADF);
}

TEST(dup_shares_offset)
{
	char c;
	int fd, fd2;
	CHECK_OK(h_write_file("f", "abcdef", 6));
	fd = open("f", O_RDONLY);
	CHECK(fd >= 0);
	fd2 = dup(fd);
	CHECK(fd2 >= 0);
	CHECK(fd2 != fd);
	CHECK_EQ(read(fd, &c, 1), 1);
	CHECK_EQ(c, 'a');
	CHECK_EQ(read(fd2, &c, 1), 1);
	CHECK_EQ(c, 'b');
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2);
	/* The copy does not inherit FD_CLOEXEC. */
	CHECK_OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
	fd2 = dup(fd);
	CHECK(fd2 >= 0);
	CHECK_EQ(fcntl(fd2, F_GETFD), 0);
}

TEST(dup_lowest_free)
{
	int a = open(".", O_RDONLY), b = open(".", O_RDONLY), c = open(".", O_RDONLY);
	CHECK(a >= 0 && b == a + 1 && c == b + 1);
	CHECK_OK(close(b));
	CHECK_EQ(dup(c), b);
	CHECK_OK(close(a));
	CHECK_EQ(open(".", O_RDONLY), a);
}

TEST(dup2_replaces)
{
	char c;
	int f1, f2;
	CHECK_OK(h_write_file("one", "1", 1));
	CHECK_OK(h_write_file("two", "2", 1));
	f1 = open("one", O_RDONLY);
	f2 = open("two", O_RDONLY);
	CHECK(f1 >= 0 && f2 >= 0);
	CHECK_EQ(dup2(f1, f2), f2);
	CHECK_EQ(read(f2, &c, 1), 1);
	CHECK_EQ(c, '1');
	/* Same fd: returns it and does nothing. */
	CHECK_EQ(dup2(f1, f1), f1);
	CHECK_OK(fcntl(f1, F_GETFD));
	/* dup2 to a high unused number. */
	CHECK_EQ(dup2(f1, 200), 200);
	CHECK_OK(fcntl(200, F_GETFD));
	CHECK_ERRNO(dup2(9999, f1), EBADF);
	CHECK_ERRNO(dup2(9999, 9999), EBADF);
}

TEST(dup3_flags)
{
	int fd = open(".", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERRNO(dup3(fd, fd, 0), EINVAL);
	CHECK_ERRNO(dup3(fd, fd, O_CLOEXEC), EINVAL);
	CHECK_EQ(dup3(fd, 100, O_CLOEXEC), 100);
	CHECK_EQ(fcntl(100, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(dup3(fd, 101, 0), 101);
	CHECK_EQ(fcntl(101, F_GETFD), 0);
	CHECK_ERRNO(dup3(fd, 102, O_APPEND), EINVAL);
}

TEST(fcntl_getfd_setfd)
{
	int fd = open(".", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	CHECK_OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_OK(fcntl(fd, F_SETFD, 0));
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	CHECK_ERRNO(fcntl(9999, F_GETFD), EBADF);
}

TEST(fcntl_getfl_setfl)
{
	char buf[16];
	int fd;
	CHECK_OK(h_write_file("f", "abc", 3));
	fd = open("f", O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND), O_RDWR);
	CHECK_OK(fcntl(fd, F_SETFL, O_APPEND));
	CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND), O_RDWR | O_APPEND);
	CHECK_EQ(write(fd, "d", 1), 1);
	CHECK_EQ(h_read_file("f", buf, sizeof buf), 4);
	CHECK_STREQ(buf, "abcd");
	/* F_SETFL cannot change the access mode. */
	CHECK_OK(fcntl(fd, F_SETFL, O_RDONLY));
	CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND), O_RDWR);
	fd = open("f", O_WRONLY);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	fd = open("f", O_RDONLY);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
}

TEST(fcntl_dupfd)
{
	int fd = open(".", O_RDONLY), d;
	CHECK(fd >= 0);
	CHECK_OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
	d = fcntl(fd, F_DUPFD, 50);
	CHECK_EQ(d, 50);
	CHECK_EQ(fcntl(d, F_GETFD), 0);
	/* The lowest free number at or above the minimum. */
	CHECK_EQ(fcntl(fd, F_DUPFD, 50), 51);
	d = fcntl(fd, F_DUPFD_CLOEXEC, 60);
	CHECK_EQ(d, 60);
	CHECK_EQ(fcntl(d, F_GETFD), FD_CLOEXEC);
	CHECK_ERRNO(fcntl(fd, F_DUPFD, -1), EINVAL);
}

TEST(fcntl_unknown_cmd)
{
	int fd = open(".", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERRNO(syscall(SYS_fcntl, fd, 0x7fff, 0), EINVAL);
}

TEST(close_bad_fd)
{
	int fd = open(".", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_OK(close(fd));
	CHECK_ERRNO(close(fd), EBADF);
	CHECK_ERRNO(close(9999), EBADF);
	CHECK_ERRNO(close(-1), EBADF);
}

TEST(rw_wrong_mode_ebadf)
{
	char c = 'x';
	int wfd, rfd;
	CHECK_OK(h_write_file("f", "abc", 3));
	wfd = open("f", O_WRONLY);
	rfd = open("f", O_RDONLY);
	CHECK(wfd >= 0 && rfd >= 0);
	CHECK_ERRNO(read(wfd, &c, 1), EBADF);
	CHECK_ERRNO(write(rfd, &c, 1), EBADF);
	CHECK_ERRNO(pread(wfd, &c, 1, 0), EBADF);
	CHECK_ERRNO(read(9999, &c, 1), EBADF);
}

TEST(read_bad_buffer_efault)
{
	int fd;
	CHECK_OK(h_write_file("f", "abc", 3));
	fd = open("f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERRNO(syscall(SYS_read, fd, (void *)8, 3), EFAULT);
	CHECK_ERRNO(syscall(SYS_write, 1, (void *)8, 3), EFAULT);
}

TEST(ftruncate_grow_shrink)
{
	char buf[32];
	struct stat st;
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "abcdef", 6), 6);
	CHECK_OK(ftruncate(fd, 3));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 3);
	CHECK_OK(ftruncate(fd, 10));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 10);
	CHECK_EQ(pread(fd, buf, sizeof buf, 0), 10);
	CHECK(memcmp(buf, "abc\0\0\0\0\0\0\0", 10) == 0);
	/* The offset is not changed by truncation. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6);
	CHECK_ERRNO(ftruncate(fd, -1), EINVAL);
}

TEST(ftruncate_not_writable)
{
	int fd;
	CHECK_OK(h_write_file("f", "abc", 3));
	fd = open("f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERRNO(ftruncate(fd, 0), EINVAL);
	fd = open(".", O_RDONLY);
	CHECK_ERRNO(ftruncate(fd, 0), EINVAL);
}

TEST(truncate_path)
{
	struct stat st;
	CHECK_OK(h_write_file("f", "abcdef", 6));
	CHECK_OK(truncate("f", 2));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_size, 2);
	CHECK_ERRNO(truncate("missing", 0), ENOENT);
	CHECK_OK(mkdir("d", 0755));
	CHECK_ERRNO(truncate("d", 0), EISDIR);
}

TEST(fsync_fdatasync)
{
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "data", 4), 4);
	CHECK_OK(fsync(fd));
	CHECK_OK(fdatasync(fd));
	CHECK_ERRNO(fsync(9999), EBADF);
}

TEST(dev_null)
{
	char buf[8];
	int fd = open("/dev/null", O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "discard me", 10), 10);
	CHECK_EQ(read(fd, buf, sizeof buf), 0);
}

TEST(dev_zero)
{
	char buf[4096];
	int fd = open("/dev/zero", O_RDONLY);
	CHECK(fd >= 0);
	memset(buf, 0xAA, sizeof buf);
	CHECK_EQ(read(fd, buf, sizeof buf), sizeof buf);
	for (size_t i = 0; i < sizeof buf; i++)
		CHECK_EQ(buf[i], 0);
}

TEST(dev_full)
{
	char buf[16];
	int fd = open("/dev/full", O_RDWR);
	CHECK(fd >= 0);
	CHECK_ERRNO(write(fd, "x", 1), ENOSPC);
	/* Reads behave like /dev/zero. */
	memset(buf, 1, sizeof buf);
	CHECK_EQ(read(fd, buf, sizeof buf), sizeof buf);
	CHECK_EQ(buf[0] | buf[15], 0);
}

TEST(dev_urandom)
{
	unsigned char a[64], b[64];
	int fd = open("/dev/urandom", O_RDONLY), nonzero = 0;
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, a, sizeof a), sizeof a);
	CHECK_EQ(read(fd, b, sizeof b), sizeof b);
	for (size_t i = 0; i < sizeof a; i++)
		nonzero |= a[i];
	CHECK(nonzero != 0);
	CHECK(memcmp(a, b, sizeof a) != 0);
}
