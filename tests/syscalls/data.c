/* Moving data between descriptors: splice, tee, vmsplice, copy_file_range,
 * sendfile, with their offset rules and error cases. */
#include "harness.h"

#include <sys/sendfile.h>
#include <sys/uio.h>

static int make_file(const char *name, const char *data)
{
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		return -1;
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static off_t pos(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

TEST(splice_file_to_pipe)
{
	int p[2];
	char buf[16] = {0};
	int fd = make_file("f", "hello world");
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	CHECK_EQ(splice(fd, NULL, p[1], NULL, 5, 0), 5);
	CHECK_EQ(pos(fd), 5);
	CHECK_EQ(read(p[0], buf, sizeof buf), 5);
	CHECK_STREQ(buf, "hello");
}

TEST(splice_pipe_to_file)
{
	int p[2];
	char buf[16] = {0};
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "abcdef", 6), 6);
	CHECK_EQ(splice(p[0], NULL, fd, NULL, 4, 0), 4);
	CHECK_EQ(pos(fd), 4);
	CHECK_EQ(pread(fd, buf, sizeof buf, 0), 4);
	CHECK_STREQ(buf, "abcd");
	/* The rest stays in the pipe. */
	memset(buf, 0, sizeof buf);
	CHECK_EQ(read(p[0], buf, sizeof buf), 2);
	CHECK_STREQ(buf, "ef");
}

TEST(splice_off_in_pointer)
{
	int p[2];
	char buf[16] = {0};
	loff_t off = 6;
	int fd = make_file("f", "hello world");
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	CHECK_EQ(splice(fd, &off, p[1], NULL, 100, 0), 5);
	CHECK_EQ(off, 11);
	CHECK_EQ(pos(fd), 0);
	CHECK_EQ(read(p[0], buf, sizeof buf), 5);
	CHECK_STREQ(buf, "world");
}

TEST(splice_off_out_pointer)
{
	int p[2];
	char buf[16] = {0};
	loff_t off = 3;
	int fd = make_file("f", "......");
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "XY", 2), 2);
	CHECK_EQ(splice(p[0], NULL, fd, &off, 2, 0), 2);
	CHECK_EQ(off, 5);
	CHECK_EQ(pos(fd), 0);
	CHECK_EQ(pread(fd, buf, sizeof buf, 0), 6);
	CHECK_STREQ(buf, "...XY.");
}

TEST(splice_pipe_to_pipe)
{
	int a[2], b[2];
	char buf[16] = {0};
	CHECK_OK(pipe(a));
	CHECK_OK(pipe2(b, O_NONBLOCK));
	CHECK_EQ(write(a[1], "xyz", 3), 3);
	CHECK_EQ(splice(a[0], NULL, b[1], NULL, 100, 0), 3);
	CHECK_EQ(read(b[0], buf, sizeof buf), 3);
	CHECK_STREQ(buf, "xyz");
	/* Moved, not copied: the source is empty now. */
	CHECK_OK(fcntl(a[0], F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(read(a[0], buf, sizeof buf), EAGAIN);
}

TEST(splice_espipe_offset_on_pipe)
{
	int p[2];
	loff_t off = 0;
	int fd = make_file("f", "data");
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "ab", 2), 2);
	CHECK_ERRNO(splice(p[0], &off, fd, NULL, 2, 0), ESPIPE);
	CHECK_ERRNO(splice(fd, NULL, p[1], &off, 2, 0), ESPIPE);
}

TEST(splice_einval_without_pipe)
{
	int a = make_file("a", "data");
	int b = open("b", O_RDWR | O_CREAT, 0644);
	CHECK(a >= 0 && b >= 0);
	CHECK_ERRNO(splice(a, NULL, b, NULL, 4, 0), EINVAL);
}

TEST(splice_einval_same_pipe)
{
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "ab", 2), 2);
	CHECK_ERRNO(splice(p[0], NULL, p[1], NULL, 2, 0), EINVAL);
}

TEST(splice_ebadf)
{
	int p[2];
	int wo = open("w", O_WRONLY | O_CREAT, 0644);
	CHECK(wo >= 0);
	CHECK_OK(pipe(p));
	CHECK_ERRNO(splice(999, NULL, p[1], NULL, 4, 0), EBADF);
	/* The input must be open for reading, the output for writing. */
	CHECK_ERRNO(splice(wo, NULL, p[1], NULL, 4, 0), EBADF);
	CHECK_ERRNO(splice(p[0], NULL, p[0], NULL, 4, 0), EBADF);
}

TEST(splice_nonblock_empty_pipe)
{
	int p[2];
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	CHECK_ERRNO(splice(p[0], NULL, fd, NULL, 4, SPLICE_F_NONBLOCK), EAGAIN);
}

TEST(splice_bad_flags_and_zero_len)
{
	int p[2];
	int fd = make_file("f", "data");
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	CHECK_ERRNO(splice(fd, NULL, p[1], NULL, 4, 0x100), EINVAL);
	CHECK_EQ(splice(fd, NULL, p[1], NULL, 0, 0), 0);
}

TEST(splice_eof_without_writers)
{
	int p[2];
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	close(p[1]);
	CHECK_EQ(splice(p[0], NULL, fd, NULL, 4, 0), 0);
}

TEST(splice_append_output_einval)
{
	int p[2];
	int fd = open("f", O_WRONLY | O_CREAT | O_APPEND, 0644);
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "ab", 2), 2);
	CHECK_ERRNO(splice(p[0], NULL, fd, NULL, 2, 0), EINVAL);
}

TEST(splice_flags_accepted)
{
	int p[2];
	char buf[8] = {0};
	int fd = make_file("f", "flags");
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	CHECK_EQ(splice(fd, NULL, p[1], NULL, 5, SPLICE_F_MOVE | SPLICE_F_MORE | SPLICE_F_GIFT), 5);
	CHECK_EQ(read(p[0], buf, sizeof buf), 5);
	CHECK_STREQ(buf, "flags");
}

TEST(splice_epipe_without_readers)
{
	int p[2];
	int fd = make_file("f", "data");
	CHECK(fd >= 0);
	CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	CHECK_OK(pipe(p));
	close(p[0]);
	CHECK_ERRNO(splice(fd, NULL, p[1], NULL, 4, 0), EPIPE);
	signal(SIGPIPE, SIG_DFL);
}

TEST(tee_copies)
{
	int a[2], b[2];
	char buf[16] = {0};
	CHECK_OK(pipe(a));
	CHECK_OK(pipe(b));
	CHECK_EQ(write(a[1], "data", 4), 4);
	CHECK_EQ(tee(a[0], b[1], 100, 0), 4);
	CHECK_EQ(read(b[0], buf, sizeof buf), 4);
	CHECK_STREQ(buf, "data");
	memset(buf, 0, sizeof buf);
	CHECK_EQ(read(a[0], buf, sizeof buf), 4);
	CHECK_STREQ(buf, "data");
}

TEST(tee_errors)
{
	int a[2], b[2];
	int fd = make_file("f", "data");
	CHECK(fd >= 0);
	CHECK_OK(pipe(a));
	CHECK_OK(pipe(b));
	CHECK_EQ(write(a[1], "x", 1), 1);
	CHECK_ERRNO(tee(fd, b[1], 4, 0), EINVAL);
	CHECK_ERRNO(tee(a[0], a[1], 4, 0), EINVAL);
	CHECK_ERRNO(tee(a[0], b[1], 4, 0x100), EINVAL);
	CHECK_ERRNO(tee(999, b[1], 4, 0), EBADF);
}

TEST(tee_nonblock_empty)
{
	int a[2], b[2];
	CHECK_OK(pipe(a));
	CHECK_OK(pipe(b));
	CHECK_ERRNO(tee(a[0], b[1], 4, SPLICE_F_NONBLOCK), EAGAIN);
}

TEST(vmsplice_into_pipe)
{
	int p[2];
	char buf[16] = {0};
	struct iovec iov[2] = {{"abc", 3}, {"defg", 4}};
	CHECK_OK(pipe(p));
	CHECK_EQ(vmsplice(p[1], iov, 2, 0), 7);
	CHECK_EQ(read(p[0], buf, sizeof buf), 7);
	CHECK_STREQ(buf, "abcdefg");
}

TEST(vmsplice_from_pipe)
{
	int p[2];
	char a[3] = {0}, b[8] = {0};
	struct iovec iov[2] = {{a, 2}, {b, 7}};
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "12345", 5), 5);
	CHECK_EQ(vmsplice(p[0], iov, 2, 0), 5);
	CHECK_STREQ(a, "12");
	CHECK_STREQ(b, "345");
}

TEST(vmsplice_fault_keeps_data)
{
	int p[2];
	char buf[8] = {0};
	struct iovec bad = {(void *)8, 3};
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "abc", 3), 3);
	CHECK_ERRNO(vmsplice(p[0], &bad, 1, 0), EFAULT);
	CHECK_EQ(read(p[0], buf, sizeof buf), 3);
	CHECK_STREQ(buf, "abc");
	CHECK_ERRNO(vmsplice(p[1], &bad, 1, 0), EFAULT);
}

TEST(vmsplice_errors)
{
	int p[2];
	struct iovec iov = {"x", 1};
	int fd = make_file("f", "data");
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	CHECK_ERRNO(vmsplice(fd, &iov, 1, 0), EBADF);
	CHECK_ERRNO(vmsplice(999, &iov, 1, 0), EBADF);
	CHECK_ERRNO(vmsplice(p[1], &iov, 1, 0x100), EINVAL);
}

TEST(vmsplice_nonblock_full_pipe)
{
	int p[2];
	static char big[1 << 20];
	struct iovec iov = {big, sizeof big};
	ssize_t n;
	CHECK_OK(pipe(p));
	n = vmsplice(p[1], &iov, 1, SPLICE_F_NONBLOCK);
	CHECK(n > 0 && n < (ssize_t)sizeof big);
	CHECK_ERRNO(vmsplice(p[1], &iov, 1, SPLICE_F_NONBLOCK), EAGAIN);
}

TEST(copy_file_range_positions)
{
	char buf[16] = {0};
	int in = make_file("in", "0123456789");
	int out = open("out", O_RDWR | O_CREAT, 0644);
	CHECK(in >= 0 && out >= 0);
	CHECK_EQ(copy_file_range(in, NULL, out, NULL, 4, 0), 4);
	CHECK_EQ(pos(in), 4);
	CHECK_EQ(pos(out), 4);
	CHECK_EQ(copy_file_range(in, NULL, out, NULL, 100, 0), 6);
	CHECK_EQ(pread(out, buf, sizeof buf, 0), 10);
	CHECK_STREQ(buf, "0123456789");
	/* At the end of the input: nothing more. */
	CHECK_EQ(copy_file_range(in, NULL, out, NULL, 100, 0), 0);
}

TEST(copy_file_range_offset_pointers)
{
	char buf[16] = {0};
	loff_t oi = 2, oo = 1;
	int in = make_file("in", "abcdefgh");
	int out = make_file("out", "--------");
	CHECK(in >= 0 && out >= 0);
	CHECK_EQ(copy_file_range(in, &oi, out, &oo, 3, 0), 3);
	CHECK_EQ(oi, 5);
	CHECK_EQ(oo, 4);
	CHECK_EQ(pos(in), 0);
	CHECK_EQ(pos(out), 0);
	CHECK_EQ(pread(out, buf, sizeof buf, 0), 8);
	CHECK_STREQ(buf, "-cde----");
}

TEST(copy_file_range_large)
{
	static char data[300000], back[300000];
	int in, out;
	size_t i;
	for (i = 0; i < sizeof data; i++)
		data[i] = (char)(i * 7 + 3);
	in = open("in", O_RDWR | O_CREAT, 0644);
	out = open("out", O_RDWR | O_CREAT, 0644);
	CHECK(in >= 0 && out >= 0);
	CHECK_EQ(write(in, data, sizeof data), sizeof data);
	CHECK_OK(lseek(in, 0, SEEK_SET));
	size_t done = 0;
	while (done < sizeof data) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, sizeof data - done, 0);
		CHECK(n > 0);
		done += n;
	}
	CHECK_EQ(pread(out, back, sizeof back, 0), sizeof back);
	CHECK(memcmp(data, back, sizeof data) == 0);
}

TEST(copy_file_range_errors)
{
	int in = make_file("in", "0123456789");
	int ro = open("in", O_RDONLY);
	int dir = open(".", O_RDONLY | O_DIRECTORY);
	int ap = open("ap", O_WRONLY | O_CREAT | O_APPEND, 0644);
	int p[2];
	CHECK(in >= 0 && ro >= 0 && dir >= 0 && ap >= 0);
	CHECK_OK(pipe(p));
	CHECK_ERRNO(copy_file_range(in, NULL, in, NULL, 4, 1), EINVAL);
	CHECK_ERRNO(copy_file_range(999, NULL, in, NULL, 4, 0), EBADF);
	CHECK_ERRNO(copy_file_range(in, NULL, ro, NULL, 4, 0), EBADF);
	CHECK_ERRNO(copy_file_range(in, NULL, ap, NULL, 4, 0), EBADF);
	CHECK_ERRNO(copy_file_range(dir, NULL, in, NULL, 4, 0), EISDIR);
	CHECK_ERRNO(copy_file_range(p[0], NULL, in, NULL, 4, 0), EINVAL);
}

TEST(copy_file_range_same_file)
{
	char buf[32] = {0};
	loff_t a = 0, b = 4;
	int fd = make_file("f", "abcdefghijkl");
	CHECK(fd >= 0);
	/* Overlapping ranges of one file are refused... */
	CHECK_ERRNO(copy_file_range(fd, &a, fd, &b, 8, 0), EINVAL);
	/* ...disjoint ones are fine. */
	a = 0;
	b = 8;
	CHECK_EQ(copy_file_range(fd, &a, fd, &b, 4, 0), 4);
	CHECK_EQ(pread(fd, buf, sizeof buf, 0), 12);
	CHECK_STREQ(buf, "abcdefghabcd");
}

TEST(copy_file_range_exdev)
{
	char shm[64];
	int in = make_file("in", "0123456789");
	int out;
	snprintf(shm, sizeof shm, "/dev/shm/rvisor-data-%d", getpid());
	out = open(shm, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(in >= 0 && out >= 0);
	unlink(shm);
	CHECK_ERRNO(copy_file_range(in, NULL, out, NULL, 4, 0), EXDEV);
}

TEST(sendfile_offset_pointer)
{
	int p[2];
	char buf[16] = {0};
	off_t off = 2;
	int fd = make_file("f", "abcdefgh");
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	CHECK_EQ(sendfile(p[1], fd, &off, 3), 3);
	CHECK_EQ(off, 5);
	CHECK_EQ(pos(fd), 0);
	CHECK_EQ(read(p[0], buf, sizeof buf), 3);
	CHECK_STREQ(buf, "cde");
}

TEST(sendfile_file_position)
{
	char buf[16] = {0};
	int in = make_file("in", "abcdefgh");
	int out = open("out", O_RDWR | O_CREAT, 0644);
	CHECK(in >= 0 && out >= 0);
	CHECK_OK(lseek(in, 3, SEEK_SET));
	CHECK_EQ(sendfile(out, in, NULL, 100), 5);
	CHECK_EQ(pos(in), 8);
	CHECK_EQ(pos(out), 5);
	CHECK_EQ(pread(out, buf, sizeof buf, 0), 5);
	CHECK_STREQ(buf, "defgh");
	CHECK_EQ(sendfile(out, in, NULL, 100), 0);
}

TEST(sendfile_errors)
{
	int p[2];
	off_t off = -1;
	int in = make_file("in", "abcdefgh");
	int wo = open("wo", O_WRONLY | O_CREAT, 0644);
	int ap = open("ap", O_WRONLY | O_CREAT | O_APPEND, 0644);
	CHECK(in >= 0 && wo >= 0 && ap >= 0);
	CHECK_OK(pipe(p));
	CHECK_ERRNO(sendfile(p[1], wo, NULL, 4), EBADF);
	int ro = open("in", O_RDONLY);
	CHECK(ro >= 0);
	CHECK_ERRNO(sendfile(ro, in, NULL, 4), EBADF);
	CHECK_ERRNO(sendfile(p[1], in, &off, 4), EINVAL);
	CHECK_ERRNO(sendfile(ap, in, NULL, 4), EINVAL);
	CHECK_EQ(write(p[1], "ab", 2), 2);
	off = 0;
	CHECK_ERRNO(sendfile(wo, p[0], &off, 2), ESPIPE);
}
