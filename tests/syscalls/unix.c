/* AF_UNIX sockets: socket/socketpair flags, binding to paths (socket inodes)
 * and abstract names, autobind, listen/accept/connect and the backlog,
 * stream/datagram/seqpacket data, shutdown, poll readiness, SCM_RIGHTS and
 * SCM_CREDENTIALS, SO_PEERCRED and the other SOL_SOCKET options, FIONREAD
 * and SIOCOUTQ, sendmmsg/recvmmsg. Other families are EAFNOSUPPORT in the
 * sandbox until the network stack. */
#include "harness.h"

#include <grp.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <linux/sockios.h>

#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ
#endif

static socklen_t mkaddr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

/* An abstract name unique to this process. */
static socklen_t mkabs(struct sockaddr_un *a, const char *name)
{
	char buf[100];
	int n = snprintf(buf, sizeof buf, "rvisor-unix-%d-%s", (int)getpid(), name);
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, buf, n);
	return offsetof(struct sockaddr_un, sun_path) + 1 + n;
}

/* A listening socket of `type` bound at `path`. */
static int listener(int type, const char *path)
{
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, path);
	int fd = socket(AF_UNIX, type, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, l) < 0 || listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_to(int type, const char *path, int flags)
{
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, path);
	int fd = socket(AF_UNIX, type | flags, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, l) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Sends `n` descriptors with one byte of data. */
static ssize_t send_fds(int sock, const int *fds, int n, const char *data, size_t len)
{
	char ctl[CMSG_SPACE(sizeof(int) * 256)];
	struct iovec iov = {(void *)data, len};
	struct msghdr m = {0};
	struct cmsghdr *c;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	memset(ctl, 0, sizeof ctl);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return sendmsg(sock, &m, 0);
}

/* Receives up to `max` descriptors into fds; returns the count or -1;
 * *flags gets msg_flags. */
static int recv_fds(int sock, int *fds, int max, size_t ctlspace, int rflags, int *flags, char *data,
		    size_t len)
{
	char ctl[CMSG_SPACE(sizeof(int) * 256)];
	char dummy[64];
	struct iovec iov = {data ? (void *)data : dummy, data ? len : sizeof dummy};
	struct msghdr m = {0};
	struct cmsghdr *c;
	int n = 0;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctlspace ? ctl : NULL;
	m.msg_controllen = ctlspace;
	if (recvmsg(sock, &m, rflags) < 0)
		return -1;
	if (flags)
		*flags = m.msg_flags;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (int i = 0; i < k && n < max; i++)
				memcpy(&fds[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		}
	}
	return n;
}

static long fill(int fd)
{
	static char buf[4096];
	long total = 0;
	for (;;) {
		ssize_t n = send(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN ? total : -1;
		total += n;
	}
}

static int sockopt_int(int fd, int name)
{
	int v = -12345;
	socklen_t l = sizeof v;
	if (getsockopt(fd, SOL_SOCKET, name, &v, &l) < 0)
		return -12345;
	return v;
}

static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534);
}

/* ---- socket(2) and socketpair(2) ---- */

TEST(socket_stream_is_sock)
{
	struct stat st;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_OK(fd);
	CHECK_OK(fstat(fd, &st));
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0777);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
}

TEST(socket_all_types)
{
	CHECK_OK(socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK_OK(socket(AF_UNIX, SOCK_DGRAM, 0));
	CHECK_OK(socket(AF_UNIX, SOCK_SEQPACKET, 0));
	CHECK_OK(socket(AF_UNIX, SOCK_STREAM, PF_UNIX));
}

TEST(socket_raw_is_dgram)
{
	int fd = socket(AF_UNIX, SOCK_RAW, 0);
	CHECK_OK(fd);
	CHECK_EQ(sockopt_int(fd, SO_TYPE), SOCK_DGRAM);
}

TEST(socket_flags)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK_OK(fd);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
}

TEST(socket_bad_type_and_flags)
{
	CHECK_ERRNO(socket(AF_UNIX, 4 /* SOCK_RDM */, 0), ESOCKTNOSUPPORT);
	CHECK_ERRNO(socket(AF_UNIX, 12, 0), EINVAL);
	CHECK_ERRNO(socket(AF_UNIX, SOCK_STREAM | 0x10000, 0), EINVAL);
	CHECK_ERRNO(socket(AF_UNIX, SOCK_STREAM, 7), EPROTONOSUPPORT);
	CHECK_ERRNO(socket(9999, SOCK_STREAM, 0), EAFNOSUPPORT);
}

TEST(socket_other_families)
{
	static const int fams[] = {AF_INET, AF_INET6, AF_NETLINK, AF_PACKET};
	for (unsigned i = 0; i < sizeof fams / sizeof fams[0]; i++) {
		int fd = socket(fams[i], fams[i] == AF_NETLINK ? SOCK_RAW : SOCK_DGRAM, 0);
		if (getenv("RVISOR_SANDBOX")) {
			/* No network stack in the sandbox yet. */
			CHECK_EQ(fd, -1);
			CHECK_EQ(errno, EAFNOSUPPORT);
		} else if (fams[i] == AF_INET) {
			CHECK_OK(fd);
		}
		if (fd >= 0)
			close(fd);
	}
}

TEST(socketpair_stream_both_ways)
{
	int sv[2];
	char buf[8] = {0};
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[0], "ping", 4), 4);
	CHECK_EQ(read(sv[1], buf, sizeof buf), 4);
	CHECK(!memcmp(buf, "ping", 4));
	CHECK_EQ(write(sv[1], "pong", 4), 4);
	CHECK_EQ(read(sv[0], buf, sizeof buf), 4);
	CHECK(!memcmp(buf, "pong", 4));
}

TEST(socketpair_flags)
{
	int sv[2];
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
	CHECK(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(sv[1], F_GETFL) & O_NONBLOCK);
	CHECK_EQ(fcntl(sv[1], F_GETFD), FD_CLOEXEC);
}

TEST(socketpair_efault)
{
	CHECK_ERRNO(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, 8L), EFAULT);
}

TEST(socketpair_stream_coalesces)
{
	int sv[2];
	char buf[16];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[0], "abc", 3), 3);
	CHECK_EQ(write(sv[0], "def", 3), 3);
	CHECK_EQ(read(sv[1], buf, sizeof buf), 6);
	CHECK(!memcmp(buf, "abcdef", 6));
}

TEST(socketpair_dgram_boundaries)
{
	int sv[2];
	char buf[16];
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(write(sv[0], "abc", 3), 3);
	CHECK_EQ(write(sv[0], "defgh", 5), 5);
	CHECK_EQ(read(sv[1], buf, sizeof buf), 3);
	CHECK_EQ(read(sv[1], buf, sizeof buf), 5);
	CHECK(!memcmp(buf, "defgh", 5));
}

TEST(seqpacket_pair_boundaries_and_trunc)
{
	int sv[2];
	char buf[16];
	struct iovec iov = {buf, 2};
	struct msghdr m = {0};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	CHECK_EQ(write(sv[0], "hello", 5), 5);
	CHECK_EQ(write(sv[0], "xy", 2), 2);
	CHECK_EQ(recvmsg(sv[1], &m, 0), 2);
	CHECK(m.msg_flags & MSG_TRUNC);
	CHECK(!memcmp(buf, "he", 2));
	CHECK_EQ(read(sv[1], buf, sizeof buf), 2);
	CHECK(!memcmp(buf, "xy", 2));
}

TEST(not_a_socket)
{
	int p[2];
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, "s");
	int v;
	CHECK_OK(pipe(p));
	CHECK_ERRNO(bind(p[0], (struct sockaddr *)&a, l), ENOTSOCK);
	CHECK_ERRNO(listen(p[0], 1), ENOTSOCK);
	CHECK_ERRNO(send(p[1], "x", 1, 0), ENOTSOCK);
	CHECK_ERRNO(getsockopt(p[0], SOL_SOCKET, SO_TYPE, &v, &l), ENOTSOCK);
	CHECK_ERRNO(bind(-1, (struct sockaddr *)&a, l), EBADF);
	CHECK_ERRNO(shutdown(99, SHUT_RD), EBADF);
}

TEST(socket_not_seekable)
{
	int sv[2];
	char c;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_ERRNO(lseek(sv[0], 0, SEEK_SET), ESPIPE);
	CHECK_ERRNO(pread(sv[0], &c, 1, 0), ESPIPE);
}

/* ---- bind, paths and abstract names ---- */

TEST(bind_path_makes_socket_inode)
{
	struct stat st;
	int fd = listener(SOCK_STREAM, "sock");
	CHECK_OK(fd);
	CHECK_OK(stat("sock", &st));
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0755); /* 0777 less the umask 022 */
}

TEST(bind_existing_path_eaddrinuse)
{
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, "file");
	int fd;
	CHECK_OK(close(open("file", O_CREAT | O_WRONLY, 0644)));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERRNO(bind(fd, (struct sockaddr *)&a, l), EADDRINUSE);
	l = mkaddr(&a, "s");
	CHECK_OK(bind(fd, (struct sockaddr *)&a, l));
	CHECK_ERRNO(bind(socket(AF_UNIX, SOCK_DGRAM, 0), (struct sockaddr *)&a, l), EADDRINUSE);
}

TEST(bind_twice_einval)
{
	struct sockaddr_un a, b;
	socklen_t la = mkaddr(&a, "a"), lb = mkaddr(&b, "b");
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_OK(bind(fd, (struct sockaddr *)&a, la));
	CHECK_ERRNO(bind(fd, (struct sockaddr *)&b, lb), EINVAL);
	CHECK_ERRNO(access("b", F_OK), ENOENT);
}

TEST(bind_bad_addresses)
{
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, "s");
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	a.sun_family = AF_INET;
	CHECK_ERRNO(bind(fd, (struct sockaddr *)&a, l), EINVAL);
	a.sun_family = AF_UNIX;
	CHECK_ERRNO(bind(fd, (struct sockaddr *)&a, 1), EINVAL);
	CHECK_ERRNO(bind(fd, (struct sockaddr *)&a, sizeof a + 1), EINVAL);
	CHECK_ERRNO(bind(fd, (struct sockaddr *)&a, 4096), EINVAL);
	CHECK_ERRNO(bind(fd, (struct sockaddr *)8, l), EFAULT);
}

TEST(bind_missing_dir_enoent)
{
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, "nodir/s");
	CHECK_ERRNO(bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, l), ENOENT);
}

TEST(bind_path_outlives_socket)
{
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, "s");
	int fd = listener(SOCK_STREAM, "s");
	CHECK_OK(fd);
	CHECK_OK(close(fd));
	CHECK_OK(access("s", F_OK));
	CHECK_ERRNO(connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, l), ECONNREFUSED);
	CHECK_OK(unlink("s"));
	CHECK_OK(listener(SOCK_STREAM, "s"));
}

TEST(bind_absolute_path)
{
	char path[600];
	int fd, c;
	CHECK(getcwd(path, 500) != NULL);
	strcat(path, "/abs");
	fd = listener(SOCK_STREAM, path);
	CHECK_OK(fd);
	c = connect_to(SOCK_STREAM, "abs", 0);
	CHECK_OK(c);
}

TEST(bind_unterminated_path)
{
	struct sockaddr_un a;
	struct sockaddr_un got;
	socklen_t gl = sizeof got;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, "xyz", 3);
	CHECK_OK(bind(fd, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 3));
	CHECK_OK(access("xyz", F_OK));
	CHECK_OK(getsockname(fd, (struct sockaddr *)&got, &gl));
	CHECK_EQ(gl, offsetof(struct sockaddr_un, sun_path) + 4);
	CHECK_STREQ(got.sun_path, "xyz");
}

TEST(connect_missing_path_enoent)
{
	CHECK_ERRNO(connect_to(SOCK_STREAM, "nothing", 0), ENOENT);
}

TEST(connect_regular_file_econnrefused)
{
	CHECK_OK(close(open("file", O_CREAT | O_WRONLY, 0644)));
	CHECK_ERRNO(connect_to(SOCK_STREAM, "file", 0), ECONNREFUSED);
}

TEST(connect_not_listening_econnrefused)
{
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, "s");
	CHECK_OK(bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, l));
	CHECK_ERRNO(connect_to(SOCK_STREAM, "s", 0), ECONNREFUSED);
}

TEST(connect_wrong_type_eprototype)
{
	CHECK_OK(listener(SOCK_STREAM, "s"));
	CHECK_ERRNO(connect_to(SOCK_DGRAM, "s", 0), EPROTOTYPE);
	CHECK_ERRNO(connect_to(SOCK_SEQPACKET, "s", 0), EPROTOTYPE);
}

TEST(connect_through_symlink)
{
	CHECK_OK(listener(SOCK_STREAM, "s"));
	CHECK_OK(symlink("s", "link"));
	CHECK_OK(connect_to(SOCK_STREAM, "link", 0));
}

TEST(connect_after_rename)
{
	CHECK_OK(listener(SOCK_STREAM, "s"));
	CHECK_OK(rename("s", "t"));
	CHECK_OK(connect_to(SOCK_STREAM, "t", 0));
	CHECK_ERRNO(connect_to(SOCK_STREAM, "s", 0), ENOENT);
}

TEST(connect_after_unlink_enoent)
{
	int l = listener(SOCK_STREAM, "s");
	CHECK_OK(l);
	CHECK_OK(unlink("s"));
	CHECK_ERRNO(connect_to(SOCK_STREAM, "s", 0), ENOENT);
}

static void connect_as_nobody(void *arg)
{
	(void)arg;
	CHECK_OK(drop_to_nobody());
	CHECK_ERRNO(connect_to(SOCK_STREAM, "s", 0), EACCES);
}

TEST(connect_needs_write_permission)
{
	CHECK_OK(listener(SOCK_STREAM, "s"));
	CHECK_OK(chmod(".", 0755));
	CHECK_OK(chmod("s", 0755));
	CHECK_CHILD(connect_as_nobody, NULL);
}

TEST(abstract_bind_connect)
{
	struct sockaddr_un a;
	socklen_t l = mkabs(&a, "ab");
	int s = socket(AF_UNIX, SOCK_STREAM, 0), c, acc;
	DIR *d;
	struct dirent *e;
	int entries = 0;
	CHECK_OK(bind(s, (struct sockaddr *)&a, l));
	CHECK_OK(listen(s, 4));
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_OK(connect(c, (struct sockaddr *)&a, l));
	acc = accept(s, NULL, NULL);
	CHECK_OK(acc);
	CHECK_EQ(write(c, "z", 1), 1);
	/* Nothing appears in the file system. */
	d = opendir(".");
	CHECK(d != NULL);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			entries++;
	closedir(d);
	CHECK_EQ(entries, 0);
}

TEST(abstract_eaddrinuse_and_reuse_after_close)
{
	struct sockaddr_un a;
	socklen_t l = mkabs(&a, "dup");
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_OK(bind(s, (struct sockaddr *)&a, l));
	CHECK_ERRNO(bind(socket(AF_UNIX, SOCK_DGRAM, 0), (struct sockaddr *)&a, l), EADDRINUSE);
	CHECK_OK(close(s));
	CHECK_OK(bind(socket(AF_UNIX, SOCK_DGRAM, 0), (struct sockaddr *)&a, l));
}

TEST(abstract_getsockname_length)
{
	struct sockaddr_un a, got;
	socklen_t l = mkabs(&a, "name"), gl = sizeof got;
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_OK(bind(s, (struct sockaddr *)&a, l));
	CHECK_OK(getsockname(s, (struct sockaddr *)&got, &gl));
	CHECK_EQ(gl, l);
	CHECK(!memcmp(&got, &a, l));
}

TEST(abstract_names_with_nuls_differ)
{
	struct sockaddr_un a;
	socklen_t l = mkabs(&a, "n");
	int s1 = socket(AF_UNIX, SOCK_DGRAM, 0), s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_OK(bind(s1, (struct sockaddr *)&a, l));
	/* The same bytes and one NUL more is another name. */
	CHECK_OK(bind(s2, (struct sockaddr *)&a, l + 1));
}

TEST(abstract_connect_nobody_listening)
{
	struct sockaddr_un a;
	socklen_t l = mkabs(&a, "none");
	CHECK_ERRNO(connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, l), ECONNREFUSED);
}

TEST(autobind_family_only)
{
	struct sockaddr_un a, got;
	socklen_t gl = sizeof got;
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	a.sun_family = AF_UNIX;
	CHECK_OK(bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)));
	CHECK_OK(getsockname(s, (struct sockaddr *)&got, &gl));
	CHECK_EQ(gl, offsetof(struct sockaddr_un, sun_path) + 6);
	CHECK_EQ(got.sun_path[0], 0);
	for (int i = 1; i < 6; i++)
		CHECK(strchr("0123456789abcdef", got.sun_path[i]) != NULL);
}

TEST(autobind_with_passcred_on_send)
{
	struct sockaddr_un a, got;
	socklen_t l = mkaddr(&a, "r"), gl = sizeof got;
	int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0), one = 1;
	CHECK_OK(bind(r, (struct sockaddr *)&a, l));
	CHECK_OK(setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
	CHECK_OK(sendto(s, "x", 1, 0, (struct sockaddr *)&a, l));
	CHECK_OK(getsockname(s, (struct sockaddr *)&got, &gl));
	CHECK_EQ(gl, offsetof(struct sockaddr_un, sun_path) + 6);
}

TEST(getsockname_unbound_and_path)
{
	struct sockaddr_un got;
	socklen_t gl = sizeof got;
	int s = socket(AF_UNIX, SOCK_STREAM, 0), l;
	CHECK_OK(getsockname(s, (struct sockaddr *)&got, &gl));
	CHECK_EQ(gl, sizeof(sa_family_t));
	CHECK_EQ(got.sun_family, AF_UNIX);
	l = listener(SOCK_STREAM, "path");
	gl = sizeof got;
	CHECK_OK(getsockname(l, (struct sockaddr *)&got, &gl));
	CHECK_EQ(gl, offsetof(struct sockaddr_un, sun_path) + 5);
	CHECK_STREQ(got.sun_path, "path");
}

TEST(getsockname_short_buffer)
{
	char buf[4] = {0};
	socklen_t gl = 4;
	int l = listener(SOCK_STREAM, "longname");
	CHECK_OK(getsockname(l, (struct sockaddr *)buf, &gl));
	CHECK_EQ(gl, offsetof(struct sockaddr_un, sun_path) + 9);
	CHECK(!memcmp(buf + 2, "lo", 2));
	gl = (socklen_t)-1;
	CHECK_ERRNO(getsockname(l, (struct sockaddr *)buf, &gl), EINVAL);
}

TEST(getpeername_cases)
{
	struct sockaddr_un got;
	socklen_t gl = sizeof got;
	int l = listener(SOCK_STREAM, "srv"), c, a, sv[2];
	CHECK_ERRNO(getpeername(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&got, &gl), ENOTCONN);
	c = connect_to(SOCK_STREAM, "srv", 0);
	CHECK_OK(c);
	gl = sizeof got;
	CHECK_OK(getpeername(c, (struct sockaddr *)&got, &gl));
	CHECK_STREQ(got.sun_path, "srv");
	a = accept(l, NULL, NULL);
	CHECK_OK(a);
	gl = sizeof got;
	CHECK_OK(getpeername(a, (struct sockaddr *)&got, &gl));
	CHECK_EQ(gl, sizeof(sa_family_t));
	gl = sizeof got;
	CHECK_OK(getsockname(a, (struct sockaddr *)&got, &gl));
	CHECK_STREQ(got.sun_path, "srv");
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	gl = sizeof got;
	CHECK_OK(getpeername(sv[0], (struct sockaddr *)&got, &gl));
	CHECK_EQ(gl, sizeof(sa_family_t));
}

TEST(accept_returns_peer_address)
{
	struct sockaddr_un a, got;
	socklen_t l = mkaddr(&a, "cli"), gl = sizeof got;
	int srv = listener(SOCK_STREAM, "srv"), c = socket(AF_UNIX, SOCK_STREAM, 0), acc;
	CHECK_OK(bind(c, (struct sockaddr *)&a, l));
	l = mkaddr(&a, "srv");
	CHECK_OK(connect(c, (struct sockaddr *)&a, l));
	acc = accept(srv, (struct sockaddr *)&got, &gl);
	CHECK_OK(acc);
	CHECK_EQ(gl, offsetof(struct sockaddr_un, sun_path) + 4);
	CHECK_STREQ(got.sun_path, "cli");
}

/* ---- listen, accept, connect ---- */

TEST(listen_errors)
{
	CHECK_ERRNO(listen(socket(AF_UNIX, SOCK_STREAM, 0), 1), EINVAL);
	CHECK_ERRNO(listen(socket(AF_UNIX, SOCK_DGRAM, 0), 1), EOPNOTSUPP);
}

TEST(accept_errors)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0), l;
	CHECK_ERRNO(accept(s, NULL, NULL), EINVAL);
	CHECK_ERRNO(accept(socket(AF_UNIX, SOCK_DGRAM, 0), NULL, NULL), EOPNOTSUPP);
	l = listener(SOCK_STREAM, "s");
	CHECK_ERRNO(accept4(l, NULL, NULL, 0x1234), EINVAL);
	CHECK_OK(fcntl(l, F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(accept(l, NULL, NULL), EAGAIN);
}

TEST(accept4_flags)
{
	int l = listener(SOCK_STREAM, "s"), a;
	CHECK_OK(connect_to(SOCK_STREAM, "s", 0));
	a = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK_OK(a);
	CHECK(fcntl(a, F_GETFL) & O_NONBLOCK);
	CHECK_EQ(fcntl(a, F_GETFD), FD_CLOEXEC);
	CHECK_OK(connect_to(SOCK_STREAM, "s", 0));
	a = accept(l, NULL, NULL);
	CHECK(!(fcntl(a, F_GETFL) & O_NONBLOCK));
	CHECK_EQ(fcntl(a, F_GETFD), 0);
}

TEST(connect_twice_eisconn)
{
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, "s");
	int c;
	CHECK_OK(listener(SOCK_STREAM, "s"));
	c = connect_to(SOCK_STREAM, "s", 0);
	CHECK_OK(c);
	CHECK_ERRNO(connect(c, (struct sockaddr *)&a, l), EISCONN);
}

TEST(connect_listener_einval)
{
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, "t");
	int s = listener(SOCK_STREAM, "s");
	CHECK_OK(listener(SOCK_STREAM, "t"));
	CHECK_ERRNO(connect(s, (struct sockaddr *)&a, l), EINVAL);
}

TEST(backlog_full_nonblocking_eagain)
{
	struct sockaddr_un a;
	socklen_t al = mkaddr(&a, "s");
	int l = socket(AF_UNIX, SOCK_STREAM, 0), n = 0;
	CHECK_OK(bind(l, (struct sockaddr *)&a, al));
	CHECK_OK(listen(l, 1));
	for (int i = 0; i < 10; i++) {
		int c = connect_to(SOCK_STREAM, "s", SOCK_NONBLOCK);
		if (c < 0) {
			CHECK_EQ(errno, EAGAIN);
			break;
		}
		n++;
	}
	CHECK(n >= 1 && n <= 2);
	/* An accept makes room. */
	CHECK_OK(accept(l, NULL, NULL));
	CHECK_OK(connect_to(SOCK_STREAM, "s", SOCK_NONBLOCK));
}

TEST(backlog_full_blocking_connect_waits)
{
	struct sockaddr_un a;
	socklen_t al = mkaddr(&a, "s");
	int l = socket(AF_UNIX, SOCK_STREAM, 0), p[2], st;
	pid_t pid;
	char c;
	CHECK_OK(bind(l, (struct sockaddr *)&a, al));
	CHECK_OK(listen(l, 0));
	while (connect_to(SOCK_STREAM, "s", SOCK_NONBLOCK) >= 0)
		;
	CHECK_OK(pipe(p));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		int fd = connect_to(SOCK_STREAM, "s", 0);
		_exit(fd >= 0 && write(p[1], "c", 1) == 1 ? 0 : 1);
	}
	CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
	usleep(100000);
	CHECK_ERRNO(read(p[0], &c, 1), EAGAIN);
	CHECK_OK(accept(l, NULL, NULL));
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST(accept_blocks_until_connect)
{
	int l = listener(SOCK_STREAM, "s"), a, st;
	pid_t pid = h_fork();
	char buf[4];
	CHECK_OK(pid);
	if (pid == 0) {
		int fd;
		usleep(50000);
		fd = connect_to(SOCK_STREAM, "s", 0);
		_exit(fd >= 0 && write(fd, "hey", 3) == 3 ? 0 : 1);
	}
	a = accept(l, NULL, NULL);
	CHECK_OK(a);
	CHECK_EQ(read(a, buf, 3), 3);
	CHECK(!memcmp(buf, "hey", 3));
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK_EQ(st, 0);
}

TEST(listener_closed_before_accept_resets)
{
	int l = listener(SOCK_STREAM, "s"), c;
	char b;
	c = connect_to(SOCK_STREAM, "s", 0);
	CHECK_OK(c);
	CHECK_OK(close(l));
	CHECK_ERRNO(read(c, &b, 1), ECONNRESET);
	CHECK_EQ(read(c, &b, 1), 0);
	CHECK_ERRNO(connect_to(SOCK_STREAM, "s", 0), ECONNREFUSED);
}

TEST(so_acceptconn)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(sockopt_int(s, SO_ACCEPTCONN), 0);
	CHECK_EQ(sockopt_int(listener(SOCK_STREAM, "s"), SO_ACCEPTCONN), 1);
}

/* ---- stream data ---- */

TEST(stream_large_transfer_between_processes)
{
	int sv[2], st;
	static unsigned char buf[65536];
	long total = 0;
	pid_t pid;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		close(sv[0]);
		for (int i = 0; i < 32; i++) {
			for (int j = 0; j < 65536; j++)
				buf[j] = (unsigned char)(i + j);
			if (write(sv[1], buf, sizeof buf) != sizeof buf)
				_exit(1);
		}
		_exit(0);
	}
	close(sv[1]);
	for (;;) {
		ssize_t n = read(sv[0], buf, 10000);
		CHECK_OK(n);
		if (n == 0)
			break;
		for (ssize_t k = 0; k < n; k++) {
			long off = total + k;
			CHECK_EQ(buf[k], (unsigned char)(off / 65536 + off % 65536));
		}
		total += n;
	}
	CHECK_EQ(total, 32L * 65536);
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK_EQ(st, 0);
}

TEST(stream_eof_after_close)
{
	int sv[2];
	char b[4];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[0], "ab", 2), 2);
	CHECK_OK(close(sv[0]));
	CHECK_EQ(read(sv[1], b, 4), 2);
	CHECK_EQ(read(sv[1], b, 4), 0);
}

TEST(stream_epipe_with_sigpipe_ignored)
{
	int sv[2];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(close(sv[1]));
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERRNO(write(sv[0], "x", 1), EPIPE);
	CHECK_ERRNO(send(sv[0], "x", 1, 0), EPIPE);
	signal(SIGPIPE, SIG_DFL);
}

TEST(stream_sigpipe_kills)
{
	int sv[2], st;
	pid_t pid;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(close(sv[1]));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		write(sv[0], "x", 1);
		_exit(0);
	}
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
}

TEST(stream_msg_nosignal)
{
	int sv[2], st;
	pid_t pid;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(close(sv[1]));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		_exit(send(sv[0], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE ? 0 : 1);
	}
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK_EQ(st, 0);
}

TEST(stream_fill_blocks_writer)
{
	int sv[2];
	long n;
	char buf[8192];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	n = fill(sv[0]);
	CHECK(n > 0);
	CHECK_OK(fcntl(sv[0], F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(write(sv[0], buf, sizeof buf), EAGAIN);
	while (n > 0) {
		ssize_t r = read(sv[1], buf, sizeof buf);
		CHECK(r > 0);
		n -= r;
	}
	CHECK_EQ(n, 0);
	CHECK_EQ(write(sv[0], buf, 100), 100);
}

TEST(stream_dontwait_and_nonblock)
{
	int sv[2];
	char b;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_ERRNO(recv(sv[0], &b, 1, MSG_DONTWAIT), EAGAIN);
	CHECK_OK(fcntl(sv[0], F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(read(sv[0], &b, 1), EAGAIN);
}

TEST(stream_peek)
{
	int sv[2];
	char b[8];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[0], "hello", 5), 5);
	CHECK_EQ(recv(sv[1], b, 3, MSG_PEEK), 3);
	CHECK(!memcmp(b, "hel", 3));
	CHECK_EQ(recv(sv[1], b, 8, 0), 5);
	CHECK(!memcmp(b, "hello", 5));
}

TEST(stream_waitall)
{
	int sv[2], st;
	char b[6];
	pid_t pid;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		write(sv[1], "abc", 3);
		usleep(50000);
		write(sv[1], "def", 3);
		_exit(0);
	}
	CHECK_EQ(recv(sv[0], b, 6, MSG_WAITALL), 6);
	CHECK(!memcmp(b, "abcdef", 6));
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
}

TEST(stream_waitall_stops_at_eof)
{
	int sv[2];
	char b[10];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[1], "abc", 3), 3);
	CHECK_OK(close(sv[1]));
	CHECK_EQ(recv(sv[0], b, 10, MSG_WAITALL), 3);
}

TEST(stream_unconnected_io)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	char b;
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, "x");
	CHECK_ERRNO(read(s, &b, 1), EINVAL);
	CHECK_ERRNO(write(s, "x", 1), ENOTCONN);
	CHECK_ERRNO(sendto(s, "x", 1, 0, (struct sockaddr *)&a, l), EOPNOTSUPP);
}

TEST(stream_sendto_connected_eisconn)
{
	int sv[2];
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, "x");
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_ERRNO(sendto(sv[0], "x", 1, 0, (struct sockaddr *)&a, l), EISCONN);
}

TEST(stream_readv_writev)
{
	int sv[2];
	char a[3], b[5];
	struct iovec w[2] = {{"abc", 3}, {"defgh", 5}}, r[2] = {{a, 3}, {b, 5}};
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(writev(sv[0], w, 2), 8);
	CHECK_EQ(readv(sv[1], r, 2), 8);
	CHECK(!memcmp(a, "abc", 3) && !memcmp(b, "defgh", 5));
}

TEST(stream_recv_zero_length)
{
	int sv[2];
	char b;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(send(sv[0], &b, 0, 0), 0);
	CHECK_ERRNO(recv(sv[1], &b, 1, MSG_DONTWAIT), EAGAIN);
}

/* ---- shutdown ---- */

TEST(shutdown_wr_gives_peer_eof)
{
	int sv[2];
	char b[4];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(shutdown(sv[0], SHUT_WR));
	CHECK_EQ(read(sv[1], b, 4), 0);
	CHECK_EQ(write(sv[1], "ok", 2), 2);
	CHECK_EQ(read(sv[0], b, 4), 2);
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERRNO(write(sv[0], "x", 1), EPIPE);
	signal(SIGPIPE, SIG_DFL);
}

TEST(shutdown_rd)
{
	int sv[2];
	char b[4];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(shutdown(sv[0], SHUT_RD));
	CHECK_EQ(read(sv[0], b, 4), 0);
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERRNO(write(sv[1], "x", 1), EPIPE);
	signal(SIGPIPE, SIG_DFL);
}

TEST(shutdown_bad_how_and_unconnected)
{
	int sv[2];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_ERRNO(shutdown(sv[0], 3), EINVAL);
	CHECK_ERRNO(shutdown(sv[0], -1), EINVAL);
	CHECK_OK(shutdown(socket(AF_UNIX, SOCK_STREAM, 0), SHUT_RDWR));
}

/* ---- poll readiness ---- */

static short revents(int fd, short events)
{
	struct pollfd p = {fd, events, 0};
	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

#define ALLEV (POLLIN | POLLOUT | POLLRDHUP | POLLPRI)

TEST(poll_fresh_stream_socket)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(revents(s, ALLEV), POLLOUT | POLLHUP);
}

TEST(poll_connected_pair)
{
	int sv[2];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(revents(sv[0], ALLEV), POLLOUT);
	CHECK_EQ(write(sv[1], "x", 1), 1);
	CHECK_EQ(revents(sv[0], ALLEV), POLLIN | POLLOUT);
}

TEST(poll_peer_closed)
{
	int sv[2];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(close(sv[1]));
	CHECK_EQ(revents(sv[0], ALLEV), POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
}

TEST(poll_peer_shut_wr)
{
	int sv[2];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(shutdown(sv[1], SHUT_WR));
	CHECK_EQ(revents(sv[0], ALLEV), POLLIN | POLLOUT | POLLRDHUP);
	CHECK_EQ(revents(sv[1], ALLEV), POLLOUT);
	CHECK_OK(shutdown(sv[1], SHUT_RD));
	CHECK_EQ(revents(sv[1], ALLEV), POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	CHECK_EQ(revents(sv[0], ALLEV), POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
}

TEST(poll_listener)
{
	int l = listener(SOCK_STREAM, "s");
	CHECK_EQ(revents(l, ALLEV), 0);
	CHECK_OK(connect_to(SOCK_STREAM, "s", 0));
	CHECK_EQ(revents(l, ALLEV), POLLIN);
}

TEST(poll_full_not_writable)
{
	int sv[2];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK(fill(sv[0]) > 0);
	CHECK_EQ(revents(sv[0], ALLEV), 0);
	CHECK_EQ(revents(sv[1], ALLEV), POLLIN | POLLOUT);
}

TEST(poll_wakes_on_data)
{
	int sv[2], st;
	struct pollfd p;
	pid_t pid;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		usleep(50000);
		_exit(write(sv[1], "x", 1) == 1 ? 0 : 1);
	}
	p.fd = sv[0];
	p.events = POLLIN;
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents, POLLIN);
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
}

TEST(poll_wakes_on_connect)
{
	int l = listener(SOCK_STREAM, "s"), st;
	struct pollfd p;
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		usleep(50000);
		_exit(connect_to(SOCK_STREAM, "s", 0) >= 0 ? 0 : 1);
	}
	p.fd = l;
	p.events = POLLIN;
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents, POLLIN);
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK_EQ(st, 0);
}

TEST(poll_dgram_pair)
{
	int sv[2];
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(revents(sv[0], ALLEV), POLLOUT);
	CHECK_EQ(send(sv[1], "x", 1, 0), 1);
	CHECK_EQ(revents(sv[0], ALLEV), POLLIN | POLLOUT);
}

TEST(poll_fresh_dgram_socket)
{
	CHECK_EQ(revents(socket(AF_UNIX, SOCK_DGRAM, 0), ALLEV), POLLOUT);
	CHECK_EQ(revents(socket(AF_UNIX, SOCK_SEQPACKET, 0), ALLEV), POLLOUT | POLLHUP);
}

/* ---- datagrams ---- */

TEST(dgram_sendto_recvfrom_addresses)
{
	struct sockaddr_un a, b, got;
	socklen_t la = mkaddr(&a, "a"), lb = mkaddr(&b, "b"), gl = sizeof got;
	int sa = socket(AF_UNIX, SOCK_DGRAM, 0), sb = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[8];
	CHECK_OK(bind(sa, (struct sockaddr *)&a, la));
	CHECK_OK(bind(sb, (struct sockaddr *)&b, lb));
	CHECK_EQ(sendto(sa, "hi", 2, 0, (struct sockaddr *)&b, lb), 2);
	CHECK_EQ(recvfrom(sb, buf, sizeof buf, 0, (struct sockaddr *)&got, &gl), 2);
	CHECK_EQ(gl, la);
	CHECK_STREQ(got.sun_path, "a");
}

TEST(dgram_unbound_sender_is_unnamed)
{
	struct sockaddr_un b, got;
	socklen_t lb = mkaddr(&b, "b"), gl = sizeof got;
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), r = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[8];
	CHECK_OK(bind(r, (struct sockaddr *)&b, lb));
	CHECK_EQ(sendto(s, "hi", 2, 0, (struct sockaddr *)&b, lb), 2);
	CHECK_EQ(recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&got, &gl), 2);
	CHECK_EQ(gl, 0);
	gl = sizeof got;
	CHECK_OK(getsockname(s, (struct sockaddr *)&got, &gl));
	CHECK_EQ(gl, sizeof(sa_family_t));
}

TEST(dgram_truncation)
{
	int sv[2];
	char buf[4];
	struct iovec iov = {buf, sizeof buf};
	struct msghdr m = {0};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(send(sv[0], "0123456789", 10, 0), 10);
	CHECK_EQ(recv(sv[1], buf, sizeof buf, MSG_TRUNC), 10);
	CHECK(!memcmp(buf, "0123", 4));
	CHECK_EQ(send(sv[0], "0123456789", 10, 0), 10);
	CHECK_EQ(recvmsg(sv[1], &m, 0), 4);
	CHECK(m.msg_flags & MSG_TRUNC);
	CHECK_EQ(send(sv[0], "ab", 2, 0), 2);
	CHECK_EQ(recvmsg(sv[1], &m, 0), 2);
	CHECK(!(m.msg_flags & MSG_TRUNC));
}

TEST(dgram_zero_length)
{
	int sv[2];
	char b[4];
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(send(sv[0], "", 0, 0), 0);
	CHECK_EQ(send(sv[0], "z", 1, 0), 1);
	CHECK_EQ(recv(sv[1], b, 4, 0), 0);
	CHECK_EQ(recv(sv[1], b, 4, 0), 1);
}

TEST(dgram_connect_and_disconnect)
{
	struct sockaddr_un b;
	socklen_t lb = mkaddr(&b, "b");
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), r = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[4];
	CHECK_OK(bind(r, (struct sockaddr *)&b, lb));
	CHECK_ERRNO(send(s, "x", 1, 0), ENOTCONN);
	CHECK_OK(connect(s, (struct sockaddr *)&b, lb));
	CHECK_EQ(send(s, "x", 1, 0), 1);
	CHECK_EQ(recv(r, buf, 4, 0), 1);
	CHECK_OK(connect(s, &unspec, sizeof unspec));
	CHECK_ERRNO(send(s, "x", 1, 0), ENOTCONN);
}

TEST(dgram_connected_elsewhere_eperm)
{
	struct sockaddr_un a, b;
	socklen_t la = mkaddr(&a, "a"), lb = mkaddr(&b, "b");
	int sa = socket(AF_UNIX, SOCK_DGRAM, 0), sb = socket(AF_UNIX, SOCK_DGRAM, 0);
	int c = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_OK(bind(sa, (struct sockaddr *)&a, la));
	CHECK_OK(bind(sb, (struct sockaddr *)&b, lb));
	CHECK_OK(connect(sa, (struct sockaddr *)&b, lb));
	CHECK_ERRNO(sendto(c, "x", 1, 0, (struct sockaddr *)&a, la), EPERM);
	CHECK_ERRNO(connect(c, (struct sockaddr *)&a, la), EPERM);
	CHECK_EQ(sendto(sb, "x", 1, 0, (struct sockaddr *)&a, la), 1);
}

TEST(dgram_peer_closed_econnrefused)
{
	struct sockaddr_un b;
	socklen_t lb = mkaddr(&b, "b");
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), r = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_OK(bind(r, (struct sockaddr *)&b, lb));
	CHECK_OK(connect(s, (struct sockaddr *)&b, lb));
	CHECK_OK(close(r));
	CHECK_ERRNO(send(s, "x", 1, 0), ECONNREFUSED);
	CHECK_ERRNO(send(s, "x", 1, 0), ENOTCONN);
	CHECK_ERRNO(sendto(s, "x", 1, 0, (struct sockaddr *)&b, lb), ECONNREFUSED);
}

TEST(dgram_emsgsize)
{
	int sv[2];
	static char big[300000];
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_ERRNO(send(sv[0], big, sizeof big, 0), EMSGSIZE);
}

TEST(dgram_receiver_queue_limit)
{
	struct sockaddr_un b;
	socklen_t lb = mkaddr(&b, "b");
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), r = socket(AF_UNIX, SOCK_DGRAM, 0), n = 0;
	char buf[4];
	CHECK_OK(bind(r, (struct sockaddr *)&b, lb));
	for (int i = 0; i < 100000; i++) {
		if (sendto(s, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&b, lb) < 0) {
			CHECK_EQ(errno, EAGAIN);
			break;
		}
		n++;
	}
	CHECK(n > 0 && n < 100000);
	CHECK_EQ(recv(r, buf, 4, 0), 1);
	CHECK_EQ(sendto(s, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&b, lb), 1);
}

TEST(dgram_peek_and_dontwait)
{
	int sv[2];
	char b[8];
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_ERRNO(recv(sv[1], b, 8, MSG_DONTWAIT), EAGAIN);
	CHECK_EQ(send(sv[0], "abc", 3, 0), 3);
	CHECK_EQ(recv(sv[1], b, 8, MSG_PEEK), 3);
	CHECK_EQ(recv(sv[1], b, 8, MSG_DONTWAIT), 3);
	CHECK_ERRNO(recv(sv[1], b, 8, MSG_DONTWAIT), EAGAIN);
}

TEST(dgram_writev_is_one_datagram)
{
	int sv[2];
	char a[2], b[10];
	struct iovec w[2] = {{"abc", 3}, {"de", 2}}, r[2] = {{a, 2}, {b, 10}};
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(writev(sv[0], w, 2), 5);
	CHECK_EQ(send(sv[0], "next", 4, 0), 4);
	CHECK_EQ(readv(sv[1], r, 2), 5);
	CHECK(!memcmp(a, "ab", 2) && !memcmp(b, "cde", 3));
	CHECK_EQ(read(sv[1], b, 10), 4);
}

TEST(dgram_shutdown_rd_returns_zero)
{
	int sv[2];
	char b;
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_OK(shutdown(sv[0], SHUT_RD));
	CHECK_EQ(recv(sv[0], &b, 1, 0), 0);
}

TEST(dgram_blocking_recv_between_processes)
{
	struct sockaddr_un b;
	socklen_t lb = mkaddr(&b, "b");
	int r = socket(AF_UNIX, SOCK_DGRAM, 0), st;
	char buf[8];
	pid_t pid;
	CHECK_OK(bind(r, (struct sockaddr *)&b, lb));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		int s = socket(AF_UNIX, SOCK_DGRAM, 0);
		usleep(50000);
		_exit(sendto(s, "late", 4, 0, (struct sockaddr *)&b, lb) == 4 ? 0 : 1);
	}
	CHECK_EQ(recv(r, buf, sizeof buf, 0), 4);
	CHECK(!memcmp(buf, "late", 4));
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK_EQ(st, 0);
}

/* ---- seqpacket ---- */

TEST(seqpacket_listen_accept)
{
	int l = listener(SOCK_SEQPACKET, "s"), c, a;
	char b[16];
	c = connect_to(SOCK_SEQPACKET, "s", 0);
	CHECK_OK(c);
	a = accept(l, NULL, NULL);
	CHECK_OK(a);
	CHECK_EQ(send(c, "one", 3, 0), 3);
	CHECK_EQ(send(c, "three", 5, 0), 5);
	CHECK_EQ(recv(a, b, sizeof b, 0), 3);
	CHECK_EQ(recv(a, b, sizeof b, 0), 5);
	CHECK_OK(close(c));
	CHECK_EQ(recv(a, b, sizeof b, 0), 0);
}

TEST(seqpacket_unconnected_and_closed)
{
	int s = socket(AF_UNIX, SOCK_SEQPACKET, 0), sv[2];
	char b;
	CHECK_ERRNO(send(s, "x", 1, 0), ENOTCONN);
	CHECK_ERRNO(recv(s, &b, 1, 0), ENOTCONN);
	CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	CHECK_OK(close(sv[1]));
	CHECK_ERRNO(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
}

/* ---- FIONREAD / SIOCINQ / SIOCOUTQ ---- */

TEST(fionread_stream_and_dgram)
{
	int sv[2], n = -1;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[0], "abc", 3), 3);
	CHECK_EQ(write(sv[0], "de", 2), 2);
	CHECK_OK(ioctl(sv[1], FIONREAD, &n));
	CHECK_EQ(n, 5);
	CHECK_OK(ioctl(sv[1], SIOCINQ, &n));
	CHECK_EQ(n, 5);
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(write(sv[0], "abc", 3), 3);
	CHECK_EQ(write(sv[0], "defgh", 5), 5);
	CHECK_OK(ioctl(sv[1], FIONREAD, &n));
	CHECK_EQ(n, 3);
}

TEST(fionread_listener_einval)
{
	int n;
	CHECK_ERRNO(ioctl(listener(SOCK_STREAM, "s"), FIONREAD, &n), EINVAL);
}

TEST(siocoutq)
{
	int sv[2], n = -1;
	char b[8];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(ioctl(sv[0], SIOCOUTQ, &n));
	CHECK_EQ(n, 0);
	CHECK_EQ(write(sv[0], "abcde", 5), 5);
	CHECK_OK(ioctl(sv[0], SIOCOUTQ, &n));
	CHECK(n >= 5);
	CHECK_EQ(read(sv[1], b, 8), 5);
	CHECK_OK(ioctl(sv[0], SIOCOUTQ, &n));
	CHECK_EQ(n, 0);
}

/* ---- SCM_RIGHTS ---- */

TEST(rights_pass_pipe_end)
{
	int sv[2], p[2], got, n;
	char b[8];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(pipe(p));
	CHECK_EQ(send_fds(sv[0], &p[1], 1, "F", 1), 1);
	CHECK_OK(close(p[1]));
	n = recv_fds(sv[1], &got, 1, CMSG_SPACE(sizeof(int)), 0, NULL, b, 8);
	CHECK_EQ(n, 1);
	CHECK(got != p[1] || got > 2);
	CHECK_EQ(write(got, "via", 3), 3);
	CHECK_EQ(read(p[0], b, 8), 3);
	CHECK(!memcmp(b, "via", 3));
	CHECK_OK(close(got));
	CHECK_EQ(read(p[0], b, 8), 0);
}

static void send_file_child(void *arg)
{
	int sock = *(int *)arg;
	int fd = open("data", O_RDONLY);
	CHECK_OK(fd);
	CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
	CHECK_EQ(send_fds(sock, &fd, 1, "x", 1), 1);
}

TEST(rights_between_processes_share_offset)
{
	int sv[2], got;
	char b[8] = {0};
	int fd = open("data", O_CREAT | O_WRONLY, 0644);
	CHECK_OK(fd);
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	CHECK_OK(close(fd));
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_CHILD(send_file_child, &sv[1]);
	CHECK_EQ(recv_fds(sv[0], &got, 1, CMSG_SPACE(sizeof(int)), 0, NULL, NULL, 0), 1);
	CHECK_EQ(read(got, b, 3), 3);
	CHECK_STREQ(b, "234");
}

TEST(rights_several_fds)
{
	int sv[2], fds[3], got[3];
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	for (int i = 0; i < 3; i++)
		fds[i] = open("/", O_RDONLY | O_DIRECTORY);
	CHECK_EQ(send_fds(sv[0], fds, 3, "x", 1), 1);
	CHECK_EQ(recv_fds(sv[1], got, 3, CMSG_SPACE(3 * sizeof(int)), 0, NULL, NULL, 0), 3);
	for (int i = 0; i < 3; i++) {
		struct stat st;
		CHECK_OK(fstat(got[i], &st));
		CHECK(S_ISDIR(st.st_mode));
	}
}

TEST(rights_short_control_ctrunc)
{
	int sv[2], fds[3], got[3], flags = 0;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	for (int i = 0; i < 3; i++)
		fds[i] = open("/", O_RDONLY | O_DIRECTORY);
	CHECK_EQ(send_fds(sv[0], fds, 3, "x", 1), 1);
	/* Room for two descriptors in CMSG_SPACE(sizeof(int)) on 64-bit. */
	CHECK_EQ(recv_fds(sv[1], got, 3, CMSG_SPACE(sizeof(int)), 0, &flags, NULL, 0), 2);
	CHECK(flags & MSG_CTRUNC);
}

TEST(rights_no_control_drops_fds)
{
	int sv[2], p[2], flags = 0;
	char b[4];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(pipe(p));
	CHECK_EQ(send_fds(sv[0], &p[1], 1, "x", 1), 1);
	CHECK_OK(close(p[1]));
	CHECK_EQ(recv_fds(sv[1], NULL, 0, 0, 0, &flags, NULL, 0), 0);
	CHECK(flags & MSG_CTRUNC);
	/* The write end in flight was closed: the pipe is at EOF. */
	CHECK_EQ(read(p[0], b, 4), 0);
}

TEST(rights_read_drops_fds)
{
	int sv[2], p[2];
	char b[4];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(pipe(p));
	CHECK_EQ(send_fds(sv[0], &p[1], 1, "x", 1), 1);
	CHECK_OK(close(p[1]));
	CHECK_EQ(read(sv[1], b, 4), 1);
	CHECK_EQ(read(p[0], b, 4), 0);
}

TEST(rights_cmsg_cloexec)
{
	int sv[2], fd = open("/", O_RDONLY), got;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(send_fds(sv[0], &fd, 1, "x", 1), 1);
	CHECK_EQ(recv_fds(sv[1], &got, 1, CMSG_SPACE(sizeof(int)), MSG_CMSG_CLOEXEC, NULL, NULL, 0), 1);
	CHECK_EQ(fcntl(got, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(send_fds(sv[0], &fd, 1, "x", 1), 1);
	CHECK_EQ(recv_fds(sv[1], &got, 1, CMSG_SPACE(sizeof(int)), 0, NULL, NULL, 0), 1);
	CHECK_EQ(fcntl(got, F_GETFD), 0);
}

TEST(rights_bad_fd_ebadf)
{
	int sv[2], bad = 999;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_ERRNO(send_fds(sv[0], &bad, 1, "x", 1), EBADF);
}

TEST(rights_too_many_einval)
{
	int sv[2], fds[254];
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	for (int i = 0; i < 254; i++)
		fds[i] = 0;
	CHECK_ERRNO(send_fds(sv[0], fds, 254, "x", 1), EINVAL);
	CHECK_EQ(send_fds(sv[0], fds, 253, "x", 1), 1);
}

TEST(rights_stream_read_stops_at_fds)
{
	int sv[2], fd = open("/", O_RDONLY), got;
	char b[16];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[0], "ab", 2), 2);
	CHECK_EQ(send_fds(sv[0], &fd, 1, "cd", 2), 2);
	CHECK_EQ(write(sv[0], "ef", 2), 2);
	CHECK_EQ(recv_fds(sv[1], &got, 1, CMSG_SPACE(sizeof(int)), 0, NULL, b, sizeof b), 1);
	CHECK(!memcmp(b, "abcd", 4));
	CHECK_EQ(read(sv[1], b, sizeof b), 2);
	CHECK(!memcmp(b, "ef", 2));
}

TEST(rights_peek_installs_copies)
{
	int sv[2], fd = open("/", O_RDONLY), g1 = -1, g2 = -1;
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(send_fds(sv[0], &fd, 1, "x", 1), 1);
	CHECK_EQ(recv_fds(sv[1], &g1, 1, CMSG_SPACE(sizeof(int)), MSG_PEEK, NULL, NULL, 0), 1);
	CHECK_EQ(recv_fds(sv[1], &g2, 1, CMSG_SPACE(sizeof(int)), 0, NULL, NULL, 0), 1);
	CHECK(g1 != g2);
	CHECK_OK(fcntl(g1, F_GETFD));
	CHECK_OK(fcntl(g2, F_GETFD));
}

TEST(rights_pass_socket)
{
	int sv[2], inner[2], got;
	char b[4];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, inner));
	CHECK_EQ(send_fds(sv[0], &inner[1], 1, "s", 1), 1);
	CHECK_OK(close(inner[1]));
	CHECK_EQ(recv_fds(sv[1], &got, 1, CMSG_SPACE(sizeof(int)), 0, NULL, NULL, 0), 1);
	CHECK_EQ(write(got, "yo", 2), 2);
	CHECK_EQ(read(inner[0], b, 4), 2);
}

TEST(cmsg_bad_level_and_length)
{
	int sv[2];
	char ctl[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {"x", 1};
	struct msghdr m = {0};
	struct cmsghdr *c = (struct cmsghdr *)ctl;
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof ctl;
	/* Other levels are not the socket layer's: ignored. */
	c->cmsg_level = 99;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	CHECK_EQ(sendmsg(sv[0], &m, 0), 1);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = 99;
	CHECK_ERRNO(sendmsg(sv[0], &m, 0), EINVAL);
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = 4;
	CHECK_ERRNO(sendmsg(sv[0], &m, 0), EINVAL);
	c->cmsg_len = sizeof ctl + 8;
	CHECK_ERRNO(sendmsg(sv[0], &m, 0), EINVAL);
}

/* ---- SCM_CREDENTIALS and SO_PEERCRED ---- */

static int recv_creds(int sock, struct ucred *uc, int *has)
{
	char ctl[CMSG_SPACE(sizeof(struct ucred))];
	char b[8];
	struct iovec iov = {b, sizeof b};
	struct msghdr m = {0};
	struct cmsghdr *c;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof ctl;
	*has = 0;
	if (recvmsg(sock, &m, 0) < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			memcpy(uc, CMSG_DATA(c), sizeof *uc);
			*has = 1;
		}
	return (int)m.msg_controllen;
}

static ssize_t send_creds(int sock, struct ucred uc)
{
	char ctl[CMSG_SPACE(sizeof(struct ucred))] = {0};
	struct iovec iov = {"c", 1};
	struct msghdr m = {0};
	struct cmsghdr *c = (struct cmsghdr *)ctl;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof ctl;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof uc);
	memcpy(CMSG_DATA(c), &uc, sizeof uc);
	return sendmsg(sock, &m, 0);
}

TEST(passcred_delivers_sender)
{
	int sv[2], one = 1, has;
	struct ucred uc;
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_OK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
	CHECK_EQ(sockopt_int(sv[1], SO_PASSCRED), 1);
	CHECK_EQ(send(sv[0], "x", 1, 0), 1);
	CHECK_EQ(recv_creds(sv[1], &uc, &has), CMSG_SPACE(sizeof uc));
	CHECK(has);
	CHECK_EQ(uc.pid, getpid());
	CHECK_EQ(uc.uid, getuid());
	CHECK_EQ(uc.gid, getgid());
}

TEST(no_passcred_no_creds)
{
	int sv[2], has;
	struct ucred uc;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(send(sv[0], "x", 1, 0), 1);
	CHECK_EQ(recv_creds(sv[1], &uc, &has), 0);
	CHECK(!has);
}

TEST(creds_explicit_own)
{
	int sv[2], one = 1, has;
	struct ucred uc = {getpid(), getuid(), getgid()}, got;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
	CHECK_EQ(send_creds(sv[0], uc), 1);
	CHECK_OK(recv_creds(sv[1], &got, &has));
	CHECK(has);
	CHECK_EQ(got.pid, getpid());
}

static void forge_creds(void *arg)
{
	int sock = *(int *)arg;
	struct ucred uc;
	CHECK_OK(drop_to_nobody());
	uc.pid = getpid();
	uc.uid = 0;
	uc.gid = getgid();
	CHECK_ERRNO(send_creds(sock, uc), EPERM);
	uc.uid = getuid();
	uc.pid = 1;
	CHECK_ERRNO(send_creds(sock, uc), EPERM);
	uc.pid = getpid();
	CHECK_EQ(send_creds(sock, uc), 1);
}

TEST(creds_forged_eperm)
{
	int sv[2];
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_CHILD(forge_creds, &sv[0]);
}

static void send_plain(void *arg)
{
	CHECK_EQ(send(*(int *)arg, "x", 1, 0), 1);
}

TEST(creds_from_child_process)
{
	int sv[2], one = 1, has;
	struct ucred uc;
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_OK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
	CHECK_CHILD(send_plain, &sv[0]);
	CHECK_OK(recv_creds(sv[1], &uc, &has));
	CHECK(has);
	CHECK(uc.pid != getpid() && uc.pid > 0);
}

TEST(creds_short_control_ctrunc)
{
	int sv[2], one = 1;
	char ctl[8], b[4];
	struct iovec iov = {b, sizeof b};
	struct msghdr m = {0};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof ctl;
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_OK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
	CHECK_EQ(send(sv[0], "x", 1, 0), 1);
	CHECK_EQ(recvmsg(sv[1], &m, 0), 1);
	CHECK(m.msg_flags & MSG_CTRUNC);
}

TEST(peercred_socketpair_and_unconnected)
{
	int sv[2];
	struct ucred uc;
	socklen_t l = sizeof uc;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &l));
	CHECK_EQ(l, sizeof uc);
	CHECK_EQ(uc.pid, getpid());
	CHECK_EQ(uc.uid, geteuid());
	l = sizeof uc;
	CHECK_OK(getsockopt(socket(AF_UNIX, SOCK_STREAM, 0), SOL_SOCKET, SO_PEERCRED, &uc, &l));
	CHECK_EQ(uc.pid, 0);
	CHECK_EQ((int)uc.uid, -1);
	CHECK_EQ((int)uc.gid, -1);
}

static void peer_child(void *arg)
{
	struct ucred uc;
	socklen_t l = sizeof uc;
	int c = connect_to(SOCK_STREAM, "s", 0);
	char b;
	CHECK_OK(c);
	CHECK_OK(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &uc, &l));
	CHECK_EQ(uc.pid, *(pid_t *)arg);
	CHECK_EQ(read(c, &b, 1), 1);
}

TEST(peercred_across_processes)
{
	pid_t me = getpid();
	int l = listener(SOCK_STREAM, "s"), a;
	struct ucred uc;
	socklen_t ul = sizeof uc;
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		peer_child(&me);
		_exit(h_failed ? 1 : 0);
	}
	a = accept(l, NULL, NULL);
	CHECK_OK(a);
	CHECK_OK(getsockopt(a, SOL_SOCKET, SO_PEERCRED, &uc, &ul));
	CHECK_EQ(uc.pid, pid);
	CHECK_EQ(write(a, "k", 1), 1);
	{
		int st;
		CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
		CHECK_EQ(st, 0);
	}
}

/* ---- socket options ---- */

TEST(so_type_domain_protocol)
{
	int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK_EQ(sockopt_int(s, SO_TYPE), SOCK_SEQPACKET);
	CHECK_EQ(sockopt_int(s, SO_DOMAIN), AF_UNIX);
	CHECK_EQ(sockopt_int(s, SO_PROTOCOL), 0);
	CHECK_EQ(sockopt_int(s, SO_ERROR), 0);
	CHECK_ERRNO(setsockopt(s, SOL_SOCKET, SO_TYPE, &s, sizeof s), ENOPROTOOPT);
}

TEST(so_buffers_double)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0), v = 10000;
	CHECK_OK(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
	CHECK_EQ(sockopt_int(s, SO_SNDBUF), 20000);
	CHECK_OK(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v));
	CHECK_EQ(sockopt_int(s, SO_RCVBUF), 20000);
	v = 1;
	CHECK_OK(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
	CHECK_EQ(sockopt_int(s, SO_SNDBUF), 4608);
	CHECK_OK(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v));
	CHECK_EQ(sockopt_int(s, SO_RCVBUF), 2304);
	CHECK(sockopt_int(socket(AF_UNIX, SOCK_STREAM, 0), SO_SNDBUF) > 0);
}

TEST(so_sndbuf_limits_stream)
{
	int sv[2], v = 8192;
	long small, big;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
	small = fill(sv[0]);
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	big = fill(sv[0]);
	CHECK(small > 0 && small < big);
}

TEST(so_flags_roundtrip)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0), one = 1;
	struct linger lg = {1, 5}, got;
	socklen_t l = sizeof got;
	CHECK_EQ(sockopt_int(s, SO_REUSEADDR), 0);
	CHECK_OK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
	CHECK_EQ(sockopt_int(s, SO_REUSEADDR), 1);
	CHECK_OK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
	CHECK_OK(getsockopt(s, SOL_SOCKET, SO_LINGER, &got, &l));
	CHECK_EQ(l, sizeof got);
	CHECK_EQ(got.l_onoff, 1);
	CHECK_EQ(got.l_linger, 5);
	CHECK_EQ(sockopt_int(s, SO_PASSCRED), 0);
}

TEST(sockopt_errors)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0), v = 1;
	socklen_t l = sizeof v;
	short sh = 1;
	CHECK_ERRNO(getsockopt(s, SOL_SOCKET, 9999, &v, &l), ENOPROTOOPT);
	CHECK_ERRNO(setsockopt(s, SOL_SOCKET, 9999, &v, sizeof v), ENOPROTOOPT);
	CHECK_ERRNO(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sh, sizeof sh), EINVAL);
	l = (socklen_t)-1;
	CHECK_ERRNO(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l), EINVAL);
	l = sizeof v;
	CHECK_ERRNO(getsockopt(s, SOL_SOCKET, SO_TYPE, (void *)8, &l), EFAULT);
}

TEST(so_rcvtimeo)
{
	int sv[2];
	struct timeval tv = {0, 100000}, got;
	struct timespec t0, t1;
	socklen_t l = sizeof got;
	char b;
	long ms;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &l));
	CHECK_EQ(l, sizeof got);
	CHECK_EQ(got.tv_sec, 0);
	CHECK_EQ(got.tv_usec, 100000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_ERRNO(read(sv[0], &b, 1), EAGAIN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(ms >= 90 && ms < 3000);
}

TEST(so_sndtimeo)
{
	int sv[2];
	struct timeval tv = {0, 50000};
	char buf[4096] = {0};
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK(fill(sv[0]) > 0);
	CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
	CHECK_ERRNO(write(sv[0], buf, sizeof buf), EAGAIN);
}

TEST(so_rcvtimeo_bad_usec_edom)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct timeval tv = {0, 1000000};
	CHECK_ERRNO(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), EDOM);
}

TEST(so_rcvtimeo_accept)
{
	int l = listener(SOCK_STREAM, "s");
	struct timeval tv = {0, 50000};
	CHECK_OK(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	CHECK_ERRNO(accept(l, NULL, NULL), EAGAIN);
}

/* ---- sendmmsg / recvmmsg ---- */

TEST(sendmmsg_recvmmsg)
{
	int sv[2];
	char b[3][8];
	struct iovec wi[3] = {{"a", 1}, {"bb", 2}, {"ccc", 3}}, ri[3];
	struct mmsghdr w[3], r[3];
	memset(w, 0, sizeof w);
	memset(r, 0, sizeof r);
	for (int i = 0; i < 3; i++) {
		w[i].msg_hdr.msg_iov = &wi[i];
		w[i].msg_hdr.msg_iovlen = 1;
		ri[i].iov_base = b[i];
		ri[i].iov_len = 8;
		r[i].msg_hdr.msg_iov = &ri[i];
		r[i].msg_hdr.msg_iovlen = 1;
	}
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(sendmmsg(sv[0], w, 3, 0), 3);
	CHECK_EQ(w[2].msg_len, 3);
	CHECK_EQ(recvmmsg(sv[1], r, 3, 0, NULL), 3);
	CHECK_EQ(r[0].msg_len, 1);
	CHECK_EQ(r[1].msg_len, 2);
	CHECK_EQ(r[2].msg_len, 3);
	CHECK(!memcmp(b[2], "ccc", 3));
}

TEST(recvmmsg_waitforone)
{
	int sv[2];
	char b[4][8];
	struct iovec ri[4];
	struct mmsghdr r[4];
	memset(r, 0, sizeof r);
	for (int i = 0; i < 4; i++) {
		ri[i].iov_base = b[i];
		ri[i].iov_len = 8;
		r[i].msg_hdr.msg_iov = &ri[i];
		r[i].msg_hdr.msg_iovlen = 1;
	}
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(send(sv[0], "1", 1, 0), 1);
	CHECK_EQ(send(sv[0], "2", 1, 0), 1);
	CHECK_EQ(recvmmsg(sv[1], r, 4, MSG_WAITFORONE, NULL), 2);
	CHECK_ERRNO(recvmmsg(sv[1], r, 4, MSG_DONTWAIT, NULL), EAGAIN);
}

TEST(recvmsg_name_unnamed_and_bound)
{
	struct sockaddr_un a, b, got;
	socklen_t la = mkaddr(&a, "a"), lb = mkaddr(&b, "b");
	int sa = socket(AF_UNIX, SOCK_DGRAM, 0), sb = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[4];
	struct iovec iov = {buf, sizeof buf};
	struct msghdr m = {0};
	CHECK_OK(bind(sa, (struct sockaddr *)&a, la));
	CHECK_OK(bind(sb, (struct sockaddr *)&b, lb));
	CHECK_EQ(sendto(sa, "x", 1, 0, (struct sockaddr *)&b, lb), 1);
	m.msg_name = &got;
	m.msg_namelen = sizeof got;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	CHECK_EQ(recvmsg(sb, &m, 0), 1);
	CHECK_EQ(m.msg_namelen, la);
	CHECK_STREQ(got.sun_path, "a");
	CHECK_EQ(m.msg_controllen, 0);
}

TEST(sendmsg_to_path)
{
	struct sockaddr_un b;
	socklen_t lb = mkaddr(&b, "b");
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), r = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[8];
	struct iovec iov = {"msg", 3};
	struct msghdr m = {0};
	CHECK_OK(bind(r, (struct sockaddr *)&b, lb));
	m.msg_name = &b;
	m.msg_namelen = lb;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	CHECK_EQ(sendmsg(s, &m, 0), 3);
	CHECK_EQ(recv(r, buf, 8, 0), 3);
}

TEST(dgram_abstract_sendto)
{
	struct sockaddr_un a;
	socklen_t l = mkabs(&a, "dg");
	int r = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[4];
	CHECK_OK(bind(r, (struct sockaddr *)&a, l));
	CHECK_EQ(sendto(socket(AF_UNIX, SOCK_DGRAM, 0), "ab", 2, 0, (struct sockaddr *)&a, l), 2);
	CHECK_EQ(recv(r, buf, 4, 0), 2);
}

TEST(blocking_read_woken_by_close)
{
	int sv[2], st;
	char b;
	pid_t pid;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		usleep(50000);
		_exit(0);
	}
	CHECK_OK(close(sv[1]));
	CHECK_EQ(read(sv[0], &b, 1), 0);
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
}

TEST(blocking_read_woken_by_child_close)
{
	int sv[2], st;
	char b;
	pid_t pid;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		close(sv[0]);
		usleep(50000);
		_exit(0);
	}
	CHECK_OK(close(sv[1]));
	CHECK_EQ(read(sv[0], &b, 1), 0);
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
}

TEST(stream_blocked_writer_resumes)
{
	int sv[2], st;
	static char buf[1 << 20];
	long got = 0;
	pid_t pid;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		close(sv[1]);
		_exit(write(sv[0], buf, sizeof buf) == sizeof buf ? 0 : 1);
	}
	close(sv[0]);
	usleep(50000);
	for (;;) {
		ssize_t n = read(sv[1], buf, 65536);
		CHECK_OK(n);
		if (n == 0)
			break;
		got += n;
	}
	CHECK_EQ(got, 1 << 20);
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK_EQ(st, 0);
}

/* Unlike a stream, a seqpacket socket raises no SIGPIPE. */
TEST(seqpacket_closed_peer_no_sigpipe)
{
	int sv[2], st;
	pid_t pid;
	CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	CHECK_OK(close(sv[1]));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		_exit(write(sv[0], "x", 1) == -1 && errno == EPIPE ? 0 : 1);
	}
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK_EQ(st, 0);
}

TEST(dgram_connect_to_self)
{
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, "me");
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	char b[4];
	CHECK_OK(bind(s, (struct sockaddr *)&a, l));
	CHECK_OK(connect(s, (struct sockaddr *)&a, l));
	CHECK_EQ(send(s, "me", 2, 0), 2);
	CHECK_EQ(revents(s, POLLIN | POLLOUT), POLLIN | POLLOUT);
	CHECK_EQ(recv(s, b, 4, 0), 2);
}

TEST(bind_outside_tmp)
{
	/* /var/tmp: the overlay root in the sandbox rather than /tmp. */
	char path[100];
	struct stat st;
	int l, c;
	snprintf(path, sizeof path, "/var/tmp/rvisor-unix-%d", (int)getpid());
	unlink(path);
	l = listener(SOCK_STREAM, path);
	CHECK_OK(l);
	CHECK_OK(stat(path, &st));
	CHECK(S_ISSOCK(st.st_mode));
	c = connect_to(SOCK_STREAM, path, 0);
	unlink(path);
	CHECK_OK(c);
	CHECK_EQ(write(c, "o", 1), 1);
}

TEST(dup_keeps_socket_open)
{
	int sv[2], d;
	char b;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	d = dup(sv[1]);
	CHECK_OK(d);
	CHECK_OK(close(sv[1]));
	CHECK_ERRNO(recv(sv[0], &b, 1, MSG_DONTWAIT), EAGAIN);
	CHECK_EQ(write(sv[0], "x", 1), 1);
	CHECK_EQ(read(d, &b, 1), 1);
	CHECK_OK(close(d));
	CHECK_EQ(read(sv[0], &b, 1), 0);
}

TEST(socket_in_flight_stays_open)
{
	int sv[2], carrier[2], got;
	char b[4];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, carrier));
	CHECK_EQ(send_fds(carrier[0], &sv[1], 1, "s", 1), 1);
	CHECK_OK(close(sv[1]));
	/* The only reference is in flight: the peer is still there. */
	CHECK_EQ(write(sv[0], "abc", 3), 3);
	CHECK_ERRNO(recv(sv[0], b, 1, MSG_DONTWAIT), EAGAIN);
	CHECK_EQ(recv_fds(carrier[1], &got, 1, CMSG_SPACE(sizeof(int)), 0, NULL, NULL, 0), 1);
	CHECK_EQ(read(got, b, 4), 3);
	CHECK_OK(close(got));
	CHECK_EQ(read(sv[0], b, 4), 0);
}

TEST(fork_shares_socket)
{
	int sv[2], st;
	char b[4];
	pid_t pid;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		close(sv[0]);
		_exit(write(sv[1], "kid", 3) == 3 ? 0 : 1);
	}
	CHECK_OK(close(sv[1]));
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK_EQ(read(sv[0], b, 4), 3);
	CHECK_EQ(read(sv[0], b, 4), 0);
}

TEST(select_on_sockets)
{
	int sv[2];
	fd_set r, w;
	struct timeval tv = {0, 0};
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(sv[0], &r);
	FD_SET(sv[0], &w);
	CHECK_EQ(select(sv[0] + 1, &r, &w, NULL, &tv), 1);
	CHECK(!FD_ISSET(sv[0], &r) && FD_ISSET(sv[0], &w));
	CHECK_EQ(write(sv[1], "x", 1), 1);
	FD_SET(sv[0], &r);
	FD_SET(sv[0], &w);
	CHECK_EQ(select(sv[0] + 1, &r, &w, NULL, &tv), 2);
}

TEST(relisten_raises_backlog)
{
	struct sockaddr_un a;
	socklen_t al = mkaddr(&a, "s");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_OK(bind(l, (struct sockaddr *)&a, al));
	CHECK_OK(listen(l, 0));
	while (connect_to(SOCK_STREAM, "s", SOCK_NONBLOCK) >= 0)
		;
	CHECK_EQ(errno, EAGAIN);
	CHECK_OK(listen(l, 8));
	CHECK_OK(connect_to(SOCK_STREAM, "s", SOCK_NONBLOCK));
}

TEST(accept_bad_addrlen)
{
	int l = listener(SOCK_STREAM, "s");
	struct sockaddr_un a;
	socklen_t bad = (socklen_t)-1;
	CHECK_OK(connect_to(SOCK_STREAM, "s", 0));
	CHECK_OK(connect_to(SOCK_STREAM, "s", 0));
	CHECK_ERRNO(accept(l, (struct sockaddr *)&a, NULL), EFAULT);
	CHECK_ERRNO(accept(l, (struct sockaddr *)&a, &bad), EINVAL);
}

TEST(passcred_stream_stops_at_sender_change)
{
	int sv[2], one = 1, st;
	char b[16];
	pid_t pid;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
	CHECK_EQ(write(sv[0], "ab", 2), 2);
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0)
		_exit(write(sv[0], "cd", 2) == 2 ? 0 : 1);
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK_EQ(read(sv[1], b, sizeof b), 2);
	CHECK_EQ(read(sv[1], b, sizeof b), 2);
	CHECK(!memcmp(b, "cd", 2));
}

TEST(sendmsg_bad_iovlen)
{
	int sv[2];
	struct iovec iov = {"x", 1};
	struct msghdr m = {0};
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	m.msg_iov = &iov;
	m.msg_iovlen = 1025;
	CHECK_ERRNO(sendmsg(sv[0], &m, 0), EMSGSIZE);
	CHECK_ERRNO(sendmsg(sv[0], (struct msghdr *)8, 0), EFAULT);
	m.msg_iovlen = 1;
	m.msg_iov = (struct iovec *)8;
	CHECK_ERRNO(sendmsg(sv[0], &m, 0), EFAULT);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Arms a one-shot SIGALRM in `ms` with a handler, with or without SA_RESTART. */
static int alarm_in(int ms, int restart)
{
	struct sigaction sa;
	struct itimerval it = {{0, 0}, {0, ms * 1000}};
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -1;
	return setitimer(ITIMER_REAL, &it, NULL);
}

static void alarm_off(void)
{
	struct itimerval it = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGALRM, SIG_DFL);
}

TEST(blocking_recv_eintr)
{
	int sv[2];
	char b;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(alarm_in(50, 0));
	CHECK_ERRNO(recv(sv[0], &b, 1, 0), EINTR);
	alarm_off();
}

TEST(blocking_accept_eintr)
{
	int l = listener(SOCK_STREAM, "s");
	CHECK_OK(alarm_in(50, 0));
	CHECK_ERRNO(accept(l, NULL, NULL), EINTR);
	alarm_off();
}

TEST(timeout_recv_eintr_despite_sa_restart)
{
	int sv[2];
	char b;
	struct timeval tv = {5, 0};
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	CHECK_OK(alarm_in(50, 1));
	CHECK_ERRNO(recv(sv[0], &b, 1, 0), EINTR);
	alarm_off();
}

TEST(restarted_recv_completes)
{
	int sv[2], st;
	char b[4];
	pid_t pid;
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		usleep(150000);
		_exit(write(sv[1], "late", 4) == 4 ? 0 : 1);
	}
	CHECK_OK(alarm_in(30, 1));
	CHECK_EQ(recv(sv[0], b, 4, MSG_WAITALL), 4);
	alarm_off();
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
}

TEST(sendfile_into_socket)
{
	int sv[2], fd = open("data", O_CREAT | O_RDWR, 0644);
	char b[16];
	CHECK_OK(fd);
	CHECK_EQ(write(fd, "file to socket", 14), 14);
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(syscall(SYS_sendfile, sv[0], fd, &(off_t){0}, 14L), 14);
	CHECK_EQ(read(sv[1], b, sizeof b), 14);
	CHECK(!memcmp(b, "file to socket", 14));
}

TEST(connect_sndtimeo_on_full_backlog)
{
	struct sockaddr_un a;
	socklen_t al = mkaddr(&a, "s");
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c;
	struct timeval tv = {0, 50000};
	CHECK_OK(bind(l, (struct sockaddr *)&a, al));
	CHECK_OK(listen(l, 0));
	while (connect_to(SOCK_STREAM, "s", SOCK_NONBLOCK) >= 0)
		;
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_OK(setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
	CHECK_ERRNO(connect(c, (struct sockaddr *)&a, al), EAGAIN);
}

TEST(dgram_blocked_sender_resumes)
{
	struct sockaddr_un b;
	socklen_t lb = mkaddr(&b, "b");
	int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0), st, n = 0;
	char buf[8];
	pid_t pid;
	CHECK_OK(bind(r, (struct sockaddr *)&b, lb));
	while (sendto(s, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&b, lb) == 1)
		n++;
	CHECK_EQ(errno, EAGAIN);
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0)
		_exit(sendto(s, "last", 4, 0, (struct sockaddr *)&b, lb) == 4 ? 0 : 1);
	usleep(50000);
	for (int i = 0; i < n; i++)
		CHECK_EQ(recv(r, buf, sizeof buf, 0), 1);
	CHECK_EQ(recv(r, buf, sizeof buf, 0), 4);
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK_EQ(st, 0);
}

TEST(open_socket_path_enxio)
{
	CHECK_OK(listener(SOCK_STREAM, "s"));
	CHECK_ERRNO(open("s", O_RDWR), ENXIO);
	CHECK_ERRNO(open("s", O_RDONLY), ENXIO);
}

TEST(recvmsg_without_name_keeps_namelen)
{
	int sv[2];
	char b[4];
	struct iovec iov = {b, sizeof b};
	struct msghdr m = {0};
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(send(sv[0], "x", 1, 0), 1);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_namelen = 77;
	CHECK_EQ(recvmsg(sv[1], &m, 0), 1);
	CHECK_EQ(m.msg_namelen, 77);
	CHECK_EQ(m.msg_flags, 0);
}

TEST(seqpacket_recvmsg_flags_clear)
{
	int sv[2];
	char b[8];
	struct iovec iov = {b, sizeof b};
	struct msghdr m = {0};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_flags = -1;
	CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	CHECK_EQ(send(sv[0], "abc", 3, 0), 3);
	CHECK_EQ(recvmsg(sv[1], &m, 0), 3);
	CHECK_EQ(m.msg_flags, 0);
}

TEST(dgram_empty_messages_fill_queue)
{
	int sv[2];
	long n = 0;
	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	while (send(sv[0], "", 0, MSG_DONTWAIT) == 0 && n < 10000000)
		n++;
	CHECK_EQ(errno, EAGAIN);
	CHECK(n > 0 && n < 10000000);
	CHECK_EQ(revents(sv[0], POLLOUT), 0);
}

/* The line of /proc/net/unix whose inode is `ino`, or "" if none. */
static void net_unix_line(unsigned long ino, char *out, size_t cap)
{
	out[0] = 0;
	FILE *f = fopen("/proc/net/unix", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		unsigned long i;
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu", &i) == 1 && i == ino) {
			snprintf(out, cap, "%s", line);
			break;
		}
	}
	fclose(f);
}

TEST(proc_net_unix_lists_bound_sockets)
{
	char cwd[96], want[400], line[512];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	CHECK(strlen(cwd) + sizeof "/listener" <= sizeof a.sun_path);
	strcpy(a.sun_path, cwd);
	strcat(a.sun_path, "/listener");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_OK(l);
	CHECK_OK(bind(l, (struct sockaddr *)&a, sizeof a));
	CHECK_OK(listen(l, 4));
	struct stat st;
	CHECK_OK(fstat(l, &st));
	net_unix_line(st.st_ino, line, sizeof line);
	snprintf(want, sizeof want, "00010000 0001 01 %5lu %s\n", (unsigned long)st.st_ino, a.sun_path);
	CHECK(strstr(line, want) != NULL);

	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_OK(d);
	struct sockaddr_un b = {.sun_family = AF_UNIX};
	memcpy(b.sun_path, "\0rvisor-net-unix", 16);
	CHECK_OK(bind(d, (struct sockaddr *)&b, offsetof(struct sockaddr_un, sun_path) + 16));
	CHECK_OK(fstat(d, &st));
	net_unix_line(st.st_ino, line, sizeof line);
	snprintf(want, sizeof want, "00000000 0002 01 %5lu @rvisor-net-unix\n", (unsigned long)st.st_ino);
	CHECK(strstr(line, want) != NULL);

	int sv[2];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(fstat(sv[0], &st));
	net_unix_line(st.st_ino, line, sizeof line);
	snprintf(want, sizeof want, "00000000 0001 03 %5lu\n", (unsigned long)st.st_ino);
	CHECK(strstr(line, want) != NULL);
}
