/* Advisory locks: POSIX record locks (F_GETLK, F_SETLK, F_SETLKW) between
 * processes, with splitting, merging, EOF ranges, whence, upgrade and
 * downgrade, blocking, EDEADLK and EINTR, release on close of any fd and at
 * exit; OFD locks (F_OFD_*) and their conflicts with POSIX locks; flock(2)
 * shared/exclusive/non-blocking/conversion, shared across dup and fork.
 *
 * POSIX locks of one process never conflict with each other, so the other
 * party is always a forked child. Timer handlers installed by a case are put
 * back after it. */
#include "harness.h"

#include <sys/file.h>
#include <sys/time.h>

#define WAIT_MS 5000

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A file of 100 bytes, opened read-write. */
static int mkfile(void)
{
	char buf[100];
	memset(buf, 'x', sizeof buf);
	if (h_write_file("f", buf, sizeof buf) < 0)
		return -1;
	return open("f", O_RDWR);
}

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = start;
	fl.l_len = len;
	return fcntl(fd, cmd, &fl);
}

/* Runs `type` F_SETLK of start/len on fd in a forked child; returns 0 or the
 * child's errno (-1 if the child went wrong). */
static int child_setlk(int fd, int cmd, short type, off_t start, off_t len)
{
	int st = 0;
	pid_t pid = h_fork();
	if (pid == 0)
		_exit(lk(fd, cmd, type, start, len) == 0 ? 0 : errno);
	if (pid < 0 || h_waitpid_timeout(pid, &st, 0, WAIT_MS) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* F_GETLK of type start/len on fd, done by a forked child; the answer
 * comes back through a shared page. Returns 0 or -1. */
static struct flock *shared_flock;
static int child_getlk(int fd, short type, off_t start, off_t len, struct flock *out)
{
	int st = 0;
	if (!shared_flock) {
		shared_flock = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				    -1, 0);
		if (shared_flock == MAP_FAILED)
			return -1;
	}
	memset(shared_flock, 0, sizeof *shared_flock);
	pid_t pid = h_fork();
	if (pid == 0) {
		struct flock fl;
		memset(&fl, 0, sizeof fl);
		fl.l_type = type;
		fl.l_whence = SEEK_SET;
		fl.l_start = start;
		fl.l_len = len;
		if (fcntl(fd, F_GETLK, &fl) < 0)
			_exit(errno);
		*shared_flock = fl;
		_exit(0);
	}
	if (pid < 0 || h_waitpid_timeout(pid, &st, 0, WAIT_MS) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return -1;
	*out = *shared_flock;
	return 0;
}

/* ---- POSIX record locks ---- */

TEST(setlk_then_unlock)
{
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 0, 10));
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 0, 1), EAGAIN);
	CHECK_OK(lk(fd, F_SETLK, F_UNLCK, 0, 10));
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 0, 1), 0);
}

TEST(own_locks_never_conflict)
{
	struct flock fl;
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 0, 10));
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 5, 10));
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_len = 100;
	CHECK_OK(fcntl(fd, F_GETLK, &fl));
	CHECK_EQ(fl.l_type, F_UNLCK);
}

TEST(getlk_reports_holder_and_range)
{
	struct flock fl;
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 10, 20));
	CHECK_OK(child_getlk(fd, F_RDLCK, 0, 0, &fl));
	CHECK_EQ(fl.l_type, F_WRLCK);
	CHECK_EQ(fl.l_whence, SEEK_SET);
	CHECK_EQ(fl.l_start, 10);
	CHECK_EQ(fl.l_len, 20);
	CHECK_EQ(fl.l_pid, getpid());
}

TEST(getlk_no_conflict_leaves_fields)
{
	struct flock fl;
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_RDLCK, 0, 10));
	CHECK_OK(child_getlk(fd, F_RDLCK, 3, 4, &fl));
	CHECK_EQ(fl.l_type, F_UNLCK);
	CHECK_EQ(fl.l_start, 3);
	CHECK_EQ(fl.l_len, 4);
}

TEST(read_locks_are_shared)
{
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_RDLCK, 0, 50));
	CHECK_EQ(child_setlk(fd, F_SETLK, F_RDLCK, 0, 50), 0);
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 49, 1), EAGAIN);
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 50, 10), 0);
}

TEST(unlocking_the_middle_splits)
{
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 0, 100));
	CHECK_OK(lk(fd, F_SETLK, F_UNLCK, 40, 20));
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 40, 20), 0);
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 39, 1), EAGAIN);
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 60, 1), EAGAIN);
}

TEST(adjacent_locks_merge)
{
	struct flock fl;
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 0, 10));
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 10, 10));
	CHECK_OK(child_getlk(fd, F_WRLCK, 0, 100, &fl));
	CHECK_EQ(fl.l_start, 0);
	CHECK_EQ(fl.l_len, 20);
}

TEST(different_types_do_not_merge)
{
	struct flock fl;
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_RDLCK, 0, 10));
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 10, 10));
	CHECK_OK(child_getlk(fd, F_RDLCK, 0, 100, &fl));
	CHECK_EQ(fl.l_type, F_WRLCK);
	CHECK_EQ(fl.l_start, 10);
	CHECK_EQ(fl.l_len, 10);
}

TEST(len_zero_locks_to_eof_and_beyond)
{
	struct flock fl;
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 5, 0));
	CHECK_OK(child_getlk(fd, F_WRLCK, 1000000, 1, &fl));
	CHECK_EQ(fl.l_type, F_WRLCK);
	CHECK_EQ(fl.l_start, 5);
	CHECK_EQ(fl.l_len, 0);
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 0, 5), 0);
}

TEST(negative_len_locks_before_start)
{
	struct flock fl;
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 10, -5));
	CHECK_OK(child_getlk(fd, F_WRLCK, 0, 100, &fl));
	CHECK_EQ(fl.l_start, 5);
	CHECK_EQ(fl.l_len, 5);
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 10, 1), 0);
}

TEST(whence_cur_and_end)
{
	struct flock fl;
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_EQ(lseek(fd, 30, SEEK_SET), 30);
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_CUR;
	fl.l_start = 2;
	fl.l_len = 3;
	CHECK_OK(fcntl(fd, F_SETLK, &fl));
	fl.l_whence = SEEK_END;
	fl.l_start = -10;
	fl.l_len = 10;
	CHECK_OK(fcntl(fd, F_SETLK, &fl));
	CHECK_OK(child_getlk(fd, F_WRLCK, 0, 50, &fl));
	CHECK_EQ(fl.l_start, 32);
	CHECK_EQ(fl.l_len, 3);
	CHECK_OK(child_getlk(fd, F_WRLCK, 50, 0, &fl));
	CHECK_EQ(fl.l_start, 90);
	CHECK_EQ(fl.l_len, 10);
}

TEST(upgrade_and_downgrade)
{
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_RDLCK, 0, 10));
	CHECK_EQ(child_setlk(fd, F_SETLK, F_RDLCK, 0, 10), 0);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 0, 10));
	CHECK_EQ(child_setlk(fd, F_SETLK, F_RDLCK, 0, 10), EAGAIN);
	CHECK_OK(lk(fd, F_SETLK, F_RDLCK, 0, 10));
	CHECK_EQ(child_setlk(fd, F_SETLK, F_RDLCK, 0, 10), 0);
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 0, 10), EAGAIN);
}

TEST(einval_cases)
{
	struct flock fl;
	int fd = mkfile();
	CHECK_OK(fd);
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = 7;
	CHECK_ERRNO(fcntl(fd, F_SETLK, &fl), EINVAL);
	fl.l_whence = SEEK_SET;
	fl.l_type = 9;
	CHECK_ERRNO(fcntl(fd, F_SETLK, &fl), EINVAL);
	fl.l_type = F_WRLCK;
	fl.l_start = -1;
	CHECK_ERRNO(fcntl(fd, F_SETLK, &fl), EINVAL);
	fl.l_start = 3;
	fl.l_len = -4;
	CHECK_ERRNO(fcntl(fd, F_SETLK, &fl), EINVAL);
	fl.l_start = 0;
	fl.l_len = 0;
	fl.l_type = F_UNLCK;
	CHECK_ERRNO(fcntl(fd, F_GETLK, &fl), EINVAL);
}

TEST(ebadf_by_access_mode)
{
	int fd = mkfile();
	CHECK_OK(fd);
	int ro = open("f", O_RDONLY), wo = open("f", O_WRONLY);
	CHECK_OK(ro);
	CHECK_OK(wo);
	CHECK_ERRNO(lk(ro, F_SETLK, F_WRLCK, 0, 1), EBADF);
	CHECK_ERRNO(lk(wo, F_SETLK, F_RDLCK, 0, 1), EBADF);
	CHECK_OK(lk(ro, F_SETLK, F_RDLCK, 0, 1));
	CHECK_OK(lk(wo, F_SETLK, F_WRLCK, 5, 1));
	CHECK_OK(lk(ro, F_SETLK, F_UNLCK, 0, 10));
	CHECK_ERRNO(lk(-1, F_SETLK, F_RDLCK, 0, 1), EBADF);
	CHECK_ERRNO(lk(999, F_GETLK, F_RDLCK, 0, 1), EBADF);
}

TEST(efault_on_bad_struct)
{
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_ERRNO(fcntl(fd, F_SETLK, (void *)8), EFAULT);
	CHECK_ERRNO(fcntl(fd, F_GETLK, (void *)8), EFAULT);
}

TEST(setlkw_waits_for_release)
{
	int p[2], fd = mkfile();
	char c;
	CHECK_OK(fd);
	CHECK_OK(pipe(p));
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		if (lk(fd, F_SETLK, F_WRLCK, 0, 10) < 0)
			_exit(1);
		write(p[1], "x", 1);
		sleep_ms(200);
		lk(fd, F_SETLK, F_UNLCK, 0, 10);
		sleep_ms(2000);
		_exit(0);
	}
	CHECK_EQ(read(p[0], &c, 1), 1);
	long long t0 = h_now_ms();
	CHECK_ERRNO(lk(fd, F_SETLK, F_WRLCK, 5, 1), EAGAIN);
	CHECK_OK(lk(fd, F_SETLKW, F_WRLCK, 5, 1));
	CHECK(h_now_ms() - t0 >= 100);
}

TEST(setlkw_wakes_when_holder_exits)
{
	int p[2], st, fd = mkfile();
	char c;
	CHECK_OK(fd);
	CHECK_OK(pipe(p));
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		if (lk(fd, F_SETLK, F_RDLCK, 0, 0) < 0)
			_exit(1);
		write(p[1], "x", 1);
		sleep_ms(200);
		_exit(0);
	}
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_OK(lk(fd, F_SETLKW, F_WRLCK, 0, 0));
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, WAIT_MS), pid);
}

TEST(edeadlk_between_two_processes)
{
	int p[2], st, fd = mkfile();
	char c;
	CHECK_OK(fd);
	CHECK_OK(pipe(p));
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 0, 1));
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		if (lk(fd, F_SETLK, F_WRLCK, 1, 1) < 0)
			_exit(1);
		write(p[1], "x", 1);
		/* Blocks on the parent's lock until the parent gives it up. */
		if (lk(fd, F_SETLKW, F_WRLCK, 0, 1) < 0)
			_exit(2);
		_exit(0);
	}
	CHECK_EQ(read(p[0], &c, 1), 1);
	sleep_ms(300); /* Let the child go to sleep in F_SETLKW. */
	CHECK_ERRNO(lk(fd, F_SETLKW, F_WRLCK, 1, 1), EDEADLK);
	CHECK_OK(lk(fd, F_SETLK, F_UNLCK, 0, 1));
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, WAIT_MS), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static struct sigaction saved_alrm;
static void restore_alarm(void *arg)
{
	struct itimerval off;
	(void)arg;
	memset(&off, 0, sizeof off);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &saved_alrm, NULL);
}

/* SIGALRM in ms milliseconds, caught by a handler without SA_RESTART. */
static void alarm_in(long ms)
{
	struct sigaction sa;
	struct itimerval it;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &saved_alrm);
	h_defer(restore_alarm, NULL);
	memset(&it, 0, sizeof it);
	it.it_value.tv_usec = ms * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* A child that holds a write lock on all of fd's file until killed. */
static pid_t holder(int fd, int use_flock)
{
	int p[2];
	char c;
	if (pipe(p) < 0)
		return -1;
	pid_t pid = h_fork();
	if (pid == 0) {
		int r = use_flock ? flock(open("f", O_RDONLY), LOCK_EX) : lk(fd, F_SETLK, F_WRLCK, 0, 0);
		if (r < 0)
			_exit(1);
		write(p[1], "x", 1);
		for (;;)
			pause();
	}
	if (pid < 0 || read(p[0], &c, 1) != 1)
		return -1;
	close(p[0]);
	close(p[1]);
	return pid;
}

TEST(setlkw_eintr_on_signal)
{
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(holder(fd, 0));
	alarm_in(200);
	CHECK_ERRNO(lk(fd, F_SETLKW, F_WRLCK, 0, 1), EINTR);
}

TEST(close_of_any_fd_releases)
{
	int fd = mkfile();
	CHECK_OK(fd);
	int other = open("f", O_RDONLY);
	CHECK_OK(other);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 0, 10));
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 0, 1), EAGAIN);
	CHECK_OK(close(other));
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 0, 1), 0);
}

TEST(locks_survive_dup_until_a_close)
{
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 0, 10));
	int d = dup(fd);
	CHECK_OK(d);
	CHECK_EQ(child_setlk(d, F_SETLK, F_WRLCK, 0, 1), EAGAIN);
	CHECK_OK(lk(d, F_SETLK, F_WRLCK, 20, 10));
	CHECK_OK(close(d));
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 0, 30), 0);
}

TEST(child_does_not_inherit_posix_locks)
{
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 0, 10));
	/* The child's unlock and close touch only its own (no) locks. */
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		lk(fd, F_SETLK, F_UNLCK, 0, 0);
		close(fd);
		_exit(0);
	}
	CHECK_EQ(h_waitpid_timeout(pid, NULL, 0, WAIT_MS), pid);
	CHECK_EQ(child_setlk(fd, F_SETLK, F_RDLCK, 0, 1), EAGAIN);
}

TEST(exit_releases_locks)
{
	int st, fd = mkfile();
	CHECK_OK(fd);
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0)
		_exit(lk(fd, F_SETLK, F_WRLCK, 0, 0) == 0 ? 0 : 1);
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, WAIT_MS), pid);
	CHECK_EQ(st, 0);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 0, 0));
}

TEST(same_file_through_two_paths)
{
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(link("f", "g"));
	int g = open("g", O_RDWR);
	CHECK_OK(g);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 0, 10));
	CHECK_EQ(child_setlk(g, F_SETLK, F_WRLCK, 0, 1), EAGAIN);
}

/* ---- OFD locks ---- */

TEST(ofd_conflicts_with_posix_of_same_process)
{
	int fd = mkfile();
	CHECK_OK(fd);
	int fd2 = open("f", O_RDWR);
	CHECK_OK(fd2);
	CHECK_OK(lk(fd, F_OFD_SETLK, F_WRLCK, 0, 10));
	CHECK_ERRNO(lk(fd2, F_SETLK, F_WRLCK, 5, 1), EAGAIN);
	CHECK_ERRNO(lk(fd2, F_OFD_SETLK, F_RDLCK, 5, 1), EAGAIN);
	CHECK_OK(lk(fd2, F_SETLK, F_WRLCK, 10, 1));
	CHECK_ERRNO(lk(fd, F_OFD_SETLK, F_WRLCK, 10, 1), EAGAIN);
}

TEST(ofd_same_description_shares_owner)
{
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_OFD_SETLK, F_WRLCK, 0, 10));
	int d = dup(fd);
	CHECK_OK(d);
	CHECK_OK(lk(d, F_OFD_SETLK, F_WRLCK, 5, 10));
	/* A forked child shares the description, so the lock too. */
	CHECK_EQ(child_setlk(fd, F_OFD_SETLK, F_WRLCK, 0, 1), 0);
}

TEST(ofd_getlk_reports_pid_minus_one)
{
	struct flock fl;
	int fd = mkfile();
	CHECK_OK(fd);
	int fd2 = open("f", O_RDWR);
	CHECK_OK(fd2);
	CHECK_OK(lk(fd, F_OFD_SETLK, F_RDLCK, 3, 4));
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	CHECK_OK(fcntl(fd2, F_OFD_GETLK, &fl));
	CHECK_EQ(fl.l_type, F_RDLCK);
	CHECK_EQ(fl.l_start, 3);
	CHECK_EQ(fl.l_len, 4);
	CHECK_EQ(fl.l_pid, -1);
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	CHECK_OK(fcntl(fd2, F_GETLK, &fl));
	CHECK_EQ(fl.l_pid, -1);
}

TEST(ofd_requires_zero_pid)
{
	struct flock fl;
	int fd = mkfile();
	CHECK_OK(fd);
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_pid = getpid();
	CHECK_ERRNO(fcntl(fd, F_OFD_SETLK, &fl), EINVAL);
	CHECK_ERRNO(fcntl(fd, F_OFD_GETLK, &fl), EINVAL);
}

TEST(ofd_released_on_last_close)
{
	int fd = mkfile();
	CHECK_OK(fd);
	int fd2 = open("f", O_RDWR);
	CHECK_OK(fd2);
	CHECK_OK(lk(fd, F_OFD_SETLK, F_WRLCK, 0, 0));
	int d = dup(fd);
	CHECK_OK(d);
	CHECK_OK(close(fd));
	CHECK_ERRNO(lk(fd2, F_OFD_SETLK, F_WRLCK, 0, 1), EAGAIN);
	CHECK_OK(close(d));
	CHECK_OK(lk(fd2, F_OFD_SETLK, F_WRLCK, 0, 1));
}

TEST(ofd_setlkw_waits_for_other_description)
{
	int fd = mkfile();
	CHECK_OK(fd);
	int fd2 = open("f", O_RDWR);
	CHECK_OK(fd2);
	CHECK_OK(lk(fd, F_OFD_SETLK, F_WRLCK, 0, 0));
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		sleep_ms(200);
		lk(fd, F_OFD_SETLK, F_UNLCK, 0, 0);
		_exit(0);
	}
	long long t0 = h_now_ms();
	CHECK_OK(lk(fd2, F_OFD_SETLKW, F_WRLCK, 0, 1));
	CHECK(h_now_ms() - t0 >= 100);
}

/* ---- flock(2) ---- */

TEST(flock_exclusive_blocks_other_description)
{
	int fd = mkfile();
	CHECK_OK(fd);
	int fd2 = open("f", O_RDONLY);
	CHECK_OK(fd2);
	CHECK_OK(flock(fd, LOCK_EX));
	CHECK_ERRNO(flock(fd2, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	CHECK_ERRNO(flock(fd2, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	CHECK_OK(flock(fd, LOCK_UN));
	CHECK_OK(flock(fd2, LOCK_EX | LOCK_NB));
}

TEST(flock_shared_locks_coexist)
{
	int fd = mkfile();
	CHECK_OK(fd);
	int fd2 = open("f", O_RDONLY), fd3 = open("f", O_RDONLY);
	CHECK_OK(fd2);
	CHECK_OK(fd3);
	CHECK_OK(flock(fd, LOCK_SH));
	CHECK_OK(flock(fd2, LOCK_SH | LOCK_NB));
	CHECK_ERRNO(flock(fd3, LOCK_EX | LOCK_NB), EWOULDBLOCK);
}

TEST(flock_conversion)
{
	int fd = mkfile();
	CHECK_OK(fd);
	int fd2 = open("f", O_RDONLY);
	CHECK_OK(fd2);
	CHECK_OK(flock(fd, LOCK_SH));
	CHECK_OK(flock(fd, LOCK_EX | LOCK_NB));
	CHECK_ERRNO(flock(fd2, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	CHECK_OK(flock(fd, LOCK_SH));
	CHECK_OK(flock(fd2, LOCK_SH | LOCK_NB));
	CHECK_ERRNO(flock(fd, LOCK_EX | LOCK_NB), EWOULDBLOCK);
}

TEST(flock_shared_by_dup_and_fork)
{
	int st, fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(flock(fd, LOCK_EX));
	int d = dup(fd);
	CHECK_OK(d);
	CHECK_OK(flock(d, LOCK_EX | LOCK_NB));
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		int other = open("f", O_RDONLY);
		if (flock(fd, LOCK_EX | LOCK_NB) < 0)
			_exit(1);
		if (flock(other, LOCK_SH | LOCK_NB) == 0 || errno != EWOULDBLOCK)
			_exit(2);
		_exit(0);
	}
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, WAIT_MS), pid);
	CHECK_EQ(st, 0);
	/* Unlocking through the dup unlocks the description. */
	CHECK_OK(flock(d, LOCK_UN));
	int other = open("f", O_RDONLY);
	CHECK_OK(flock(other, LOCK_EX | LOCK_NB));
}

TEST(flock_released_on_last_close)
{
	int fd = mkfile();
	CHECK_OK(fd);
	int fd2 = open("f", O_RDONLY);
	CHECK_OK(fd2);
	CHECK_OK(flock(fd, LOCK_EX));
	int d = dup(fd);
	CHECK_OK(close(fd));
	CHECK_ERRNO(flock(fd2, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	CHECK_OK(close(d));
	CHECK_OK(flock(fd2, LOCK_EX | LOCK_NB));
}

TEST(flock_waits_for_release)
{
	int fd = mkfile();
	CHECK_OK(fd);
	int fd2 = open("f", O_RDONLY);
	CHECK_OK(fd2);
	CHECK_OK(flock(fd2, LOCK_EX));
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		sleep_ms(200);
		flock(fd2, LOCK_UN);
		_exit(0);
	}
	long long t0 = h_now_ms();
	CHECK_OK(flock(fd, LOCK_SH));
	CHECK(h_now_ms() - t0 >= 100);
}

TEST(flock_eintr_on_signal)
{
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(holder(fd, 1));
	alarm_in(200);
	CHECK_ERRNO(flock(fd, LOCK_SH), EINTR);
}

TEST(flock_independent_of_posix_locks)
{
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_OK(flock(fd, LOCK_EX));
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 0, 0), 0);
	CHECK_OK(lk(fd, F_SETLK, F_WRLCK, 0, 0));
	int fd2 = open("f", O_RDONLY);
	CHECK_OK(fd2);
	CHECK_ERRNO(flock(fd2, LOCK_SH | LOCK_NB), EWOULDBLOCK);
}

TEST(flock_errors)
{
	int fd = mkfile();
	CHECK_OK(fd);
	CHECK_ERRNO(flock(fd, 0), EINVAL);
	CHECK_ERRNO(flock(fd, LOCK_SH | LOCK_EX), EINVAL);
	CHECK_ERRNO(flock(fd, LOCK_NB), EINVAL);
	CHECK_ERRNO(flock(-1, LOCK_SH), EBADF);
	CHECK_ERRNO(flock(999, LOCK_EX), EBADF);
	CHECK_ERRNO(flock(999, 77), EINVAL);
	int p = open("f", O_PATH);
	CHECK_OK(p);
	CHECK_ERRNO(flock(p, LOCK_SH), EBADF);
}

TEST(flock_on_directory_and_readonly)
{
	int d = open(".", O_RDONLY | O_DIRECTORY);
	CHECK_OK(d);
	int d2 = open(".", O_RDONLY | O_DIRECTORY);
	CHECK_OK(d2);
	CHECK_OK(flock(d, LOCK_EX | LOCK_NB));
	CHECK_ERRNO(flock(d2, LOCK_SH | LOCK_NB), EWOULDBLOCK);
}

TEST(setlkw_restarts_after_sa_restart_handler)
{
	struct sigaction sa;
	struct itimerval it;
	int fd = mkfile();
	CHECK_OK(fd);
	int p[2];
	char c;
	CHECK_OK(pipe(p));
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		if (lk(fd, F_SETLK, F_WRLCK, 0, 0) < 0)
			_exit(1);
		write(p[1], "x", 1);
		sleep_ms(400);
		_exit(0);
	}
	CHECK_EQ(read(p[0], &c, 1), 1);
	alarm_in(100); /* Saves and restores SIGALRM's disposition. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	long long t0 = h_now_ms();
	CHECK_OK(lk(fd, F_SETLKW, F_WRLCK, 0, 1));
	CHECK(h_now_ms() - t0 >= 200);
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
}

/* A file of the image (the gofer's lower layer in the sandbox), never
 * written: locks meet whatever description reaches it. */
TEST(locks_on_a_read_only_image_file)
{
	struct flock fl;
	int fd = open("/etc/passwd", O_RDONLY);
	CHECK_OK(fd);
	CHECK_OK(lk(fd, F_SETLK, F_RDLCK, 0, 1));
	int st;
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		int other = open("/etc/passwd", O_RDONLY);
		memset(&fl, 0, sizeof fl);
		fl.l_type = F_WRLCK;
		if (other < 0 || fcntl(other, F_GETLK, &fl) < 0)
			_exit(1);
		if (fl.l_type != F_RDLCK || fl.l_pid != getppid() || fl.l_len != 1)
			_exit(2);
		if (flock(other, LOCK_SH | LOCK_NB) < 0)
			_exit(3);
		_exit(0);
	}
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, WAIT_MS), pid);
	CHECK_EQ(st, 0);
	int other = open("/etc/passwd", O_RDONLY);
	CHECK_OK(other);
	CHECK_OK(flock(fd, LOCK_SH));
	CHECK_ERRNO(flock(other, LOCK_EX | LOCK_NB), EWOULDBLOCK);
}

TEST(locks_set_through_many_dups_all_go_at_a_close)
{
	/* Many lock/unlock rounds through different fds keep the table
	 * consistent: nothing is left behind after the last unlock. */
	int fd = mkfile();
	CHECK_OK(fd);
	for (int i = 0; i < 100; i++) {
		int d = dup(fd);
		CHECK_OK(d);
		CHECK_OK(lk(d, F_SETLK, i % 2 ? F_RDLCK : F_WRLCK, i, 3));
		if (i % 10 == 9)
			CHECK_OK(close(d));
	}
	CHECK_EQ(child_setlk(fd, F_SETLK, F_WRLCK, 0, 0), 0);
}

/* The far side of locks_survive_exec: the test binary exec'd with
 * LOCKS_EXEC_FD set checks, before main, that the lock it set before the
 * exec is still its own (a child's F_GETLK names it), then exits. */
__attribute__((constructor)) static void locks_exec_check(void)
{
	const char *s = getenv("LOCKS_EXEC_FD");
	if (!s)
		return;
	int fd = atoi(s), st = 0;
	pid_t me = getpid(), pid = fork();
	if (pid == 0) {
		struct flock fl;
		memset(&fl, 0, sizeof fl);
		fl.l_type = F_WRLCK;
		if (fcntl(fd, F_GETLK, &fl) < 0)
			_exit(10);
		_exit(fl.l_type == F_WRLCK && fl.l_pid == me && fl.l_len == 10 ? 0 : 11);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		_exit(12);
	_exit(WEXITSTATUS(st));
}

TEST(locks_survive_exec)
{
	int st;
	char num[16];
	CHECK(h_argv0[0] == '/');
	int fd = mkfile();
	CHECK_OK(fd);
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		if (lk(fd, F_SETLK, F_WRLCK, 0, 10) < 0)
			_exit(20);
		snprintf(num, sizeof num, "%d", fd);
		setenv("LOCKS_EXEC_FD", num, 1);
		execl(h_argv0, h_argv0, (char *)NULL);
		_exit(21);
	}
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, WAIT_MS), pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
}
