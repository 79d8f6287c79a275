/*
 * Tiny header-only harness for rvisor's syscall compatibility suite.
 *
 * Each tests/syscalls/<family>.c includes this header once, defines cases
 * with TEST(name) { ... } and gets a main() that runs them. Every binary is
 * built with `gcc -static` and run natively and inside the sandbox, so the
 * harness itself must stay within what the sandbox's first release offers:
 * one static, single-threaded process, no fork, no signal handlers, no NSS.
 *
 * Output, one line per case, on stdout:
 *   PASS <file>.<case>
 *   FAIL <file>.<case>: <file>.c:<line>: <expr> [details] (errno=<name>)
 *   SKIP <file>.<case>: <reason>
 * Exit status: 0 if no case failed, 1 otherwise, 2 on a usage error.
 *
 * Usage: <binary> [--list] [CASE | FILE.CASE]...
 *   --list   print the case names ("<file>.<case>"), one per line, and exit.
 *   CASE     run only the named cases (default: all, in source order).
 *
 * Each case runs with its own fresh directory <scratch>/<case> as cwd, where
 * <scratch> comes from mkdtemp("/tmp/rvisor-syscall-XXXXXX") and is removed at
 * the end. Before each case the harness sets umask(022); after it, it closes
 * every fd above 2, so a case may return early (on a failed CHECK) without
 * leaking state into the next one.
 *
 * Families that need more than the first release offers (fork, threads,
 * signal handlers, ...) mark each such case with SANDBOX_SKIP("what is
 * missing") as its first statement: the runner sets RVISOR_SANDBOX=<platform>
 * in the sandboxed runs, where the case is then skipped. For such cases the
 * harness also offers child-process helpers (h_fork, CHECK_CHILD,
 * h_waitpid_timeout) and per-case cleanups (h_defer): children a case forked
 * with h_fork are killed and reaped after it whatever path it took, and a
 * child that returns from a case body exits instead of running later cases.
 */
#ifndef RVISOR_HARNESS_H
#define RVISOR_HARNESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef void (*h_test_fn)(void);

struct h_case {
	const char *name;
	h_test_fn fn;
	int line;
};

#define H_MAX_CASES 512

static struct h_case h_cases[H_MAX_CASES];
static int h_ncases;

/* State of the case being run. */
static int h_failed;
static char h_fail_msg[1024];
static char h_skip_msg[256];
static int h_skipped;

/* Absolute path of the scratch directory and of the current case's directory. */
static char h_scratch[256];
static char h_case_dir[512];
static const char *h_argv0;

static void h_register(const char *name, h_test_fn fn, int line)
{
	if (h_ncases < H_MAX_CASES) {
		h_cases[h_ncases].name = name;
		h_cases[h_ncases].fn = fn;
		h_cases[h_ncases].line = line;
		h_ncases++;
	}
}

/* Registration runs from ELF constructors; main() sorts by line, so the run
 * order is source order whatever order the constructors run in. */
#define TEST(name)                                                            \
	static void h_test_##name(void);                                      \
	__attribute__((constructor)) static void h_register_##name(void)      \
	{                                                                     \
		h_register(#name, h_test_##name, __LINE__);                   \
	}                                                                     \
	static void h_test_##name(void)

static const char *h_file_base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static const char *h_errno_name(int e)
{
	const char *n;
	static char buf[16];
	if (e == 0)
		return "0";
	n = strerrorname_np(e);
	if (n)
		return n;
	snprintf(buf, sizeof buf, "%d", e);
	return buf;
}

/* Records the first failure of the current case. */
static void h_fail(const char *file, int line, const char *expr, int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void h_fail(const char *file, int line, const char *expr, int err, const char *fmt, ...)
{
	char details[512] = "";
	if (h_failed)
		return;
	h_failed = 1;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		details[0] = ' ';
		details[1] = '[';
		vsnprintf(details + 2, sizeof details - 3, fmt, ap);
		va_end(ap);
		strncat(details, "]", sizeof details - strlen(details) - 1);
	}
	snprintf(h_fail_msg, sizeof h_fail_msg, "%s:%d: %s%s (errno=%s)", h_file_base(file), line,
		 expr, details, h_errno_name(err));
}

/* The CHECK macros return from the test function on failure, so use them
 * only in the body of a TEST (or in helpers returning void). */
/* CHECK and CHECK_EQ leave errno alone (an operand may be errno itself):
 * the errno they report is whatever the last failing call left. */
#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			h_fail(__FILE__, __LINE__, #cond, errno, NULL);       \
			return;                                               \
		}                                                             \
	} while (0)

#define CHECK_EQ(a, b)                                                        \
	do {                                                                  \
		long long h_a_ = (long long)(a);                              \
		long long h_b_ = (long long)(b);                              \
		int h_e_ = errno;                                             \
		if (h_a_ != h_b_) {                                           \
			h_fail(__FILE__, __LINE__, #a " == " #b, h_e_,        \
			       "%lld != %lld", h_a_, h_b_);                   \
			return;                                               \
		}                                                             \
	} while (0)

/* A call expected to succeed: returns >= 0 (or not MAP_FAILED-like -1). */
#define CHECK_OK(call)                                                        \
	do {                                                                  \
		errno = 0;                                                    \
		long long h_r_ = (long long)(call);                           \
		if (h_r_ < 0) {                                               \
			h_fail(__FILE__, __LINE__, #call " >= 0", errno,      \
			       "returned %lld", h_r_);                        \
			return;                                               \
		}                                                             \
	} while (0)

/* A call expected to fail with -1 and errno == e. */
#define CHECK_ERRNO(call, e)                                                  \
	do {                                                                  \
		errno = 0;                                                    \
		long long h_r_ = (long long)(call);                           \
		int h_e_ = errno;                                             \
		if (h_r_ != -1 || h_e_ != (e)) {                              \
			h_fail(__FILE__, __LINE__, #call " fails with " #e,   \
			       h_e_, "returned %lld", h_r_);                  \
			return;                                               \
		}                                                             \
	} while (0)

/* Compare two strings (both must be non-NULL). */
#define CHECK_STREQ(a, b)                                                     \
	do {                                                                  \
		const char *h_sa_ = (a), *h_sb_ = (b);                        \
		if (strcmp(h_sa_, h_sb_) != 0) {                              \
			h_fail(__FILE__, __LINE__, #a " equals " #b, 0,       \
			       "\"%.100s\" vs \"%.100s\"", h_sa_, h_sb_);     \
			return;                                               \
		}                                                             \
	} while (0)

/* Mark the case skipped, with a one-line reason, and return from it. */
#define SKIP(...)                                                             \
	do {                                                                  \
		h_skipped = 1;                                                \
		snprintf(h_skip_msg, sizeof h_skip_msg, __VA_ARGS__);         \
		return;                                                       \
	} while (0)

/* Small helpers for test bodies. */

/* Creates (or truncates) path with the given contents; returns 0 or -1. */
__attribute__((unused)) static int h_write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Reads up to cap-1 bytes of path into buf, NUL-terminated; returns the
 * length or -1. */
__attribute__((unused)) static ssize_t h_read_file(const char *path, char *buf, size_t cap)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((size_t)total < cap - 1 && (n = read(fd, buf + total, cap - 1 - total)) > 0)
		total += n;
	close(fd);
	buf[total] = 0;
	return total;
}

/* ---- Sandbox skips, child processes and per-case cleanups ---- */

/* As the first statement of a case: skip the case in the sandbox (the runner
 * sets RVISOR_SANDBOX=<platform> in the sandboxed runs), with a one-line
 * reason naming what the sandbox lacks, e.g. SANDBOX_SKIP("fork (#3)").
 * Natively it does nothing. Remove it when the feature lands. */
#define SANDBOX_SKIP(reason)                                                  \
	do {                                                                  \
		if (getenv("RVISOR_SANDBOX"))                                 \
			SKIP("%s", reason);                                   \
	} while (0)

#define H_MAX_CHILDREN 256
#define H_MAX_DEFERRED 64

/* Children made during the current case (killed and reaped after it). */
static pid_t h_children[H_MAX_CHILDREN];
static int h_nchildren;
/* Set once a case made a child: the harness then sweeps zombies after it. */
static int h_made_children;
/* The harness's own pid: a forked child that returns into main() exits. */
static pid_t h_main_pid;

struct h_deferred {
	void (*fn)(void *);
	void *arg;
};
static struct h_deferred h_deferred[H_MAX_DEFERRED];
static int h_ndeferred;

/* Runs fn(arg) after the current case, however it ended (cleanups run last
 * registered first, before the case's children are killed and reaped). */
__attribute__((unused)) static void h_defer(void (*fn)(void *), void *arg)
{
	if (h_ndeferred < H_MAX_DEFERRED) {
		h_deferred[h_ndeferred].fn = fn;
		h_deferred[h_ndeferred].arg = arg;
		h_ndeferred++;
	}
}

/* Remembers a child made some other way than h_fork (clone, vfork, ...) so
 * the harness kills and reaps it after the case. */
static void h_track(pid_t pid)
{
	h_made_children = 1;
	if (pid > 0 && h_nchildren < H_MAX_CHILDREN)
		h_children[h_nchildren++] = pid;
}

/* In a new child: it owns none of its parent's children or cleanups. */
static void h_in_new_child(void)
{
	h_nchildren = 0;
	h_ndeferred = 0;
}

/* fork() whose child the harness kills and reaps after the case if the case
 * did not reap it itself. */
__attribute__((unused)) static pid_t h_fork(void)
{
	pid_t pid = fork();
	if (pid == 0)
		h_in_new_child();
	else if (pid > 0)
		h_track(pid);
	return pid;
}

static long long h_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* waitpid(pid, status, options) that gives up after timeout_ms: returns what
 * waitpid returns, or 0 with errno = ETIMEDOUT if nothing was reported in
 * time (options must not include WNOHANG: the wait is never unbounded). */
__attribute__((unused)) static pid_t h_waitpid_timeout(pid_t pid, int *status, int options,
						       int timeout_ms)
{
	long long deadline = h_now_ms() + timeout_ms;
	long step_ns = 100000;
	for (;;) {
		pid_t r = waitpid(pid, status, options | WNOHANG);
		if (r != 0)
			return r;
		if (h_now_ms() >= deadline) {
			errno = ETIMEDOUT;
			return 0;
		}
		struct timespec ts = {0, step_ns};
		nanosleep(&ts, NULL);
		if (step_ns < 10000000)
			step_ns *= 2;
	}
}

/* Kills child pid (if it is still an unreaped child of ours: never a
 * stranger that reused its pid) and reaps it. */
static void h_kill_reap(pid_t pid)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (pid <= 0)
		return;
	if (waitid(P_PID, pid, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT | __WALL) <
	    0)
		return; /* Reaped already, or not our child. */
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/* After a case: its cleanups, then its children killed and reaped. */
static void h_after_case(void)
{
	int saved = errno;
	while (h_ndeferred > 0) {
		h_ndeferred--;
		h_deferred[h_ndeferred].fn(h_deferred[h_ndeferred].arg);
	}
	for (int i = 0; i < h_nchildren; i++)
		h_kill_reap(h_children[i]);
	h_nchildren = 0;
	if (h_made_children) {
		/* Zombies the case left (orphans reparented to us included). */
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		h_made_children = 0;
	}
	errno = saved;
}

/* The page a CHECK_CHILD child writes its failure message into. */
static char *h_child_msg;

#define H_CHILD_FAILED 87

/* Runs fn(arg) in a forked child and waits for it (at most timeout_ms). The
 * child's first CHECK failure becomes the case's failure; so does a child
 * that exits non-zero, dies of a signal or runs past the timeout (it is then
 * killed). Returns 0 if the child exited 0, else -1 after recording why. */
__attribute__((unused)) static int h_child_run(const char *file, int line, const char *what,
					       void (*fn)(void *), void *arg, int timeout_ms)
{
	int status = 0;
	pid_t pid, r;
	if (!h_child_msg) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			h_fail(file, line, what, errno, "mmap for the child's message");
			return -1;
		}
		h_child_msg = p;
	}
	h_child_msg[0] = 0;
	pid = h_fork();
	if (pid < 0) {
		h_fail(file, line, what, errno, "fork");
		return -1;
	}
	if (pid == 0) {
		h_failed = 0;
		fn(arg);
		if (h_failed) {
			snprintf(h_child_msg, 4096, "%s", h_fail_msg);
			_exit(H_CHILD_FAILED);
		}
		_exit(0);
	}
	r = h_waitpid_timeout(pid, &status, 0, timeout_ms);
	if (r == 0) {
		h_kill_reap(pid);
		h_fail(file, line, what, 0, "child still running after %d ms: killed", timeout_ms);
		return -1;
	}
	if (r != pid) {
		h_fail(file, line, what, errno, "waitpid returned %d", (int)r);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == H_CHILD_FAILED && h_child_msg[0]) {
		h_fail(file, line, what, 0, "in child: %.400s", h_child_msg);
		return -1;
	}
	if (WIFSIGNALED(status))
		h_fail(file, line, what, 0, "child killed by signal %d", WTERMSIG(status));
	else
		h_fail(file, line, what, 0, "child wait status 0x%x", status);
	return -1;
}

/* Runs `void fn(void *arg)` in a forked child (5 s at most) and fails the
 * case, with the child's own message, unless the child passes. */
#define CHECK_CHILD(fn, arg)                                                  \
	do {                                                                  \
		if (h_child_run(__FILE__, __LINE__, #fn, (fn), (arg), 5000) < 0) \
			return;                                               \
	} while (0)

static void h_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void h_out(const char *fmt, ...)
{
	/* Unbuffered write(2), so every line is out before a later case can crash. */
	char line[1400];
	va_list ap;
	int n, off = 0;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof line)
		n = sizeof line - 1;
	while (off < n) {
		ssize_t w = write(1, line + off, n - off);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return;
		}
		off += w;
	}
}

struct h_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Removes everything inside the directory open as dfd (the fd is consumed). */
static void h_remove_contents(int dfd, int depth)
{
	char buf[4096];
	int removed = 1;
	if (depth > 64) {
		close(dfd);
		return;
	}
	/* Entries are removed while listing; list again from the start until a
	 * pass removes nothing, so a file system that skips entries after an
	 * unlink during readdir still ends up empty. */
	while (removed) {
		removed = 0;
		if (lseek(dfd, 0, SEEK_SET) < 0)
			break;
		for (;;) {
			long n = syscall(SYS_getdents64, dfd, buf, sizeof buf);
			if (n <= 0)
				break;
			for (long off = 0; off < n;) {
				struct h_dirent64 *d = (struct h_dirent64 *)(buf + off);
				struct stat st;
				off += d->d_reclen;
				if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
					continue;
				if (fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
					continue;
				if (S_ISDIR(st.st_mode)) {
					int sub;
					fchmodat(dfd, d->d_name, 0700, 0);
					sub = openat(dfd, d->d_name,
						     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
					if (sub >= 0)
						h_remove_contents(sub, depth + 1);
					if (unlinkat(dfd, d->d_name, AT_REMOVEDIR) == 0)
						removed = 1;
				} else if (unlinkat(dfd, d->d_name, 0) == 0) {
					removed = 1;
				}
			}
		}
	}
	close(dfd);
}

static void h_remove_tree(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		h_remove_contents(fd, 0);
	rmdir(path);
}

static void h_close_fds_above_2(void)
{
	/* close_range may be missing (old kernels, the sandbox): fall back. */
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
}

static int h_cmp_line(const void *a, const void *b)
{
	return ((const struct h_case *)a)->line - ((const struct h_case *)b)->line;
}

/* The family name: the source file's base name without ".c". */
static void h_family(char *out, size_t cap)
{
	const char *base = h_file_base(__BASE_FILE__);
	size_t len = strlen(base);
	if (len > 2 && !strcmp(base + len - 2, ".c"))
		len -= 2;
	if (len >= cap)
		len = cap - 1;
	memcpy(out, base, len);
	out[len] = 0;
}

static int h_selected(const char *family, const char *name, int argc, char **argv, int first)
{
	size_t flen = strlen(family);
	if (first >= argc)
		return 1;
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		if (!strncmp(a, family, flen) && a[flen] == '.')
			a += flen + 1;
		if (!strcmp(a, name))
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char family[64];
	int first = 1, list = 0, nfailed = 0;

	h_argv0 = argv[0];
	h_main_pid = getpid();
	/* Started in a container whose session or group leader lies outside
	 * our pid namespace, getsid/getpgrp answer 0 and the process-group
	 * cases cannot name our group: start a session of our own, as a job
	 * started by a shell would have a visible group. */
	if (getpgrp() == 0 || getsid(0) == 0)
		setsid();
	h_family(family, sizeof family);
	qsort(h_cases, h_ncases, sizeof h_cases[0], h_cmp_line);

	if (argc > 1 && !strcmp(argv[1], "--list")) {
		list = 1;
		first = 2;
	}
	/* Every name asked for must exist: a typo must not pass silently. */
	for (int i = first; i < argc; i++) {
		int found = 0;
		for (int c = 0; c < h_ncases; c++)
			if (h_selected(family, h_cases[c].name, i + 1, argv, i))
				found = 1;
		if (!found) {
			fprintf(stderr, "%s: no test case named %s\n", family, argv[i]);
			return 2;
		}
	}
	if (list) {
		for (int c = 0; c < h_ncases; c++)
			if (h_selected(family, h_cases[c].name, argc, argv, first))
				h_out("%s.%s\n", family, h_cases[c].name);
		return 0;
	}

	h_close_fds_above_2();
	strcpy(h_scratch, "/tmp/rvisor-syscall-XXXXXX");
	if (!mkdtemp(h_scratch)) {
		h_out("FAIL %s.(harness): mkdtemp(/tmp/rvisor-syscall-XXXXXX) (errno=%s)\n", family,
		      h_errno_name(errno));
		return 1;
	}

	for (int c = 0; c < h_ncases; c++) {
		const struct h_case *tc = &h_cases[c];
		if (!h_selected(family, tc->name, argc, argv, first))
			continue;
		h_failed = h_skipped = 0;
		h_fail_msg[0] = h_skip_msg[0] = 0;
		snprintf(h_case_dir, sizeof h_case_dir, "%s/%s", h_scratch, tc->name);
		umask(022);
		if (mkdir(h_case_dir, 0755) < 0 || chdir(h_case_dir) < 0) {
			h_fail(__FILE__, __LINE__, "mkdir+chdir case directory", errno, "%s",
			       h_case_dir);
		} else {
			tc->fn();
		}
		if (getpid() != h_main_pid)
			_exit(h_failed ? H_CHILD_FAILED : 0); /* A child returned from a case. */
		h_after_case();
		h_close_fds_above_2();
		umask(022);
		if (chdir(h_scratch) < 0)
			(void)chdir("/");
		if (h_failed) {
			nfailed++;
			h_out("FAIL %s.%s: %s\n", family, tc->name, h_fail_msg);
		} else if (h_skipped) {
			h_out("SKIP %s.%s: %s\n", family, tc->name, h_skip_msg);
		} else {
			h_out("PASS %s.%s\n", family, tc->name);
		}
	}

	if (chdir("/") < 0)
		return 1;
	h_remove_tree(h_scratch);
	return nfailed ? 1 : 0;
}

#endif /* RVISOR_HARNESS_H */
