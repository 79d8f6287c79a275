/* /dev: device semantics, the terminal nodes, links into /proc/self/fd,
 * and /dev/shm for POSIX shared memory and semaphores. */
#include "harness.h"

#include <semaphore.h>
#include <sys/sysmacros.h>

TEST(null_reads_eof_writes_all)
{
	int fd = open("/dev/null", O_RDWR);
	CHECK_OK(fd);
	char buf[8];
	CHECK_EQ(read(fd, buf, sizeof buf), 0);
	CHECK_EQ(write(fd, "abc", 3), 3);
}

TEST(zero_reads_zeros)
{
	int fd = open("/dev/zero", O_RDONLY);
	CHECK_OK(fd);
	char buf[64];
	memset(buf, 'x', sizeof buf);
	CHECK_EQ(read(fd, buf, sizeof buf), 64);
	for (int i = 0; i < 64; i++)
		CHECK_EQ(buf[i], 0);
}

TEST(full_write_enospc)
{
	int fd = open("/dev/full", O_RDWR);
	CHECK_OK(fd);
	CHECK_ERRNO(write(fd, "x", 1), ENOSPC);
	char buf[4] = {1, 1, 1, 1};
	CHECK_EQ(read(fd, buf, 4), 4);
	CHECK_EQ(buf[0], 0);
}

TEST(urandom_reads)
{
	int fd = open("/dev/urandom", O_RDONLY);
	CHECK_OK(fd);
	unsigned char a[32], b[32];
	CHECK_EQ(read(fd, a, 32), 32);
	CHECK_EQ(read(fd, b, 32), 32);
	CHECK(memcmp(a, b, 32) != 0);
}

TEST(zero_private_mmap)
{
	int fd = open("/dev/zero", O_RDWR);
	CHECK_OK(fd);
	unsigned char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	for (int i = 0; i < 8192; i++)
		CHECK_EQ(p[i], 0);
	p[100] = 7;
	CHECK_EQ(p[100], 7);
	munmap(p, 8192);
}

TEST(zero_shared_mmap_is_shared_with_child)
{
	int fd = open("/dev/zero", O_RDWR);
	CHECK_OK(fd);
	volatile int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	CHECK_EQ(p[0], 0);
	pid_t c = h_fork();
	CHECK_OK(c);
	if (c == 0) {
		p[0] = 42;
		_exit(0);
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_EQ(p[0], 42);
}

TEST(device_numbers)
{
	struct {
		const char *path;
		int maj, min;
	} d[] = {{"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
		 {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}};
	for (unsigned i = 0; i < sizeof d / sizeof d[0]; i++) {
		struct stat st;
		CHECK_OK(stat(d[i].path, &st));
		CHECK(S_ISCHR(st.st_mode));
		CHECK_EQ(major(st.st_rdev), d[i].maj);
		CHECK_EQ(minor(st.st_rdev), d[i].min);
	}
}

TEST(console_is_char_device)
{
	struct stat st;
	CHECK_OK(stat("/dev/console", &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 5);
	CHECK_EQ(minor(st.st_rdev), 1);
}

static void no_ctty_child(void *arg)
{
	(void)arg;
	CHECK_OK(setsid());
	CHECK_ERRNO(open("/dev/tty", O_RDWR), ENXIO);
}

TEST(dev_tty_without_ctty_enxio)
{
	CHECK_CHILD(no_ctty_child, NULL);
}

TEST(std_links)
{
	const char *l[][2] = {{"/dev/fd", "/proc/self/fd"},
			      {"/dev/stdin", "/proc/self/fd/0"},
			      {"/dev/stdout", "/proc/self/fd/1"},
			      {"/dev/stderr", "/proc/self/fd/2"}};
	for (int i = 0; i < 4; i++) {
		char buf[64];
		ssize_t n = readlink(l[i][0], buf, sizeof buf - 1);
		CHECK(n > 0);
		buf[n] = 0;
		CHECK_STREQ(buf, l[i][1]);
	}
}

TEST(ptmx_and_pts_exist)
{
	struct stat st;
	CHECK_OK(stat("/dev/ptmx", &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_OK(stat("/dev/pts", &st));
	CHECK(S_ISDIR(st.st_mode));
}

TEST(shm_is_sticky_tmpfs)
{
	struct stat st;
	CHECK_OK(stat("/dev/shm", &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 01777);
	char path[64];
	snprintf(path, sizeof path, "/dev/shm/rvisor-%d", getpid());
	CHECK_OK(h_write_file(path, "hi", 2));
	char buf[8];
	CHECK_EQ(h_read_file(path, buf, sizeof buf), 2);
	CHECK_OK(unlink(path));
}

TEST(shm_open_shared_between_processes)
{
	char name[64];
	snprintf(name, sizeof name, "/rvisor-shm-%d", getpid());
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK_OK(fd);
	CHECK_OK(ftruncate(fd, 4096));
	volatile int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	pid_t c = h_fork();
	CHECK_OK(c);
	if (c == 0) {
		int f2 = shm_open(name, O_RDWR, 0);
		volatile int *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f2, 0);
		if (q == MAP_FAILED)
			_exit(1);
		q[1] = 99;
		_exit(0);
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_EQ(p[1], 99);
	CHECK_OK(shm_unlink(name));
	CHECK_ERRNO(shm_open(name, O_RDWR, 0), ENOENT);
}

TEST(sem_open_named_semaphore)
{
	char name[64];
	snprintf(name, sizeof name, "/rvisor-sem-%d", getpid());
	sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
	CHECK(s != SEM_FAILED);
	pid_t c = h_fork();
	CHECK_OK(c);
	if (c == 0) {
		sem_t *t = sem_open(name, 0);
		if (t == SEM_FAILED || sem_post(t) < 0)
			_exit(1);
		_exit(0);
	}
	CHECK_OK(sem_wait(s));
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_OK(sem_close(s));
	CHECK_OK(sem_unlink(name));
}

TEST(dev_readdir_has_entries)
{
	const char *want[] = {"null", "zero", "full", "random", "urandom", "tty",
			      "console", "ptmx", "pts", "shm", "fd", "stdin", "stdout", "stderr"};
	int seen[14] = {0};
	DIR *d = opendir("/dev");
	CHECK(d != NULL);
	struct dirent *e;
	while ((e = readdir(d)))
		for (int i = 0; i < 14; i++)
			if (!strcmp(e->d_name, want[i]))
				seen[i] = 1;
	closedir(d);
	for (int i = 0; i < 14; i++) {
		if (!seen[i])
			h_fail(__FILE__, __LINE__, want[i], 0, "missing from /dev");
		CHECK(seen[i]);
	}
}
