/* poll, ppoll, select, pselect6: readiness of pipes and regular files,
 * POLLNVAL, timeouts written back, signal masks and EINTR. */
#include "harness.h"
#include <poll.h>
#include <sys/select.h>
#include <sys/time.h>

TEST(pipe_readiness)
{
	int p[2];
	CHECK_OK(pipe(p));
	struct pollfd f[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
	CHECK_EQ(poll(f, 2, 0), 1);
	CHECK_EQ(f[1].revents, POLLOUT);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(poll(f, 2, 0), 2);
	CHECK_EQ(f[0].revents, POLLIN);
}

TEST(pipe_hup)
{
	int p[2];
	CHECK_OK(pipe(p));
	close(p[1]);
	struct pollfd f = {p[0], POLLIN, 0};
	CHECK_EQ(poll(&f, 1, 0), 1);
	CHECK_EQ(f.revents, POLLHUP);
}

TEST(pollnval)
{
	struct pollfd f[2] = {{999, POLLIN, 0}, {-1, POLLIN, 7}};
	CHECK_EQ(poll(f, 2, 0), 1);
	CHECK_EQ(f[0].revents, POLLNVAL);
	CHECK_EQ(f[1].revents, 0);
}

TEST(regular_file_ready)
{
	int fd = open("f", O_CREAT | O_RDWR, 0600);
	struct pollfd f = {fd, POLLIN | POLLOUT, 0};
	CHECK_EQ(poll(&f, 1, 0), 1);
	CHECK_EQ(f.revents, POLLIN | POLLOUT);
}

TEST(timeout_elapses)
{
	int p[2];
	CHECK_OK(pipe(p));
	struct pollfd f = {p[0], POLLIN, 0};
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK_EQ(poll(&f, 1, 30), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 >= 29);
}

TEST(ppoll_bad_sigsetsize)
{
	struct pollfd f = {0, POLLIN, 0};
	sigset_t s;
	sigemptyset(&s);
	struct timespec ts = {0, 0};
	CHECK_ERRNO(syscall(SYS_ppoll, &f, 1, &ts, &s, 4), EINVAL);
}

TEST(ppoll_bad_timeout)
{
	struct pollfd f = {0, POLLIN, 0};
	struct timespec ts = {0, 1000000000};
	CHECK_ERRNO(syscall(SYS_ppoll, &f, 1, &ts, NULL, 8), EINVAL);
}

TEST(ppoll_writes_back_time_left)
{
	int p[2];
	CHECK_OK(pipe(p));
	struct pollfd f = {p[0], POLLIN, 0};
	struct timespec ts = {0, 20000000};
	CHECK_EQ(syscall(SYS_ppoll, &f, 1, &ts, NULL, 8), 0);
	CHECK_EQ(ts.tv_sec + ts.tv_nsec, 0);
}

static volatile int got;
static void on_sig(int s)
{
	(void)s;
	got++;
}

TEST(ppoll_mask_delivers_and_restores)
{
	struct sigaction sa = {.sa_handler = on_sig};
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t blk, none, now;
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR1);
	sigprocmask(SIG_BLOCK, &blk, NULL);
	got = 0;
	raise(SIGUSR1);
	sigemptyset(&none);
	int p[2];
	CHECK_OK(pipe(p));
	struct pollfd f = {p[0], POLLIN, 0};
	struct timespec ts = {1, 0};
	CHECK_ERRNO(ppoll(&f, 1, &ts, &none), EINTR);
	CHECK_EQ(got, 1);
	sigprocmask(SIG_SETMASK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1));
	signal(SIGUSR1, SIG_DFL);
}

TEST(ppoll_ready_keeps_signal_pending)
{
	struct sigaction sa = {.sa_handler = on_sig};
	sigaction(SIGUSR2, &sa, NULL);
	sigset_t blk, none;
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR2);
	sigprocmask(SIG_BLOCK, &blk, NULL);
	sigemptyset(&none);
	got = 0;
	int p[2];
	CHECK_OK(pipe(p));
	struct pollfd f = {p[1], POLLOUT, 0};
	struct timespec ts = {1, 0};
	CHECK_EQ(ppoll(&f, 1, &ts, &blk), 1);
	CHECK_EQ(got, 0);
	raise(SIGUSR2);
	CHECK_EQ(got, 0);
	sigprocmask(SIG_UNBLOCK, &blk, NULL);
	CHECK_EQ(got, 1);
	signal(SIGUSR2, SIG_DFL);
	(void)none;
}

TEST(select_pipe)
{
	int p[2];
	CHECK_OK(pipe(p));
	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	struct timeval tv = {0, 0};
	CHECK_EQ(select(p[1] + 1, &r, &w, NULL, &tv), 1);
	CHECK(!FD_ISSET(p[0], &r));
	CHECK(FD_ISSET(p[1], &w));
}

TEST(select_ebadf)
{
	fd_set r;
	FD_ZERO(&r);
	FD_SET(50, &r);
	struct timeval tv = {0, 0};
	CHECK_ERRNO(select(51, &r, NULL, NULL, &tv), EBADF);
}

TEST(select_writes_back_timeval)
{
	int p[2];
	CHECK_OK(pipe(p));
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timeval tv = {0, 20000};
	CHECK_EQ(syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv), 0);
	CHECK_EQ(tv.tv_sec + tv.tv_usec, 0);
	CHECK(!FD_ISSET(p[0], &r));
}

TEST(select_time_left_on_ready)
{
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "x", 1), 1);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timeval tv = {5, 0};
	CHECK_EQ(syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv), 1);
	CHECK(tv.tv_sec >= 4);
}

TEST(select_bad_nfds)
{
	CHECK_ERRNO(select(-1, NULL, NULL, NULL, NULL), EINVAL);
}

TEST(pselect6_mask)
{
	struct sigaction sa = {.sa_handler = on_sig};
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t blk, none, now;
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR1);
	sigprocmask(SIG_BLOCK, &blk, NULL);
	got = 0;
	raise(SIGUSR1);
	sigemptyset(&none);
	struct timespec ts = {1, 0};
	CHECK_ERRNO(pselect(0, NULL, NULL, NULL, &ts, &none), EINTR);
	CHECK_EQ(got, 1);
	sigprocmask(SIG_SETMASK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1));
	signal(SIGUSR1, SIG_DFL);
}

TEST(poll_eintr_with_handler)
{
	struct sigaction sa = {.sa_handler = on_sig};
	sigaction(SIGALRM, &sa, NULL);
	got = 0;
	struct itimerval it = {{0, 0}, {0, 30000}};
	setitimer(ITIMER_REAL, &it, NULL);
	int p[2];
	CHECK_OK(pipe(p));
	struct pollfd f = {p[0], POLLIN, 0};
	CHECK_ERRNO(poll(&f, 1, 5000), EINTR);
	CHECK_EQ(got, 1);
	signal(SIGALRM, SIG_DFL);
}

TEST(poll_eintr_even_with_sa_restart)
{
	/* poll is never restarted after a handler (signal(7)). */
	struct sigaction sa = {.sa_handler = on_sig, .sa_flags = SA_RESTART};
	sigaction(SIGALRM, &sa, NULL);
	got = 0;
	struct itimerval it = {{0, 0}, {0, 30000}};
	setitimer(ITIMER_REAL, &it, NULL);
	int p[2];
	CHECK_OK(pipe(p));
	struct pollfd f = {p[0], POLLIN, 0};
	CHECK_ERRNO(poll(&f, 1, 5000), EINTR);
	CHECK_EQ(got, 1);
	signal(SIGALRM, SIG_DFL);
}

static long ms_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

TEST(poll_resumed_after_stop_keeps_its_end_time)
{
	/* A stop (no handler) interrupts poll; after SIGCONT it resumes
	 * through restart_syscall with the time left, not the full timeout. */
	int p[2];
	CHECK_OK(pipe(p));
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct pollfd f = {p[0], POLLIN, 0};
		struct timespec a;
		clock_gettime(CLOCK_MONOTONIC, &a);
		int r = poll(&f, 1, 700);
		long ms = ms_since(&a);
		_exit(r != 0 ? 2 : ms < 650 ? 3 : ms >= 1100 ? 4 : 0);
	}
	usleep(100000);
	CHECK_OK(kill(pid, SIGSTOP));
	int st;
	CHECK_EQ(h_waitpid_timeout(pid, &st, WUNTRACED, 5000), pid);
	CHECK(WIFSTOPPED(st));
	usleep(450000);
	CHECK_OK(kill(pid, SIGCONT));
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
}
