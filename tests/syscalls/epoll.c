/* epoll: create flags, epoll_ctl errors, level/edge-triggered, oneshot,
 * epoll of epoll and loops, closing watched files, pwait masks, threads. */
#include "harness.h"
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

static int add(int ep, int fd, unsigned ev, uint64_t data)
{
	struct epoll_event e = {.events = ev, .data.u64 = data};
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static void bump(int fd)
{
	uint64_t v = 1;
	if (write(fd, &v, 8) != 8)
		abort();
}

TEST(create_size_zero_einval)
{
	CHECK_ERRNO(epoll_create(0), EINVAL);
	CHECK_OK(epoll_create(1));
}

TEST(create1_cloexec)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK_OK(ep);
	CHECK_EQ(fcntl(ep, F_GETFD), FD_CLOEXEC);
	CHECK_ERRNO(epoll_create1(1), EINVAL);
}

TEST(empty_wait_times_out)
{
	int ep = epoll_create1(0);
	struct epoll_event e;
	CHECK_EQ(epoll_wait(ep, &e, 1, 20), 0);
}

TEST(maxevents_einval)
{
	int ep = epoll_create1(0);
	struct epoll_event e;
	CHECK_ERRNO(epoll_wait(ep, &e, 0, 0), EINVAL);
	CHECK_ERRNO(syscall(SYS_epoll_wait, ep, &e, -1, 0), EINVAL);
}

TEST(wait_on_non_epoll_einval)
{
	int fd = eventfd(0, 0);
	struct epoll_event e;
	CHECK_ERRNO(epoll_wait(fd, &e, 1, 0), EINVAL);
	CHECK_ERRNO(epoll_wait(999, &e, 1, 0), EBADF);
}

TEST(ctl_add_twice_eexist)
{
	int ep = epoll_create1(0), fd = eventfd(0, 0);
	CHECK_OK(add(ep, fd, EPOLLIN, 1));
	CHECK_ERRNO(add(ep, fd, EPOLLIN, 1), EEXIST);
}

TEST(ctl_mod_del_missing_enoent)
{
	int ep = epoll_create1(0), fd = eventfd(0, 0);
	struct epoll_event e = {.events = EPOLLIN};
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e), ENOENT);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL), ENOENT);
}

TEST(ctl_bad_op_einval)
{
	int ep = epoll_create1(0), fd = eventfd(0, 0);
	struct epoll_event e = {.events = EPOLLIN};
	CHECK_ERRNO(epoll_ctl(ep, 99, fd, &e), EINVAL);
}

TEST(ctl_self_einval)
{
	int ep = epoll_create1(0);
	CHECK_ERRNO(add(ep, ep, EPOLLIN, 0), EINVAL);
}

TEST(ctl_non_epoll_einval)
{
	int a = eventfd(0, 0), b = eventfd(0, 0);
	CHECK_ERRNO(add(a, b, EPOLLIN, 0), EINVAL);
}

TEST(ctl_ebadf)
{
	int ep = epoll_create1(0);
	CHECK_ERRNO(add(ep, 999, EPOLLIN, 0), EBADF);
	CHECK_ERRNO(add(999, 0, EPOLLIN, 0), EBADF);
}

TEST(ctl_regular_file_eperm)
{
	int ep = epoll_create1(0);
	int fd = open("f", O_CREAT | O_RDWR, 0600);
	CHECK_OK(fd);
	CHECK_ERRNO(add(ep, fd, EPOLLIN, 0), EPERM);
}

TEST(ctl_efault)
{
	int ep = epoll_create1(0), fd = eventfd(0, 0);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, fd, (void *)8), EFAULT);
}

TEST(exclusive_rules)
{
	int ep = epoll_create1(0), fd = eventfd(0, 0), ep2 = epoll_create1(0);
	CHECK_OK(add(ep, fd, EPOLLIN | EPOLLEXCLUSIVE, 0));
	struct epoll_event e = {.events = EPOLLIN};
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e), EINVAL);
	CHECK_ERRNO(add(ep, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	int fd2 = eventfd(0, 0);
	CHECK_ERRNO(add(ep, fd2, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), EINVAL);
}

TEST(level_triggered_repeats)
{
	int ep = epoll_create1(0), fd = eventfd(0, 0);
	CHECK_OK(add(ep, fd, EPOLLIN, 77));
	struct epoll_event e;
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	bump(fd);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	CHECK_EQ(e.events, EPOLLIN);
	CHECK_EQ(e.data.u64, 77);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	uint64_t v;
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
}

TEST(edge_triggered_once)
{
	int ep = epoll_create1(0), fd = eventfd(0, 0);
	CHECK_OK(add(ep, fd, EPOLLIN | EPOLLET, 1));
	struct epoll_event e;
	bump(fd);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	bump(fd);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
}

TEST(oneshot_disables_until_mod)
{
	int ep = epoll_create1(0), fd = eventfd(1, 0);
	CHECK_OK(add(ep, fd, EPOLLIN | EPOLLONESHOT, 1));
	struct epoll_event e;
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	bump(fd);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	struct epoll_event m = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 2};
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &m));
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	CHECK_EQ(e.data.u64, 2);
}

TEST(mod_changes_events)
{
	int ep = epoll_create1(0), fd = eventfd(0, 0);
	CHECK_OK(add(ep, fd, EPOLLIN, 1));
	struct epoll_event e;
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	struct epoll_event m = {.events = EPOLLOUT, .data.u64 = 3};
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &m));
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	CHECK_EQ(e.events, EPOLLOUT);
	CHECK_EQ(e.data.u64, 3);
}

TEST(del_stops_events)
{
	int ep = epoll_create1(0), fd = eventfd(1, 0);
	CHECK_OK(add(ep, fd, EPOLLIN, 1));
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL));
	struct epoll_event e;
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
}

TEST(pipe_hup_and_err)
{
	int p[2];
	CHECK_OK(pipe(p));
	int ep = epoll_create1(0);
	CHECK_OK(add(ep, p[0], EPOLLIN | EPOLLRDHUP, 1));
	CHECK_OK(add(ep, p[1], EPOLLOUT, 2));
	struct epoll_event e[2];
	CHECK_EQ(epoll_wait(ep, e, 2, 0), 1);
	CHECK_EQ(e[0].data.u64, 2);
	close(p[1]);
	CHECK_EQ(epoll_wait(ep, e, 2, 0), 1);
	CHECK_EQ(e[0].data.u64, 1);
	CHECK(e[0].events & EPOLLHUP);
}

TEST(et_pipe_partial_read_no_new_event)
{
	int p[2];
	CHECK_OK(pipe(p));
	int ep = epoll_create1(0);
	CHECK_OK(add(ep, p[0], EPOLLIN | EPOLLET, 1));
	struct epoll_event e;
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	CHECK_EQ(write(p[1], "0123456789", 10), 10);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	CHECK_EQ(e.events, EPOLLIN);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	/* Data is left, but reading is no new event. */
	char buf[16];
	CHECK_EQ(read(p[0], buf, 3), 3);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	CHECK_EQ(read(p[0], buf, 3), 3);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	/* More data is: exactly one event. */
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	CHECK_EQ(e.events, EPOLLIN);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	/* The writer going is one more: EPOLLHUP with the data left. */
	close(p[1]);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	CHECK_EQ(e.events, EPOLLIN | EPOLLHUP);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
}

TEST(et_pipe_writer_hears_room_only_when_it_was_full)
{
	int p[2];
	CHECK_OK(pipe2(p, O_NONBLOCK));
	int ep = epoll_create1(0);
	CHECK_OK(add(ep, p[1], EPOLLOUT | EPOLLET, 2));
	struct epoll_event e;
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	CHECK_EQ(e.events, EPOLLOUT);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	/* Writing, and reading from a pipe that was not full: no events. */
	static char page[4096];
	CHECK_EQ(write(p[1], page, 100), 100);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	CHECK_EQ(read(p[0], page, 50), 50);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	CHECK_EQ(read(p[0], page, 50), 50);
	/* Fill it in whole pages, then free one: one event. */
	int pages = 0;
	while (write(p[1], page, sizeof page) == (ssize_t)sizeof page)
		pages++;
	CHECK_EQ(errno, EAGAIN);
	CHECK(pages > 0);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	CHECK_EQ(read(p[0], page, sizeof page), (ssize_t)sizeof page);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	CHECK_EQ(e.events, EPOLLOUT);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
}

TEST(lt_pipe_partial_read_still_ready)
{
	int p[2];
	CHECK_OK(pipe(p));
	int ep = epoll_create1(0);
	CHECK_OK(add(ep, p[0], EPOLLIN, 1));
	CHECK_EQ(write(p[1], "abcdef", 6), 6);
	char buf[4];
	CHECK_EQ(read(p[0], buf, 2), 2);
	struct epoll_event e;
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	CHECK_EQ(e.events, EPOLLIN);
	CHECK_EQ(read(p[0], buf, 4), 4);
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
}

TEST(pipe_writer_sees_err_when_reader_gone)
{
	int p[2];
	CHECK_OK(pipe(p));
	int ep = epoll_create1(0);
	CHECK_OK(add(ep, p[1], EPOLLOUT, 2));
	close(p[0]);
	struct epoll_event e;
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	CHECK(e.events & EPOLLERR);
}

TEST(maxevents_limits_and_rotates)
{
	int ep = epoll_create1(0), a = eventfd(1, 0), b = eventfd(1, 0);
	CHECK_OK(add(ep, a, EPOLLIN, 1));
	CHECK_OK(add(ep, b, EPOLLIN, 2));
	struct epoll_event e[2];
	CHECK_EQ(epoll_wait(ep, e, 1, 0), 1);
	uint64_t first = e[0].data.u64;
	CHECK_EQ(epoll_wait(ep, e, 1, 0), 1);
	CHECK(e[0].data.u64 != first);
	CHECK_EQ(epoll_wait(ep, e, 2, 0), 2);
}

TEST(close_removes_item)
{
	int ep = epoll_create1(0), fd = eventfd(1, 0);
	CHECK_OK(add(ep, fd, EPOLLIN, 1));
	close(fd);
	struct epoll_event e;
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 0);
	int fd2 = eventfd(1, 0);
	CHECK_EQ(fd2, fd);
	CHECK_OK(add(ep, fd2, EPOLLIN, 2));
}

TEST(dup_keeps_item_alive)
{
	int ep = epoll_create1(0), fd = eventfd(1, 0);
	CHECK_OK(add(ep, fd, EPOLLIN, 5));
	int d = dup(fd);
	close(fd);
	struct epoll_event e;
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
	CHECK_EQ(e.data.u64, 5);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL), EBADF);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL), ENOENT);
}

TEST(same_file_two_fds)
{
	int ep = epoll_create1(0), fd = eventfd(1, 0);
	int d = dup(fd);
	CHECK_OK(add(ep, fd, EPOLLIN, 1));
	CHECK_OK(add(ep, d, EPOLLIN, 2));
	struct epoll_event e[2];
	CHECK_EQ(epoll_wait(ep, e, 2, 0), 2);
}

TEST(epoll_of_epoll)
{
	int outer = epoll_create1(0), inner = epoll_create1(0), fd = eventfd(0, 0);
	CHECK_OK(add(inner, fd, EPOLLIN, 1));
	CHECK_OK(add(outer, inner, EPOLLIN, 9));
	struct epoll_event e;
	CHECK_EQ(epoll_wait(outer, &e, 1, 0), 0);
	bump(fd);
	CHECK_EQ(epoll_wait(outer, &e, 1, 0), 1);
	CHECK_EQ(e.data.u64, 9);
	struct pollfd p = {inner, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN);
}

TEST(loop_eloop)
{
	int a = epoll_create1(0), b = epoll_create1(0), c = epoll_create1(0);
	CHECK_OK(add(a, b, EPOLLIN, 0));
	CHECK_OK(add(b, c, EPOLLIN, 0));
	CHECK_ERRNO(add(c, a, EPOLLIN, 0), ELOOP);
	CHECK_ERRNO(add(b, a, EPOLLIN, 0), ELOOP);
}

static void *bumper(void *arg)
{
	usleep(50000);
	bump(*(int *)arg);
	return NULL;
}

TEST(wait_woken_by_thread)
{
	int ep = epoll_create1(0), fd = eventfd(0, 0);
	CHECK_OK(add(ep, fd, EPOLLIN, 4));
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, bumper, &fd), 0);
	struct epoll_event e;
	CHECK_EQ(epoll_wait(ep, &e, 1, 5000), 1);
	CHECK_EQ(e.data.u64, 4);
	pthread_join(th, NULL);
}

TEST(nested_wait_woken_by_thread)
{
	int outer = epoll_create1(0), inner = epoll_create1(0), fd = eventfd(0, 0);
	CHECK_OK(add(inner, fd, EPOLLIN, 1));
	CHECK_OK(add(outer, inner, EPOLLIN, 9));
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, bumper, &fd), 0);
	struct epoll_event e;
	CHECK_EQ(epoll_wait(outer, &e, 1, 5000), 1);
	CHECK_EQ(e.data.u64, 9);
	pthread_join(th, NULL);
}

static volatile int got_usr1;
static void on_usr1(int s)
{
	(void)s;
	got_usr1 = 1;
}

TEST(pwait_mask_lets_signal_in)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t blk, old, none;
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR1);
	sigprocmask(SIG_BLOCK, &blk, &old);
	got_usr1 = 0;
	raise(SIGUSR1);
	CHECK_EQ(got_usr1, 0);
	int ep = epoll_create1(0);
	struct epoll_event e;
	sigemptyset(&none);
	CHECK_ERRNO(epoll_pwait(ep, &e, 1, 1000, &none), EINTR);
	CHECK_EQ(got_usr1, 1);
	sigset_t now;
	sigprocmask(SIG_SETMASK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1));
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR1, SIG_DFL);
}

TEST(pwait_mask_restored_on_timeout)
{
	int ep = epoll_create1(0);
	struct epoll_event e;
	sigset_t m, now;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	CHECK_EQ(epoll_pwait(ep, &e, 1, 10, &m), 0);
	sigprocmask(SIG_SETMASK, NULL, &now);
	CHECK(!sigismember(&now, SIGUSR2));
}

TEST(pwait2_timespec)
{
	int ep = epoll_create1(0), fd = eventfd(1, 0);
	struct timespec ts = {0, 10000000};
	struct epoll_event e;
	CHECK_EQ(syscall(SYS_epoll_pwait2, ep, &e, 1, &ts, NULL, 8), 0);
	CHECK_OK(add(ep, fd, EPOLLIN, 3));
	CHECK_EQ(syscall(SYS_epoll_pwait2, ep, &e, 1, &ts, NULL, 8), 1);
	struct timespec bad = {0, 2000000000};
	CHECK_ERRNO(syscall(SYS_epoll_pwait2, ep, &e, 1, &bad, NULL, 8), EINVAL);
}

TEST(wakeup_flag_accepted)
{
	int ep = epoll_create1(0), fd = eventfd(1, 0);
	CHECK_OK(add(ep, fd, EPOLLIN | EPOLLWAKEUP, 1));
	struct epoll_event e;
	CHECK_EQ(epoll_wait(ep, &e, 1, 0), 1);
}

TEST(fdinfo_lines)
{
	int ep = epoll_create1(0), fd = eventfd(0, 0);
	CHECK_OK(add(ep, fd, EPOLLIN | EPOLLET, 0xabc));
	char path[64], buf[1024], want[64];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", ep);
	int f = open(path, O_RDONLY);
	CHECK_OK(f);
	ssize_t n = read(f, buf, sizeof buf - 1);
	CHECK(n > 0);
	buf[n] = 0;
	snprintf(want, sizeof want, "tfd: %8d events: %8x data: %16x", fd, EPOLLIN | EPOLLET | EPOLLERR | EPOLLHUP, 0xabc);
	CHECK(strstr(buf, want) != NULL);
}

static int excl_ep[3];

static void *excl_waiter(void *arg)
{
	long i = (long)arg;
	struct epoll_event e;
	return (void *)(long)epoll_wait(excl_ep[i], &e, 1, 400);
}

static int woken_of_three(unsigned extra)
{
	int fd = eventfd(0, 0);
	for (int i = 0; i < 3; i++) {
		excl_ep[i] = epoll_create1(0);
		struct epoll_event e = {.events = EPOLLIN | extra};
		if (epoll_ctl(excl_ep[i], EPOLL_CTL_ADD, fd, &e) != 0)
			return -1;
	}
	pthread_t th[3];
	for (long i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, excl_waiter, (void *)i);
	usleep(100000); /* all three asleep in epoll_wait */
	bump(fd);
	int woken = 0;
	for (int i = 0; i < 3; i++) {
		void *r;
		pthread_join(th[i], &r);
		woken += (long)r == 1;
	}
	return woken;
}

TEST(exclusive_wakes_one_waiter)
{
	/* Three epolls watch one eventfd with EPOLLEXCLUSIVE, each with a
	 * task asleep in epoll_wait: one event wakes one of them. */
	CHECK_EQ(woken_of_three(EPOLLEXCLUSIVE), 1);
	/* Without the flag, all three hear it. */
	CHECK_EQ(woken_of_three(0), 3);
}
