/* Memory management: mmap/munmap/mprotect/mremap/madvise and brk.
 *
 * Nothing here touches memory that is unmapped or lacks the permission:
 * there is no signal handling in the sandbox yet, so a fault would kill the
 * whole binary. Inaccessible memory is probed by handing it to a syscall,
 * which must fail with EFAULT instead: write(2) to a regular file, which
 * copies the buffer (/dev/null would not: its write never reads it). */
#include "harness.h"

#include <sys/mman.h>

#define PAGE 4096UL

/* A regular file in the case's directory to write probes into. */
static int sink(void)
{
	return open("sink", O_WRONLY | O_CREAT | O_TRUNC, 0644);
}

static void *map_anon(size_t len, int prot)
{
	return mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* 1 if the buffer is all zero bytes. */
static int all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

TEST(anon_private_rw)
{
	unsigned char *p = map_anon(4 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(p != MAP_FAILED);
	CHECK_EQ((uintptr_t)p % PAGE, 0);
	CHECK(all_zero(p, 4 * PAGE));
	for (size_t i = 0; i < 4 * PAGE; i++)
		p[i] = (unsigned char)(i * 13);
	for (size_t i = 0; i < 4 * PAGE; i++)
		CHECK_EQ(p[i], (unsigned char)(i * 13));
	CHECK_OK(munmap(p, 4 * PAGE));
}

TEST(anon_len_rounded_up)
{
	/* A length that is not a page multiple maps whole pages. */
	unsigned char *p = map_anon(100, PROT_READ | PROT_WRITE);
	int fd = open("/dev/zero", O_RDONLY);
	CHECK(p != MAP_FAILED);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, p, PAGE), PAGE);
	p[PAGE - 1] = 1;
	CHECK_OK(munmap(p, 100));
}

TEST(map_fixed_replaces)
{
	unsigned char *p = map_anon(3 * PAGE, PROT_READ | PROT_WRITE), *q;
	CHECK(p != MAP_FAILED);
	memset(p, 0x5a, 3 * PAGE);
	q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	CHECK(q == p + PAGE);
	CHECK(all_zero(q, PAGE));
	CHECK_EQ(p[PAGE - 1], 0x5a);
	CHECK_EQ(p[2 * PAGE], 0x5a);
	/* MAP_FIXED needs an aligned address. */
	CHECK(mmap(p + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
	      MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK_OK(munmap(p, 3 * PAGE));
}

TEST(map_fixed_noreplace)
{
	unsigned char *p = map_anon(2 * PAGE, PROT_READ | PROT_WRITE), *q;
	CHECK(p != MAP_FAILED);
	p[0] = 7;
	q = mmap(p, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == MAP_FAILED);
	CHECK_EQ(errno, EEXIST);
	CHECK_EQ(p[0], 7);
	CHECK_OK(munmap(p + PAGE, PAGE));
	q = mmap(p + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		 0);
	CHECK(q == p + PAGE);
	CHECK_OK(munmap(p, 2 * PAGE));
}

TEST(munmap_then_efault)
{
	int fd = sink();
	unsigned char *p = map_anon(2 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(fd >= 0);
	CHECK(p != MAP_FAILED);
	p[0] = p[PAGE] = 1;
	CHECK_EQ(write(fd, p, 1), 1);
	CHECK_OK(munmap(p, PAGE));
	CHECK_ERRNO(write(fd, p, 1), EFAULT);
	/* The other page is still there. */
	CHECK_EQ(write(fd, p + PAGE, 1), 1);
	CHECK_EQ(p[PAGE], 1);
	CHECK_OK(munmap(p + PAGE, PAGE));
	CHECK_ERRNO(write(fd, p + PAGE, 1), EFAULT);
	/* Unmapping a hole is not an error. */
	CHECK_OK(munmap(p, 2 * PAGE));
}

TEST(munmap_errors)
{
	unsigned char *p = map_anon(PAGE, PROT_READ);
	CHECK(p != MAP_FAILED);
	CHECK_ERRNO(munmap(p + 1, PAGE), EINVAL);
	CHECK_ERRNO(munmap(p, 0), EINVAL);
	CHECK_OK(munmap(p, PAGE));
}

TEST(mprotect_readonly_read_efault)
{
	int fd = open("/dev/zero", O_RDONLY), nul = sink();
	unsigned char *p = map_anon(PAGE, PROT_READ | PROT_WRITE);
	CHECK(fd >= 0 && nul >= 0);
	CHECK(p != MAP_FAILED);
	p[0] = 42;
	CHECK_OK(mprotect(p, PAGE, PROT_READ));
	/* The kernel cannot write into it on our behalf... */
	CHECK_ERRNO(read(fd, p, 16), EFAULT);
	/* ...but can read from it, and the contents are intact. */
	CHECK_EQ(write(nul, p, 16), 16);
	CHECK_EQ(p[0], 42);
	CHECK_OK(mprotect(p, PAGE, PROT_READ | PROT_WRITE));
	CHECK_EQ(read(fd, p, 16), 16);
	CHECK_EQ(p[0], 0);
	CHECK_OK(munmap(p, PAGE));
}

TEST(mprotect_none_efault)
{
	int nul = sink();
	unsigned char *p = map_anon(PAGE, PROT_READ | PROT_WRITE);
	CHECK(nul >= 0);
	CHECK(p != MAP_FAILED);
	p[0] = 1;
	CHECK_OK(mprotect(p, PAGE, PROT_NONE));
	CHECK_ERRNO(write(nul, p, 1), EFAULT);
	CHECK_OK(mprotect(p, PAGE, PROT_READ));
	CHECK_EQ(write(nul, p, 1), 1);
	CHECK_EQ(p[0], 1);
	CHECK_ERRNO(mprotect(p + 1, PAGE, PROT_READ), EINVAL);
	CHECK_OK(munmap(p, PAGE));
	/* mprotect of an unmapped range is ENOMEM. */
	CHECK_ERRNO(mprotect(p, PAGE, PROT_READ), ENOMEM);
}

TEST(mprotect_part_of_mapping)
{
	int fd = open("/dev/zero", O_RDONLY);
	unsigned char *p = map_anon(3 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(fd >= 0);
	CHECK(p != MAP_FAILED);
	CHECK_OK(mprotect(p + PAGE, PAGE, PROT_READ));
	CHECK_EQ(read(fd, p, PAGE), PAGE);
	CHECK_ERRNO(read(fd, p + PAGE, PAGE), EFAULT);
	CHECK_EQ(read(fd, p + 2 * PAGE, PAGE), PAGE);
	CHECK_OK(munmap(p, 3 * PAGE));
}

TEST(mremap_grow_maymove)
{
	/* Three pages, of which the first two are grown: the third one blocks
	 * growth in place, so the mapping has to move. */
	unsigned char *p = map_anon(3 * PAGE, PROT_READ | PROT_WRITE), *q;
	CHECK(p != MAP_FAILED);
	for (size_t i = 0; i < 2 * PAGE; i++)
		p[i] = (unsigned char)(i ^ 0x33);
	p[2 * PAGE] = 0x44;
	q = mremap(p, 2 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED);
	CHECK(q != p);
	for (size_t i = 0; i < 2 * PAGE; i++)
		CHECK_EQ(q[i], (unsigned char)(i ^ 0x33));
	CHECK(all_zero(q + 2 * PAGE, 62 * PAGE));
	q[64 * PAGE - 1] = 9;
	CHECK_EQ(p[2 * PAGE], 0x44);
	CHECK_OK(munmap(q, 64 * PAGE));
	CHECK_OK(munmap(p + 2 * PAGE, PAGE));
}

TEST(mremap_without_maymove)
{
	unsigned char *p = map_anon(2 * PAGE, PROT_READ | PROT_WRITE), *q;
	int nul = sink();
	CHECK(p != MAP_FAILED);
	CHECK(nul >= 0);
	p[0] = 3;
	/* Growing page 0 in place collides with page 1. */
	CHECK(mremap(p, PAGE, 2 * PAGE, 0) == MAP_FAILED);
	CHECK_EQ(errno, ENOMEM);
	/* Shrinking works in place and unmaps the tail. */
	q = mremap(p, 2 * PAGE, PAGE, 0);
	CHECK(q == p);
	CHECK_EQ(p[0], 3);
	CHECK_ERRNO(write(nul, p + PAGE, 1), EFAULT);
	CHECK_OK(munmap(p, PAGE));
}

TEST(madvise_dontneed_zero_fills)
{
	unsigned char *p = map_anon(2 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(p != MAP_FAILED);
	memset(p, 0xee, 2 * PAGE);
	CHECK_OK(madvise(p, PAGE, MADV_DONTNEED));
	CHECK(all_zero(p, PAGE));
	CHECK_EQ(p[PAGE], 0xee);
	CHECK_ERRNO(madvise(p + 1, PAGE, MADV_DONTNEED), EINVAL);
	CHECK_OK(madvise(p, 2 * PAGE, MADV_WILLNEED));
	CHECK_OK(munmap(p, 2 * PAGE));
}

TEST(brk_grow_shrink)
{
	/* Raw brk: the glibc wrapper caches the break. Nothing in this case
	 * may call malloc, which also uses the break. */
	unsigned char *cur = (unsigned char *)syscall(SYS_brk, 0), *grown;
	int nul = sink();
	CHECK(cur != NULL);
	CHECK(nul >= 0);
	grown = (unsigned char *)syscall(SYS_brk, cur + (1 << 20));
	CHECK(grown == cur + (1 << 20));
	CHECK(all_zero(cur, 1 << 20));
	memset(cur, 0x77, 1 << 20);
	CHECK_EQ(cur[(1 << 20) - 1], 0x77);
	/* Shrink back: the released memory is gone. */
	CHECK((unsigned char *)syscall(SYS_brk, cur) == cur);
	CHECK((unsigned char *)syscall(SYS_brk, 0) == cur);
	CHECK_ERRNO(write(nul, cur + PAGE, 1), EFAULT);
	/* Growing again gives zeroed memory, not the old contents. */
	CHECK((unsigned char *)syscall(SYS_brk, cur + 2 * PAGE) == cur + 2 * PAGE);
	CHECK(all_zero(cur + (PAGE - ((uintptr_t)cur % PAGE)) % PAGE, PAGE));
	/* A request it cannot satisfy returns the current break. */
	CHECK((unsigned char *)syscall(SYS_brk, (void *)8) == cur + 2 * PAGE);
	CHECK((unsigned char *)syscall(SYS_brk, cur) == cur);
}

TEST(large_mapping_sparse)
{
	const size_t len = 256UL << 20;
	unsigned char *p = map_anon(len, PROT_READ | PROT_WRITE);
	CHECK(p != MAP_FAILED);
	for (size_t off = 0; off < len; off += 1 << 20)
		CHECK_EQ(p[off], 0);
	for (size_t off = 0; off < len; off += 1 << 20)
		p[off + 17] = (unsigned char)(off >> 20);
	for (size_t off = 0; off < len; off += 1 << 20)
		CHECK_EQ(p[off + 17], (unsigned char)(off >> 20));
	p[len - 1] = 1;
	CHECK_OK(munmap(p, len));
}

TEST(mmap_bad_args)
{
	int fd;
	/* Neither MAP_PRIVATE nor MAP_SHARED. */
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK_OK(h_write_file("f", "abc", 3));
	fd = open("f", O_RDONLY);
	CHECK(fd >= 0);
	/* Unaligned file offset. */
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 1) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	/* Bad fd for a file mapping. */
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 9999, 0) == MAP_FAILED);
	CHECK_EQ(errno, EBADF);
	/* A shared writable mapping of a read-only fd. */
	CHECK(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
	CHECK_EQ(errno, EACCES);
	/* A directory cannot be mapped. */
	fd = open(".", O_RDONLY);
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
	CHECK_EQ(errno, ENODEV);
}

TEST(mmap_file_private)
{
	char buf[8];
	unsigned char *p;
	int fd;
	CHECK_OK(h_write_file("f", "filedata", 8));
	fd = open("f", O_RDWR);
	CHECK(fd >= 0);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	CHECK(memcmp(p, "filedata", 8) == 0);
	/* The rest of the page past EOF reads as zero. */
	CHECK(all_zero(p + 8, PAGE - 8));
	p[0] = 'F';
	CHECK_EQ(pread(fd, buf, 8, 0), 8);
	CHECK(memcmp(buf, "filedata", 8) == 0);
	CHECK_OK(munmap(p, PAGE));
}

TEST(mmap_file_shared)
{
	char buf[8];
	unsigned char *p, *q;
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_OK(ftruncate(fd, 2 * PAGE));
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	memcpy(p + PAGE, "shared!", 7);
	CHECK_OK(msync(p, 2 * PAGE, MS_SYNC));
	CHECK_EQ(pread(fd, buf, 7, PAGE), 7);
	CHECK(memcmp(buf, "shared!", 7) == 0);
	/* A write(2) is visible through the mapping. */
	CHECK_EQ(pwrite(fd, "XYZ", 3, 0), 3);
	CHECK(memcmp(p, "XYZ", 3) == 0);
	/* A second mapping of the same file sees the same pages. */
	q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	CHECK(q != MAP_FAILED);
	CHECK(memcmp(q, "shared!", 7) == 0);
	p[PAGE] = 's';
	CHECK_EQ(q[0], 's');
	CHECK_OK(munmap(q, PAGE));
	CHECK_OK(munmap(p, 2 * PAGE));
}

TEST(mmap_shared_anonymous)
{
	unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
				0);
	CHECK(p != MAP_FAILED);
	CHECK(all_zero(p, PAGE));
	p[100] = 5;
	CHECK_EQ(p[100], 5);
	CHECK_OK(munmap(p, PAGE));
}
