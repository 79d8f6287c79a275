/* Pseudo-terminals: devpts, the N_TTY line discipline, job control. */
#include "harness.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <termios.h>

/* Opens a pty pair: *m master, *s slave (O_NOCTTY). Returns 0 or -1. */
static int open_pair(int *m, int *s)
{
	*m = posix_openpt(O_RDWR | O_NOCTTY);
	if (*m < 0)
		return -1;
	if (grantpt(*m) < 0 || unlockpt(*m) < 0)
		return -1;
	char *name = ptsname(*m);
	if (!name)
		return -1;
	*s = open(name, O_RDWR | O_NOCTTY);
	return *s < 0 ? -1 : 0;
}

/* Reads what the master has within 200 ms (echoes, output). */
static ssize_t drain(int m, char *buf, size_t cap)
{
	size_t n = 0;
	struct pollfd p = {m, POLLIN, 0};
	while (n < cap - 1 && poll(&p, 1, 200) > 0 && (p.revents & POLLIN)) {
		ssize_t r = read(m, buf + n, cap - 1 - n);
		if (r <= 0)
			break;
		n += r;
	}
	buf[n] = 0;
	return n;
}

static int set_raw(int s)
{
	struct termios t;
	if (tcgetattr(s, &t) < 0)
		return -1;
	cfmakeraw(&t);
	return tcsetattr(s, TCSANOW, &t);
}

TEST(openpt_ptsname_unlock)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK_OK(m);
	CHECK_OK(grantpt(m));
	char *name = ptsname(m);
	CHECK(name != NULL);
	CHECK(strncmp(name, "/dev/pts/", 9) == 0);
	unsigned n = 99;
	CHECK_OK(ioctl(m, TIOCGPTN, &n));
	char want[32];
	snprintf(want, sizeof want, "/dev/pts/%u", n);
	CHECK_STREQ(name, want);
	CHECK_ERRNO(open(name, O_RDWR | O_NOCTTY), EIO); /* still locked */
	CHECK_OK(unlockpt(m));
	int s = open(name, O_RDWR | O_NOCTTY);
	CHECK_OK(s);
}

TEST(ptmx_is_pts_ptmx)
{
	char buf[64];
	ssize_t n = readlink("/dev/ptmx", buf, sizeof buf - 1);
	struct stat st;
	if (n >= 0) {
		buf[n] = 0;
		CHECK_STREQ(buf, "pts/ptmx");
	}
	CHECK_OK(stat("/dev/pts/ptmx", &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 5);
	CHECK_EQ(minor(st.st_rdev), 2);
}

TEST(slave_node_appears_and_goes)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	char name[64];
	snprintf(name, sizeof name, "%s", ptsname(m));
	struct stat st;
	CHECK_OK(stat(name, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 136);
	struct stat fst;
	CHECK_OK(fstat(s, &fst));
	CHECK_EQ(fst.st_rdev, st.st_rdev);
	CHECK_EQ(fst.st_ino, st.st_ino);
	close(s);
	close(m);
	CHECK_ERRNO(stat(name, &st), ENOENT);
}

TEST(pts_dir_lists_slaves)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	unsigned n;
	CHECK_OK(ioctl(m, TIOCGPTN, &n));
	char want[16];
	snprintf(want, sizeof want, "%u", n);
	DIR *d = opendir("/dev/pts");
	CHECK(d != NULL);
	int found = 0, ptmx = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, want))
			found = 1;
		if (!strcmp(e->d_name, "ptmx"))
			ptmx = 1;
	}
	closedir(d);
	CHECK(found);
	CHECK(ptmx);
}

TEST(tiocgptpeer_opens_slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK_OK(m);
	CHECK_OK(unlockpt(m));
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	CHECK_OK(s);
	CHECK(isatty(s));
	CHECK_OK(write(s, "x", 1));
	char buf[8];
	CHECK_EQ(read(m, buf, sizeof buf), 1);
	CHECK_EQ(buf[0], 'x');
}

TEST(tiocsptlck_relocks)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK_OK(m);
	CHECK_OK(unlockpt(m));
	int lock = 1;
	CHECK_OK(ioctl(m, TIOCSPTLCK, &lock));
	int got = 0;
	CHECK_OK(ioctl(m, TIOCGPTLCK, &got));
	CHECK_EQ(got, 1);
	CHECK_ERRNO(open(ptsname(m), O_RDWR | O_NOCTTY), EIO);
}

TEST(isatty_and_ttyname)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK(isatty(m));
	CHECK(isatty(s));
	int fd = open("/dev/null", O_RDONLY);
	CHECK(!isatty(fd));
	CHECK_EQ(errno, ENOTTY);
}

TEST(default_termios_is_cooked)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	CHECK(t.c_lflag & ICANON);
	CHECK(t.c_lflag & ECHO);
	CHECK(t.c_lflag & ISIG);
	CHECK(t.c_iflag & ICRNL);
	CHECK(t.c_oflag & OPOST);
	CHECK(t.c_oflag & ONLCR);
	CHECK_EQ(t.c_cc[VINTR], 3);
	CHECK_EQ(t.c_cc[VERASE], 0177);
	CHECK_EQ(t.c_cc[VEOF], 4);
	CHECK_EQ(t.c_cc[VMIN], 1);
}

TEST(tcsetattr_roundtrip)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t, u;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag &= ~ECHO;
	t.c_cc[VMIN] = 5;
	CHECK_OK(tcsetattr(s, TCSADRAIN, &t));
	CHECK_OK(tcgetattr(s, &u));
	CHECK(!(u.c_lflag & ECHO));
	CHECK_EQ(u.c_cc[VMIN], 5);
	t.c_lflag |= ECHO;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_OK(tcgetattr(s, &u));
	CHECK(u.c_lflag & ECHO);
}

TEST(canonical_line_and_echo)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(m, "hello\r", 6), 6);
	char buf[64];
	CHECK_EQ(read(s, buf, sizeof buf), 6);
	CHECK(memcmp(buf, "hello\n", 6) == 0);
	CHECK_EQ(drain(m, buf, sizeof buf), 7);
	CHECK_STREQ(buf, "hello\r\n");
}

TEST(canonical_read_waits_for_line)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(m, "abc", 3), 3);
	int fl = fcntl(s, F_GETFL);
	CHECK_OK(fcntl(s, F_SETFL, fl | O_NONBLOCK));
	char buf[16];
	CHECK_ERRNO(read(s, buf, sizeof buf), EAGAIN);
	CHECK_EQ(write(m, "\n", 1), 1);
	CHECK_EQ(read(s, buf, sizeof buf), 4);
}

TEST(canonical_one_line_per_read)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(m, "a\nbc\n", 5), 5);
	char buf[16];
	CHECK_EQ(read(s, buf, sizeof buf), 2);
	CHECK_EQ(read(s, buf, sizeof buf), 3);
	CHECK(memcmp(buf, "bc\n", 3) == 0);
}

TEST(canonical_partial_read)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(m, "abcdef\n", 7), 7);
	char buf[16];
	CHECK_EQ(read(s, buf, 3), 3);
	CHECK_EQ(read(s, buf, sizeof buf), 4);
	CHECK(memcmp(buf, "def\n", 4) == 0);
}

TEST(verase_erases)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(m, "abx\177c\n", 6), 6);
	char buf[64];
	CHECK_EQ(read(s, buf, sizeof buf), 4);
	CHECK(memcmp(buf, "abc\n", 4) == 0);
	drain(m, buf, sizeof buf);
	CHECK_STREQ(buf, "abx\b \bc\r\n");
}

TEST(verase_without_echoe)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag &= ~(ECHOE | ECHOCTL);
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(m, "ab#\n", 4), 4);
	char buf[64];
	drain(m, buf, sizeof buf);
	CHECK_STREQ(buf, "ab#\r\n");
	t.c_cc[VERASE] = '#';
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(m, "xy#\n", 4), 4);
	drain(m, buf, sizeof buf);
	CHECK_STREQ(buf, "xy#\r\n");
	CHECK_EQ(read(s, buf, sizeof buf), 4); /* the first line */
	CHECK_EQ(read(s, buf, sizeof buf), 2);
	CHECK(memcmp(buf, "x\n", 2) == 0);
}

TEST(vkill_kills_line)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(m, "junk\025ok\n", 8), 8);
	char buf[64];
	CHECK_EQ(read(s, buf, sizeof buf), 3);
	CHECK(memcmp(buf, "ok\n", 3) == 0);
	drain(m, buf, sizeof buf);
	CHECK_STREQ(buf, "junk\b \b\b \b\b \b\b \bok\r\n");
}

TEST(vkill_echok_without_echoke)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag &= ~ECHOKE;
	t.c_lflag |= ECHOK;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(m, "ab\025", 3), 3);
	char buf[64];
	drain(m, buf, sizeof buf);
	CHECK_STREQ(buf, "ab^U\r\n");
}

TEST(vwerase_erases_word)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(m, "one two\027three\n", 14), 14);
	char buf[64];
	ssize_t n = read(s, buf, sizeof buf);
	CHECK_EQ(n, 10);
	buf[n] = 0;
	CHECK_STREQ(buf, "one three\n");
}

TEST(veof_gives_eof)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(m, "\004", 1), 1);
	char buf[16];
	CHECK_EQ(read(s, buf, sizeof buf), 0);
	CHECK_EQ(write(m, "ab\004", 3), 3);
	CHECK_EQ(read(s, buf, sizeof buf), 2);
}

TEST(veol_ends_line)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_cc[VEOL] = ';';
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(m, "ls;", 3), 3);
	char buf[16];
	CHECK_EQ(read(s, buf, sizeof buf), 3);
	CHECK(memcmp(buf, "ls;", 3) == 0);
}

TEST(echoctl_shows_caret)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(m, "a\001b", 3), 3);
	char buf[64];
	drain(m, buf, sizeof buf);
	CHECK_STREQ(buf, "a^Ab");
}

TEST(echo_off_no_echo)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag &= ~ECHO;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(m, "secret\n", 7), 7);
	char buf[64];
	CHECK_EQ(drain(m, buf, sizeof buf), 0);
	CHECK_EQ(read(s, buf, sizeof buf), 7);
}

TEST(echonl_echoes_newline_only)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag &= ~ECHO;
	t.c_lflag |= ECHONL;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(m, "pw\n", 3), 3);
	char buf[64];
	drain(m, buf, sizeof buf);
	CHECK_STREQ(buf, "\r\n");
}

TEST(icrnl_off_keeps_cr)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_OK(set_raw(s));
	CHECK_EQ(write(m, "a\r", 2), 2);
	char buf[16];
	usleep(20000);
	CHECK_EQ(read(s, buf, sizeof buf), 2);
	CHECK_EQ(buf[1], '\r');
}

TEST(inlcr_maps_nl_to_cr)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_iflag |= INLCR;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(m, "\n", 1), 1);
	char buf[16];
	CHECK_EQ(read(s, buf, sizeof buf), 1);
	CHECK_EQ(buf[0], '\r');
}

TEST(igncr_drops_cr)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_iflag |= IGNCR;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(m, "a\rb\n", 4), 4);
	char buf[16];
	CHECK_EQ(read(s, buf, sizeof buf), 3);
	CHECK(memcmp(buf, "ab\n", 3) == 0);
}

TEST(onlcr_output)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(s, "x\ny\n", 4), 4);
	char buf[64];
	drain(m, buf, sizeof buf);
	CHECK_STREQ(buf, "x\r\ny\r\n");
}

TEST(opost_off_raw_output)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_oflag &= ~OPOST;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(s, "x\n", 2), 2);
	char buf[64];
	drain(m, buf, sizeof buf);
	CHECK_STREQ(buf, "x\n");
}

TEST(ocrnl_output)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_oflag |= OCRNL;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(s, "a\r", 2), 2);
	char buf[64];
	drain(m, buf, sizeof buf);
	CHECK_STREQ(buf, "a\n");
}

TEST(raw_mode_immediate_bytes)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_OK(set_raw(s));
	CHECK_EQ(write(m, "q", 1), 1);
	char buf[16];
	CHECK_EQ(read(s, buf, sizeof buf), 1);
	CHECK_EQ(buf[0], 'q');
	CHECK_EQ(drain(m, buf, sizeof buf), 0); /* no echo */
}

TEST(raw_mode_ctrl_c_is_data)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_OK(set_raw(s));
	CHECK_EQ(write(m, "\003", 1), 1);
	char buf[16];
	CHECK_EQ(read(s, buf, sizeof buf), 1);
	CHECK_EQ(buf[0], 3);
}

TEST(vmin0_vtime0_polls)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag &= ~ICANON;
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	char buf[16];
	CHECK_EQ(read(s, buf, sizeof buf), 0);
}

TEST(vmin0_vtime_times_out)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag &= ~ICANON;
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 2;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	char buf[16];
	long long t0 = h_now_ms();
	CHECK_EQ(read(s, buf, sizeof buf), 0);
	long long dt = h_now_ms() - t0;
	CHECK(dt >= 150 && dt < 2000);
}

TEST(vmin_waits_for_count)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(m, "ab", 2), 2);
	struct pollfd p = {s, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 0), 0); /* poll waits for VMIN bytes */
	CHECK_EQ(write(m, "cd", 2), 2);
	char buf[16];
	CHECK_EQ(read(s, buf, sizeof buf), 4);
}

TEST(vmin_vtime_interbyte)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 10;
	t.c_cc[VTIME] = 1;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(m, "xy", 2), 2);
	char buf[16];
	CHECK_EQ(read(s, buf, sizeof buf), 2);
}

TEST(tcsetsf_flushes_input)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(m, "old\n", 4), 4);
	usleep(10000);
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	CHECK_OK(tcsetattr(s, TCSAFLUSH, &t));
	int n = -1;
	CHECK_OK(ioctl(s, FIONREAD, &n));
	CHECK_EQ(n, 0);
}

TEST(tcflush_input_and_output)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_OK(set_raw(s));
	CHECK_EQ(write(m, "in", 2), 2);
	CHECK_EQ(write(s, "out", 3), 3);
	usleep(10000);
	int n = 0;
	CHECK_OK(ioctl(s, TIOCOUTQ, &n));
	CHECK_OK(ioctl(s, FIONREAD, &n));
	CHECK_EQ(n, 2);
	CHECK_OK(tcflush(s, TCIFLUSH));
	CHECK_OK(ioctl(s, FIONREAD, &n));
	CHECK_EQ(n, 0);
	CHECK_OK(tcflush(s, TCOFLUSH));
	CHECK_OK(ioctl(s, TIOCOUTQ, &n));
	CHECK_EQ(n, 0);
	CHECK_ERRNO(tcflush(s, 7), EINVAL);
}

TEST(fionread_counts)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(m, "ab\ncd", 5), 5);
	usleep(10000);
	int n = -1;
	CHECK_OK(ioctl(s, FIONREAD, &n));
	CHECK_EQ(n, 3); /* canonical: complete lines only */
	CHECK_OK(ioctl(s, TIOCINQ, &n));
	CHECK_EQ(n, 3);
	CHECK_OK(ioctl(m, FIONREAD, &n));
	CHECK_EQ(n, 6); /* the echo, "ab\r\ncd" */
}

TEST(tcxonc_accepted)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_OK(tcflow(s, TCOOFF));
	CHECK_OK(tcflow(s, TCOON));
	CHECK_ERRNO(tcflow(s, 9), EINVAL);
	CHECK_OK(tcdrain(s));
}

TEST(winsize_get_set)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct winsize w = {0};
	CHECK_OK(ioctl(s, TIOCGWINSZ, &w));
	CHECK_EQ(w.ws_row, 0);
	w.ws_row = 42;
	w.ws_col = 101;
	CHECK_OK(ioctl(m, TIOCSWINSZ, &w));
	struct winsize g = {0};
	CHECK_OK(ioctl(s, TIOCGWINSZ, &g));
	CHECK_EQ(g.ws_row, 42);
	CHECK_EQ(g.ws_col, 101);
}

TEST(poll_master_and_slave)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_OK(set_raw(s));
	struct pollfd p[2] = {{m, POLLIN | POLLOUT, 0}, {s, POLLIN | POLLOUT, 0}};
	CHECK_EQ(poll(p, 2, 0), 2);
	CHECK_EQ(p[0].revents, POLLOUT);
	CHECK_EQ(p[1].revents, POLLOUT);
	CHECK_EQ(write(m, "k", 1), 1);
	CHECK_EQ(write(s, "j", 1), 1);
	CHECK_EQ(poll(p, 2, 1000), 2);
	CHECK(p[0].revents & POLLIN);
	CHECK(p[1].revents & POLLIN);
}

static void write_later(void *arg)
{
	int m = *(int *)arg;
	usleep(100000);
	if (write(m, "late\n", 5) != 5)
		_exit(1);
}

TEST(blocking_read_woken_by_master)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		write_later(&m);
		_exit(0);
	}
	char buf[16];
	CHECK_EQ(read(s, buf, sizeof buf), 5);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
}

TEST(poll_wakes_on_input)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		write_later(&m);
		_exit(0);
	}
	struct pollfd p = {s, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 3000), 1);
	CHECK(p.revents & POLLIN);
}

TEST(master_close_hangs_up_slave)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	close(m);
	struct pollfd p = {s, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK(p.revents & POLLHUP);
	char buf[8];
	CHECK_EQ(read(s, buf, sizeof buf), 0);
	CHECK_ERRNO(write(s, "x", 1), EIO);
}

TEST(slave_close_master_reads_eio)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(s, "z", 1), 1);
	close(s);
	char buf[8];
	CHECK_EQ(read(m, buf, sizeof buf), 1);
	CHECK_ERRNO(read(m, buf, sizeof buf), EIO);
	struct pollfd p = {m, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK(p.revents & POLLHUP);
}

TEST(master_nonblock_eagain)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_OK(fcntl(m, F_SETFL, O_NONBLOCK));
	char buf[8];
	CHECK_ERRNO(read(m, buf, sizeof buf), EAGAIN);
}

TEST(not_a_tty_ioctls)
{
	int fd = open("/dev/null", O_RDWR);
	struct termios t;
	CHECK_ERRNO(tcgetattr(fd, &t), ENOTTY);
	CHECK_ERRNO(ioctl(fd, TIOCGPTN, &fd), ENOTTY);
}

TEST(slave_has_no_ptn)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	unsigned n;
	CHECK_ERRNO(ioctl(s, TIOCGPTN, &n), ENOTTY);
}

/* ---- job control: children in their own sessions ---- */

struct jc {
	int m;
	char name[64];
};

static void ctty_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	/* A session leader opening a terminal without O_NOCTTY acquires it. */
	CHECK_EQ(tcgetsid(s), getpid());
	CHECK_EQ(tcgetpgrp(s), getpgrp());
	int t = open("/dev/tty", O_RDWR);
	CHECK_OK(t);
	CHECK_OK(write(t, "T", 1));
}

TEST(open_acquires_ctty_and_dev_tty)
{
	struct jc j;
	CHECK_OK(open_pair(&j.m, &(int){0}));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(ctty_child, &j);
	char buf[16];
	drain(j.m, buf, sizeof buf);
	CHECK_STREQ(buf, "T");
}

static void noctty_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR | O_NOCTTY);
	CHECK_OK(s);
	CHECK_ERRNO(tcgetsid(s), ENOTTY);
	CHECK_ERRNO(open("/dev/tty", O_RDWR), ENXIO);
	CHECK_OK(ioctl(s, TIOCSCTTY, 0));
	CHECK_EQ(tcgetsid(s), getpid());
	CHECK_OK(open("/dev/tty", O_RDWR));
}

TEST(tiocsctty_after_noctty)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(noctty_child, &j);
}

static void not_leader_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	pid_t p = fork();
	if (p == 0) {
		int s = open(j->name, O_RDWR | O_NOCTTY);
		if (s < 0 || ioctl(s, TIOCSCTTY, 0) != -1 || errno != EPERM)
			_exit(1);
		_exit(0);
	}
	int st;
	CHECK_EQ(waitpid(p, &st, 0), p);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST(tiocsctty_needs_session_leader)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(not_leader_child, &j);
}

static void taken_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR | O_NOCTTY);
	CHECK_OK(s);
	CHECK_OK(ioctl(s, TIOCSCTTY, 0));
	pid_t p = fork();
	if (p == 0) {
		setsid();
		int s2 = open(j->name, O_RDWR | O_NOCTTY);
		if (ioctl(s2, TIOCSCTTY, 0) != -1 || errno != EPERM)
			_exit(1);
		_exit(0);
	}
	int st;
	CHECK_EQ(waitpid(p, &st, 0), p);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST(tiocsctty_taken_by_other_session)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(taken_child, &j);
}

static int got_sig;
static void on_sig(int sig)
{
	got_sig = sig;
}

static void isig_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	signal(SIGINT, on_sig);
	signal(SIGQUIT, on_sig);
	signal(SIGTSTP, on_sig);
	int pairs[3][2] = {{3, SIGINT}, {034, SIGQUIT}, {032, SIGTSTP}};
	for (int i = 0; i < 3; i++) {
		got_sig = 0;
		char c = pairs[i][0];
		CHECK_EQ(write(j->m, &c, 1), 1);
		for (int k = 0; k < 200 && !got_sig; k++)
			usleep(5000);
		CHECK_EQ(got_sig, pairs[i][1]);
	}
}

TEST(isig_sends_signals)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(isig_child, &j);
}

static void isig_off_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag &= ~(ISIG | ICANON);
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	signal(SIGINT, on_sig);
	got_sig = 0;
	CHECK_EQ(write(j->m, "\003", 1), 1);
	char c;
	CHECK_EQ(read(s, &c, 1), 1);
	CHECK_EQ(c, 3);
	CHECK_EQ(got_sig, 0);
}

TEST(isig_off_passes_chars)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(isig_off_child, &j);
}

static void winch_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	signal(SIGWINCH, on_sig);
	got_sig = 0;
	struct winsize w = {.ws_row = 10, .ws_col = 20};
	CHECK_OK(ioctl(j->m, TIOCSWINSZ, &w));
	for (int k = 0; k < 200 && !got_sig; k++)
		usleep(5000);
	CHECK_EQ(got_sig, SIGWINCH);
	got_sig = 0;
	CHECK_OK(ioctl(j->m, TIOCSWINSZ, &w)); /* same size: no signal */
	usleep(50000);
	CHECK_EQ(got_sig, 0);
}

TEST(tiocswinsz_sends_sigwinch)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(winch_child, &j);
}

static void pgrp_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	CHECK_EQ(tcgetpgrp(s), getpid());
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		pause();
		_exit(0);
	}
	CHECK_OK(setpgid(c, c));
	CHECK_ERRNO(tcsetpgrp(s, 999999), ESRCH);
	CHECK_OK(tcsetpgrp(s, c));
	CHECK_EQ(tcgetpgrp(s), c);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}

TEST(tcsetpgrp_foreground)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(pgrp_child, &j);
}

static void ttin_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0); /* a background group */
		char b;
		read(s, &b, 1);
		_exit(0);
	}
	setpgid(c, c);
	int st;
	CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
	CHECK(WIFSTOPPED(st));
	CHECK_EQ(WSTOPSIG(st), SIGTTIN);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}

TEST(background_read_gets_sigttin)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(ttin_child, &j);
}

static void ttin_ignored_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		signal(SIGTTIN, SIG_IGN);
		char b;
		_exit(read(s, &b, 1) == -1 && errno == EIO ? 0 : 1);
	}
	setpgid(c, c);
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST(background_read_ignored_ttin_eio)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(ttin_ignored_child, &j);
}

static void ttou_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag |= TOSTOP;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		write(s, "bg", 2);
		_exit(0);
	}
	setpgid(c, c);
	int st;
	CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
	CHECK(WIFSTOPPED(st));
	CHECK_EQ(WSTOPSIG(st), SIGTTOU);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}

TEST(background_write_tostop_sigttou)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(ttou_child, &j);
}

static void bg_write_ok_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		_exit(write(s, "bg", 2) == 2 ? 0 : 1);
	}
	setpgid(c, c);
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST(background_write_without_tostop)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(bg_write_ok_child, &j);
}

static void bg_tcsetattr_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		struct termios t;
		tcgetattr(s, &t);
		tcsetattr(s, TCSANOW, &t);
		_exit(0);
	}
	setpgid(c, c);
	int st;
	CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
	CHECK(WIFSTOPPED(st));
	CHECK_EQ(WSTOPSIG(st), SIGTTOU);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}

TEST(background_tcsetattr_sigttou)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(bg_tcsetattr_child, &j);
}

static void notty_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	signal(SIGHUP, SIG_IGN);
	CHECK_OK(ioctl(s, TIOCNOTTY));
	CHECK_ERRNO(tcgetsid(s), ENOTTY);
	CHECK_ERRNO(open("/dev/tty", O_RDWR), ENXIO);
	CHECK_ERRNO(ioctl(s, TIOCNOTTY), ENOTTY);
}

TEST(tiocnotty_gives_up_ctty)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(notty_child, &j);
}

static void setsid_drops_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	pid_t c = fork();
	if (c == 0) {
		if (open("/dev/tty", O_RDWR) < 0)
			_exit(1);
		setsid();
		_exit(open("/dev/tty", O_RDWR) == -1 && errno == ENXIO ? 0 : 2);
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
}

TEST(child_inherits_then_setsid_drops)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(setsid_drops_child, &j);
}

static void tiocsig_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	signal(SIGINT, on_sig);
	got_sig = 0;
	CHECK_ERRNO(ioctl(j->m, TIOCSIG, SIGUSR1), EINVAL);
	CHECK_OK(ioctl(j->m, TIOCSIG, SIGINT));
	for (int k = 0; k < 200 && !got_sig; k++)
		usleep(5000);
	CHECK_EQ(got_sig, SIGINT);
}

TEST(tiocsig_signals_foreground)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(tiocsig_child, &j);
}

static void hangup_child(void *arg)
{
	(void)arg;
	CHECK_OK(setsid());
	int m, s0;
	CHECK_OK(open_pair(&m, &s0));
	int s = open(ptsname(m), O_RDWR);
	CHECK_OK(s);
	CHECK_EQ(tcgetsid(s), getpid());
	signal(SIGHUP, on_sig);
	got_sig = 0;
	close(m);
	for (int k = 0; k < 200 && !got_sig; k++)
		usleep(5000);
	CHECK_EQ(got_sig, SIGHUP);
}

TEST(master_close_sends_sighup)
{
	CHECK_CHILD(hangup_child, NULL);
}


static void leader_exit_child(void *arg)
{
	(void)arg;
	int ready[2], report[2];
	CHECK_OK(pipe(ready));
	CHECK_OK(pipe(report));
	pid_t leader = fork();
	if (leader == 0) {
		/* The leader: takes a terminal, forks a member of its
		 * foreground group that waits for SIGHUP, then exits (keeping
		 * the master open in the member, so only the exit hangs up). */
		setsid();
		int m = posix_openpt(O_RDWR | O_NOCTTY);
		if (m < 0 || unlockpt(m) < 0 || open(ptsname(m), O_RDWR) < 0)
			_exit(1);
		pid_t member = fork();
		if (member == 0) {
			signal(SIGHUP, on_sig);
			got_sig = 0;
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			for (int k = 0; k < 400 && !got_sig; k++)
				usleep(5000);
			char c = got_sig == SIGHUP ? 'H' : 'n';
			if (write(report[1], &c, 1) != 1)
				_exit(1);
			_exit(0);
		}
		char c;
		if (read(ready[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(report[1]);
	char c = 0;
	CHECK_EQ(read(report[0], &c, 1), 1);
	CHECK_EQ(c, 'H');
	waitpid(leader, NULL, 0);
}

TEST(leader_exit_hangs_up_foreground)
{
	CHECK_CHILD(leader_exit_child, NULL);
}

TEST(ixon_stop_start_output)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(m, "\023", 1), 1); /* ^S: output stops */
	usleep(10000);
	pid_t c = h_fork();
	CHECK_OK(c);
	if (c == 0)
		_exit(write(s, "held", 4) == 4 ? 0 : 1); /* waits for ^Q */
	char buf[32];
	CHECK_EQ(drain(m, buf, sizeof buf), 0);
	CHECK_EQ(write(m, "\021", 1), 1); /* ^Q */
	drain(m, buf, sizeof buf);
	CHECK_STREQ(buf, "held");
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	int n = -1;
	CHECK_OK(ioctl(s, FIONREAD, &n));
	CHECK_EQ(n, 0); /* ^S and ^Q are not input */
}

TEST(istrip_strips_high_bit)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_iflag |= ISTRIP;
	t.c_lflag &= ~(ICANON | ECHO);
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	CHECK_EQ(write(m, "\xc1", 1), 1);
	unsigned char c;
	CHECK_EQ(read(s, &c, 1), 1);
	CHECK_EQ(c, 0x41);
}

TEST(line_discipline_is_n_tty)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	int d = -1;
	CHECK_OK(ioctl(s, TIOCGETD, &d));
	CHECK_EQ(d, 0);
}

TEST(canon_to_raw_keeps_typed_input)
{
	int m, s;
	CHECK_OK(open_pair(&m, &s));
	CHECK_EQ(write(m, "par", 3), 3);
	usleep(10000);
	struct termios t;
	CHECK_OK(tcgetattr(s, &t));
	t.c_lflag &= ~ICANON;
	t.c_cc[VMIN] = 1;
	CHECK_OK(tcsetattr(s, TCSANOW, &t));
	char buf[16];
	CHECK_EQ(read(s, buf, sizeof buf), 3);
	CHECK(memcmp(buf, "par", 3) == 0);
}

static void dev_tty_same_child(void *arg)
{
	struct jc *j = arg;
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	int t = open("/dev/tty", O_RDWR | O_NONBLOCK);
	CHECK_OK(t);
	struct winsize w = {.ws_row = 7, .ws_col = 9};
	CHECK_OK(ioctl(t, TIOCSWINSZ, &w));
	struct winsize g = {0};
	CHECK_OK(ioctl(s, TIOCGWINSZ, &g));
	CHECK_EQ(g.ws_row, 7);
	char buf[8];
	CHECK_ERRNO(read(t, buf, sizeof buf), EAGAIN);
	CHECK_EQ(tcgetsid(t), getpid());
}

TEST(dev_tty_is_the_controlling_terminal)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(dev_tty_same_child, &j);
}

static void orphan_child(void *arg)
{
	struct jc *j = arg;
	int report[2];
	CHECK_OK(pipe(report));
	CHECK_OK(setsid());
	int s = open(j->name, O_RDWR);
	CHECK_OK(s);
	pid_t mid = fork();
	if (mid == 0) {
		pid_t g = fork();
		if (g == 0) {
			/* Our own group, whose parent leaves: an orphaned
			 * background group. Its reads fail with EIO. */
			setpgid(0, 0);
			usleep(200000);
			char b = 0;
			ssize_t r = read(s, &b, 1);
			char c = (r == -1 && errno == EIO) ? 'E' : 'x';
			if (write(report[1], &c, 1) != 1)
				_exit(1);
			_exit(0);
		}
		_exit(0);
	}
	CHECK_EQ(waitpid(mid, NULL, 0), mid);
	close(report[1]);
	char c = 0;
	CHECK_EQ(read(report[0], &c, 1), 1);
	CHECK_EQ(c, 'E');
}

TEST(orphaned_background_read_eio)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(orphan_child, &j);
}

/* Fields 7 and 8 of /proc/self/stat: tty_nr and tpgid. */
static int stat_tty(unsigned *tty_nr, int *tpgid)
{
	char buf[1024];
	int fd = open("/proc/self/stat", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	char state;
	int ppid, pgrp, sid;
	return sscanf(p + 2, "%c %d %d %d %u %d", &state, &ppid, &pgrp, &sid, tty_nr, tpgid) == 6 ? 0 : -1;
}

static void proc_stat_tty_child(void *arg)
{
	struct jc *j = arg;
	unsigned tty_nr;
	int tpgid;
	CHECK_OK(setsid());
	CHECK_OK(stat_tty(&tty_nr, &tpgid));
	CHECK_EQ(tty_nr, 0u);
	CHECK_EQ(tpgid, -1);
	int s = open(j->name, O_RDWR | O_NOCTTY);
	CHECK_OK(s);
	CHECK_OK(ioctl(s, TIOCSCTTY, 0));
	struct stat st;
	CHECK_OK(fstat(s, &st));
	unsigned maj = major(st.st_rdev), min = minor(st.st_rdev);
	CHECK_OK(stat_tty(&tty_nr, &tpgid));
	CHECK_EQ(tty_nr, (min & 0xff) | (maj << 8) | ((min & ~0xffu) << 12));
	CHECK_EQ(tpgid, getpid());
}

TEST(proc_stat_shows_controlling_tty)
{
	struct jc j;
	int s;
	CHECK_OK(open_pair(&j.m, &s));
	snprintf(j.name, sizeof j.name, "%s", ptsname(j.m));
	CHECK_CHILD(proc_stat_tty_child, &j);
}
