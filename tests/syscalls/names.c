/* Names and descriptors: mknod and FIFOs, getdents/getdents64 offsets,
 * chroot, the utime family, O_TMPFILE with linkat(AT_EMPTY_PATH),
 * close_range, file handles, preadv2/pwritev2 flags, F_GETFL, and the error
 * cases of the name syscalls. */
#include "harness.h"

#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <utime.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef RWF_HIPRI
#define RWF_HIPRI 0x01
#define RWF_DSYNC 0x02
#define RWF_SYNC 0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10
#endif
/* glibc defines O_LARGEFILE as 0 on 64-bit; the kernel's bit: */
#define K_O_LARGEFILE 0100000

/* The old getdents record. */
struct linux_dirent {
	unsigned long d_ino;
	unsigned long d_off;
	unsigned short d_reclen;
	char d_name[];
};

static void become_nobody(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		_exit(3);
}

/* ---- mknod ---- */

TEST(mknod_regular)
{
	struct stat st;
	CHECK_OK(mknod("f", S_IFREG | 0640, 0));
	CHECK_OK(stat("f", &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_EQ(st.st_size, 0);
	/* No type at all also means a regular file; the umask applies. */
	CHECK_OK(mknod("g", 0666, 0));
	CHECK_OK(stat("g", &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0644);
}

TEST(mknod_fifo_and_socket)
{
	struct stat st;
	int dir = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(dir >= 0);
	CHECK_OK(mknod("fifo", S_IFIFO | 0600, 0));
	CHECK_OK(lstat("fifo", &st));
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_OK(mknodat(dir, "sock", S_IFSOCK | 0600, 0));
	CHECK_OK(lstat("sock", &st));
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_OK(mkfifo("fifo2", 0644));
	CHECK_OK(stat("fifo2", &st));
	CHECK(S_ISFIFO(st.st_mode));
}

TEST(mknod_errors)
{
	CHECK_OK(mknod("f", S_IFREG | 0644, 0));
	CHECK_ERRNO(mknod("f", S_IFREG | 0644, 0), EEXIST);
	CHECK_ERRNO(mknod("f", S_IFIFO | 0644, 0), EEXIST);
	CHECK_ERRNO(mknod("bad", S_IFMT | 0644, 0), EINVAL);
	CHECK_ERRNO(mknod("dir", S_IFDIR | 0755, 0), EPERM);
	CHECK_ERRNO(mknod("nodir/f", S_IFREG | 0644, 0), ENOENT);
	CHECK_ERRNO(mknod("f/x", S_IFREG | 0644, 0), ENOTDIR);
	CHECK_ERRNO(mknodat(999, "x", S_IFREG | 0644, 0), EBADF);
}

static void mknod_dev_child(void *arg)
{
	(void)arg;
	become_nobody();
	CHECK_ERRNO(mknod("null", S_IFCHR | 0666, makedev(1, 3)), EPERM);
	CHECK_ERRNO(mknod("blk", S_IFBLK | 0666, makedev(7, 0)), EPERM);
	/* FIFOs need no privilege. */
	CHECK_OK(mknod("fifo", S_IFIFO | 0666, 0));
}

TEST(mknod_device_eperm)
{
	CHECK_OK(chmod(".", 0777));
	CHECK_CHILD(mknod_dev_child, NULL);
}

/* ---- FIFOs ---- */

TEST(fifo_nonblocking_opens)
{
	int r, w;
	CHECK_OK(mkfifo("p", 0600));
	/* No reader: a non-blocking writer gets ENXIO. */
	CHECK_ERRNO(open("p", O_WRONLY | O_NONBLOCK), ENXIO);
	/* A non-blocking reader opens at once... */
	r = open("p", O_RDONLY | O_NONBLOCK);
	CHECK(r >= 0);
	/* ...and then a non-blocking writer can. */
	w = open("p", O_WRONLY | O_NONBLOCK);
	CHECK(w >= 0);
	CHECK_EQ(write(w, "hi", 2), 2);
	char buf[4] = {0};
	CHECK_EQ(read(r, buf, sizeof buf), 2);
	CHECK_STREQ(buf, "hi");
	/* No data, a writer: EAGAIN; no writer: EOF. */
	CHECK_ERRNO(read(r, buf, sizeof buf), EAGAIN);
	close(w);
	CHECK_EQ(read(r, buf, sizeof buf), 0);
}

TEST(fifo_poll_hangup_only_after_a_writer)
{
	struct pollfd pfd;
	int r, w;
	CHECK_OK(mkfifo("p", 0600));
	r = open("p", O_RDONLY | O_NONBLOCK);
	CHECK(r >= 0);
	pfd.fd = r;
	pfd.events = POLLIN;
	/* No writer yet: nothing to report (not a hangup). */
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	w = open("p", O_WRONLY | O_NONBLOCK);
	CHECK(w >= 0);
	CHECK_EQ(write(w, "x", 1), 1);
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(pfd.revents, POLLIN);
	close(w);
	/* The writer came and went: hangup. */
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK(pfd.revents & POLLHUP);
}

TEST(fifo_rdwr_never_blocks)
{
	char buf[8] = {0};
	int fd;
	CHECK_OK(mkfifo("p", 0600));
	fd = open("p", O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "loop", 4), 4);
	CHECK_EQ(read(fd, buf, sizeof buf), 4);
	CHECK_STREQ(buf, "loop");
}

static void fifo_late_writer(void *arg)
{
	int fd;
	(void)arg;
	usleep(100 * 1000);
	fd = open("p", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "from child", 10), 10);
}

TEST(fifo_reader_waits_for_writer)
{
	char buf[16] = {0};
	pid_t pid;
	int fd, status;
	CHECK_OK(mkfifo("p", 0600));
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		fifo_late_writer(NULL);
		_exit(h_failed ? 1 : 0);
	}
	fd = open("p", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, buf, sizeof buf), 10);
	CHECK_STREQ(buf, "from child");
	/* The writer exits: EOF. */
	CHECK_EQ(read(fd, buf, sizeof buf), 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, 5000), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void fifo_late_reader(void *arg)
{
	char buf[16] = {0};
	int fd;
	(void)arg;
	usleep(100 * 1000);
	fd = open("p", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, buf, sizeof buf), 5);
	CHECK_STREQ(buf, "hello");
}

TEST(fifo_writer_waits_for_reader)
{
	pid_t pid;
	int fd, status;
	CHECK_OK(mkfifo("p", 0600));
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		fifo_late_reader(NULL);
		_exit(h_failed ? 1 : 0);
	}
	fd = open("p", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "hello", 5), 5);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, 5000), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST(fifo_open_interrupted)
{
	struct sigaction sa;
	struct itimerval it = {{0, 0}, {0, 100 * 1000}};
	CHECK_OK(mkfifo("p", 0600));
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
	CHECK_ERRNO(open("p", O_RDONLY), EINTR);
	signal(SIGALRM, SIG_DFL);
}

TEST(fifo_epipe_without_readers)
{
	int r, w;
	CHECK_OK(mkfifo("p", 0600));
	CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	r = open("p", O_RDONLY | O_NONBLOCK);
	CHECK(r >= 0);
	w = open("p", O_WRONLY);
	CHECK(w >= 0);
	close(r);
	CHECK_ERRNO(write(w, "x", 1), EPIPE);
	signal(SIGPIPE, SIG_DFL);
}

TEST(fifo_one_buffer_for_all_openers)
{
	char buf[16] = {0};
	int r = -1, w1, w2;
	CHECK_OK(mkfifo("p", 0600));
	w1 = open("p", O_RDWR);
	CHECK(w1 >= 0);
	w2 = open("p", O_WRONLY | O_NONBLOCK);
	r = open("p", O_RDONLY | O_NONBLOCK);
	CHECK(w2 >= 0 && r >= 0);
	CHECK_EQ(write(w1, "one,", 4), 4);
	CHECK_EQ(write(w2, "two", 3), 3);
	CHECK_EQ(read(r, buf, sizeof buf), 7);
	CHECK_STREQ(buf, "one,two");
}

/* ---- getdents ---- */

static int count_in(char names[][16], int n, const char *name)
{
	int c = 0;
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			c++;
	return c;
}

TEST(getdents_old_record)
{
	char buf[4096];
	int fd, n, seen = 0;
	CHECK_OK(h_write_file("file", "x", 1));
	CHECK_OK(mkdir("sub", 0755));
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	n = syscall(SYS_getdents, fd, buf, sizeof buf);
	CHECK(n > 0);
	for (int off = 0; off < n;) {
		struct linux_dirent *d = (struct linux_dirent *)(buf + off);
		char type = buf[off + d->d_reclen - 1];
		CHECK(d->d_reclen % 8 == 0);
		CHECK(d->d_ino != 0);
		if (strcmp(d->d_name, "file") == 0) {
			CHECK_EQ(type, DT_REG);
			seen |= 1;
		} else if (strcmp(d->d_name, "sub") == 0) {
			CHECK_EQ(type, DT_DIR);
			seen |= 2;
		} else if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) {
			CHECK_EQ(type, DT_DIR);
			seen |= 4;
		}
		off += d->d_reclen;
	}
	CHECK_EQ(seen, 7);
	CHECK_EQ(syscall(SYS_getdents, fd, buf, sizeof buf), 0);
	/* A buffer too small for the next record. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_ERRNO(syscall(SYS_getdents, fd, buf, 10), EINVAL);
}

TEST(getdents_errors)
{
	char buf[1024];
	int f, fd;
	CHECK_OK(h_write_file("file", "x", 1));
	f = open("file", O_RDONLY);
	CHECK(f >= 0);
	CHECK_ERRNO(syscall(SYS_getdents, f, buf, sizeof buf), ENOTDIR);
	CHECK_ERRNO(syscall(SYS_getdents64, f, buf, sizeof buf), ENOTDIR);
	CHECK_ERRNO(syscall(SYS_getdents, 999, buf, sizeof buf), EBADF);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	CHECK_ERRNO(syscall(SYS_getdents, fd, (void *)8, sizeof buf), EFAULT);
}

/* Reads every entry with getdents (old or 64-bit records), noting the
 * d_off of each. */
static int list_all(int fd, int old, char names[][16], long offs[], int max)
{
	char buf[512];
	int n = 0;
	for (;;) {
		long r = syscall(old ? SYS_getdents : SYS_getdents64, fd, buf, sizeof buf);
		if (r < 0)
			return -1;
		if (r == 0)
			return n;
		for (long off = 0; off < r;) {
			const char *name;
			long doff;
			unsigned short reclen;
			if (old) {
				struct linux_dirent *d = (struct linux_dirent *)(buf + off);
				name = d->d_name;
				doff = d->d_off;
				reclen = d->d_reclen;
			} else {
				struct dirent64 *d = (struct dirent64 *)(buf + off);
				name = d->d_name;
				doff = d->d_off;
				reclen = d->d_reclen;
			}
			if (n < max) {
				snprintf(names[n], 16, "%.15s", name);
				offs[n] = doff;
				n++;
			}
			off += reclen;
		}
	}
}

static void seek_to_doff(int old)
{
	char names[64][16], again[64][16];
	long offs[64], offs2[64];
	int fd, n, m;
	for (int i = 0; i < 20; i++) {
		char name[16];
		snprintf(name, sizeof name, "f%02d", i);
		CHECK_OK(h_write_file(name, "x", 1));
	}
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	n = list_all(fd, old, names, offs, 64);
	CHECK_EQ(n, 22);
	/* Seeking to an entry's d_off continues right after it. */
	CHECK_EQ(lseek(fd, offs[9], SEEK_SET), offs[9]);
	m = list_all(fd, old, again, offs2, 64);
	CHECK_EQ(m, n - 10);
	for (int i = 0; i < m; i++)
		CHECK_STREQ(again[i], names[10 + i]);
	/* Rewinding starts over. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(list_all(fd, old, again, offs2, 64), n);
}

TEST(getdents_seek_to_d_off)
{
	seek_to_doff(1);
}

TEST(getdents64_seek_to_d_off)
{
	seek_to_doff(0);
}

TEST(getdents64_concurrent_unlink)
{
	static char names[200][16];
	long offs[200];
	char buf[512];
	int fd, n = 0;
	long r;
	for (int i = 0; i < 60; i++) {
		char name[16];
		snprintf(name, sizeof name, "f%02d", i);
		CHECK_OK(h_write_file(name, "x", 1));
	}
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	/* Read a first batch... */
	r = syscall(SYS_getdents64, fd, buf, sizeof buf);
	CHECK(r > 0);
	for (long off = 0; off < r;) {
		struct dirent64 *d = (struct dirent64 *)(buf + off);
		snprintf(names[n++], 16, "%.15s", d->d_name);
		off += d->d_reclen;
	}
	CHECK(n < 40);
	/* ...remove every odd file, read or not... */
	for (int i = 1; i < 60; i += 2) {
		char name[16];
		snprintf(name, sizeof name, "f%02d", i);
		CHECK_OK(unlink(name));
	}
	/* ...and every surviving entry still comes exactly once. */
	int more = list_all(fd, 0, names + n, offs, 200 - n);
	CHECK(more >= 0);
	n += more;
	for (int i = 0; i < 60; i += 2) {
		char name[16];
		snprintf(name, sizeof name, "f%02d", i);
		CHECK_EQ(count_in(names, n, name), 1);
	}
	for (int i = 1; i < 60; i += 2) {
		char name[16];
		snprintf(name, sizeof name, "f%02d", i);
		CHECK(count_in(names, n, name) <= 1);
	}
	CHECK_EQ(count_in(names, n, "."), 1);
	CHECK_EQ(count_in(names, n, ".."), 1);
}

/* ---- chroot ---- */

static void chroot_child(void *arg)
{
	struct stat root, dotdot, marker;
	(void)arg;
	CHECK_OK(chroot("jail"));
	CHECK_OK(chdir("/"));
	CHECK_OK(stat("/marker", &marker));
	CHECK_EQ(marker.st_size, 4);
	CHECK_OK(stat("/", &root));
	CHECK_OK(stat("/..", &dotdot));
	CHECK_EQ(root.st_ino, dotdot.st_ino);
	CHECK_OK(stat("/../../marker", &marker));
	char cwd[64];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK_STREQ(cwd, "/");
}

TEST(chroot_changes_root)
{
	CHECK_OK(mkdir("jail", 0755));
	CHECK_OK(h_write_file("jail/marker", "mark", 4));
	CHECK_CHILD(chroot_child, NULL);
}

static void chroot_nobody(void *arg)
{
	(void)arg;
	become_nobody();
	CHECK_ERRNO(chroot("locked"), EACCES);
	CHECK_ERRNO(chroot("."), EPERM);
}

TEST(chroot_errors)
{
	CHECK_OK(h_write_file("file", "x", 1));
	CHECK_ERRNO(chroot("file"), ENOTDIR);
	CHECK_ERRNO(chroot("missing"), ENOENT);
	CHECK_ERRNO(chroot(""), ENOENT);
	CHECK_OK(mkdir("locked", 0700));
	CHECK_CHILD(chroot_nobody, NULL);
}

/* ---- utime, utimes, futimesat ---- */

TEST(utime_sets_times)
{
	struct utimbuf ub = {1000, 2000};
	struct stat st;
	time_t now = time(NULL);
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(syscall(SYS_utime, "f", &ub));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_atime, 1000);
	CHECK_EQ(st.st_mtime, 2000);
	CHECK_EQ(st.st_mtim.tv_nsec, 0);
	CHECK_OK(syscall(SYS_utime, "f", NULL));
	CHECK_OK(stat("f", &st));
	CHECK(st.st_mtime >= now - 5);
	CHECK_ERRNO(syscall(SYS_utime, "missing", &ub), ENOENT);
}

TEST(utimes_microseconds)
{
	struct timeval tv[2] = {{1000, 250000}, {2000, 500000}};
	struct stat st;
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(syscall(SYS_utimes, "f", tv));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_atim.tv_sec, 1000);
	CHECK_EQ(st.st_atim.tv_nsec, 250000000);
	CHECK_EQ(st.st_mtim.tv_sec, 2000);
	CHECK_EQ(st.st_mtim.tv_nsec, 500000000);
	tv[1].tv_usec = 1000000;
	CHECK_ERRNO(syscall(SYS_utimes, "f", tv), EINVAL);
	tv[1].tv_usec = -1;
	CHECK_ERRNO(syscall(SYS_utimes, "f", tv), EINVAL);
	CHECK_ERRNO(syscall(SYS_utimes, "missing", NULL), ENOENT);
	CHECK_ERRNO(syscall(SYS_utimes, NULL, NULL), EFAULT);
	CHECK_ERRNO(syscall(SYS_utime, NULL, NULL), EFAULT);
	CHECK_ERRNO(syscall(SYS_futimesat, AT_FDCWD, NULL, NULL), EFAULT);
}

static void utimes_nobody(void *arg)
{
	struct timeval tv[2] = {{1, 0}, {2, 0}};
	struct utimbuf ub = {1, 2};
	(void)arg;
	become_nobody();
	/* The raw calls: glibc makes utimes() and utime() of utimensat. Not
	 * the owner: explicit times are refused... */
	CHECK_ERRNO(syscall(SYS_utimes, "open", tv), EPERM);
	CHECK_ERRNO(syscall(SYS_utime, "open", &ub), EPERM);
	CHECK_ERRNO(syscall(SYS_futimesat, AT_FDCWD, "open", tv), EPERM);
	/* ..."now" needs write permission. */
	CHECK_OK(syscall(SYS_utimes, "open", NULL));
	CHECK_ERRNO(syscall(SYS_utimes, "closed", NULL), EACCES);
	CHECK_ERRNO(syscall(SYS_utime, "closed", NULL), EACCES);
}

TEST(utimes_permissions)
{
	CHECK_OK(h_write_file("open", "x", 1));
	CHECK_OK(chmod("open", 0666));
	CHECK_OK(h_write_file("closed", "x", 1));
	CHECK_CHILD(utimes_nobody, NULL);
}

TEST(futimesat_dirfd_and_null_path)
{
	struct timeval tv[2] = {{3000, 0}, {4000, 1}};
	struct stat st;
	int dir, fd;
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(h_write_file("d/f", "x", 1));
	dir = open("d", O_RDONLY | O_DIRECTORY);
	CHECK(dir >= 0);
	CHECK_OK(syscall(SYS_futimesat, dir, "f", tv));
	CHECK_OK(stat("d/f", &st));
	CHECK_EQ(st.st_mtim.tv_sec, 4000);
	CHECK_EQ(st.st_mtim.tv_nsec, 1000);
	/* A NULL path means the descriptor itself. */
	fd = open("d/f", O_RDWR);
	CHECK(fd >= 0);
	tv[1].tv_sec = 5000;
	CHECK_OK(syscall(SYS_futimesat, fd, NULL, tv));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mtime, 5000);
	CHECK_ERRNO(syscall(SYS_futimesat, 999, "f", tv), EBADF);
}

/* ---- O_TMPFILE and linkat(AT_EMPTY_PATH) ---- */

TEST(tmpfile_then_linkat)
{
	struct stat st;
	char buf[8] = {0};
	DIR *d;
	struct dirent *e;
	int fd = open(".", O_TMPFILE | O_RDWR, 0600);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "temp", 4), 4);
	CHECK_OK(fstat(fd, &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_EQ(fcntl(fd, F_GETFL) & (O_TMPFILE | O_ACCMODE), O_TMPFILE | O_RDWR);
	/* Nameless: the directory stays empty. */
	d = opendir(".");
	CHECK(d != NULL);
	while ((e = readdir(d)) != NULL)
		CHECK(strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0);
	closedir(d);
	CHECK_OK(linkat(fd, "", AT_FDCWD, "named", AT_EMPTY_PATH));
	CHECK_OK(stat("named", &st));
	CHECK_EQ(st.st_nlink, 1);
	CHECK_EQ(h_read_file("named", buf, sizeof buf), 4);
	CHECK_STREQ(buf, "temp");
}

TEST(tmpfile_excl_never_linked)
{
	int fd = open(".", O_TMPFILE | O_EXCL | O_WRONLY, 0600);
	CHECK(fd >= 0);
	CHECK_ERRNO(linkat(fd, "", AT_FDCWD, "named", AT_EMPTY_PATH), ENOENT);
	CHECK_ERRNO(access("named", F_OK), ENOENT);
}

TEST(tmpfile_errors)
{
	CHECK_OK(h_write_file("file", "x", 1));
	CHECK_ERRNO(open(".", O_TMPFILE | O_RDONLY, 0600), EINVAL);
	CHECK_ERRNO(open(".", O_TMPFILE | O_RDWR | O_CREAT, 0600), EINVAL);
	CHECK_ERRNO(open("file", O_TMPFILE | O_RDWR, 0600), ENOTDIR);
	CHECK_ERRNO(open("missing", O_TMPFILE | O_RDWR, 0600), ENOENT);
}

TEST(linkat_empty_path_open_file)
{
	struct stat a, b;
	int fd;
	CHECK_OK(h_write_file("a", "x", 1));
	fd = open("a", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_OK(linkat(fd, "", AT_FDCWD, "b", AT_EMPTY_PATH));
	CHECK_OK(stat("a", &a));
	CHECK_OK(stat("b", &b));
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_EQ(b.st_nlink, 2);
	/* Without AT_EMPTY_PATH an empty name is ENOENT. */
	CHECK_ERRNO(linkat(fd, "", AT_FDCWD, "c", 0), ENOENT);
	/* An unlinked (not O_TMPFILE) file cannot come back. */
	CHECK_OK(unlink("a"));
	CHECK_OK(unlink("b"));
	CHECK_ERRNO(linkat(fd, "", AT_FDCWD, "c", AT_EMPTY_PATH), ENOENT);
}

/* ---- close_range ---- */

TEST(close_range_closes)
{
	int fd = open(".", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(dup2(fd, 40), 40);
	CHECK_EQ(dup2(fd, 41), 41);
	CHECK_EQ(dup2(fd, 43), 43);
	CHECK_OK(close_range(40, 42, 0));
	CHECK_ERRNO(fcntl(40, F_GETFD), EBADF);
	CHECK_ERRNO(fcntl(41, F_GETFD), EBADF);
	CHECK_OK(fcntl(43, F_GETFD));
	CHECK_OK(close_range(43, ~0U, 0));
	CHECK_ERRNO(fcntl(43, F_GETFD), EBADF);
	CHECK_OK(fcntl(fd, F_GETFD));
}

TEST(close_range_cloexec)
{
	int fd = open(".", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(dup2(fd, 50), 50);
	CHECK_EQ(dup2(fd, 51), 51);
	CHECK_OK(close_range(50, 51, CLOSE_RANGE_CLOEXEC));
	CHECK_EQ(fcntl(50, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(51, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	CHECK_OK(close_range(50, 51, CLOSE_RANGE_UNSHARE));
	CHECK_ERRNO(fcntl(50, F_GETFD), EBADF);
}

TEST(close_range_einval)
{
	CHECK_ERRNO(close_range(10, 5, 0), EINVAL);
	CHECK_ERRNO(close_range(5, 10, 0x100), EINVAL);
}

/* ---- file handles ---- */

TEST(name_to_handle_at_errors)
{
	struct file_handle *fh = malloc(sizeof *fh + 128);
	int mount_id;
	CHECK(fh != NULL);
	fh->handle_bytes = 128;
	CHECK_ERRNO(name_to_handle_at(AT_FDCWD, ".", fh, &mount_id, 0x4), EINVAL);
	CHECK_ERRNO(name_to_handle_at(AT_FDCWD, "missing", fh, &mount_id, 0), ENOENT);
	CHECK_ERRNO(name_to_handle_at(AT_FDCWD, "", fh, &mount_id, 0), ENOENT);
	free(fh);
}

static void open_by_handle_child(void *arg)
{
	struct file_handle *fh = arg;
	become_nobody();
	CHECK_ERRNO(open_by_handle_at(AT_FDCWD, fh, O_RDONLY), EPERM);
}

TEST(open_by_handle_at_unprivileged)
{
	struct file_handle *fh = calloc(1, sizeof *fh + 16);
	CHECK(fh != NULL);
	fh->handle_bytes = 8;
	fh->handle_type = 1;
	CHECK_CHILD(open_by_handle_child, fh);
	free(fh);
}

/* ---- preadv2 / pwritev2 ---- */

TEST(pwritev2_append)
{
	char buf[16] = {0};
	struct iovec iov = {"XY", 2};
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "abc", 3), 3);
	CHECK_EQ(pwritev2(fd, &iov, 1, 0, RWF_APPEND), 2);
	CHECK_EQ(pread(fd, buf, sizeof buf, 0), 5);
	CHECK_STREQ(buf, "abcXY");
	/* An explicit offset leaves the file position alone. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3);
	CHECK_OK(lseek(fd, 0, SEEK_SET));
	CHECK_EQ(pwritev2(fd, &iov, 1, -1, RWF_APPEND), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 7);
}

TEST(preadv2_current_position)
{
	char buf[4] = {0};
	struct iovec iov = {buf, 3};
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	CHECK_OK(lseek(fd, 2, SEEK_SET));
	CHECK_EQ(preadv2(fd, &iov, 1, -1, 0), 3);
	CHECK_STREQ(buf, "234");
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
	CHECK_EQ(preadv2(fd, &iov, 1, 7, RWF_HIPRI), 3);
	CHECK_STREQ(buf, "789");
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
	iov.iov_base = "ab";
	iov.iov_len = 2;
	CHECK_EQ(pwritev2(fd, &iov, 1, 0, RWF_DSYNC), 2);
	CHECK_EQ(pwritev2(fd, &iov, 1, 2, RWF_SYNC), 2);
}

TEST(rwf_flags_errors)
{
	char buf[4];
	struct iovec iov = {buf, sizeof buf};
	int p[2];
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_OK(pipe(p));
	CHECK_ERRNO(preadv2(fd, &iov, 1, 0, 0x1000), EOPNOTSUPP);
	CHECK_ERRNO(pwritev2(fd, &iov, 1, 0, 0x1000), EOPNOTSUPP);
	/* RWF_NOWAIT on an empty pipe: EAGAIN instead of blocking. */
	CHECK_ERRNO(preadv2(p[0], &iov, 1, -1, RWF_NOWAIT), EAGAIN);
	CHECK_EQ(write(p[1], "ok", 2), 2);
	CHECK_EQ(preadv2(p[0], &iov, 1, -1, RWF_NOWAIT), 2);
	CHECK_ERRNO(preadv2(p[0], &iov, 1, 0, 0), ESPIPE);
}

/* ---- F_GETFL ---- */

TEST(getfl_reports_open_flags)
{
	int fd = open("f", O_RDWR | O_CREAT | O_APPEND | O_SYNC | O_NOATIME | O_CLOEXEC, 0644);
	int fl;
	CHECK(fd >= 0);
	fl = fcntl(fd, F_GETFL);
	CHECK(fl >= 0);
	CHECK_EQ(fl & O_ACCMODE, O_RDWR);
	CHECK(fl & O_APPEND);
	CHECK_EQ(fl & O_SYNC, O_SYNC);
	CHECK(fl & O_NOATIME);
	CHECK(fl & K_O_LARGEFILE);
	CHECK_EQ(fl & (O_CREAT | O_CLOEXEC), 0);
	close(fd);
	fd = open("f", O_WRONLY | O_DSYNC);
	CHECK(fd >= 0);
	fl = fcntl(fd, F_GETFL);
	CHECK_EQ(fl & O_SYNC, O_DSYNC);
	CHECK_EQ(fl & O_ACCMODE, O_WRONLY);
	/* F_SETFL changes O_APPEND but not the sync flags. */
	CHECK_OK(fcntl(fd, F_SETFL, O_APPEND));
	fl = fcntl(fd, F_GETFL);
	CHECK(fl & O_APPEND);
	CHECK_EQ(fl & O_SYNC, O_DSYNC);
}

TEST(getfl_direct)
{
	int fd = open("f", O_RDWR | O_CREAT | O_DIRECT, 0644);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFL) & O_DIRECT);
	CHECK_OK(fcntl(fd, F_SETFL, 0));
	CHECK_EQ(fcntl(fd, F_GETFL) & O_DIRECT, 0);
}

/* ---- error cases of the name syscalls ---- */

TEST(enametoolong)
{
	char name[300];
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = 0;
	CHECK_ERRNO(open(name, O_RDWR | O_CREAT, 0644), ENAMETOOLONG);
	CHECK_ERRNO(mkdir(name, 0755), ENAMETOOLONG);
	CHECK_ERRNO(mknod(name, S_IFIFO | 0644, 0), ENAMETOOLONG);
	CHECK_ERRNO(symlink("x", name), ENAMETOOLONG);
}

TEST(eloop)
{
	CHECK_OK(symlink("b", "a"));
	CHECK_OK(symlink("a", "b"));
	CHECK_ERRNO(open("a", O_RDONLY), ELOOP);
	CHECK_ERRNO(chroot("a"), ELOOP);
	CHECK_ERRNO(mknod("a/x", S_IFREG | 0644, 0), ELOOP);
	CHECK_ERRNO(syscall(SYS_utimes, "a", NULL), ELOOP);
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(symlink("f", "l"));
	CHECK_ERRNO(open("l", O_RDONLY | O_NOFOLLOW), ELOOP);
}

TEST(enotempty_eisdir_eexist)
{
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(h_write_file("d/f", "x", 1));
	CHECK_ERRNO(rmdir("d"), ENOTEMPTY);
	CHECK_ERRNO(open("d", O_WRONLY), EISDIR);
	CHECK_ERRNO(unlink("d"), EISDIR);
	CHECK_ERRNO(mkdir("d", 0755), EEXIST);
	CHECK_ERRNO(mknod("d", S_IFIFO | 0644, 0), EEXIST);
	CHECK_ERRNO(symlink("x", "d/f"), EEXIST);
	CHECK_ERRNO(link("d/f", "d/f"), EEXIST);
	CHECK_OK(mkdir("e", 0755));
	CHECK_OK(h_write_file("e/g", "x", 1));
	CHECK_ERRNO(rename("e", "d"), ENOTEMPTY);
}

TEST(exdev_across_file_systems)
{
	char shm[64];
	snprintf(shm, sizeof shm, "/dev/shm/rvisor-names-%d", getpid());
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_ERRNO(link("f", shm), EXDEV);
	CHECK_ERRNO(rename("f", shm), EXDEV);
	CHECK_ERRNO(access(shm, F_OK), ENOENT);
}
