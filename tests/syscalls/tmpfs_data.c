/* File data on the sandbox's tmpfs (the overlay's upper layer, where each
 * case's scratch directory lives): large writes that span holes, pages the
 * file already has and pages scattered in memory, read back byte for byte
 * by read, pread and a shared mapping. */
#include "harness.h"

#define PG 4096

static void fill(unsigned char *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed + i * 7 + i / 251);
}

/* Writes one byte at each of `offs` in file `fd`, interleaved with pages
 * of a second file, so the first file's pages are not contiguous. */
static int scatter(int fd, const off_t *offs, int n)
{
	int other = open("other", O_RDWR | O_CREAT, 0644);
	if (other < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		unsigned char b = (unsigned char)(0xa0 + i);
		if (pwrite(fd, &b, 1, offs[i]) != 1 || pwrite(other, &b, 1, (off_t)i * PG) != 1)
			return -1;
	}
	return close(other);
}

TEST(large_write_over_holes_and_scattered_pages)
{
	static unsigned char data[13 * PG + 123], back[20 * PG];
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	const off_t offs[] = {2 * PG + 9, 5 * PG, 9 * PG + PG - 1, 17 * PG + 3};
	CHECK_OK(scatter(fd, offs, 4));
	fill(data, sizeof data, 3);
	/* From the middle of page 1 to the middle of page 14: over a hole,
	 * the scattered pages and holes between them. */
	CHECK_EQ(pwrite(fd, data, sizeof data, PG + 100), (ssize_t)sizeof data);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 17 * PG + 4);
	CHECK_EQ(pread(fd, back, sizeof back, 0), 17 * PG + 4);
	for (size_t i = 0; i < PG + 100; i++)
		CHECK_EQ(back[i], 0);
	CHECK(memcmp(back + PG + 100, data, sizeof data) == 0);
	size_t end = PG + 100 + sizeof data;
	for (size_t i = end; i < 17 * PG + 3; i++)
		CHECK_EQ(back[i], 0);
	CHECK_EQ(back[17 * PG + 3], 0xa3);
	/* The other file kept its own bytes. */
	int other = open("other", O_RDONLY);
	CHECK(other >= 0);
	CHECK_EQ(pread(other, back, 4 * PG, 0), 3 * PG + 1);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(back[i * PG], 0xa0 + i);
}

TEST(large_write_then_read_and_shared_mapping)
{
	static unsigned char data[64 * PG + 5], back[64 * PG + 5];
	int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	fill(data, sizeof data, 11);
	CHECK_EQ(write(fd, data, sizeof data), (ssize_t)sizeof data);
	/* Overwrite the middle of pages the file has, unaligned. */
	fill(data + 10 * PG + 17, 20 * PG, 99);
	CHECK_EQ(pwrite(fd, data + 10 * PG + 17, 20 * PG, 10 * PG + 17), 20 * PG);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	size_t got = 0;
	while (got < sizeof back) {
		ssize_t n = read(fd, back + got, sizeof back - got);
		CHECK(n > 0);
		got += (size_t)n;
	}
	CHECK(memcmp(back, data, sizeof data) == 0);
	unsigned char *m = mmap(NULL, sizeof data, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	CHECK(memcmp(m, data, sizeof data) == 0);
	/* A write after the mapping is made shows through it. */
	fill(data, 8 * PG, 200);
	CHECK_EQ(pwrite(fd, data, 8 * PG, 0), 8 * PG);
	CHECK(memcmp(m, data, 8 * PG) == 0);
	CHECK_OK(munmap(m, sizeof data));
}

/* A buffer that is itself a shared mapping of the file being written:
 * the copy must not deadlock or tear. */
TEST(write_from_a_mapping_of_the_same_file)
{
	static unsigned char data[16 * PG];
	int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	fill(data, sizeof data, 5);
	CHECK_EQ(write(fd, data, sizeof data), (ssize_t)sizeof data);
	unsigned char *m = mmap(NULL, sizeof data, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	/* Copy the first 8 pages over the last 8, through the mapping. */
	CHECK_EQ(pwrite(fd, m, 8 * PG, 8 * PG), 8 * PG);
	CHECK(memcmp(m + 8 * PG, data, 8 * PG) == 0);
	/* And the whole file onto itself. */
	CHECK_EQ(pwrite(fd, m, 16 * PG, 0), 16 * PG);
	CHECK(memcmp(m, data, 8 * PG) == 0);
	CHECK_OK(munmap(m, sizeof data));
}
