/* File space: fallocate modes, holes, SEEK_DATA/SEEK_HOLE, st_blocks. */
#include "harness.h"

#include <limits.h>
#include <linux/falloc.h>

#define PG 4096

static int filled(const char *name, char c, size_t len)
{
	static char buf[4 * PG];
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || len > sizeof buf)
		return -1;
	memset(buf, c, len);
	if (write(fd, buf, len) != (ssize_t)len)
		return -1;
	return fd;
}

static long long blocks(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	return st.st_blocks;
}

static long long size_of(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	return st.st_size;
}

/* Whether [off, off+len) of fd reads as all `c`. */
static int all(int fd, off_t off, size_t len, char c)
{
	char buf[PG];
	while (len > 0) {
		size_t n = len < sizeof buf ? len : sizeof buf;
		if (pread(fd, buf, n, off) != (ssize_t)n)
			return 0;
		for (size_t i = 0; i < n; i++)
			if (buf[i] != c)
				return 0;
		off += n;
		len -= n;
	}
	return 1;
}

TEST(fallocate_extends_size)
{
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_OK(fallocate(fd, 0, 0, 2 * PG));
	CHECK_EQ(size_of(fd), 2 * PG);
	CHECK(blocks(fd) >= 2 * PG / 512);
	CHECK(all(fd, 0, 2 * PG, 0));
}

TEST(fallocate_keep_size)
{
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 4 * PG));
	CHECK_EQ(size_of(fd), 0);
	CHECK(blocks(fd) >= 4 * PG / 512);
}

TEST(fallocate_keeps_existing_data)
{
	int fd = filled("f", 'x', PG);
	CHECK(fd >= 0);
	CHECK_OK(fallocate(fd, 0, PG / 2, 2 * PG));
	CHECK_EQ(size_of(fd), PG / 2 + 2 * PG);
	CHECK(all(fd, 0, PG, 'x'));
	CHECK(all(fd, PG, PG + PG / 2, 0));
}

TEST(punch_hole_frees_pages)
{
	long long before;
	int fd = filled("f", 'x', 3 * PG);
	CHECK(fd >= 0);
	CHECK_OK(fsync(fd));
	before = blocks(fd);
	CHECK(before >= 3 * PG / 512);
	CHECK_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PG, PG));
	CHECK_EQ(size_of(fd), 3 * PG);
	CHECK_EQ(blocks(fd), before - PG / 512);
	CHECK(all(fd, 0, PG, 'x'));
	CHECK(all(fd, PG, PG, 0));
	CHECK(all(fd, 2 * PG, PG, 'x'));
}

TEST(punch_hole_partial_page_zeroes)
{
	char c;
	int fd = filled("f", 'x', 2 * PG);
	CHECK(fd >= 0);
	CHECK_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 200));
	CHECK(all(fd, 100, 200, 0));
	CHECK_EQ(pread(fd, &c, 1, 99), 1);
	CHECK_EQ(c, 'x');
	CHECK_EQ(pread(fd, &c, 1, 300), 1);
	CHECK_EQ(c, 'x');
	CHECK_EQ(size_of(fd), 2 * PG);
}

/* Linux 6.11+: one operation per call (older kernels said EINVAL). */
TEST(punch_hole_needs_keep_size)
{
	int fd = filled("f", 'x', PG);
	CHECK(fd >= 0);
	CHECK_ERRNO(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, PG), EOPNOTSUPP);
	CHECK_ERRNO(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
			      0, PG),
		    EOPNOTSUPP);
	CHECK(all(fd, 0, PG, 'x'));
}

TEST(zero_range)
{
	int fd = filled("f", 'x', 3 * PG);
	CHECK(fd >= 0);
	CHECK_OK(fallocate(fd, FALLOC_FL_ZERO_RANGE, PG - 10, PG + 20));
	CHECK(all(fd, 0, PG - 10, 'x'));
	CHECK(all(fd, PG - 10, PG + 20, 0));
	CHECK(all(fd, 2 * PG + 10, PG - 10, 'x'));
	CHECK_EQ(size_of(fd), 3 * PG);
	/* Past the end it extends the file unless KEEP_SIZE. */
	CHECK_OK(fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 3 * PG, PG));
	CHECK_EQ(size_of(fd), 3 * PG);
	CHECK_OK(fallocate(fd, FALLOC_FL_ZERO_RANGE, 3 * PG, PG));
	CHECK_EQ(size_of(fd), 4 * PG);
	CHECK(all(fd, 3 * PG, PG, 0));
}

TEST(fallocate_einval_range)
{
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_ERRNO(fallocate(fd, 0, 0, 0), EINVAL);
	CHECK_ERRNO(fallocate(fd, 0, 0, -1), EINVAL);
	CHECK_ERRNO(fallocate(fd, 0, -1, PG), EINVAL);
}

TEST(fallocate_ebadf)
{
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	int ro = open("f", O_RDONLY);
	CHECK(fd >= 0 && ro >= 0);
	CHECK_ERRNO(fallocate(ro, 0, 0, PG), EBADF);
	CHECK_ERRNO(fallocate(999, 0, 0, PG), EBADF);
}

TEST(fallocate_espipe_enodev)
{
	int p[2];
	int null = open("/dev/null", O_WRONLY);
	CHECK(null >= 0);
	CHECK_OK(pipe(p));
	CHECK_ERRNO(fallocate(p[1], 0, 0, PG), ESPIPE);
	CHECK_ERRNO(fallocate(null, 0, 0, PG), ENODEV);
}

TEST(fallocate_bad_mode_and_efbig)
{
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_ERRNO(fallocate(fd, 0x1000, 0, PG), EOPNOTSUPP);
	CHECK_ERRNO(fallocate(fd, 0, LLONG_MAX - 10, PG), EFBIG);
}

TEST(seek_data_hole_sparse)
{
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(pwrite(fd, "d", 1, 256 * PG), 1);
	CHECK_EQ(lseek(fd, 0, SEEK_DATA), 256 * PG);
	CHECK_EQ(lseek(fd, 0, SEEK_HOLE), 0);
	CHECK_EQ(lseek(fd, 256 * PG, SEEK_HOLE), 256 * PG + 1);
	/* SEEK_DATA/SEEK_HOLE move the file position. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 256 * PG + 1);
}

TEST(seek_enxio_at_eof)
{
	int fd = filled("f", 'x', PG);
	CHECK(fd >= 0);
	CHECK_ERRNO(lseek(fd, PG, SEEK_DATA), ENXIO);
	CHECK_ERRNO(lseek(fd, PG, SEEK_HOLE), ENXIO);
	CHECK_ERRNO(lseek(fd, 2 * PG, SEEK_DATA), ENXIO);
	CHECK_ERRNO(lseek(fd, -1, SEEK_DATA), ENXIO);
	CHECK_EQ(lseek(fd, 10, SEEK_DATA), 10);
	CHECK_EQ(lseek(fd, 10, SEEK_HOLE), PG);
}

TEST(seek_after_punch)
{
	int fd = filled("f", 'x', 3 * PG);
	CHECK(fd >= 0);
	CHECK_OK(fsync(fd));
	CHECK_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PG, PG));
	CHECK_EQ(lseek(fd, 0, SEEK_HOLE), PG);
	CHECK_EQ(lseek(fd, PG, SEEK_DATA), 2 * PG);
	CHECK_EQ(lseek(fd, PG + 5, SEEK_HOLE), PG + 5);
}

TEST(hole_after_truncate_extend)
{
	int fd = filled("f", 'x', PG);
	CHECK(fd >= 0);
	CHECK_OK(ftruncate(fd, 64 * PG));
	CHECK_EQ(lseek(fd, 0, SEEK_HOLE), PG);
	CHECK_ERRNO(lseek(fd, PG, SEEK_DATA), ENXIO);
	CHECK(all(fd, PG, 63 * PG, 0));
}

TEST(truncate_shrink_then_extend_reads_zeros)
{
	int fd = filled("f", 'x', 2 * PG);
	CHECK(fd >= 0);
	CHECK_OK(ftruncate(fd, 100));
	CHECK_OK(ftruncate(fd, 2 * PG));
	CHECK(all(fd, 0, 100, 'x'));
	CHECK(all(fd, 100, 2 * PG - 100, 0));
}

TEST(st_blocks_of_sparse_file)
{
	struct stat st;
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(pwrite(fd, "d", 1, 1024 * PG), 1);
	CHECK_OK(fsync(fd));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 1024 * PG + 1);
	CHECK(st.st_blocks > 0 && st.st_blocks <= 64);
}

TEST(statx_blocks_follow_allocation)
{
	struct statx stx;
	unsigned long long base;
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	/* Some file systems count metadata blocks (e.g. xattrs) too. */
	CHECK_OK(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_BLOCKS, &stx));
	base = stx.stx_blocks;
	CHECK_OK(fallocate(fd, 0, 0, 8 * PG));
	CHECK_OK(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_BLOCKS, &stx));
	CHECK(stx.stx_blocks >= base + 8 * PG / 512);
	CHECK_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 8 * PG));
	CHECK_OK(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_BLOCKS, &stx));
	CHECK_EQ(stx.stx_blocks, base);
}

TEST(fadvise_and_readahead)
{
	int p[2];
	int fd = filled("f", 'x', PG);
	int dir = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0 && dir >= 0);
	CHECK_OK(pipe(p));
	CHECK_EQ(posix_fadvise(fd, 0, PG, POSIX_FADV_SEQUENTIAL), 0);
	CHECK_EQ(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	CHECK_EQ(posix_fadvise(fd, 0, PG, 99), EINVAL);
	CHECK_EQ(posix_fadvise(fd, 0, -1, POSIX_FADV_NORMAL), EINVAL);
	CHECK_EQ(posix_fadvise(p[0], 0, PG, POSIX_FADV_NORMAL), ESPIPE);
	CHECK_EQ(posix_fadvise(999, 0, PG, POSIX_FADV_NORMAL), EBADF);
	CHECK_OK(readahead(fd, 0, PG));
	CHECK_ERRNO(readahead(p[0], 0, PG), EINVAL);
	CHECK_ERRNO(readahead(dir, 0, PG), EINVAL);
	CHECK_ERRNO(readahead(999, 0, PG), EBADF);
}

TEST(sync_family)
{
	int p[2];
	int fd = filled("f", 'x', PG);
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	sync();
	CHECK_OK(syncfs(fd));
	CHECK_ERRNO(syncfs(999), EBADF);
	CHECK_OK(sync_file_range(fd, 0, PG, SYNC_FILE_RANGE_WRITE));
	CHECK_OK(sync_file_range(fd, 0, 0,
				 SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
					 SYNC_FILE_RANGE_WAIT_AFTER));
	CHECK_ERRNO(sync_file_range(fd, 0, PG, 0x80), EINVAL);
	CHECK_ERRNO(sync_file_range(fd, -1, PG, SYNC_FILE_RANGE_WRITE), EINVAL);
	CHECK_ERRNO(sync_file_range(p[1], 0, PG, SYNC_FILE_RANGE_WRITE), ESPIPE);
	CHECK_ERRNO(sync_file_range(999, 0, PG, SYNC_FILE_RANGE_WRITE), EBADF);
	CHECK_OK(fdatasync(fd));
}
