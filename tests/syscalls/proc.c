/* procfs: what a process sees of itself and of others through /proc. */
#include "harness.h"

#include <grp.h>
#include <sched.h>
#include <pthread.h>
#include <sys/mount.h>
#include <limits.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <linux/openat2.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

extern char **environ;

/* Reads /proc file `path` into buf; returns length or -1. */
static ssize_t rd(const char *path, char *buf, size_t cap)
{
	return h_read_file(path, buf, cap);
}

/* The value after "key" at the start of a line of `text` (NULL if none). */
static const char *field(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;
	while (p && *p) {
		if (strncmp(p, key, n) == 0)
			return p + n;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* The n-th (1-based) field of a /proc/PID/stat line; fields after the
 * comm are counted from its closing parenthesis. Returns 0 on success. */
static int stat_field(const char *line, int n, char *out, size_t cap)
{
	if (n == 1) {
		return sscanf(line, "%63s", out) == 1 ? 0 : -1;
	}
	const char *lp = strchr(line, '('), *rp = strrchr(line, ')');
	if (!lp || !rp)
		return -1;
	if (n == 2) {
		size_t len = rp - lp + 1;
		if (len >= cap)
			return -1;
		memcpy(out, lp, len);
		out[len] = 0;
		return 0;
	}
	const char *p = rp + 2;
	for (int i = 3; i < n; i++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	size_t len = strcspn(p, " \n");
	if (len >= cap)
		return -1;
	memcpy(out, p, len);
	out[len] = 0;
	return 0;
}

static long long stat_num(pid_t pid, int n)
{
	char path[64], buf[2048], f[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (rd(path, buf, sizeof buf) <= 0)
		return -1;
	if (stat_field(buf, n, f, sizeof f) < 0)
		return -1;
	return atoll(f);
}

static char stat_state(pid_t pid)
{
	char path[64], buf[2048], f[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (rd(path, buf, sizeof buf) <= 0)
		return 0;
	if (stat_field(buf, 3, f, sizeof f) < 0)
		return 0;
	return f[0];
}

/* Waits up to 3 s for pid's state letter to become `want`. */
static int wait_state(pid_t pid, char want)
{
	for (int i = 0; i < 300; i++) {
		if (stat_state(pid) == want)
			return 1;
		usleep(10000);
	}
	return 0;
}

static unsigned long long status_hex(const char *key)
{
	char buf[4096];
	if (rd("/proc/self/status", buf, sizeof buf) <= 0)
		return 0;
	const char *v = field(buf, key);
	return v ? strtoull(v, NULL, 16) : 0;
}

/* ---- /proc/self and friends ---- */

TEST(self_link_is_pid)
{
	char buf[64], want[64];
	ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
	CHECK(n > 0);
	buf[n] = 0;
	snprintf(want, sizeof want, "%d", (int)getpid());
	CHECK_STREQ(buf, want);
}

TEST(thread_self_link)
{
	char buf[64], want[64];
	ssize_t n = readlink("/proc/thread-self", buf, sizeof buf - 1);
	CHECK(n > 0);
	buf[n] = 0;
	snprintf(want, sizeof want, "%d/task/%d", (int)getpid(), (int)syscall(SYS_gettid));
	CHECK_STREQ(buf, want);
}

static void child_self(void *arg)
{
	(void)arg;
	char buf[64], want[64];
	ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
	CHECK(n > 0);
	buf[n] = 0;
	snprintf(want, sizeof want, "%d", (int)getpid());
	CHECK_STREQ(buf, want);
}

TEST(self_in_child_is_child)
{
	CHECK_CHILD(child_self, NULL);
}

TEST(readdir_lists_self_and_pid)
{
	DIR *d = opendir("/proc");
	CHECK(d != NULL);
	char me[32];
	snprintf(me, sizeof me, "%d", (int)getpid());
	int saw_me = 0, saw_self = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, me) && e->d_type == DT_DIR)
			saw_me = 1;
		if (!strcmp(e->d_name, "self") && e->d_type == DT_LNK)
			saw_self = 1;
	}
	closedir(d);
	CHECK(saw_me);
	CHECK(saw_self);
}

TEST(missing_pid_enoent)
{
	CHECK_ERRNO(open("/proc/999999999/stat", O_RDONLY), ENOENT);
	CHECK_ERRNO(open("/proc/nonexistent", O_RDONLY), ENOENT);
}

TEST(statfs_is_proc)
{
	struct statfs s;
	CHECK_OK(statfs("/proc/self/stat", &s));
	CHECK_EQ(s.f_type, 0x9fa0);
}

TEST(create_in_proc_fails)
{
	CHECK_ERRNO(open("/proc/rvisor-new", O_CREAT | O_WRONLY, 0644), ENOENT);
	CHECK_ERRNO(mkdir("/proc/rvisor-new", 0755), ENOENT);
	CHECK_ERRNO(symlink("x", "/proc/rvisor-new"), ENOENT);
	CHECK_ERRNO(unlink("/proc/self"), EPERM);
}

TEST(write_readonly_file_fails)
{
	int fd = open("/proc/self/stat", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_ERRNO(write(fd, "x", 1), EINVAL);
	close(fd);
}

TEST(pid_dir_owner_is_euid)
{
	struct stat st;
	CHECK_OK(stat("/proc/self/status", &st));
	CHECK_EQ(st.st_uid, geteuid());
	CHECK_OK(stat("/proc/self", &st));
	CHECK(S_ISDIR(st.st_mode));
}

static void child_owner(void *arg)
{
	(void)arg;
	struct stat st;
	CHECK_OK(setresgid(1000, 1000, 1000));
	CHECK_OK(setresuid(1000, 1000, 1000));
	/* Changing ids made the process undumpable: root owns its files. */
	CHECK_OK(stat("/proc/self/stat", &st));
	CHECK_EQ(st.st_uid, 0);
	CHECK_OK(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
	CHECK_OK(stat("/proc/self/stat", &st));
	CHECK_EQ(st.st_uid, 1000);
}

TEST(pid_dir_owner_follows_setuid)
{
	CHECK_CHILD(child_owner, NULL);
}

/* ---- stat ---- */

TEST(stat_pid_field)
{
	CHECK_EQ(stat_num(getpid(), 1), getpid());
}

TEST(stat_has_52_fields)
{
	char buf[2048];
	CHECK(rd("/proc/self/stat", buf, sizeof buf) > 0);
	const char *p = strrchr(buf, ')');
	CHECK(p != NULL);
	int n = 2;
	for (p++; *p && *p != '\n'; p++)
		if (*p == ' ')
			n++;
	CHECK_EQ(n, 52);
}

TEST(stat_comm_matches_comm_file)
{
	char buf[2048], f[64], comm[64], want[80];
	CHECK(rd("/proc/self/stat", buf, sizeof buf) > 0);
	CHECK_OK(stat_field(buf, 2, f, sizeof f));
	CHECK(rd("/proc/self/comm", comm, sizeof comm) > 0);
	comm[strcspn(comm, "\n")] = 0;
	snprintf(want, sizeof want, "(%s)", comm);
	CHECK_STREQ(f, want);
}

TEST(stat_self_running)
{
	CHECK_EQ(stat_state(getpid()), 'R');
}

TEST(stat_ppid_pgrp_session)
{
	CHECK_EQ(stat_num(getpid(), 4), getppid());
	CHECK_EQ(stat_num(getpid(), 5), getpgrp());
	CHECK_EQ(stat_num(getpid(), 6), getsid(0));
}

TEST(stat_num_threads_one)
{
	CHECK_EQ(stat_num(getpid(), 20), 1);
}

TEST(stat_nice_and_priority)
{
	CHECK_EQ(stat_num(getpid(), 19), getpriority(PRIO_PROCESS, 0));
	CHECK_EQ(stat_num(getpid(), 18), 20 + getpriority(PRIO_PROCESS, 0));
}

TEST(stat_starttime_before_uptime)
{
	char buf[128];
	long long start = stat_num(getpid(), 22);
	CHECK(start >= 0);
	CHECK(rd("/proc/uptime", buf, sizeof buf) > 0);
	double up = atof(buf);
	CHECK(start / 100.0 <= up + 0.5);
}

TEST(stat_vsize_rss_positive)
{
	CHECK(stat_num(getpid(), 23) > 0);
	CHECK(stat_num(getpid(), 24) > 0);
}

TEST(stat_exit_signal_sigchld)
{
	/* The harness's own process was made by fork or the shell: its exit
	 * signal is SIGCHLD; a child forked here certainly has it. */
	pid_t p = h_fork();
	CHECK(p >= 0);
	if (p == 0) {
		pause();
		_exit(0);
	}
	CHECK_EQ(stat_num(p, 38), SIGCHLD);
}

TEST(stat_child_sleeping)
{
	pid_t p = h_fork();
	CHECK(p >= 0);
	if (p == 0) {
		pause();
		_exit(0);
	}
	CHECK(wait_state(p, 'S'));
	CHECK_EQ(stat_num(p, 4), getpid());
}

TEST(stat_child_stopped)
{
	pid_t p = h_fork();
	CHECK(p >= 0);
	if (p == 0) {
		pause();
		_exit(0);
	}
	CHECK_OK(kill(p, SIGSTOP));
	CHECK(wait_state(p, 'T'));
	CHECK_OK(kill(p, SIGCONT));
}

TEST(stat_child_zombie)
{
	pid_t p = h_fork();
	CHECK(p >= 0);
	if (p == 0)
		_exit(3);
	CHECK(wait_state(p, 'Z'));
	char buf[64];
	snprintf(buf, sizeof buf, "/proc/%d/cmdline", (int)p);
	char c[64];
	CHECK_EQ(rd(buf, c, sizeof c), 0);
	int st;
	CHECK_EQ(waitpid(p, &st, 0), p);
	CHECK_ERRNO(open(buf, O_RDONLY), ENOENT);
}

/* ---- status ---- */

TEST(status_name_pid_ppid)
{
	char buf[4096], comm[64], want[80];
	CHECK(rd("/proc/self/status", buf, sizeof buf) > 0);
	CHECK(rd("/proc/self/comm", comm, sizeof comm) > 0);
	snprintf(want, sizeof want, "Name:\t%s", comm);
	CHECK(strncmp(buf, want, strlen(want)) == 0);
	CHECK(field(buf, "Pid:\t") && atoi(field(buf, "Pid:\t")) == getpid());
	CHECK(field(buf, "Tgid:\t") && atoi(field(buf, "Tgid:\t")) == getpid());
	CHECK(field(buf, "PPid:\t") && atoi(field(buf, "PPid:\t")) == getppid());
	CHECK(field(buf, "State:\tR (running)"));
}

TEST(status_has_every_field)
{
	static const char *keys[] = {"Name:", "Umask:", "State:", "Tgid:", "Pid:", "PPid:", "Uid:",
				     "Gid:", "Groups:", "VmPeak:", "VmSize:", "VmRSS:", "VmData:",
				     "VmStk:", "Threads:", "SigQ:", "SigPnd:", "ShdPnd:", "SigBlk:",
				     "SigIgn:", "SigCgt:", "CapInh:", "CapPrm:", "CapEff:", "CapBnd:",
				     "CapAmb:", "NoNewPrivs:", "Seccomp:", "Cpus_allowed_list:"};
	char buf[4096];
	CHECK(rd("/proc/self/status", buf, sizeof buf) > 0);
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		if (!field(buf, keys[i]))
			CHECK(!keys[i]);
	}
}

static void child_setuid_status(void *arg)
{
	(void)arg;
	char buf[4096];
	CHECK_OK(setresgid(1001, 1002, 1003));
	CHECK_OK(setresuid(1004, 1005, 1006));
	CHECK(rd("/proc/self/status", buf, sizeof buf) > 0);
	CHECK(field(buf, "Uid:\t1004\t1005\t1006\t1005\n"));
	CHECK(field(buf, "Gid:\t1001\t1002\t1003\t1002\n"));
	CHECK(field(buf, "CapEff:\t0000000000000000"));
}

TEST(status_uid_gid_after_setresuid)
{
	CHECK_CHILD(child_setuid_status, NULL);
}

static void child_groups(void *arg)
{
	(void)arg;
	gid_t g[2] = {5, 7};
	char buf[4096];
	CHECK_OK(setgroups(2, g));
	CHECK(rd("/proc/self/status", buf, sizeof buf) > 0);
	CHECK(field(buf, "Groups:\t5 7"));
}

TEST(status_groups)
{
	CHECK_CHILD(child_groups, NULL);
}

TEST(status_sigblk)
{
	sigset_t s, old;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	CHECK_OK(sigprocmask(SIG_BLOCK, &s, &old));
	unsigned long long blk = status_hex("SigBlk:\t");
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK(blk & (1ULL << (SIGUSR1 - 1)));
}

TEST(status_sigign_sigcgt)
{
	struct sigaction sa = {0}, o1, o2;
	sa.sa_handler = SIG_IGN;
	CHECK_OK(sigaction(SIGUSR2, &sa, &o1));
	sa.sa_handler = SIG_DFL;
	CHECK_OK(sigaction(SIGWINCH, &sa, &o2));
	unsigned long long ign = status_hex("SigIgn:\t");
	sigaction(SIGUSR2, &o1, NULL);
	sigaction(SIGWINCH, &o2, NULL);
	CHECK(ign & (1ULL << (SIGUSR2 - 1)));
	CHECK(!(ign & (1ULL << (SIGWINCH - 1))));
}

static void on_sig(int s)
{
	(void)s;
}

TEST(status_sigcgt)
{
	struct sigaction sa = {0}, o;
	sa.sa_handler = on_sig;
	CHECK_OK(sigaction(SIGUSR1, &sa, &o));
	unsigned long long cgt = status_hex("SigCgt:\t");
	sigaction(SIGUSR1, &o, NULL);
	CHECK(cgt & (1ULL << (SIGUSR1 - 1)));
}

TEST(status_sigpnd)
{
	sigset_t s, old;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	CHECK_OK(sigprocmask(SIG_BLOCK, &s, &old));
	CHECK_OK(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1));
	unsigned long long pnd = status_hex("SigPnd:\t");
	int sig;
	sigwait(&s, &sig);
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK(pnd & (1ULL << (SIGUSR1 - 1)));
}

TEST(status_umask)
{
	char buf[4096];
	mode_t old = umask(027);
	ssize_t n = rd("/proc/self/status", buf, sizeof buf);
	umask(old);
	CHECK(n > 0);
	CHECK(field(buf, "Umask:\t0027"));
}

TEST(status_root_caps)
{
	unsigned long long eff = status_hex("CapEff:\t");
	unsigned long long bnd = status_hex("CapBnd:\t");
	CHECK(eff & (1ULL << 21)); /* CAP_SYS_ADMIN */
	CHECK(bnd != 0);
}

static void child_nnp(void *arg)
{
	(void)arg;
	char buf[4096];
	CHECK_OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	CHECK(rd("/proc/self/status", buf, sizeof buf) > 0);
	CHECK(field(buf, "NoNewPrivs:\t1"));
}

TEST(status_no_new_privs)
{
	CHECK_CHILD(child_nnp, NULL);
}

TEST(status_vm_lines)
{
	char buf[4096];
	CHECK(rd("/proc/self/status", buf, sizeof buf) > 0);
	const char *rss = field(buf, "VmRSS:");
	const char *size = field(buf, "VmSize:");
	CHECK(rss && size);
	CHECK(atoll(rss) > 0);
	CHECK(atoll(size) >= atoll(rss));
	CHECK(field(buf, "Threads:\t1\n"));
}

TEST(statm_consistent_with_stat)
{
	char buf[256];
	long long size, res, shared, text, lib, data, dt;
	CHECK(rd("/proc/self/statm", buf, sizeof buf) > 0);
	CHECK_EQ(sscanf(buf, "%lld %lld %lld %lld %lld %lld %lld", &size, &res, &shared, &text,
			&lib, &data, &dt),
		 7);
	CHECK(size >= res);
	CHECK(res > 0);
}

/* ---- cmdline, environ, auxv ---- */

TEST(cmdline_starts_with_argv0)
{
	char buf[4096];
	ssize_t n = rd("/proc/self/cmdline", buf, sizeof buf);
	CHECK(n > 0);
	CHECK_STREQ(buf, h_argv0);
	CHECK_EQ(buf[n - 1], 0);
}

TEST(cmdline_of_exec_child)
{
	pid_t p = h_fork();
	CHECK(p >= 0);
	if (p == 0) {
		execl("/bin/sleep", "sleep", "7", (char *)NULL);
		_exit(127);
	}
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%d/comm", (int)p);
	int ok = 0;
	for (int i = 0; i < 300 && !ok; i++) {
		if (rd(path, buf, sizeof buf) > 0 && !strcmp(buf, "sleep\n"))
			ok = 1;
		else
			usleep(10000);
	}
	CHECK(ok);
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)p);
	ssize_t n = rd(path, buf, sizeof buf);
	CHECK_EQ(n, 8);
	CHECK(memcmp(buf, "sleep\0" "7\0", 8) == 0);
}

TEST(environ_matches_initial)
{
	static char buf[65536];
	ssize_t n = rd("/proc/self/environ", buf, sizeof buf);
	CHECK(n >= 0);
	if (environ[0]) {
		CHECK(n > 0);
		CHECK(memmem(buf, n, environ[0], strlen(environ[0])) != NULL);
	}
}

static void child_environ_denied(void *arg)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/environ", *(int *)arg);
	CHECK_OK(setresgid(1000, 1000, 1000));
	CHECK_OK(setresuid(1000, 1000, 1000));
	CHECK_ERRNO(open(path, O_RDONLY), EACCES);
}

TEST(environ_of_other_user_eacces)
{
	int me = getpid();
	CHECK_CHILD(child_environ_denied, &me);
}

TEST(auxv_has_pagesz)
{
	unsigned long buf[512];
	int fd = open("/proc/self/auxv", O_RDONLY);
	CHECK(fd >= 0);
	ssize_t n = read(fd, buf, sizeof buf);
	close(fd);
	CHECK(n > 16);
	int found = 0;
	for (ssize_t i = 0; i + 1 < n / 8; i += 2) {
		if (buf[i] == AT_PAGESZ && buf[i + 1] == getauxval(AT_PAGESZ))
			found = 1;
		if (buf[i] == AT_NULL)
			break;
	}
	CHECK(found);
}

/* ---- comm ---- */

TEST(comm_write_then_prctl)
{
	char old[32] = {0}, name[32] = {0};
	CHECK_OK(prctl(PR_GET_NAME, old));
	int fd = open("/proc/self/comm", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "rvisor-x", 8), 8);
	close(fd);
	CHECK_OK(prctl(PR_GET_NAME, name));
	prctl(PR_SET_NAME, old);
	CHECK_STREQ(name, "rvisor-x");
}

TEST(prctl_then_comm)
{
	char old[32] = {0}, buf[64];
	CHECK_OK(prctl(PR_GET_NAME, old));
	CHECK_OK(prctl(PR_SET_NAME, "via-prctl"));
	ssize_t n = rd("/proc/self/comm", buf, sizeof buf);
	prctl(PR_SET_NAME, old);
	CHECK(n > 0);
	CHECK_STREQ(buf, "via-prctl\n");
}

TEST(comm_truncated_to_15)
{
	char old[32] = {0}, buf[64];
	CHECK_OK(prctl(PR_GET_NAME, old));
	int fd = open("/proc/self/comm", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "abcdefghijklmnopqrstuvwxyz", 26), 26);
	close(fd);
	ssize_t n = rd("/proc/self/comm", buf, sizeof buf);
	prctl(PR_SET_NAME, old);
	CHECK(n > 0);
	CHECK_STREQ(buf, "abcdefghijklmno\n");
}

/* ---- exe, cwd, root ---- */

TEST(exe_is_this_program)
{
	struct stat a, b;
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
	CHECK(n > 0);
	path[n] = 0;
	CHECK(path[0] == '/');
	CHECK_OK(stat(path, &a));
	CHECK_OK(stat("/proc/self/exe", &b));
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_EQ(a.st_dev, b.st_dev);
}

TEST(cwd_link_matches_getcwd)
{
	char cwd[PATH_MAX], link[PATH_MAX];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	ssize_t n = readlink("/proc/self/cwd", link, sizeof link - 1);
	CHECK(n > 0);
	link[n] = 0;
	CHECK_STREQ(link, cwd);
}

TEST(cwd_link_opens_directory)
{
	CHECK_OK(h_write_file("marker", "m", 1));
	CHECK_OK(access("/proc/self/cwd/marker", F_OK));
}

TEST(root_link_is_slash)
{
	char link[PATH_MAX];
	ssize_t n = readlink("/proc/self/root", link, sizeof link - 1);
	CHECK(n > 0);
	link[n] = 0;
	CHECK_STREQ(link, "/");
}

/* ---- fd, fdinfo ---- */

static int fd_link(int fd, char *out, size_t cap)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(p, out, cap - 1);
	if (n < 0)
		return -1;
	out[n] = 0;
	return 0;
}

TEST(fd_link_names_file)
{
	char cwd[PATH_MAX], want[PATH_MAX + 16], link[PATH_MAX];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	int fd = open("f", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0);
	CHECK_OK(fd_link(fd, link, sizeof link));
	snprintf(want, sizeof want, "%s/f", cwd);
	CHECK_STREQ(link, want);
}

TEST(fd_link_deleted_suffix)
{
	char cwd[PATH_MAX], want[PATH_MAX + 32], link[PATH_MAX];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	int fd = open("gone", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0);
	CHECK_OK(unlink("gone"));
	CHECK_OK(fd_link(fd, link, sizeof link));
	snprintf(want, sizeof want, "%s/gone (deleted)", cwd);
	CHECK_STREQ(link, want);
}

TEST(fd_reopen_unlinked_file)
{
	int fd = open("gone", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "secret", 6), 6);
	CHECK_OK(unlink("gone"));
	char p[64], buf[16] = {0};
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	int fd2 = open(p, O_RDONLY);
	CHECK(fd2 >= 0);
	CHECK_EQ(read(fd2, buf, sizeof buf), 6);
	CHECK_STREQ(buf, "secret");
	struct stat a, b;
	CHECK_OK(fstat(fd, &a));
	CHECK_OK(fstat(fd2, &b));
	CHECK_EQ(a.st_ino, b.st_ino);
}

TEST(fd_stat_through_link)
{
	int fd = open("s", O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0);
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	struct stat a, b, l;
	CHECK_OK(fstat(fd, &a));
	CHECK_OK(stat(p, &b));
	CHECK_OK(lstat(p, &l));
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK(S_ISLNK(l.st_mode));
	CHECK_EQ(l.st_mode & 0777, 0700);
}

TEST(fd_pipe_link)
{
	int p[2];
	CHECK_OK(pipe(p));
	char link[128], want[128];
	struct stat st;
	CHECK_OK(fstat(p[0], &st));
	CHECK_OK(fd_link(p[0], link, sizeof link));
	snprintf(want, sizeof want, "pipe:[%llu]", (unsigned long long)st.st_ino);
	CHECK_STREQ(link, want);
}

TEST(fd_reopen_pipe_end)
{
	int p[2];
	CHECK_OK(pipe(p));
	char path[64], buf[8] = {0};
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
	int w = open(path, O_WRONLY);
	CHECK(w >= 0);
	CHECK_EQ(write(w, "via", 3), 3);
	CHECK_EQ(read(p[0], buf, sizeof buf), 3);
	CHECK_STREQ(buf, "via");
}

TEST(fd_dir_lists_open_fds)
{
	int fd = open("/", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	char want[16];
	snprintf(want, sizeof want, "%d", fd);
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	int saw = 0, saw0 = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, want) && e->d_type == DT_LNK)
			saw = 1;
		if (!strcmp(e->d_name, "0"))
			saw0 = 1;
	}
	closedir(d);
	CHECK(saw);
	CHECK(saw0);
}

TEST(fd_closed_is_gone)
{
	int fd = open("/", O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	char link[64];
	errno = 0;
	CHECK_EQ(fd_link(fd, link, sizeof link), -1);
	CHECK_EQ(errno, ENOENT);
}

TEST(linkat_tmpfile_through_proc)
{
	int fd = open(".", O_TMPFILE | O_RDWR, 0600);
	if (fd < 0 && errno == EOPNOTSUPP)
		SKIP("no O_TMPFILE on this file system");
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "tmp", 3), 3);
	char p[64], buf[8] = {0};
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	CHECK_OK(linkat(AT_FDCWD, p, AT_FDCWD, "named", AT_SYMLINK_FOLLOW));
	CHECK_EQ(h_read_file("named", buf, sizeof buf), 3);
	CHECK_STREQ(buf, "tmp");
}

TEST(open_magic_link_nofollow_eloop)
{
	int fd = open("x", O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0);
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	CHECK_ERRNO(open(p, O_RDONLY | O_NOFOLLOW), ELOOP);
	int pf = open(p, O_PATH | O_NOFOLLOW);
	CHECK(pf >= 0);
}

TEST(fdinfo_pos_and_flags)
{
	int fd = open("fi", O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	char p[64], buf[1024];
	snprintf(p, sizeof p, "/proc/self/fdinfo/%d", fd);
	CHECK(rd(p, buf, sizeof buf) > 0);
	const char *pos = field(buf, "pos:\t");
	const char *fl = field(buf, "flags:\t");
	CHECK(pos && fl);
	CHECK_EQ(atoll(pos), 10);
	CHECK_EQ(fl[0], '0');
	unsigned long flags = strtoul(fl, NULL, 8);
	CHECK(flags & O_APPEND);
	CHECK_EQ(flags & O_ACCMODE, O_WRONLY);
	CHECK(flags & O_CLOEXEC);
}

TEST(fdinfo_ino_and_mnt_id)
{
	int fd = open("fi", O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	char p[64], buf[1024];
	snprintf(p, sizeof p, "/proc/self/fdinfo/%d", fd);
	CHECK(rd(p, buf, sizeof buf) > 0);
	CHECK(field(buf, "mnt_id:\t") && atoll(field(buf, "mnt_id:\t")) > 0);
	CHECK(field(buf, "ino:\t"));
	CHECK_EQ(strtoull(field(buf, "ino:\t"), NULL, 10), st.st_ino);
}

static void child_fd_denied(void *arg)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", *(int *)arg);
	CHECK_OK(setresgid(1000, 1000, 1000));
	CHECK_OK(setresuid(1000, 1000, 1000));
	CHECK(opendir(path) == NULL);
	CHECK_EQ(errno, EACCES);
}

TEST(fd_dir_of_other_user_eacces)
{
	int me = getpid();
	CHECK_CHILD(child_fd_denied, &me);
}

/* ---- maps, smaps ---- */

static int maps_line(unsigned long addr, char *out, size_t cap, const char *file)
{
	static char buf[1 << 17];
	if (rd(file, buf, sizeof buf) <= 0)
		return -1;
	char key[32];
	snprintf(key, sizeof key, "%08lx-", addr);
	const char *l = field(buf, key);
	if (!l)
		return -1;
	l -= strlen(key);
	size_t n = strcspn(l, "\n");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, l, n);
	out[n] = 0;
	return 0;
}

TEST(maps_shows_new_mapping)
{
	char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	char line[512], want[64];
	CHECK_OK(maps_line((unsigned long)m, line, sizeof line, "/proc/self/maps"));
	snprintf(want, sizeof want, "%08lx-%08lx rw-p ", (unsigned long)m, (unsigned long)m + 3 * 4096);
	CHECK(strncmp(line, want, strlen(want)) == 0);
	munmap(m, 3 * 4096);
}

TEST(maps_follows_mprotect)
{
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	CHECK_OK(mprotect(m, 4096, PROT_READ));
	char line[512];
	CHECK_OK(maps_line((unsigned long)m, line, sizeof line, "/proc/self/maps"));
	CHECK(strstr(line, " r--p ") != NULL);
	munmap(m, 4096);
}

TEST(maps_names_mapped_file)
{
	CHECK_OK(h_write_file("mapped", "0123456789", 10));
	int fd = open("mapped", O_RDONLY);
	CHECK(fd >= 0);
	char *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	char line[1024], cwd[PATH_MAX], want[PATH_MAX + 16];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	snprintf(want, sizeof want, " %s/mapped", cwd);
	CHECK_OK(maps_line((unsigned long)m, line, sizeof line, "/proc/self/maps"));
	CHECK(strstr(line, want) != NULL);
	CHECK(strstr(line, " r--s ") != NULL);
	munmap(m, 4096);
}

TEST(maps_has_stack)
{
	static char buf[1 << 17];
	CHECK(rd("/proc/self/maps", buf, sizeof buf) > 0);
	CHECK(strstr(buf, "[stack]") != NULL);
}

TEST(smaps_size_and_rss)
{
	char *m = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	for (int i = 0; i < 4; i++)
		m[i * 4096] = 1;
	static char buf[1 << 18];
	CHECK(rd("/proc/self/smaps", buf, sizeof buf) > 0);
	char key[32];
	snprintf(key, sizeof key, "%08lx-", (unsigned long)m);
	const char *l = strstr(buf, key);
	CHECK(l != NULL);
	const char *size = strstr(l, "\nSize:");
	const char *rss = strstr(l, "\nRss:");
	CHECK(size && rss);
	CHECK_EQ(atoll(size + 6), 32);
	CHECK(atoll(rss + 5) >= 16);
	CHECK(atoll(rss + 5) <= 32);
	munmap(m, 8 * 4096);
}

/* ---- mounts ---- */

TEST(mounts_lists_proc)
{
	static char buf[65536];
	CHECK(rd("/proc/self/mounts", buf, sizeof buf) > 0);
	CHECK(strstr(buf, " /proc proc ") != NULL);
}

TEST(proc_mounts_is_link_to_self)
{
	char link[64];
	ssize_t n = readlink("/proc/mounts", link, sizeof link - 1);
	CHECK(n > 0);
	link[n] = 0;
	CHECK_STREQ(link, "self/mounts");
}

TEST(mountinfo_format)
{
	static char buf[65536];
	CHECK(rd("/proc/self/mountinfo", buf, sizeof buf) > 0);
	int id, parent;
	unsigned maj, min;
	char root[256], mp[256];
	CHECK_EQ(sscanf(buf, "%d %d %u:%u %255s %255s", &id, &parent, &maj, &min, root, mp), 6);
	CHECK(strstr(buf, " - proc ") != NULL);
	CHECK(strstr(buf, " /proc ") != NULL);
}

/* ---- limits, cgroup, oom, io, ns, misc ---- */

TEST(limits_match_getrlimit)
{
	char buf[4096];
	struct rlimit rl;
	CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
	CHECK(rd("/proc/self/limits", buf, sizeof buf) > 0);
	const char *l = field(buf, "Max open files");
	CHECK(l != NULL);
	unsigned long long soft, hard;
	CHECK_EQ(sscanf(l, " %llu %llu", &soft, &hard), 2);
	CHECK_EQ(soft, rl.rlim_cur);
	CHECK_EQ(hard, rl.rlim_max);
	CHECK(strncmp(buf, "Limit", 5) == 0);
}

TEST(limits_unlimited_word)
{
	struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY}, old;
	CHECK_OK(getrlimit(RLIMIT_CORE, &old));
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		SKIP("cannot raise RLIMIT_CORE");
	char buf[4096];
	ssize_t n = rd("/proc/self/limits", buf, sizeof buf);
	setrlimit(RLIMIT_CORE, &old);
	CHECK(n > 0);
	const char *l = field(buf, "Max core file size");
	CHECK(l && strstr(l, "unlimited") && strstr(l, "unlimited") < strchr(l, '\n'));
}

TEST(cgroup_lines_well_formed)
{
	char buf[4096];
	CHECK(rd("/proc/self/cgroup", buf, sizeof buf) > 0);
	int id;
	char rest[1024];
	CHECK_EQ(sscanf(buf, "%d:%1023s", &id, rest), 2);
	CHECK(strchr(rest, ':') != NULL);
}

TEST(oom_score_adj_write_read)
{
	char buf[32];
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "123\n", 4), 4);
	close(fd);
	CHECK(rd("/proc/self/oom_score_adj", buf, sizeof buf) > 0);
	int v = atoi(buf);
	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd >= 0) {
		CHECK_EQ(write(fd, "0", 1), 1);
		close(fd);
	}
	CHECK_EQ(v, 123);
}

TEST(oom_score_adj_out_of_range)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_ERRNO(write(fd, "2000", 4), EINVAL);
	CHECK_ERRNO(write(fd, "abc", 3), EINVAL);
	close(fd);
}

TEST(oom_score_is_number)
{
	char buf[32];
	CHECK(rd("/proc/self/oom_score", buf, sizeof buf) > 0);
	CHECK(buf[0] >= '0' && buf[0] <= '9');
	CHECK(atoi(buf) >= 0 && atoi(buf) <= 2000);
}

TEST(io_has_counters)
{
	char buf[1024];
	CHECK(rd("/proc/self/io", buf, sizeof buf) > 0);
	CHECK(field(buf, "rchar: "));
	CHECK(field(buf, "write_bytes: "));
}

TEST(ns_links)
{
	char link[64];
	ssize_t n = readlink("/proc/self/ns/pid", link, sizeof link - 1);
	CHECK(n > 0);
	link[n] = 0;
	CHECK(strncmp(link, "pid:[", 5) == 0);
	n = readlink("/proc/self/ns/mnt", link, sizeof link - 1);
	CHECK(n > 0);
	link[n] = 0;
	CHECK(strncmp(link, "mnt:[", 5) == 0);
}

TEST(loginuid_and_maps_of_ids)
{
	char buf[128];
	CHECK(rd("/proc/self/loginuid", buf, sizeof buf) > 0);
	CHECK(buf[0] >= '0' && buf[0] <= '9');
	unsigned long long a, b, c;
	CHECK(rd("/proc/self/uid_map", buf, sizeof buf) > 0);
	CHECK_EQ(sscanf(buf, "%llu %llu %llu", &a, &b, &c), 3);
	CHECK(rd("/proc/self/gid_map", buf, sizeof buf) > 0);
	CHECK_EQ(sscanf(buf, "%llu %llu %llu", &a, &b, &c), 3);
}

TEST(wchan_readable)
{
	char buf[128];
	CHECK(rd("/proc/self/wchan", buf, sizeof buf) >= 0);
}

TEST(task_dir_lists_thread)
{
	char path[64], want[32];
	snprintf(path, sizeof path, "/proc/%d/task", (int)getpid());
	snprintf(want, sizeof want, "%d", (int)syscall(SYS_gettid));
	DIR *d = opendir(path);
	CHECK(d != NULL);
	int saw = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (!strcmp(e->d_name, want))
			saw = 1;
	closedir(d);
	CHECK(saw);
	snprintf(path, sizeof path, "/proc/self/task/%s/stat", want);
	char buf[2048];
	CHECK(rd(path, buf, sizeof buf) > 0);
	CHECK_EQ(atoi(buf), syscall(SYS_gettid));
}

/* ---- system-wide files ---- */

TEST(meminfo_fields)
{
	char buf[8192];
	CHECK(rd("/proc/meminfo", buf, sizeof buf) > 0);
	CHECK(strncmp(buf, "MemTotal:", 9) == 0);
	long long total = atoll(buf + 9);
	const char *f = field(buf, "MemFree:");
	const char *a = field(buf, "MemAvailable:");
	CHECK(f && a);
	CHECK(total > 0);
	CHECK(atoll(f) <= total);
	CHECK(atoll(a) <= total);
	CHECK(field(buf, "SwapTotal:"));
}

TEST(cpuinfo_matches_sysfs_cpus)
{
	static char buf[1 << 17];
	CHECK(rd("/proc/cpuinfo", buf, sizeof buf) > 0);
	int n = 0;
	for (const char *p = buf; (p = field(p, "processor")); p++)
		n++;
	CHECK_EQ(n, sysconf(_SC_NPROCESSORS_ONLN));
	CHECK(strstr(buf, "model name") != NULL);
	CHECK(strstr(buf, "flags") != NULL);
}

TEST(stat_cpu_and_btime)
{
	char buf[8192];
	CHECK(rd("/proc/stat", buf, sizeof buf) > 0);
	CHECK(strncmp(buf, "cpu ", 4) == 0);
	const char *b = field(buf, "btime ");
	CHECK(b != NULL);
	long long btime = atoll(b);
	CHECK(btime > 1000000000 && btime <= time(NULL));
	CHECK(field(buf, "processes "));
	CHECK(field(buf, "procs_running ") && atoi(field(buf, "procs_running ")) >= 1);
	CHECK(field(buf, "cpu0 "));
}

TEST(uptime_advances)
{
	char buf[128];
	CHECK(rd("/proc/uptime", buf, sizeof buf) > 0);
	double a = atof(buf), idle = atof(strchr(buf, ' ') + 1);
	usleep(30000);
	CHECK(rd("/proc/uptime", buf, sizeof buf) > 0);
	double b = atof(buf);
	CHECK(b >= a);
	CHECK(a > 0);
	CHECK(idle >= 0);
}

TEST(loadavg_format)
{
	char buf[128];
	CHECK(rd("/proc/loadavg", buf, sizeof buf) > 0);
	double l1, l5, l15;
	int run, total, last;
	CHECK_EQ(sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &run, &total, &last), 6);
	CHECK(run >= 1 && run <= total);
	CHECK(last >= getpid() || last > 0);
	double g[3];
	CHECK_EQ(getloadavg(g, 3), 3);
	CHECK(g[0] >= 0);
}

TEST(version_and_ostype)
{
	char buf[512], ost[64];
	struct utsname u;
	CHECK_OK(uname(&u));
	CHECK(rd("/proc/version", buf, sizeof buf) > 0);
	CHECK(strncmp(buf, "Linux version ", 14) == 0);
	CHECK(strstr(buf, u.release) != NULL);
	CHECK(rd("/proc/sys/kernel/ostype", ost, sizeof ost) > 0);
	CHECK_STREQ(ost, "Linux\n");
}

TEST(filesystems_lists_proc)
{
	char buf[4096];
	CHECK(rd("/proc/filesystems", buf, sizeof buf) > 0);
	CHECK(strstr(buf, "nodev\tproc\n") != NULL);
	CHECK(strstr(buf, "nodev\ttmpfs\n") != NULL);
}

/* ---- /proc/sys ---- */

TEST(sys_hostname_matches_uname)
{
	char buf[128], want[128];
	struct utsname u;
	CHECK_OK(uname(&u));
	CHECK(rd("/proc/sys/kernel/hostname", buf, sizeof buf) > 0);
	snprintf(want, sizeof want, "%s\n", u.nodename);
	CHECK_STREQ(buf, want);
	CHECK(rd("/proc/sys/kernel/osrelease", buf, sizeof buf) > 0);
	snprintf(want, sizeof want, "%s\n", u.release);
	CHECK_STREQ(buf, want);
}

TEST(sys_kernel_numbers)
{
	char buf[64];
	CHECK(rd("/proc/sys/kernel/pid_max", buf, sizeof buf) > 0);
	CHECK(atoll(buf) >= getpid());
	CHECK(rd("/proc/sys/kernel/ngroups_max", buf, sizeof buf) > 0);
	CHECK_EQ(atoll(buf), sysconf(_SC_NGROUPS_MAX));
	CHECK(rd("/proc/sys/kernel/shmmax", buf, sizeof buf) > 0);
	CHECK(atoll(buf) != 0);
	CHECK(rd("/proc/sys/kernel/shmall", buf, sizeof buf) > 0);
}

TEST(sys_cap_last_cap)
{
	char buf[32];
	CHECK(rd("/proc/sys/kernel/cap_last_cap", buf, sizeof buf) > 0);
	int last = atoi(buf);
	CHECK(last >= 36);
	CHECK_OK(prctl(PR_CAPBSET_READ, last, 0, 0, 0));
	CHECK_ERRNO(prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0), EINVAL);
}

TEST(sys_random_ids)
{
	char a[64], b[64], u1[64], u2[64];
	CHECK_EQ(rd("/proc/sys/kernel/random/boot_id", a, sizeof a), 37);
	CHECK_EQ(rd("/proc/sys/kernel/random/boot_id", b, sizeof b), 37);
	CHECK_STREQ(a, b);
	CHECK_EQ(rd("/proc/sys/kernel/random/uuid", u1, sizeof u1), 37);
	CHECK_EQ(rd("/proc/sys/kernel/random/uuid", u2, sizeof u2), 37);
	CHECK(strcmp(u1, u2) != 0);
	CHECK(rd("/proc/sys/kernel/random/entropy_avail", a, sizeof a) > 0);
	CHECK(atoi(a) > 0);
}

TEST(sys_vm)
{
	char buf[64];
	CHECK(rd("/proc/sys/vm/overcommit_memory", buf, sizeof buf) > 0);
	CHECK(atoi(buf) >= 0 && atoi(buf) <= 2);
	CHECK(rd("/proc/sys/vm/max_map_count", buf, sizeof buf) > 0);
	CHECK(atoi(buf) > 0);
	CHECK(rd("/proc/sys/vm/mmap_min_addr", buf, sizeof buf) > 0);
	unsigned long min = strtoul(buf, NULL, 10);
	CHECK(min >= 4096);
	if (min > 4096)
		CHECK(mmap((void *)4096, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			   0) == MAP_FAILED);
}

TEST(sys_fs)
{
	char buf[64];
	struct rlimit rl;
	CHECK(rd("/proc/sys/fs/file-max", buf, sizeof buf) > 0);
	CHECK(atoll(buf) > 0);
	CHECK(rd("/proc/sys/fs/nr_open", buf, sizeof buf) > 0);
	CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
	CHECK((unsigned long long)atoll(buf) >= rl.rlim_max || rl.rlim_max == RLIM_INFINITY);
	CHECK(rd("/proc/sys/fs/pipe-max-size", buf, sizeof buf) > 0);
	int p[2];
	CHECK_OK(pipe(p));
	CHECK(fcntl(p[0], F_SETPIPE_SZ, atoi(buf)) >= atoi(buf));
}

TEST(sys_net)
{
	char buf[64];
	CHECK(rd("/proc/sys/net/core/somaxconn", buf, sizeof buf) > 0);
	CHECK(atoi(buf) >= 128);
	int lo, hi;
	CHECK(rd("/proc/sys/net/ipv4/ip_local_port_range", buf, sizeof buf) > 0);
	CHECK_EQ(sscanf(buf, "%d %d", &lo, &hi), 2);
	CHECK(lo < hi);
}

TEST(sys_hostname_write)
{
	char old[128], buf[128];
	CHECK(rd("/proc/sys/kernel/hostname", old, sizeof old) > 0);
	if (!getenv("RVISOR_SANDBOX") && unshare(CLONE_NEWUTS) != 0)
		SKIP("cannot make a UTS namespace natively");
	int fd = open("/proc/sys/kernel/hostname", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "rvisor-host", 11), 11);
	close(fd);
	struct utsname u;
	CHECK_OK(uname(&u));
	CHECK_STREQ(u.nodename, "rvisor-host");
	CHECK(rd("/proc/sys/kernel/hostname", buf, sizeof buf) > 0);
	CHECK_STREQ(buf, "rvisor-host\n");
	fd = open("/proc/sys/kernel/hostname", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, old, strlen(old)), (ssize_t)strlen(old));
	close(fd);
}

TEST(net_tables_headers)
{
	char buf[4096];
	CHECK(rd("/proc/net/dev", buf, sizeof buf) > 0);
	CHECK(strncmp(buf, "Inter-|", 7) == 0);
	CHECK(rd("/proc/net/unix", buf, sizeof buf) > 0);
	CHECK(strncmp(buf, "Num       RefCount Protocol Flags    Type St Inode Path", 55) == 0);
	CHECK(rd("/proc/self/net/tcp", buf, sizeof buf) > 0);
	CHECK(strstr(buf, "local_address") != NULL);
}

TEST(reread_from_start_is_fresh)
{
	int fd = open("/proc/self/status", O_RDONLY);
	CHECK(fd >= 0);
	char a[4096], b[4096];
	ssize_t n = pread(fd, a, sizeof a - 1, 0);
	CHECK(n > 0);
	a[n] = 0;
	mode_t old = umask(077);
	n = pread(fd, b, sizeof b - 1, 0);
	umask(old);
	CHECK(n > 0);
	b[n] = 0;
	CHECK(field(a, "Umask:\t0022"));
	CHECK(field(b, "Umask:\t0077"));
	close(fd);
}

TEST(fd_link_lookup_keeps_nothing_open)
{
	int p[2];
	CHECK_OK(pipe(p));
	char path[64], link[128];
	struct stat st;
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
	CHECK(readlink(path, link, sizeof link) > 0);
	CHECK_OK(stat(path, &st));
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", p[1]);
	CHECK(rd(path, link, sizeof link) > 0);
	CHECK_OK(close(p[1]));
	CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
	char c;
	/* The write end is closed everywhere: EOF, not EAGAIN. */
	CHECK_EQ(read(p[0], &c, 1), 0);
}

static void child_mount_proc(void *arg)
{
	(void)arg;
	char link[64], want[64];
	CHECK_OK(unshare(CLONE_NEWNS));
	CHECK_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	CHECK_OK(mkdir("p", 0755));
	CHECK_OK(mount("proc", "p", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
	ssize_t n = readlink("p/self", link, sizeof link - 1);
	CHECK(n > 0);
	link[n] = 0;
	snprintf(want, sizeof want, "%d", (int)getpid());
	CHECK_STREQ(link, want);
	struct statfs s;
	CHECK_OK(statfs("p", &s));
	CHECK_EQ(s.f_type, 0x9fa0);
	CHECK_OK(mkdir("s", 0755));
	CHECK_OK(mount("sysfs", "s", "sysfs", MS_RDONLY, NULL));
	CHECK_OK(access("s/devices/system/cpu/online", R_OK));
	CHECK_OK(umount("s"));
	CHECK_OK(umount("p"));
}

TEST(mount_proc_and_sysfs_instances)
{
	CHECK_CHILD(child_mount_proc, NULL);
}

static void *idle_thread(void *arg)
{
	int *fd = arg;
	char c;
	if (read(fd[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

TEST(threads_in_status_and_task_dir)
{
	int p[2];
	CHECK_OK(pipe(p));
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, idle_thread, p), 0);
	usleep(50000);
	char buf[4096];
	ssize_t n = rd("/proc/self/status", buf, sizeof buf);
	int entries = 0;
	DIR *d = opendir("/proc/self/task");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				entries++;
		closedir(d);
	}
	long long nthreads = stat_num(getpid(), 20);
	CHECK_EQ(write(p[1], "x", 1), 1);
	pthread_join(th, NULL);
	CHECK(n > 0);
	CHECK(field(buf, "Threads:\t2\n"));
	CHECK_EQ(entries, 2);
	CHECK_EQ(nthreads, 2);
}

static int io_counts(unsigned long long *rchar, unsigned long long *wchar, unsigned long long *syscr)
{
	char buf[1024];
	if (rd("/proc/self/io", buf, sizeof buf) <= 0)
		return -1;
	const char *r = field(buf, "rchar: "), *w = field(buf, "wchar: "), *c = field(buf, "syscr: ");
	if (!r || !w || !c)
		return -1;
	*rchar = strtoull(r, NULL, 10);
	*wchar = strtoull(w, NULL, 10);
	*syscr = strtoull(c, NULL, 10);
	return 0;
}

TEST(io_counts_reads_and_writes)
{
	unsigned long long r0, w0, c0, r1, w1, c1;
	char data[4096] = {0};
	CHECK_OK(h_write_file("io", data, sizeof data));
	CHECK_OK(io_counts(&r0, &w0, &c0));
	int fd = open("io", O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, data, sizeof data), (ssize_t)sizeof data);
	CHECK_EQ(write(fd, data, 1000), 1000);
	close(fd);
	CHECK_OK(io_counts(&r1, &w1, &c1));
	CHECK(r1 >= r0 + sizeof data);
	CHECK(w1 >= w0 + 1000);
	CHECK(c1 > c0);
}

TEST(stdin_of_dev_null_named)
{
	int fd = open("/dev/null", O_RDONLY);
	CHECK(fd >= 0);
	char link[64];
	CHECK_OK(fd_link(fd, link, sizeof link));
	CHECK_STREQ(link, "/dev/null");
}

TEST(sysinfo_agrees_with_meminfo_and_loadavg)
{
	struct sysinfo si;
	char buf[8192];
	CHECK_OK(sysinfo(&si));
	CHECK(rd("/proc/meminfo", buf, sizeof buf) > 0);
	long long total_kb = atoll(buf + 9);
	long long si_kb = (long long)si.totalram * si.mem_unit / 1024;
	CHECK(si_kb >= total_kb - 1 && si_kb <= total_kb + 1);
	CHECK(rd("/proc/loadavg", buf, sizeof buf) > 0);
	double l1 = atof(buf);
	double s1 = si.loads[0] / 65536.0;
	/* Both are the same average sampled moments apart. */
	CHECK(s1 >= 0 && l1 >= 0);
	CHECK(s1 < l1 + 1.0 && l1 < s1 + 1.0);
	CHECK(si.procs >= 1);
}

TEST(sysctl_readonly_refuses_root_writers)
{
	CHECK_ERRNO(open("/proc/sys/kernel/osrelease", O_WRONLY), EACCES);
	CHECK_ERRNO(open("/proc/sys/kernel/ngroups_max", O_RDWR), EACCES);
	int fd = open("/proc/sys/kernel/hostname", O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
}

static void child_oom(void *arg)
{
	(void)arg;
	char buf[32];
	CHECK(rd("/proc/self/oom_score_adj", buf, sizeof buf) > 0);
	CHECK_EQ(atoi(buf), 321);
}

TEST(oom_score_adj_inherited_by_fork)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "321", 3), 3);
	close(fd);
	h_child_run(__FILE__, __LINE__, "child_oom", child_oom, NULL, 5000);
	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "0", 1), 1);
	close(fd);
}

static long openat2_(int dirfd, const char *path, struct open_how *how)
{
	return syscall(SYS_openat2, dirfd, path, how, sizeof *how);
}

TEST(openat2_and_magic_links)
{
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_NO_MAGICLINKS};
	/* /proc/self is an ordinary symlink; exe and fd/N are magic. */
	long fd = openat2_(AT_FDCWD, "/proc/self/status", &how);
	CHECK(fd >= 0);
	close(fd);
	CHECK_ERRNO(openat2_(AT_FDCWD, "/proc/self/exe", &how), ELOOP);
	CHECK_ERRNO(openat2_(AT_FDCWD, "/proc/self/fd/0", &how), ELOOP);
	how.resolve = RESOLVE_NO_SYMLINKS;
	CHECK_ERRNO(openat2_(AT_FDCWD, "/proc/self/status", &how), ELOOP);
	how.resolve = 0;
	fd = openat2_(AT_FDCWD, "/proc/self/exe", &how);
	CHECK(fd >= 0);
	close(fd);
}

TEST(sys_fs_suid_dumpable)
{
	char v[8];
	CHECK(rd("/proc/sys/fs/suid_dumpable", v, sizeof v) > 0);
	CHECK(v[0] >= '0' && v[0] <= '2');
}

TEST(start_time_from_btime_is_recent)
{
	char buf[8192];
	CHECK(rd("/proc/stat", buf, sizeof buf) > 0);
	const char *b = field(buf, "btime ");
	CHECK(b != NULL);
	long long btime = atoll(b);
	long long start = btime + stat_num(getpid(), 22) / 100;
	long long now = time(NULL);
	/* What ps shows as this process's start: now, give or take the run. */
	CHECK(start <= now + 2);
	CHECK(start >= now - 600);
}

static void child_mask_proc_sys(void *arg)
{
	(void)arg;
	CHECK_OK(unshare(CLONE_NEWNS));
	CHECK_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	CHECK_OK(access("/proc/sys/kernel/hostname", R_OK));
	/* As runtimes mask parts of /proc: a mount over a fixed entry holds. */
	CHECK_OK(mount("tmpfs", "/proc/sys", "tmpfs", MS_RDONLY, NULL));
	CHECK_ERRNO(access("/proc/sys/kernel/hostname", F_OK), ENOENT);
	CHECK_OK(access("/proc/self/status", R_OK));
	CHECK_OK(umount("/proc/sys"));
	CHECK_OK(access("/proc/sys/kernel/hostname", R_OK));
}

TEST(mount_over_proc_entry)
{
	CHECK_CHILD(child_mask_proc_sys, NULL);
}

static void child_chroot_mounts(void *arg)
{
	(void)arg;
	static char buf[65536];
	CHECK_OK(unshare(CLONE_NEWNS));
	CHECK_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	CHECK_OK(mkdir("r", 0755));
	CHECK_OK(mount("tmpfs", "r", "tmpfs", 0, NULL));
	CHECK_OK(mkdir("r/proc", 0755));
	CHECK_OK(mount("proc", "r/proc", "proc", 0, NULL));
	CHECK_OK(chroot("r"));
	CHECK_OK(chdir("/"));
	CHECK(rd("/proc/self/mounts", buf, sizeof buf) > 0);
	/* Seen from the new root: the tmpfs is "/", its proc "/proc". */
	CHECK(strstr(buf, "tmpfs / tmpfs ") != NULL);
	CHECK(strstr(buf, "proc /proc proc ") != NULL);
}

TEST(mounts_seen_from_chroot)
{
	CHECK_CHILD(child_chroot_mounts, NULL);
}

static void check_anon_link(int fd, const char *want)
{
	char path[64], buf[64];
	CHECK(fd >= 0);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	CHECK(n > 0);
	buf[n] = 0;
	CHECK_STREQ(buf, want);
	close(fd);
}

TEST(fd_links_name_anonymous_files)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	check_anon_link(eventfd(0, 0), "anon_inode:[eventfd]");
	check_anon_link(epoll_create1(0), "anon_inode:[eventpoll]");
	check_anon_link(timerfd_create(CLOCK_MONOTONIC, 0), "anon_inode:[timerfd]");
	check_anon_link(signalfd(-1, &set, 0), "anon_inode:[signalfd]");
}
