/* Memory across fork and the rest of the mm calls: copy-on-write in both
 * directions, MAP_SHARED anonymous and file mappings shared with a child,
 * private file mappings, madvise (DONTNEED on file and shared memory, FREE,
 * WILLNEED, DONTFORK/DOFORK), mremap with MREMAP_FIXED, mprotect and munmap
 * across several mappings, mincore, mlock, MAP_FIXED_NOREPLACE overlaps,
 * MAP_GROWSDOWN, brk edge cases, RLIMIT_AS and RLIMIT_DATA.
 *
 * Whether an address is mapped is asked with msync (ENOMEM if not), and
 * whether it is readable or writable by handing it to write(2) or read(2)
 * (EFAULT if not), so the test process itself never faults. Cases that
 * change process limits put them back after the case (h_defer). */
#include "harness.h"

#include <sys/resource.h>

#define PAGE 4096UL
#define WAIT_MS 5000

static void *map_anon(size_t len, int prot)
{
	return mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void *map_shared_anon(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

/* 1 if [p, p+len) is entirely mapped, 0 if some of it is not. */
static int is_mapped(const void *p, size_t len)
{
	return msync((void *)p, len, MS_ASYNC) == 0;
}

static int sink_fd = -1, source_fd = -1;

/* 1 if the kernel can read a byte at p (write(2) from it succeeds). */
static int readable(const void *p)
{
	if (sink_fd < 0)
		sink_fd = open("sink", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	return write(sink_fd, p, 1) == 1;
}

/* 1 if the kernel can write a byte at p (read(2) into it succeeds; the
 * byte is overwritten). */
static int writable(void *p)
{
	if (source_fd < 0) {
		source_fd = open("source", O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (write(source_fd, "s", 1) != 1)
			return -1;
	}
	return pread(source_fd, p, 1, 0) == 1;
}

/* The fds above belong to the case's directory: forget them after it. */
static void forget_fds(void *arg)
{
	(void)arg;
	sink_fd = source_fd = -1;
}

static void use_probes(void)
{
	sink_fd = source_fd = -1;
	h_defer(forget_fds, NULL);
}

static int all_byte(const unsigned char *p, size_t len, unsigned char v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

/* Runs body in a child; returns its exit code, or -1 if it did not exit
 * normally within the time limit. */
static int in_child(int (*body)(void *), void *arg)
{
	int status;
	pid_t pid = h_fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(body(arg));
	if (h_waitpid_timeout(pid, &status, 0, WAIT_MS) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* ---- copy-on-write ---- */

static int data_word = 1111;

struct cow {
	unsigned char *anon;
	unsigned char *heap;
	int *stack_word;
};

static int child_writes_everything(void *arg)
{
	struct cow *c = arg;
	if (c->anon[0] != 0xa1 || c->heap[5] != 0xb2 || *c->stack_word != 33 || data_word != 1111)
		return 1;
	memset(c->anon, 0x11, 4 * PAGE);
	memset(c->heap, 0x22, 64);
	*c->stack_word = 44;
	data_word = 2222;
	return c->anon[PAGE] == 0x11 && data_word == 2222 ? 0 : 2;
}

TEST(cow_child_writes_stay_in_child)
{
	int stack_word = 33;
	struct cow c = {map_anon(4 * PAGE, PROT_READ | PROT_WRITE), malloc(64), &stack_word};
	CHECK(c.anon != MAP_FAILED);
	CHECK(c.heap != NULL);
	memset(c.anon, 0xa1, 4 * PAGE);
	memset(c.heap, 0xb2, 64);
	CHECK_EQ(in_child(child_writes_everything, &c), 0);
	CHECK(all_byte(c.anon, 4 * PAGE, 0xa1));
	CHECK(all_byte(c.heap, 64, 0xb2));
	CHECK_EQ(stack_word, 33);
	CHECK_EQ(data_word, 1111);
	free(c.heap);
	munmap(c.anon, 4 * PAGE);
}

TEST(cow_parent_writes_after_fork_stay_in_parent)
{
	int p[2], status;
	unsigned char *m = map_anon(8 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	CHECK_OK(pipe(p));
	memset(m, 0x5c, 8 * PAGE);
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		/* Wait for the parent's writes, then look. */
		if (read(p[0], &c, 1) != 1)
			_exit(1);
		_exit(all_byte(m, 8 * PAGE, 0x5c) ? 0 : 2);
	}
	close(p[0]);
	memset(m, 0x77, 8 * PAGE);
	CHECK_EQ(write(p[1], "go", 1), 1);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK(all_byte(m, 8 * PAGE, 0x77));
	munmap(m, 8 * PAGE);
}

static int child_writes_odd_pages(void *arg)
{
	unsigned char *m = arg;
	for (int i = 0; i < 256; i++)
		if (m[i * PAGE] != (unsigned char)i)
			return 1;
	for (int i = 1; i < 256; i += 2)
		m[i * PAGE] = 0xff;
	for (int i = 0; i < 256; i++)
		if (m[i * PAGE] != (i % 2 ? 0xff : (unsigned char)i))
			return 2;
	return 0;
}

TEST(cow_many_pages)
{
	unsigned char *m = map_anon(256 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	for (int i = 0; i < 256; i++)
		m[i * PAGE] = (unsigned char)i;
	CHECK_EQ(in_child(child_writes_odd_pages, m), 0);
	for (int i = 0; i < 256; i++)
		CHECK_EQ(m[i * PAGE], (unsigned char)i);
	/* Our pages are still writable (and ours alone) after the child is gone. */
	for (int i = 0; i < 256; i++)
		m[i * PAGE] = 1;
	munmap(m, 256 * PAGE);
}

static int grandchild_level(void *arg)
{
	unsigned char *m = arg;
	if (m[0] != 2)
		return 1;
	m[0] = 3;
	return 0;
}

static int child_level(void *arg)
{
	unsigned char *m = arg;
	if (m[0] != 1)
		return 1;
	m[0] = 2;
	int r = in_child(grandchild_level, m);
	if (r != 0)
		return 10 + r;
	return m[0] == 2 ? 0 : 3;
}

TEST(cow_three_generations)
{
	unsigned char *m = map_anon(PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	m[0] = 1;
	CHECK_EQ(in_child(child_level, m), 0);
	CHECK_EQ(m[0], 1);
	munmap(m, PAGE);
}

static int child_checks_protection(void *arg)
{
	unsigned char *m = arg;
	/* Same layout and protections as the parent. */
	if (m[0] != 9 || !readable(m + PAGE) || writable(m + PAGE) || !is_mapped(m, 3 * PAGE))
		return 1;
	/* Changing them here does not change the parent's. */
	if (mprotect(m, PAGE, PROT_READ) < 0 || munmap(m + 2 * PAGE, PAGE) < 0)
		return 2;
	return 0;
}

TEST(fork_keeps_layout_and_protections)
{
	use_probes();
	unsigned char *m = map_anon(3 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	m[0] = 9;
	CHECK_OK(mprotect(m + PAGE, PAGE, PROT_READ));
	CHECK_EQ(in_child(child_checks_protection, m), 0);
	CHECK_EQ(writable(m), 1);
	CHECK(is_mapped(m + 2 * PAGE, PAGE));
	CHECK_EQ(writable(m + PAGE), 0);
	munmap(m, 3 * PAGE);
}

static int child_dontneeds(void *arg)
{
	unsigned char *m = arg;
	if (madvise(m, 2 * PAGE, MADV_DONTNEED) < 0)
		return 1;
	return m[0] == 0 && m[PAGE] == 0 ? 0 : 2;
}

TEST(madvise_dontneed_in_child_spares_parent)
{
	unsigned char *m = map_anon(2 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	memset(m, 0x3c, 2 * PAGE);
	CHECK_EQ(in_child(child_dontneeds, m), 0);
	CHECK(all_byte(m, 2 * PAGE, 0x3c));
	munmap(m, 2 * PAGE);
}

/* ---- shared memory across fork ---- */

TEST(shared_anonymous_both_directions)
{
	volatile unsigned char *m = map_shared_anon(2 * PAGE);
	int status;
	CHECK(m != MAP_FAILED);
	m[0] = 1;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		long long deadline = h_now_ms() + WAIT_MS;
		if (m[0] != 1)
			_exit(1);
		m[PAGE] = 2; /* the parent sees this */
		while (m[1] != 7 && h_now_ms() < deadline)
			;
		_exit(m[1] == 7 ? 0 : 2);
	}
	long long deadline = h_now_ms() + WAIT_MS;
	while (m[PAGE] != 2 && h_now_ms() < deadline)
		;
	CHECK_EQ(m[PAGE], 2);
	m[1] = 7; /* and the child sees this */
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	munmap((void *)m, 2 * PAGE);
}

TEST(shared_anonymous_outlives_parent_mapping)
{
	volatile unsigned char *m = map_shared_anon(PAGE);
	volatile unsigned char *flag = map_shared_anon(PAGE);
	int status;
	CHECK(m != MAP_FAILED);
	CHECK(flag != MAP_FAILED);
	m[0] = 0x42;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		long long deadline = h_now_ms() + WAIT_MS;
		while (flag[0] != 1 && h_now_ms() < deadline)
			;
		m[2] = 5;
		_exit(m[0] == 0x42 && m[2] == 5 ? 0 : 1);
	}
	CHECK_OK(munmap((void *)m, PAGE));
	flag[0] = 1;
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	munmap((void *)flag, PAGE);
}

static int child_writes_file_mappings(void *arg)
{
	unsigned char **maps = arg;
	memcpy(maps[0], "PRIVATE", 7); /* private: ours only */
	memcpy(maps[1], "SHARED!", 7); /* shared: the file and the parent see it */
	return 0;
}

TEST(file_mappings_across_fork)
{
	char buf[16] = {0};
	int fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_OK(ftruncate(fd, 2 * PAGE));
	CHECK_EQ(pwrite(fd, "original", 8, 0), 8);
	CHECK_EQ(pwrite(fd, "original", 8, PAGE), 8);
	unsigned char *priv = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	unsigned char *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
	CHECK(priv != MAP_FAILED);
	CHECK(shared != MAP_FAILED);
	unsigned char *maps[2] = {priv, shared};
	CHECK_EQ(in_child(child_writes_file_mappings, maps), 0);
	CHECK_EQ(memcmp(priv, "original", 8), 0);
	CHECK_EQ(memcmp(shared, "SHARED!l", 8), 0);
	CHECK_EQ(pread(fd, buf, 8, PAGE), 8);
	CHECK_STREQ(buf, "SHARED!l");
	CHECK_EQ(pread(fd, buf, 8, 0), 8);
	CHECK_STREQ(buf, "original");
	munmap(priv, PAGE);
	munmap(shared, PAGE);
}

static int child_reads_private_file(void *arg)
{
	unsigned char *priv = arg;
	/* The parent's private copy is the parent's: we inherited the page as
	 * it was at fork time (already copied, so "parent!"). */
	return memcmp(priv, "parent!", 7) == 0 ? 0 : 1;
}

TEST(private_file_mapping_cow_inherited)
{
	int fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(pwrite(fd, "filetext", 8, 0), 8);
	unsigned char *priv = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(priv != MAP_FAILED);
	memcpy(priv, "parent!", 7);
	CHECK_EQ(in_child(child_reads_private_file, priv), 0);
	/* The file itself never changed. */
	char buf[9] = {0};
	CHECK_EQ(pread(fd, buf, 8, 0), 8);
	CHECK_STREQ(buf, "filetext");
	munmap(priv, PAGE);
}

static int child_mremaps_shared(void *arg)
{
	unsigned char *m = arg;
	unsigned char *moved = mremap(m, PAGE, 4 * PAGE, MREMAP_MAYMOVE);
	if (moved == MAP_FAILED)
		return 1;
	moved[1] = 0x99; /* still the same shared page */
	return 0;
}

TEST(mremap_in_child_keeps_sharing)
{
	unsigned char *m = map_shared_anon(PAGE);
	CHECK(m != MAP_FAILED);
	unsigned char *block = mmap(m + PAGE, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	m[0] = 0x10;
	CHECK_EQ(in_child(child_mremaps_shared, m), 0);
	CHECK_EQ(m[0], 0x10);
	CHECK_EQ(m[1], 0x99);
	munmap(m, PAGE);
	if (block != MAP_FAILED)
		munmap(block, PAGE);
}

/* ---- madvise ---- */

TEST(madvise_dontneed_private_file_reverts_to_file)
{
	int fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(pwrite(fd, "from-file", 9, 0), 9);
	unsigned char *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED);
	memcpy(m, "scribbled", 9);
	CHECK_OK(madvise(m, PAGE, MADV_DONTNEED));
	/* The private copy is dropped: the file's page shows through again. */
	CHECK_EQ(memcmp(m, "from-file", 9), 0);
	munmap(m, PAGE);
}

TEST(madvise_dontneed_shared_keeps_data)
{
	unsigned char *m = map_shared_anon(PAGE);
	CHECK(m != MAP_FAILED);
	memset(m, 0x6d, PAGE);
	CHECK_OK(madvise(m, PAGE, MADV_DONTNEED));
	CHECK(all_byte(m, PAGE, 0x6d));
	int fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_OK(ftruncate(fd, PAGE));
	unsigned char *f = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(f != MAP_FAILED);
	memcpy(f, "kept", 4);
	CHECK_OK(madvise(f, PAGE, MADV_DONTNEED));
	CHECK_EQ(memcmp(f, "kept", 4), 0);
	munmap(m, PAGE);
	munmap(f, PAGE);
}

TEST(madvise_free_and_willneed)
{
	unsigned char *m = map_anon(4 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	memset(m, 0x4f, 4 * PAGE);
	CHECK_OK(madvise(m, 4 * PAGE, MADV_FREE));
	/* The kernel may or may not have reclaimed it: old data or zeros. */
	for (int i = 0; i < 4; i++)
		CHECK(m[i * PAGE] == 0x4f || m[i * PAGE] == 0);
	/* Written again, a page is kept. */
	m[0] = 0x50;
	CHECK_EQ(m[0], 0x50);
	CHECK_OK(madvise(m, 4 * PAGE, MADV_WILLNEED));
	CHECK_EQ(m[0], 0x50);
	CHECK_OK(madvise(m, 4 * PAGE, MADV_NORMAL));
	CHECK_OK(madvise(m, 4 * PAGE, MADV_SEQUENTIAL));
	CHECK_OK(madvise(m, 4 * PAGE, MADV_RANDOM));
	munmap(m, 4 * PAGE);
}

TEST(madvise_free_shared_einval)
{
	/* MADV_FREE is for private anonymous memory only. */
	unsigned char *s = map_shared_anon(PAGE);
	CHECK(s != MAP_FAILED);
	CHECK_ERRNO(madvise(s, PAGE, MADV_FREE), EINVAL);
	munmap(s, PAGE);
	int fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_OK(ftruncate(fd, PAGE));
	unsigned char *f = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(f != MAP_FAILED);
	CHECK_ERRNO(madvise(f, PAGE, MADV_FREE), EINVAL);
	munmap(f, PAGE);
}

TEST(madvise_einval)
{
	unsigned char *m = map_anon(PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	CHECK_ERRNO(madvise(m + 1, PAGE, MADV_WILLNEED), EINVAL);
	CHECK_ERRNO(madvise(m, PAGE, 12345), EINVAL);
	/* Zero length is fine. */
	CHECK_OK(madvise(m, 0, MADV_DONTNEED));
	munmap(m, PAGE);
}

TEST(madvise_enomem_over_holes)
{
	unsigned char *m = map_anon(2 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	CHECK_OK(munmap(m + PAGE, PAGE));
	/* A range with a hole: ENOMEM (after advising what is mapped). */
	CHECK_ERRNO(madvise(m, 2 * PAGE, MADV_WILLNEED), ENOMEM);
	CHECK_ERRNO(madvise(m + PAGE, PAGE, MADV_DONTNEED), ENOMEM);
	munmap(m, PAGE);
}

static int child_probes_dontfork(void *arg)
{
	unsigned char **r = arg;
	/* The DONTFORK region does not exist here; the DOFORK one does. */
	if (is_mapped(r[0], 2 * PAGE))
		return 1;
	if (!is_mapped(r[1], PAGE) || r[1][0] != 0x21)
		return 2;
	/* Its address range is free for a new mapping. */
	void *again = mmap(r[0], PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			   -1, 0);
	return again == r[0] ? 0 : 3;
}

TEST(madvise_dontfork_and_dofork)
{
	unsigned char *a = map_anon(2 * PAGE, PROT_READ | PROT_WRITE);
	unsigned char *b = map_anon(PAGE, PROT_READ | PROT_WRITE);
	CHECK(a != MAP_FAILED);
	CHECK(b != MAP_FAILED);
	a[0] = 0x20;
	b[0] = 0x21;
	CHECK_OK(madvise(a, 2 * PAGE, MADV_DONTFORK));
	CHECK_OK(madvise(b, PAGE, MADV_DONTFORK));
	CHECK_OK(madvise(b, PAGE, MADV_DOFORK));
	unsigned char *r[2] = {a, b};
	CHECK_EQ(in_child(child_probes_dontfork, r), 0);
	/* Ours are untouched. */
	CHECK_EQ(a[0], 0x20);
	CHECK(is_mapped(a, 2 * PAGE));
	munmap(a, 2 * PAGE);
	munmap(b, PAGE);
}

/* ---- mremap ---- */

TEST(mremap_fixed_moves_to_chosen_address)
{
	unsigned char *src = map_anon(2 * PAGE, PROT_READ | PROT_WRITE);
	unsigned char *dst = map_anon(8 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(src != MAP_FAILED);
	CHECK(dst != MAP_FAILED);
	memset(src, 0x71, 2 * PAGE);
	memset(dst, 0x72, 8 * PAGE);
	/* Onto the middle of dst: replaces what was there. */
	unsigned char *r = mremap(src, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst + 3 * PAGE);
	CHECK(r == dst + 3 * PAGE);
	CHECK(all_byte(r, 2 * PAGE, 0x71));
	CHECK(all_byte(dst, 3 * PAGE, 0x72));
	CHECK(all_byte(dst + 5 * PAGE, 3 * PAGE, 0x72));
	/* The source range is gone. */
	CHECK(!is_mapped(src, PAGE));
	CHECK(!is_mapped(src + PAGE, PAGE));
	munmap(dst, 8 * PAGE);
}

TEST(mremap_fixed_can_grow)
{
	unsigned char *src = map_anon(PAGE, PROT_READ | PROT_WRITE);
	unsigned char *area = map_anon(16 * PAGE, PROT_NONE);
	CHECK(src != MAP_FAILED);
	CHECK(area != MAP_FAILED);
	src[0] = 0x31;
	unsigned char *r = mremap(src, PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, area + 8 * PAGE);
	CHECK(r == area + 8 * PAGE);
	CHECK_EQ(r[0], 0x31);
	CHECK(all_byte(r + PAGE, 3 * PAGE, 0));
	r[4 * PAGE - 1] = 1;
	munmap(area, 16 * PAGE);
}

TEST(mremap_errors)
{
	unsigned char *m = map_anon(4 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	/* FIXED needs MAYMOVE; the new range may not overlap the old one. */
	CHECK(mremap(m, PAGE, PAGE, MREMAP_FIXED, m + 2 * PAGE) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mremap(m, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, m + PAGE) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	/* Unaligned, unknown flags, zero new length. */
	CHECK(mremap(m + 1, PAGE, PAGE, 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mremap(m, PAGE, PAGE, 0x100) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mremap(m, PAGE, 0, 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	/* Nothing mapped there. */
	CHECK_OK(munmap(m + 3 * PAGE, PAGE));
	CHECK(mremap(m + 3 * PAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE) == MAP_FAILED);
	CHECK_EQ(errno, EFAULT);
	/* Crossing into the hole. */
	CHECK(mremap(m + 2 * PAGE, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE) == MAP_FAILED);
	CHECK_EQ(errno, EFAULT);
	munmap(m, 3 * PAGE);
}

TEST(mremap_shrink_then_grow_in_place)
{
	unsigned char *m = map_anon(4 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	memset(m, 0x19, 4 * PAGE);
	CHECK(mremap(m, 4 * PAGE, PAGE, 0) == m);
	CHECK(!is_mapped(m + PAGE, PAGE));
	/* The space after it is free again: growing in place works, with zeros. */
	CHECK(mremap(m, PAGE, 3 * PAGE, 0) == m);
	CHECK_EQ(m[0], 0x19);
	CHECK(all_byte(m + PAGE, 2 * PAGE, 0));
	munmap(m, 3 * PAGE);
}

/* ---- mprotect and munmap over several mappings ---- */

TEST(mprotect_splits_and_spans_mappings)
{
	use_probes();
	unsigned char *m = map_anon(6 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	/* Make three mappings out of one... */
	CHECK_OK(mprotect(m + 2 * PAGE, 2 * PAGE, PROT_READ));
	CHECK_EQ(writable(m + PAGE), 1);
	CHECK_EQ(writable(m + 2 * PAGE), 0);
	CHECK_EQ(writable(m + 3 * PAGE), 0);
	CHECK_EQ(readable(m + 3 * PAGE), 1);
	CHECK_EQ(writable(m + 4 * PAGE), 1);
	/* ...then change all of them with one call. */
	CHECK_OK(mprotect(m, 6 * PAGE, PROT_NONE));
	for (int i = 0; i < 6; i++)
		CHECK_EQ(readable(m + i * PAGE), 0);
	CHECK_OK(mprotect(m + PAGE, 4 * PAGE, PROT_READ | PROT_WRITE));
	CHECK_EQ(readable(m), 0);
	CHECK_EQ(writable(m + PAGE), 1);
	CHECK_EQ(writable(m + 4 * PAGE), 1);
	CHECK_EQ(readable(m + 5 * PAGE), 0);
	munmap(m, 6 * PAGE);
}

TEST(mprotect_errors)
{
	unsigned char *m = map_anon(3 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	CHECK_ERRNO(mprotect(m + 1, PAGE, PROT_READ), EINVAL);
	CHECK_ERRNO(mprotect(m, PAGE, 0x1000), EINVAL);
	CHECK_OK(munmap(m + PAGE, PAGE));
	/* A hole in the range: ENOMEM. */
	CHECK_ERRNO(mprotect(m, 3 * PAGE, PROT_READ), ENOMEM);
	munmap(m, PAGE);
	munmap(m + 2 * PAGE, PAGE);
}

TEST(mprotect_readonly_shared_file_eacces)
{
	/* A read-only file cannot become a writable shared mapping. */
	CHECK_OK(h_write_file("ro", "x", 1));
	int fd = open("ro", O_RDONLY);
	CHECK(fd >= 0);
	unsigned char *f = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(f != MAP_FAILED);
	CHECK_ERRNO(mprotect(f, PAGE, PROT_READ | PROT_WRITE), EACCES);
	/* A private one can. */
	unsigned char *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	CHECK_OK(mprotect(p, PAGE, PROT_READ | PROT_WRITE));
	munmap(f, PAGE);
	munmap(p, PAGE);
}

TEST(munmap_across_mappings_and_holes)
{
	use_probes();
	unsigned char *m = map_anon(8 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	CHECK_OK(mprotect(m + 2 * PAGE, 2 * PAGE, PROT_READ));
	CHECK_OK(munmap(m + 5 * PAGE, PAGE));
	/* One call over two mappings and a hole. */
	CHECK_OK(munmap(m + PAGE, 6 * PAGE));
	CHECK(is_mapped(m, PAGE));
	for (int i = 1; i < 7; i++)
		CHECK(!is_mapped(m + i * PAGE, PAGE));
	CHECK(is_mapped(m + 7 * PAGE, PAGE));
	CHECK_EQ(writable(m + 7 * PAGE), 1);
	munmap(m, 8 * PAGE);
}

/* ---- mincore and mlock ---- */

TEST(mincore_residency)
{
	unsigned char vec[4];
	unsigned char *m = map_anon(4 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	m[0] = 1;
	m[2 * PAGE] = 1;
	CHECK_OK(mincore(m, 4 * PAGE, vec));
	/* Touched pages are resident; their neighbours may be too (a kernel
	 * may fault around an address, as the sandbox does). */
	CHECK_EQ(vec[0] & 1, 1);
	CHECK_EQ(vec[2] & 1, 1);
	CHECK_OK(madvise(m, 4 * PAGE, MADV_DONTNEED));
	CHECK_OK(mincore(m, 4 * PAGE, vec));
	CHECK_EQ(vec[0] & 1, 0);
	CHECK_EQ(vec[2] & 1, 0);
	CHECK_ERRNO(mincore(m + 1, PAGE, vec), EINVAL);
	CHECK_OK(munmap(m + 3 * PAGE, PAGE));
	CHECK_ERRNO(mincore(m, 4 * PAGE, vec), ENOMEM);
	CHECK_ERRNO(mincore(m, PAGE, (unsigned char *)1), EFAULT);
	munmap(m, 3 * PAGE);
}

TEST(mincore_file_pages)
{
	unsigned char vec[2];
	int fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	char page[4096];
	memset(page, 'p', sizeof page);
	CHECK_EQ(write(fd, page, sizeof page), (ssize_t)sizeof page);
	unsigned char *m = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	/* Just written: in the page cache, whether or not we touched it. */
	CHECK_OK(mincore(m, PAGE, vec));
	CHECK_EQ(vec[0] & 1, 1);
	munmap(m, 2 * PAGE);
}

TEST(mlock_munlock)
{
	unsigned char vec[2];
	unsigned char *m = map_anon(2 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	CHECK_OK(mlock(m, 2 * PAGE));
	/* Locked memory is faulted in. */
	CHECK_OK(mincore(m, 2 * PAGE, vec));
	CHECK_EQ(vec[0] & 1, 1);
	CHECK_EQ(vec[1] & 1, 1);
	CHECK_OK(munlock(m, 2 * PAGE));
	CHECK_OK(syscall(SYS_mlock2, m, PAGE, 1 /* MLOCK_ONFAULT */));
	CHECK_OK(munlock(m, PAGE));
	CHECK_ERRNO(syscall(SYS_mlock2, m, PAGE, 0x10), EINVAL);
	CHECK_OK(munmap(m + PAGE, PAGE));
	CHECK_ERRNO(mlock(m, 2 * PAGE), ENOMEM);
	munmap(m, PAGE);
}

/* ---- MAP_FIXED_NOREPLACE and MAP_GROWSDOWN ---- */

TEST(map_fixed_noreplace_partial_overlap)
{
	unsigned char *area = map_anon(8 * PAGE, PROT_NONE);
	CHECK(area != MAP_FAILED);
	CHECK_OK(munmap(area + 2 * PAGE, 4 * PAGE));
	/* Overlapping either edge of the hole: EEXIST. */
	CHECK(mmap(area + PAGE, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		   0) == MAP_FAILED);
	CHECK_EQ(errno, EEXIST);
	CHECK(mmap(area + 5 * PAGE, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		   0) == MAP_FAILED);
	CHECK_EQ(errno, EEXIST);
	/* Exactly the hole: fine. */
	unsigned char *q = mmap(area + 2 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == area + 2 * PAGE);
	q[0] = 1;
	munmap(area, 8 * PAGE);
}

TEST(mmap_hint_used_when_free)
{
	unsigned char *area = map_anon(16 * PAGE, PROT_NONE);
	CHECK(area != MAP_FAILED);
	CHECK_OK(munmap(area, 16 * PAGE));
	/* A free, aligned hint is taken as is (no MAP_FIXED needed). */
	unsigned char *q = mmap(area + 4 * PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
				0);
	CHECK(q == area + 4 * PAGE);
	/* A busy hint is only a hint: we get memory elsewhere. */
	unsigned char *r = mmap(q, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(r != MAP_FAILED);
	CHECK(r != q);
	munmap(q, PAGE);
	munmap(r, PAGE);
}

static unsigned char *growsdown_area(unsigned char **reservation)
{
	/* 64 MiB of address space, freed, with a 4-page stack at its top. */
	unsigned char *area = map_anon(64UL << 20, PROT_NONE);
	if (area == MAP_FAILED)
		return NULL;
	munmap(area, 64UL << 20);
	*reservation = area;
	unsigned char *top = area + (64UL << 20) - 4 * PAGE;
	unsigned char *s = mmap(top, 4 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
	return s == MAP_FAILED ? NULL : s;
}

TEST(map_growsdown_grows_on_access)
{
	unsigned char *area;
	unsigned char *s = growsdown_area(&area);
	CHECK(s != NULL);
	CHECK(!is_mapped(s - PAGE, PAGE));
	/* Touching just below the stack extends it downwards (no fault). */
	((volatile unsigned char *)s)[-1] = 7;
	CHECK(is_mapped(s - PAGE, PAGE));
	((volatile unsigned char *)s)[-10 * (long)PAGE] = 8;
	CHECK(is_mapped(s - 10 * PAGE, 10 * PAGE));
	CHECK_EQ(s[-1], 7);
	munmap(s - 10 * PAGE, 14 * PAGE);
}

static int touch_into_guard_gap(void *arg)
{
	unsigned char *s = arg;
	/* Another mapping sits 4 pages below: growing next to it would eat the
	 * stack guard gap, so the access faults. */
	((volatile unsigned char *)s)[-2 * (long)PAGE] = 1;
	return 0;
}

TEST(map_growsdown_respects_guard_gap)
{
	unsigned char *area;
	unsigned char *s = growsdown_area(&area);
	CHECK(s != NULL);
	unsigned char *below = mmap(s - 4 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
				    -1, 0);
	CHECK(below == s - 4 * PAGE);
	int status;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(touch_into_guard_gap(s));
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGSEGV);
	munmap(below, PAGE);
	munmap(s, 4 * PAGE);
}

TEST(map_noreserve_huge)
{
	/* Far more than the machine has: fine without reservation, if untouched. */
	const size_t len = 1UL << 40;
	unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(m != MAP_FAILED);
	m[0] = 1;
	m[len - 1] = 2;
	CHECK_EQ(m[len / 2], 0);
	CHECK_OK(munmap(m, len));
}

/* ---- msync and write/mapping coherence ---- */

TEST(shared_file_mapping_coherent_with_write)
{
	char buf[8] = {0};
	int fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_OK(ftruncate(fd, PAGE));
	unsigned char *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	/* write(2) shows in the mapping at once... */
	CHECK_EQ(pwrite(fd, "viawrite", 8, 100), 8);
	CHECK_EQ(memcmp(m + 100, "viawrite", 8), 0);
	/* ...and stores to the mapping show in read(2), msync or not. */
	memcpy(m + 200, "viastore", 8);
	CHECK_EQ(pread(fd, buf, 8, 200), 8);
	CHECK_EQ(memcmp(buf, "viastore", 8), 0);
	CHECK_OK(msync(m, PAGE, MS_SYNC));
	CHECK_OK(msync(m, PAGE, MS_INVALIDATE));
	CHECK_EQ(memcmp(m + 100, "viawrite", 8), 0);
	/* A second mapping of the same page sees the same bytes. */
	unsigned char *m2 = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m2 != MAP_FAILED);
	CHECK_EQ(memcmp(m2 + 200, "viastore", 8), 0);
	munmap(m, PAGE);
	munmap(m2, PAGE);
}

TEST(msync_errors)
{
	unsigned char *m = map_anon(2 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(m != MAP_FAILED);
	CHECK_ERRNO(msync(m + 1, PAGE, MS_SYNC), EINVAL);
	CHECK_ERRNO(msync(m, PAGE, MS_SYNC | MS_ASYNC), EINVAL);
	CHECK_ERRNO(msync(m, PAGE, 0x100), EINVAL);
	CHECK_OK(munmap(m + PAGE, PAGE));
	CHECK_ERRNO(msync(m, 2 * PAGE, MS_SYNC), ENOMEM);
	CHECK_OK(msync(m, PAGE, MS_SYNC));
	munmap(m, PAGE);
}

/* ---- brk ---- */

TEST(brk_edge_cases)
{
	/* Raw brk only (glibc caches the break), and no malloc in this case. */
	char *cur = (char *)syscall(SYS_brk, 0);
	CHECK(cur != NULL);
	/* Below the start of the heap (into the program): refused. */
	CHECK((char *)syscall(SYS_brk, (char *)&data_word) == cur);
	/* An unaligned break is kept as asked; the page it ends in is usable. */
	char *odd = cur + 5000;
	CHECK((char *)syscall(SYS_brk, odd) == odd);
	CHECK((char *)syscall(SYS_brk, 0) == odd);
	odd[-1] = 1;
	/* The rest of that last page is mapped too. */
	char *page_end = (char *)(((uintptr_t)odd + PAGE - 1) & ~(PAGE - 1));
	CHECK(is_mapped(page_end - PAGE, PAGE));
	/* A break that would run into another mapping: refused. */
	char *block = mmap(page_end + 16 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			   -1, 0);
	if (block != MAP_FAILED) {
		CHECK((char *)syscall(SYS_brk, page_end + 32 * PAGE) == odd);
		munmap(block, PAGE);
	}
	CHECK((char *)syscall(SYS_brk, cur) == cur);
}

TEST(brk_refuses_what_memory_cannot_back)
{
	char *cur = (char *)syscall(SYS_brk, 0);
	CHECK(cur != NULL);
	/* 32 TiB: more than memory and swap, so overcommit accounting refuses. */
	CHECK((char *)syscall(SYS_brk, cur + (1UL << 45)) == cur);
}

/* ---- RLIMIT_AS and RLIMIT_DATA ---- */

static struct rlimit saved_as, saved_data;
static void restore_as(void *arg)
{
	(void)arg;
	setrlimit(RLIMIT_AS, &saved_as);
}
static void restore_data(void *arg)
{
	(void)arg;
	setrlimit(RLIMIT_DATA, &saved_data);
}

TEST(rlimit_as_limits_mmap_and_brk)
{
	struct rlimit rl;
	CHECK_OK(getrlimit(RLIMIT_AS, &saved_as));
	h_defer(restore_as, NULL);
	/* 1 GiB of address space in all: far more than we use, far less than asked. */
	rl.rlim_cur = 1UL << 30;
	rl.rlim_max = saved_as.rlim_max;
	CHECK_OK(setrlimit(RLIMIT_AS, &rl));
	void *big = mmap(NULL, 2UL << 30, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(big == MAP_FAILED);
	CHECK_EQ(errno, ENOMEM);
	void *small = mmap(NULL, 64UL << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(small != MAP_FAILED);
	munmap(small, 64UL << 20);
	/* brk counts too. */
	char *cur = (char *)syscall(SYS_brk, 0);
	CHECK((char *)syscall(SYS_brk, cur + (2UL << 30)) == cur);
	/* mremap growth as well. */
	void *m = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	CHECK(mremap(m, PAGE, 2UL << 30, MREMAP_MAYMOVE) == MAP_FAILED);
	CHECK_EQ(errno, ENOMEM);
	munmap(m, PAGE);
}

TEST(rlimit_data_limits_private_writable_memory)
{
	struct rlimit rl;
	CHECK_OK(getrlimit(RLIMIT_DATA, &saved_data));
	h_defer(restore_data, NULL);
	rl.rlim_cur = 64UL << 20;
	rl.rlim_max = saved_data.rlim_max;
	CHECK_OK(setrlimit(RLIMIT_DATA, &rl));
	/* Private writable memory counts... */
	void *big = mmap(NULL, 128UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(big == MAP_FAILED);
	CHECK_EQ(errno, ENOMEM);
	char *cur = (char *)syscall(SYS_brk, 0);
	CHECK((char *)syscall(SYS_brk, cur + (128UL << 20)) == cur);
	/* ...read-only and shared memory does not. */
	void *ro = mmap(NULL, 128UL << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro != MAP_FAILED);
	munmap(ro, 128UL << 20);
	void *sh = mmap(NULL, 128UL << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	munmap(sh, 128UL << 20);
}

TEST(rlimit_lower_soft_raise_back)
{
	struct rlimit rl, got;
	CHECK_OK(getrlimit(RLIMIT_AS, &saved_as));
	h_defer(restore_as, NULL);
	rl.rlim_cur = 1UL << 40;
	rl.rlim_max = saved_as.rlim_max;
	CHECK_OK(setrlimit(RLIMIT_AS, &rl));
	CHECK_OK(getrlimit(RLIMIT_AS, &got));
	CHECK_EQ(got.rlim_cur, 1UL << 40);
	/* Soft above hard: EINVAL. */
	if (saved_as.rlim_max != RLIM_INFINITY) {
		rl.rlim_cur = saved_as.rlim_max + 1;
		CHECK_ERRNO(setrlimit(RLIMIT_AS, &rl), EINVAL);
	}
	CHECK_OK(setrlimit(RLIMIT_AS, &saved_as));
	CHECK_OK(getrlimit(RLIMIT_AS, &got));
	CHECK_EQ(got.rlim_cur, saved_as.rlim_cur);
}
