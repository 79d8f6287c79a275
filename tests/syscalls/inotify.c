/* inotify: instances, watches, the events of changes made by the process
 * (and its children), reading them, poll and FIONREAD. */
#include "harness.h"

#include <grp.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/xattr.h>

struct ev {
	int wd;
	uint32_t mask;
	uint32_t cookie;
	char name[256];
};

#define MAXEV 64

/* Reads what is queued (the fd must be non-blocking) into evs; returns the
 * number of events, or -1. Checks each name is NUL-padded to a multiple of
 * the header size. */
static int drain(int fd, struct ev *evs, int max)
{
	static char buf[65536] __attribute__((aligned(8)));
	int n = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0)
			return errno == EAGAIN ? n : -1;
		for (ssize_t off = 0; off < r;) {
			struct inotify_event *e = (struct inotify_event *)(buf + off);
			if (e->len % sizeof(struct inotify_event) != 0)
				return -1;
			if (e->len && (strnlen(e->name, e->len) == e->len))
				return -1;
			if (n < max) {
				evs[n].wd = e->wd;
				evs[n].mask = e->mask;
				evs[n].cookie = e->cookie;
				snprintf(evs[n].name, sizeof evs[n].name, "%s", e->len ? e->name : "");
			}
			n++;
			off += sizeof *e + e->len;
		}
	}
}

/* Index of the first event from i on with this wd, mask and name, or -1. */
static int find(struct ev *evs, int n, int from, int wd, uint32_t mask, const char *name)
{
	for (int i = from; i < n && i < MAXEV; i++)
		if (evs[i].wd == wd && evs[i].mask == mask && strcmp(evs[i].name, name) == 0)
			return i;
	return -1;
}

static int nbfd(void)
{
	return inotify_init1(IN_NONBLOCK);
}

TEST(init1_flags)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	int fd2 = inotify_init1(0);
	CHECK(fd2 >= 0);
	CHECK(!(fcntl(fd2, F_GETFL) & O_NONBLOCK));
	CHECK(!(fcntl(fd2, F_GETFD) & FD_CLOEXEC));
	CHECK_ERRNO(inotify_init1(0x1), EINVAL);
	CHECK_ERRNO(inotify_init1(O_RDWR), EINVAL);
}

TEST(init_plain)
{
	int fd = inotify_init();
	CHECK(fd >= 0);
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	/* Open for reading only. */
	CHECK_ERRNO(write(fd, "x", 1), EBADF);
	/* lseek is a no-op that succeeds. */
	CHECK_EQ(lseek(fd, 10, SEEK_SET), 0);
}

TEST(add_watch_errors)
{
	int fd = nbfd();
	CHECK(fd >= 0);
	CHECK_OK(h_write_file("f", "x", 1));
	int reg = open("f", O_RDONLY);
	CHECK(reg >= 0);
	CHECK_ERRNO(inotify_add_watch(999, ".", IN_CREATE), EBADF);
	CHECK_ERRNO(inotify_add_watch(reg, ".", IN_CREATE), EINVAL);
	CHECK_ERRNO(inotify_add_watch(fd, ".", 0), EINVAL);
	CHECK_ERRNO(inotify_add_watch(fd, ".", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE), EINVAL);
	CHECK_ERRNO(inotify_add_watch(fd, "nothere", IN_CREATE), ENOENT);
	CHECK_ERRNO(inotify_add_watch(fd, "f/x", IN_CREATE), ENOTDIR);
	CHECK_ERRNO(syscall(SYS_inotify_add_watch, fd, (char *)1, IN_CREATE), EFAULT);
}

TEST(onlydir_and_dont_follow)
{
	int fd = nbfd();
	CHECK(fd >= 0);
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(symlink("d", "l"));
	CHECK_ERRNO(inotify_add_watch(fd, "f", IN_ONLYDIR | IN_MODIFY), ENOTDIR);
	int wd = inotify_add_watch(fd, "d", IN_ONLYDIR | IN_CREATE);
	CHECK(wd > 0);
	/* Through the link: the directory. */
	CHECK_EQ(inotify_add_watch(fd, "l", IN_CREATE), wd);
	/* IN_DONT_FOLLOW: the link itself, which is no directory. */
	CHECK_ERRNO(inotify_add_watch(fd, "l", IN_DONT_FOLLOW | IN_ONLYDIR | IN_ATTRIB), ENOTDIR);
	int lwd = inotify_add_watch(fd, "l", IN_DONT_FOLLOW | IN_ATTRIB);
	CHECK(lwd > 0 && lwd != wd);
}

TEST(same_inode_same_wd)
{
	int fd = nbfd();
	CHECK(fd >= 0);
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(link("f", "g"));
	CHECK_OK(mkdir("d", 0755));
	int w1 = inotify_add_watch(fd, "f", IN_MODIFY);
	CHECK(w1 > 0);
	CHECK_EQ(inotify_add_watch(fd, "g", IN_MODIFY), w1);
	CHECK_EQ(inotify_add_watch(fd, "./f", IN_MODIFY), w1);
	int w2 = inotify_add_watch(fd, "d", IN_CREATE);
	CHECK(w2 > 0 && w2 != w1);
	CHECK_EQ(inotify_add_watch(fd, "d/.", IN_CREATE), w2);
	/* Another instance numbers its own watches. */
	int fd2 = nbfd();
	CHECK(fd2 >= 0);
	CHECK(inotify_add_watch(fd2, "f", IN_MODIFY) > 0);
}

TEST(mask_create_and_mask_add)
{
	struct ev evs[MAXEV];
	int fd = nbfd();
	CHECK(fd >= 0);
	int wd = inotify_add_watch(fd, ".", IN_CREATE | IN_MASK_CREATE);
	CHECK(wd > 0);
	CHECK_ERRNO(inotify_add_watch(fd, ".", IN_DELETE | IN_MASK_CREATE), EEXIST);
	CHECK_EQ(inotify_add_watch(fd, ".", IN_DELETE | IN_MASK_ADD), wd);
	CHECK_OK(h_write_file("f", "", 0));
	CHECK_OK(unlink("f"));
	int n = drain(fd, evs, MAXEV);
	CHECK(find(evs, n, 0, wd, IN_CREATE, "f") >= 0);
	CHECK(find(evs, n, 0, wd, IN_DELETE, "f") >= 0);
	/* Without IN_MASK_ADD the new mask replaces the old one. */
	CHECK_EQ(inotify_add_watch(fd, ".", IN_DELETE), wd);
	CHECK_OK(h_write_file("g", "", 0));
	CHECK_OK(unlink("g"));
	n = drain(fd, evs, MAXEV);
	CHECK_EQ(find(evs, n, 0, wd, IN_CREATE, "g"), -1);
	CHECK(find(evs, n, 0, wd, IN_DELETE, "g") >= 0);
}

TEST(rm_watch_queues_ignored)
{
	struct ev evs[MAXEV];
	int fd = nbfd();
	CHECK(fd >= 0);
	int wd = inotify_add_watch(fd, ".", IN_CREATE);
	CHECK(wd > 0);
	CHECK_ERRNO(inotify_rm_watch(fd, wd + 100), EINVAL);
	CHECK_ERRNO(inotify_rm_watch(999, wd), EBADF);
	CHECK_OK(inotify_rm_watch(fd, wd));
	CHECK_ERRNO(inotify_rm_watch(fd, wd), EINVAL);
	int n = drain(fd, evs, MAXEV);
	CHECK_EQ(n, 1);
	CHECK_EQ(evs[0].wd, wd);
	CHECK_EQ(evs[0].mask, IN_IGNORED);
	/* No more events from the removed watch. */
	CHECK_OK(h_write_file("f", "", 0));
	CHECK_EQ(drain(fd, evs, MAXEV), 0);
}

TEST(nonblocking_empty_is_eagain)
{
	char buf[256];
	int fd = nbfd();
	CHECK(fd >= 0);
	CHECK_ERRNO(read(fd, buf, sizeof buf), EAGAIN);
	CHECK(inotify_add_watch(fd, ".", IN_ALL_EVENTS) > 0);
	CHECK_ERRNO(read(fd, buf, sizeof buf), EAGAIN);
}

TEST(create_event_name_padding)
{
	char buf[512] __attribute__((aligned(8)));
	int fd = nbfd();
	CHECK(fd >= 0);
	int wd = inotify_add_watch(fd, ".", IN_CREATE);
	CHECK(wd > 0);
	CHECK_OK(h_write_file("abc", "", 0));
	ssize_t r = read(fd, buf, sizeof buf);
	CHECK_EQ(r, sizeof(struct inotify_event) + 16);
	struct inotify_event *e = (struct inotify_event *)buf;
	CHECK_EQ(e->wd, wd);
	CHECK_EQ(e->mask, IN_CREATE);
	CHECK_EQ(e->cookie, 0);
	CHECK_EQ(e->len, 16);
	CHECK_STREQ(e->name, "abc");
	for (int i = 3; i < 16; i++)
		CHECK_EQ(e->name[i], 0);
}

TEST(read_buffer_too_small_einval)
{
	char buf[sizeof(struct inotify_event) + 8];
	int fd = nbfd();
	CHECK(fd >= 0);
	CHECK(inotify_add_watch(fd, ".", IN_CREATE) > 0);
	CHECK_OK(h_write_file("a_rather_long_name", "", 0));
	CHECK_ERRNO(read(fd, buf, sizeof buf), EINVAL);
	CHECK_ERRNO(read(fd, buf, 1), EINVAL);
	/* The event is still there for a big enough buffer. */
	char big[256];
	CHECK_EQ(read(fd, big, sizeof big), sizeof(struct inotify_event) + 32);
}

TEST(mkdir_and_rmdir_isdir)
{
	struct ev evs[MAXEV];
	int fd = nbfd();
	CHECK(fd >= 0);
	int wd = inotify_add_watch(fd, ".", IN_CREATE | IN_DELETE);
	CHECK(wd > 0);
	CHECK_OK(mkdir("sub", 0755));
	CHECK_OK(rmdir("sub"));
	int n = drain(fd, evs, MAXEV);
	CHECK_EQ(n, 2);
	CHECK_EQ(find(evs, n, 0, wd, IN_CREATE | IN_ISDIR, "sub"), 0);
	CHECK_EQ(find(evs, n, 0, wd, IN_DELETE | IN_ISDIR, "sub"), 1);
}

TEST(modify_on_file_and_parent)
{
	struct ev evs[MAXEV];
	CHECK_OK(h_write_file("f", "", 0));
	int fd = nbfd();
	CHECK(fd >= 0);
	int dw = inotify_add_watch(fd, ".", IN_MODIFY);
	int fw = inotify_add_watch(fd, "f", IN_MODIFY);
	CHECK(dw > 0 && fw > 0);
	int f = open("f", O_WRONLY);
	CHECK(f >= 0);
	CHECK_EQ(write(f, "hello", 5), 5);
	int n = drain(fd, evs, MAXEV);
	CHECK_EQ(n, 2);
	CHECK(find(evs, n, 0, fw, IN_MODIFY, "") >= 0);
	CHECK(find(evs, n, 0, dw, IN_MODIFY, "f") >= 0);
}

TEST(identical_events_coalesce)
{
	struct ev evs[MAXEV];
	CHECK_OK(h_write_file("f", "", 0));
	int fd = nbfd();
	CHECK(fd >= 0);
	int wd = inotify_add_watch(fd, "f", IN_MODIFY);
	CHECK(wd > 0);
	int f = open("f", O_WRONLY);
	CHECK(f >= 0);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(write(f, "x", 1), 1);
	CHECK_EQ(drain(fd, evs, MAXEV), 1);
	/* Once read, the next write is a new event. */
	CHECK_EQ(write(f, "x", 1), 1);
	CHECK_EQ(drain(fd, evs, MAXEV), 1);
	CHECK_EQ(evs[0].mask, IN_MODIFY);
}

TEST(open_access_close_events)
{
	struct ev evs[MAXEV];
	char c;
	CHECK_OK(h_write_file("f", "abc", 3));
	int fd = nbfd();
	CHECK(fd >= 0);
	int wd = inotify_add_watch(fd, "f", IN_OPEN | IN_ACCESS | IN_CLOSE);
	CHECK(wd > 0);
	int f = open("f", O_RDONLY);
	CHECK(f >= 0);
	CHECK_EQ(read(f, &c, 1), 1);
	CHECK_OK(close(f));
	f = open("f", O_WRONLY);
	CHECK(f >= 0);
	CHECK_OK(close(f));
	int n = drain(fd, evs, MAXEV);
	CHECK_EQ(n, 5);
	CHECK_EQ(evs[0].mask, IN_OPEN);
	CHECK_EQ(evs[1].mask, IN_ACCESS);
	CHECK_EQ(evs[2].mask, IN_CLOSE_NOWRITE);
	CHECK_EQ(evs[3].mask, IN_OPEN);
	CHECK_EQ(evs[4].mask, IN_CLOSE_WRITE);
}

TEST(close_waits_for_last_descriptor)
{
	struct ev evs[MAXEV];
	CHECK_OK(h_write_file("f", "abc", 3));
	int fd = nbfd();
	CHECK(fd >= 0);
	int f = open("f", O_RDWR);
	CHECK(f >= 0);
	CHECK(inotify_add_watch(fd, "f", IN_CLOSE) > 0);
	int g = dup(f);
	CHECK(g >= 0);
	CHECK_OK(close(f));
	CHECK_EQ(drain(fd, evs, MAXEV), 0);
	CHECK_OK(close(g));
	CHECK_EQ(drain(fd, evs, MAXEV), 1);
	CHECK_EQ(evs[0].mask, IN_CLOSE_WRITE);
}

TEST(attrib_events)
{
	struct ev evs[MAXEV];
	CHECK_OK(h_write_file("f", "abc", 3));
	int fd = nbfd();
	CHECK(fd >= 0);
	int wd = inotify_add_watch(fd, "f", IN_ATTRIB);
	CHECK(wd > 0);
	CHECK_OK(chmod("f", 0600));
	CHECK_EQ(drain(fd, evs, MAXEV), 1);
	CHECK_EQ(evs[0].mask, IN_ATTRIB);
	CHECK_OK(utimensat(AT_FDCWD, "f", NULL, 0));
	CHECK_EQ(drain(fd, evs, MAXEV), 1);
	CHECK_EQ(evs[0].mask, IN_ATTRIB);
	CHECK_OK(setxattr("f", "user.x", "1", 1, 0));
	CHECK_EQ(drain(fd, evs, MAXEV), 1);
	CHECK_EQ(evs[0].mask, IN_ATTRIB);
	CHECK_OK(link("f", "g"));
	CHECK_EQ(drain(fd, evs, MAXEV), 1);
	CHECK_EQ(evs[0].mask, IN_ATTRIB);
}

TEST(truncate_is_modify)
{
	struct ev evs[MAXEV];
	CHECK_OK(h_write_file("f", "abcdef", 6));
	int fd = nbfd();
	CHECK(fd >= 0);
	int wd = inotify_add_watch(fd, ".", IN_MODIFY);
	CHECK(wd > 0);
	CHECK_OK(truncate("f", 2));
	int n = drain(fd, evs, MAXEV);
	CHECK_EQ(n, 1);
	CHECK_EQ(find(evs, n, 0, wd, IN_MODIFY, "f"), 0);
}

TEST(o_trunc_open_is_modify_only_for_existing_files)
{
	struct ev evs[MAXEV];
	CHECK_OK(h_write_file("f", "abc", 3));
	int fd = nbfd();
	CHECK(fd >= 0);
	int wd = inotify_add_watch(fd, ".", IN_OPEN | IN_MODIFY | IN_CREATE);
	CHECK(wd > 0);
	int f = open("f", O_WRONLY | O_TRUNC);
	CHECK(f >= 0);
	int g = open("g", O_WRONLY | O_TRUNC | O_CREAT, 0644);
	CHECK(g >= 0);
	int n = drain(fd, evs, MAXEV);
	CHECK_EQ(n, 4);
	CHECK_EQ(find(evs, n, 0, wd, IN_OPEN, "f"), 0);
	CHECK_EQ(find(evs, n, 0, wd, IN_MODIFY, "f"), 1);
	CHECK_EQ(find(evs, n, 0, wd, IN_CREATE, "g"), 2);
	CHECK_EQ(find(evs, n, 0, wd, IN_OPEN, "g"), 3);
}

TEST(rename_cookie_and_move_self)
{
	struct ev evs[MAXEV];
	CHECK_OK(mkdir("a", 0755));
	CHECK_OK(mkdir("b", 0755));
	CHECK_OK(h_write_file("a/f", "", 0));
	int fd = nbfd();
	CHECK(fd >= 0);
	int wa = inotify_add_watch(fd, "a", IN_MOVE);
	int wb = inotify_add_watch(fd, "b", IN_MOVE);
	int wf = inotify_add_watch(fd, "a/f", IN_MOVE_SELF);
	CHECK(wa > 0 && wb > 0 && wf > 0);
	CHECK_OK(rename("a/f", "b/g"));
	int n = drain(fd, evs, MAXEV);
	CHECK_EQ(n, 3);
	int i = find(evs, n, 0, wa, IN_MOVED_FROM, "f");
	int j = find(evs, n, 0, wb, IN_MOVED_TO, "g");
	CHECK(i >= 0 && j > i);
	CHECK(evs[i].cookie != 0);
	CHECK_EQ(evs[i].cookie, evs[j].cookie);
	CHECK(find(evs, n, 0, wf, IN_MOVE_SELF, "") >= 0);
	/* A second rename has another cookie. */
	uint32_t first = evs[i].cookie;
	CHECK_OK(rename("b/g", "a/f"));
	n = drain(fd, evs, MAXEV);
	i = find(evs, n, 0, wb, IN_MOVED_FROM, "g");
	CHECK(i >= 0);
	CHECK(evs[i].cookie != first);
}

TEST(delete_self_then_ignored)
{
	struct ev evs[MAXEV];
	CHECK_OK(h_write_file("f", "", 0));
	CHECK_OK(link("f", "g"));
	int fd = nbfd();
	CHECK(fd >= 0);
	int wd = inotify_add_watch(fd, "f", IN_DELETE_SELF | IN_ATTRIB);
	CHECK(wd > 0);
	/* Not the last link: only the link count changes. */
	CHECK_OK(unlink("g"));
	int n = drain(fd, evs, MAXEV);
	CHECK_EQ(n, 1);
	CHECK_EQ(evs[0].mask, IN_ATTRIB);
	CHECK_OK(unlink("f"));
	n = drain(fd, evs, MAXEV);
	CHECK_EQ(n, 3);
	CHECK_EQ(evs[0].mask, IN_ATTRIB);
	CHECK_EQ(evs[1].mask, IN_DELETE_SELF);
	CHECK_EQ(evs[2].mask, IN_IGNORED);
	CHECK_EQ(evs[2].wd, wd);
	/* The watch is gone. */
	CHECK_ERRNO(inotify_rm_watch(fd, wd), EINVAL);
}

TEST(rmdir_watched_directory)
{
	struct ev evs[MAXEV];
	CHECK_OK(mkdir("d", 0755));
	int fd = nbfd();
	CHECK(fd >= 0);
	int pw = inotify_add_watch(fd, ".", IN_DELETE);
	int dw = inotify_add_watch(fd, "d", IN_DELETE_SELF);
	CHECK(pw > 0 && dw > 0);
	CHECK_OK(rmdir("d"));
	int n = drain(fd, evs, MAXEV);
	CHECK_EQ(n, 3);
	int i = find(evs, n, 0, dw, IN_DELETE_SELF, "");
	int j = find(evs, n, 0, dw, IN_IGNORED, "");
	CHECK(i >= 0 && j > i);
	CHECK(find(evs, n, 0, pw, IN_DELETE | IN_ISDIR, "d") >= 0);
}

TEST(oneshot)
{
	struct ev evs[MAXEV];
	int fd = nbfd();
	CHECK(fd >= 0);
	int wd = inotify_add_watch(fd, ".", IN_CREATE | IN_ONESHOT);
	CHECK(wd > 0);
	CHECK_OK(h_write_file("f", "", 0));
	CHECK_OK(h_write_file("g", "", 0));
	int n = drain(fd, evs, MAXEV);
	CHECK_EQ(n, 2);
	CHECK_EQ(find(evs, n, 0, wd, IN_CREATE, "f"), 0);
	CHECK_EQ(find(evs, n, 0, wd, IN_IGNORED, ""), 1);
	CHECK_ERRNO(inotify_rm_watch(fd, wd), EINVAL);
}

TEST(fionread_counts_bytes)
{
	int avail = -1;
	int fd = nbfd();
	CHECK(fd >= 0);
	CHECK_OK(ioctl(fd, FIONREAD, &avail));
	CHECK_EQ(avail, 0);
	CHECK(inotify_add_watch(fd, ".", IN_CREATE) > 0);
	CHECK_OK(h_write_file("f", "", 0));
	CHECK_OK(h_write_file("name_of_twenty_chars", "", 0));
	CHECK_OK(ioctl(fd, FIONREAD, &avail));
	CHECK_EQ(avail, (int)(2 * sizeof(struct inotify_event) + 16 + 32));
}

TEST(poll_and_select_readiness)
{
	int fd = nbfd();
	CHECK(fd >= 0);
	CHECK(inotify_add_watch(fd, ".", IN_CREATE) > 0);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	CHECK_EQ(poll(&p, 1, 0), 0);
	CHECK_OK(h_write_file("f", "", 0));
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK(p.revents & POLLIN);
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(fd, &rs);
	struct timeval tv = {0, 0};
	CHECK_EQ(select(fd + 1, &rs, NULL, NULL, &tv), 1);
	CHECK(FD_ISSET(fd, &rs));
	struct ev evs[MAXEV];
	CHECK_EQ(drain(fd, evs, MAXEV), 1);
	p.revents = 0;
	CHECK_EQ(poll(&p, 1, 0), 0);
}

static void make_file_later(void *arg)
{
	(void)arg;
	struct timespec ts = {0, 100 * 1000 * 1000};
	nanosleep(&ts, NULL);
	CHECK_OK(h_write_file("late", "", 0));
}

TEST(blocking_read_wakes_on_event)
{
	char buf[256] __attribute__((aligned(8)));
	int fd = inotify_init1(0);
	CHECK(fd >= 0);
	CHECK(inotify_add_watch(fd, ".", IN_CREATE) > 0);
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		make_file_later(NULL);
		_exit(0);
	}
	ssize_t r = read(fd, buf, sizeof buf);
	CHECK(r > 0);
	struct inotify_event *e = (struct inotify_event *)buf;
	CHECK_EQ(e->mask, IN_CREATE);
	CHECK_STREQ(e->name, "late");
}

TEST(blocking_poll_wakes_on_event)
{
	int fd = nbfd();
	CHECK(fd >= 0);
	CHECK(inotify_add_watch(fd, ".", IN_CREATE) > 0);
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		make_file_later(NULL);
		_exit(0);
	}
	struct pollfd p = {.fd = fd, .events = POLLIN};
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK(p.revents & POLLIN);
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST(blocking_read_interrupted)
{
	char buf[256];
	int fd = inotify_init1(0);
	CHECK(fd >= 0);
	CHECK(inotify_add_watch(fd, ".", IN_CREATE) > 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	struct itimerval it = {{0, 0}, {0, 50 * 1000}};
	CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
	CHECK_ERRNO(read(fd, buf, sizeof buf), EINTR);
	signal(SIGALRM, SIG_DFL);
}

TEST(queue_overflow)
{
	struct ev evs[MAXEV];
	CHECK_OK(h_write_file("f", "", 0));
	int fd = nbfd();
	CHECK(fd >= 0);
	int wd = inotify_add_watch(fd, "f", IN_OPEN | IN_CLOSE_NOWRITE);
	CHECK(wd > 0);
	/* Alternating events never coalesce: 2 * 8200 > 16384. */
	for (int i = 0; i < 8200; i++) {
		int f = open("f", O_RDONLY);
		CHECK(f >= 0);
		close(f);
	}
	int n = drain(fd, evs, MAXEV);
	CHECK_EQ(n, 16385);
	/* The last event read was IN_Q_OVERFLOW; drain kept only the first
	 * MAXEV, so read the count from the queue limit instead. */
	CHECK_EQ(evs[0].mask, IN_OPEN);
	CHECK_EQ(evs[1].mask, IN_CLOSE_NOWRITE);
}

TEST(queue_overflow_event)
{
	static char buf[65536] __attribute__((aligned(8)));
	CHECK_OK(h_write_file("f", "", 0));
	int fd = nbfd();
	CHECK(fd >= 0);
	CHECK(inotify_add_watch(fd, "f", IN_OPEN | IN_CLOSE_NOWRITE) > 0);
	for (int i = 0; i < 8200; i++) {
		int f = open("f", O_RDONLY);
		CHECK(f >= 0);
		close(f);
	}
	struct inotify_event last = {0};
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		memcpy(&last, buf + r - sizeof last, sizeof last);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(last.wd, -1);
	CHECK_EQ(last.mask, IN_Q_OVERFLOW);
	CHECK_EQ(last.len, 0);
}

static void no_read_permission(void *arg)
{
	int fd = *(int *)arg;
	CHECK_OK(setgroups(0, NULL));
	CHECK_OK(setresgid(1000, 1000, 1000));
	CHECK_OK(setresuid(1000, 1000, 1000));
	CHECK_ERRNO(inotify_add_watch(fd, "secret", IN_MODIFY), EACCES);
	CHECK(inotify_add_watch(fd, "public", IN_MODIFY) > 0);
}

TEST(add_watch_needs_read_permission)
{
	CHECK_OK(chmod(".", 0755));
	CHECK_OK(h_write_file("secret", "", 0));
	CHECK_OK(chmod("secret", 0600));
	CHECK_OK(h_write_file("public", "", 0));
	CHECK_OK(chmod("public", 0644));
	int fd = nbfd();
	CHECK(fd >= 0);
	CHECK_CHILD(no_read_permission, &fd);
}

TEST(closing_instance_drops_watches)
{
	struct ev evs[MAXEV];
	int a = nbfd(), b = nbfd();
	CHECK(a >= 0 && b >= 0);
	CHECK(inotify_add_watch(a, ".", IN_CREATE) > 0);
	int wb = inotify_add_watch(b, ".", IN_CREATE);
	CHECK(wb > 0);
	CHECK_OK(close(a));
	CHECK_OK(h_write_file("f", "", 0));
	int n = drain(b, evs, MAXEV);
	CHECK_EQ(n, 1);
	CHECK_EQ(find(evs, n, 0, wb, IN_CREATE, "f"), 0);
}

/* The child of the inotifywait-style case: a burst of changes. */
static void busy_child(void)
{
	struct timespec ts = {0, 50 * 1000 * 1000};
	nanosleep(&ts, NULL);
	int f = open("w/new", O_CREAT | O_WRONLY, 0644);
	if (f < 0 || write(f, "data", 4) != 4 || close(f) < 0)
		_exit(1);
	if (rename("w/new", "w/renamed") < 0 || unlink("w/renamed") < 0)
		_exit(2);
	if (mkdir("w/sub", 0755) < 0 || rmdir("w/sub") < 0)
		_exit(3);
	_exit(0);
}

TEST(inotifywait_style_watcher)
{
	static const struct {
		uint32_t mask;
		const char *name;
	} want[] = {
		{IN_CREATE, "new"},
		{IN_OPEN, "new"},
		{IN_MODIFY, "new"},
		{IN_CLOSE_WRITE, "new"},
		{IN_MOVED_FROM, "new"},
		{IN_MOVED_TO, "renamed"},
		{IN_DELETE, "renamed"},
		{IN_CREATE | IN_ISDIR, "sub"},
		{IN_DELETE | IN_ISDIR, "sub"},
	};
	const int nwant = sizeof want / sizeof want[0];
	char buf[4096] __attribute__((aligned(8)));
	struct ev evs[MAXEV];
	int n = 0;
	CHECK_OK(mkdir("w", 0755));
	int fd = inotify_init1(0);
	CHECK(fd >= 0);
	int wd = inotify_add_watch(fd, "w",
				   IN_CREATE | IN_OPEN | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVE |
					   IN_DELETE);
	CHECK(wd > 0);
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		busy_child();
	/* Blocking reads until the whole sequence is in. */
	while (n < nwant) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		CHECK_EQ(poll(&p, 1, 5000), 1);
		ssize_t r = read(fd, buf, sizeof buf);
		CHECK(r > 0);
		for (ssize_t off = 0; off < r && n < MAXEV;) {
			struct inotify_event *e = (struct inotify_event *)(buf + off);
			evs[n].wd = e->wd;
			evs[n].mask = e->mask;
			evs[n].cookie = e->cookie;
			snprintf(evs[n].name, sizeof evs[n].name, "%s", e->len ? e->name : "");
			n++;
			off += sizeof *e + e->len;
		}
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(n, nwant);
	for (int i = 0; i < nwant; i++) {
		CHECK_EQ(evs[i].wd, wd);
		CHECK_EQ(evs[i].mask, want[i].mask);
		CHECK_STREQ(evs[i].name, want[i].name);
	}
	CHECK(evs[4].cookie != 0);
	CHECK_EQ(evs[4].cookie, evs[5].cookie);
}
