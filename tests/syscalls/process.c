/* Processes: fork, vfork, clone and clone3 (flag sets and invalid
 * combinations), exit vs exit_group, wait4 and waitid, zombies, reparenting
 * to a subreaper, SIGCHLD, process groups and sessions, pidfds.
 *
 * Every child is made with h_fork (or registered with h_track), so the
 * harness kills and reaps whatever a failing case leaves behind; waits are
 * bounded with h_waitpid_timeout. Signals the cases wait for are blocked and
 * collected with sigtimedwait, so no handler is needed. */
#include "harness.h"

#include <linux/futex.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

#define WAIT_MS 5000

/* The clone3 argument block (linux/sched.h has it as struct clone_args). */
struct h_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
		set_tid, set_tid_size, cgroup;
};

static long sys_clone3(struct h_clone_args *args, size_t size)
{
	return syscall(SYS_clone3, args, size);
}

/* Raw clone without a new stack: the child continues like fork's. */
static long sys_clone_nostack(unsigned long flags, int *ptid, int *ctid)
{
	return syscall(SYS_clone, flags, 0UL, ptid, ctid, 0UL);
}

static int sys_pidfd_open(pid_t pid, unsigned flags)
{
	return syscall(SYS_pidfd_open, pid, flags);
}

/* Stacks for children that share our memory (CLONE_VM). */
static char child_stack[4][64 * 1024] __attribute__((aligned(16)));

static void *stack_top(int i)
{
	return child_stack[i] + sizeof child_stack[i];
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Blocks sig for the rest of the case (the old mask comes back after it). */
static sigset_t saved_mask;
static void restore_mask(void *arg)
{
	(void)arg;
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
}
static void block_for_case(int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, &saved_mask);
	h_defer(restore_mask, NULL);
}

/* Drops any pending instance of sig (blocked, so it cannot be delivered). */
static void drain(int sig)
{
	sigset_t set;
	struct timespec zero = {0, 0};
	sigemptyset(&set);
	sigaddset(&set, sig);
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
}

/* Waits (bounded) for sig, which must be blocked; returns its number or -1. */
static int wait_sig(int sig, siginfo_t *si, long ms)
{
	sigset_t set;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigtimedwait(&set, si, &ts);
}

/* Saves and later restores sig's disposition. */
static struct sigaction saved_act[65];
static void restore_act(void *arg)
{
	int sig = (int)(intptr_t)arg;
	sigaction(sig, &saved_act[sig], NULL);
}
static void save_act(int sig)
{
	sigaction(sig, NULL, &saved_act[sig]);
	h_defer(restore_act, (void *)(intptr_t)sig);
}

/* Reads exactly len bytes (bounded by a 5 s poll); 0 on success. */
static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, WAIT_MS) <= 0)
			return -1;
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* ---- fork ---- */

static int fork_counter = 1;

static void child_sees_copy(void *arg)
{
	int *on_heap = arg;
	CHECK_EQ(fork_counter, 1);
	CHECK_EQ(*on_heap, 77);
	fork_counter = 2;
	*on_heap = 78;
}

TEST(fork_child_sees_copy)
{
	int *on_heap = malloc(sizeof *on_heap);
	CHECK(on_heap != NULL);
	*on_heap = 77;
	CHECK_CHILD(child_sees_copy, on_heap);
	/* The child's writes went to its own copy. */
	CHECK_EQ(fork_counter, 1);
	CHECK_EQ(*on_heap, 77);
	free(on_heap);
}

TEST(fork_pids)
{
	int p[2];
	pid_t got[3], pid, me = getpid();
	CHECK_OK(pipe(p));
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		got[0] = getpid();
		got[1] = getppid();
		got[2] = gettid();
		_exit(write(p[1], got, sizeof got) == sizeof got ? 0 : 1);
	}
	CHECK_OK(read_full(p[0], got, sizeof got));
	CHECK_EQ(got[0], pid);
	CHECK_EQ(got[1], me);
	CHECK_EQ(got[2], pid);
	CHECK(pid != me);
	CHECK_EQ(getpid(), me);
}

TEST(fork_exit_status)
{
	int status;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(42);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFEXITED(status));
	CHECK(!WIFSIGNALED(status));
	CHECK_EQ(WEXITSTATUS(status), 42);
}

TEST(exit_status_truncated_to_8_bits)
{
	int status;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(0x1234);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0x34);
}

TEST(fork_shares_file_offset)
{
	int status, fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	pid_t pid;
	CHECK(fd >= 0);
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(write(fd, "abc", 3) == 3 ? 0 : 1);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	/* One open file description: the child's write moved our offset. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3);
	CHECK_EQ(write(fd, "d", 1), 1);
	char buf[8] = {0};
	CHECK_EQ(pread(fd, buf, sizeof buf, 0), 4);
	CHECK_STREQ(buf, "abcd");
}

TEST(fork_pipe_round_trip)
{
	int to_child[2], to_parent[2], status;
	char buf[16] = {0};
	pid_t pid;
	CHECK_OK(pipe(to_child));
	CHECK_OK(pipe(to_parent));
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char c[5];
		close(to_child[1]);
		if (read_full(to_child[0], c, 5) < 0)
			_exit(1);
		for (int i = 0; i < 5; i++)
			c[i] -= 32;
		_exit(write(to_parent[1], c, 5) == 5 ? 0 : 2);
	}
	close(to_child[0]);
	close(to_parent[1]);
	CHECK_EQ(write(to_child[1], "hello", 5), 5);
	CHECK_OK(read_full(to_parent[0], buf, 5));
	CHECK_STREQ(buf, "HELLO");
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	/* The child's write end is gone: EOF. */
	CHECK_EQ(read(to_parent[0], buf, 1), 0);
}

TEST(fork_many_children)
{
	pid_t pids[24];
	int seen[24] = {0};
	for (int i = 0; i < 24; i++) {
		pids[i] = h_fork();
		CHECK(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(i + 1);
	}
	for (int n = 0; n < 24; n++) {
		int status;
		pid_t r = h_waitpid_timeout(-1, &status, 0, WAIT_MS);
		CHECK(r > 0);
		CHECK(WIFEXITED(status));
		int i = WEXITSTATUS(status) - 1;
		CHECK(i >= 0 && i < 24);
		CHECK_EQ(pids[i], r);
		CHECK_EQ(seen[i], 0);
		seen[i] = 1;
	}
	CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
}

static void *thread_forks(void *arg)
{
	int *out = arg;
	pid_t pid = h_fork();
	if (pid == 0)
		_exit(gettid() == getpid() ? 0 : 1);
	out[0] = pid;
	return NULL;
}

TEST(fork_from_thread_child_has_one_thread)
{
	pthread_t t;
	int out[1] = {-1}, status;
	CHECK_EQ(pthread_create(&t, NULL, thread_forks, out), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK(out[0] > 0);
	/* The child is a copy of the forking thread alone: its tid is its pid. */
	CHECK_EQ(h_waitpid_timeout(out[0], &status, 0, WAIT_MS), out[0]);
	CHECK_EQ(status, 0);
}

static void child_mask_and_dispositions(void *arg)
{
	sigset_t cur, pend;
	struct sigaction sa;
	(void)arg;
	CHECK_OK(sigprocmask(SIG_SETMASK, NULL, &cur));
	CHECK(sigismember(&cur, SIGUSR1));
	CHECK_OK(sigaction(SIGUSR2, NULL, &sa));
	CHECK(sa.sa_handler == SIG_IGN);
	/* Pending signals are not inherited. */
	CHECK_OK(sigpending(&pend));
	CHECK(!sigismember(&pend, SIGUSR1));
}

TEST(fork_inherits_mask_and_dispositions_not_pending)
{
	sigset_t pend;
	block_for_case(SIGUSR1);
	save_act(SIGUSR2);
	signal(SIGUSR2, SIG_IGN);
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_OK(sigpending(&pend));
	CHECK(sigismember(&pend, SIGUSR1));
	CHECK_CHILD(child_mask_and_dispositions, NULL);
	drain(SIGUSR1);
}

/* ---- vfork ---- */

static volatile int vfork_flag;

TEST(vfork_parent_waits_for_exit)
{
	int status;
	pid_t pid;
	vfork_flag = 0;
	pid = vfork();
	if (pid == 0) {
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
		vfork_flag = 1; /* Shared memory: the parent sees it. */
		_exit(9);
	}
	h_track(pid);
	CHECK(pid > 0);
	/* We ran again only once the child was gone (its last store is seen). */
	CHECK_EQ(vfork_flag, 1);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 9);
}

TEST(vfork_parent_resumes_at_exec)
{
	int status, p[2];
	pid_t pid;
	char c;
	CHECK_OK(pipe(p));
	pid = vfork();
	if (pid == 0) {
		char *argv[] = {"busybox", "sh", "-c", "read x; exit 5", NULL};
		dup2(p[0], 0);
		execve("/bin/busybox", argv, (char *[]){NULL});
		_exit(127);
	}
	h_track(pid);
	CHECK(pid > 0);
	/* The child execed and now blocks reading: it has not exited, yet we run. */
	CHECK_EQ(waitpid(pid, &status, WNOHANG), 0);
	c = '\n';
	CHECK_EQ(write(p[1], &c, 1), 1);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 5);
}

/* ---- clone ---- */

static volatile int clone_word;
static volatile int clone_fd = -1;

static int child_writes_word(void *arg)
{
	clone_word = (int)(intptr_t)arg;
	return 0;
}

TEST(clone_vm_shares_memory)
{
	int status;
	pid_t pid;
	clone_word = 0;
	pid = clone(child_writes_word, stack_top(0), CLONE_VM | SIGCHLD, (void *)1234);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK_EQ(clone_word, 1234);
}

TEST(clone_without_vm_copies_memory)
{
	int status;
	pid_t pid;
	clone_word = 0;
	pid = clone(child_writes_word, stack_top(0), SIGCHLD, (void *)1234);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK_EQ(clone_word, 0);
}

TEST(clone_raw_fork_like)
{
	int status;
	long pid = sys_clone_nostack(SIGCHLD, NULL, NULL);
	if (pid == 0)
		_exit(getppid() > 0 ? 33 : 1);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 33);
}

static int child_opens(void *arg)
{
	(void)arg;
	clone_fd = open("opened-by-child", O_RDWR | O_CREAT, 0644);
	return clone_fd < 0;
}

TEST(clone_files_shares_fd_table)
{
	int status;
	pid_t pid;
	struct stat st;
	clone_fd = -1;
	pid = clone(child_opens, stack_top(0), CLONE_VM | CLONE_FILES | SIGCHLD, NULL);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK(clone_fd >= 0);
	/* The fd the child opened is in our table too. */
	CHECK_OK(fstat(clone_fd, &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_OK(close(clone_fd));
}

TEST(clone_without_files_copies_fd_table)
{
	int status;
	pid_t pid;
	struct stat st;
	clone_fd = -1;
	pid = clone(child_opens, stack_top(0), CLONE_VM | SIGCHLD, NULL);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK(clone_fd >= 0);
	/* The child's table was its own: the number means nothing here. */
	CHECK_ERRNO(fstat(clone_fd, &st), EBADF);
}

static int child_chdir_umask(void *arg)
{
	(void)arg;
	umask(077);
	return chdir("sub") < 0;
}

TEST(clone_fs_shares_cwd_and_umask)
{
	int status;
	pid_t pid;
	char cwd[600], expect[600];
	CHECK_OK(mkdir("sub", 0755));
	pid = clone(child_chdir_umask, stack_top(0), CLONE_VM | CLONE_FS | SIGCHLD, NULL);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	snprintf(expect, sizeof expect, "%s/sub", h_case_dir);
	CHECK_STREQ(cwd, expect);
	CHECK_EQ(umask(022), 077);
}

TEST(clone_without_fs_copies_cwd)
{
	int status;
	pid_t pid;
	char cwd[600];
	CHECK_OK(mkdir("sub", 0755));
	pid = clone(child_chdir_umask, stack_top(0), CLONE_VM | SIGCHLD, NULL);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK_STREQ(cwd, h_case_dir);
	CHECK_EQ(umask(022), 022);
}

static int child_ignores_usr2(void *arg)
{
	struct sigaction sa;
	(void)arg;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	return syscall(SYS_rt_sigaction, SIGUSR2, &sa, NULL, 8) != 0;
}

TEST(clone_sighand_shares_dispositions)
{
	int status;
	pid_t pid;
	struct sigaction sa;
	save_act(SIGUSR2);
	signal(SIGUSR2, SIG_DFL);
	pid = clone(child_ignores_usr2, stack_top(0), CLONE_VM | CLONE_SIGHAND | SIGCHLD, NULL);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK_OK(sigaction(SIGUSR2, NULL, &sa));
	CHECK(sa.sa_handler == SIG_IGN);
}

TEST(clone_without_sighand_copies_dispositions)
{
	int status;
	pid_t pid;
	struct sigaction sa;
	save_act(SIGUSR2);
	signal(SIGUSR2, SIG_DFL);
	pid = clone(child_ignores_usr2, stack_top(0), CLONE_VM | SIGCHLD, NULL);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK_OK(sigaction(SIGUSR2, NULL, &sa));
	CHECK(sa.sa_handler == SIG_DFL);
}

static volatile pid_t seen_tid;
static int child_reports_tid(void *arg)
{
	(void)arg;
	seen_tid = syscall(SYS_gettid);
	return 0;
}

TEST(clone_parent_settid)
{
	int status;
	pid_t ptid = 0, pid;
	pid = clone(child_reports_tid, stack_top(0), CLONE_VM | CLONE_PARENT_SETTID | SIGCHLD, NULL,
		    &ptid, NULL, NULL);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(ptid, pid);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(seen_tid, pid);
}

static volatile pid_t child_ctid_seen;
static pid_t settid_slot;
static int child_reads_ctid(void *arg)
{
	(void)arg;
	child_ctid_seen = settid_slot;
	return 0;
}

TEST(clone_child_settid)
{
	int status;
	pid_t pid;
	settid_slot = 0;
	child_ctid_seen = 0;
	pid = clone(child_reads_ctid, stack_top(0), CLONE_VM | CLONE_CHILD_SETTID | SIGCHLD, NULL,
		    NULL, NULL, &settid_slot);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	/* Written in the child's memory before it ran any code. */
	CHECK_EQ(child_ctid_seen, pid);
	CHECK_EQ(settid_slot, pid);
}

static int cleartid_slot;
static int child_lingers(void *arg)
{
	struct timespec ts = {0, 30 * 1000000L};
	(void)arg;
	syscall(SYS_nanosleep, &ts, NULL);
	return 0;
}

TEST(clone_child_cleartid_wakes_futex)
{
	int status;
	pid_t pid;
	long long deadline = h_now_ms() + WAIT_MS;
	cleartid_slot = 0;
	pid = clone(child_lingers, stack_top(0),
		    CLONE_VM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, NULL, NULL, NULL,
		    &cleartid_slot);
	h_track(pid);
	CHECK(pid > 0);
	/* Like pthread_join: sleep on the tid word until the exit clears it. */
	for (;;) {
		int v = __atomic_load_n(&cleartid_slot, __ATOMIC_SEQ_CST);
		if (v == 0)
			break;
		CHECK_EQ(v, pid);
		CHECK(h_now_ms() < deadline);
		struct timespec ts = {0, 100 * 1000000L};
		long r = syscall(SYS_futex, &cleartid_slot, FUTEX_WAIT, v, &ts, NULL, 0);
		CHECK(r == 0 || errno == EAGAIN || errno == ETIMEDOUT || errno == EINTR);
	}
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
}

TEST(clone_pidfd_legacy)
{
	int pidfd = -1, status;
	siginfo_t si;
	struct pollfd p;
	long pid = sys_clone_nostack(CLONE_PIDFD | SIGCHLD, &pidfd, NULL);
	if (pid == 0) {
		sleep_ms(30);
		_exit(4);
	}
	h_track(pid);
	CHECK(pid > 0);
	CHECK(pidfd >= 0);
	CHECK_EQ(fcntl(pidfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	p.fd = pidfd;
	p.events = POLLIN;
	CHECK_EQ(poll(&p, 1, WAIT_MS), 1);
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PIDFD, pidfd, &si, WEXITED));
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, 4);
	CHECK_ERRNO(waitpid(pid, &status, WNOHANG), ECHILD);
}

TEST(clone_pidfd_with_parent_settid_same_slot_einval)
{
	int slot = -1;
	/* Legacy clone returns the pidfd through parent_tid: both at once is EINVAL. */
	CHECK_ERRNO(sys_clone_nostack(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, &slot, NULL),
		    EINVAL);
}

static void clone_parent_middle(void *arg)
{
	int *p = arg;
	long pid = sys_clone_nostack(CLONE_PARENT | SIGCHLD, NULL, NULL);
	if (pid == 0) {
		pid_t ppid = getppid();
		if (write(p[1], &ppid, sizeof ppid) != sizeof ppid)
			_exit(1);
		sleep_ms(20);
		_exit(17);
	}
	CHECK(pid > 0);
	pid_t as_pid = pid;
	CHECK_EQ(write(p[1], &as_pid, sizeof as_pid), sizeof as_pid);
	/* Not our child: we cannot wait for it. */
	CHECK_ERRNO(waitpid(pid, NULL, WNOHANG), ECHILD);
}

TEST(clone_parent_makes_sibling)
{
	int p[2], status;
	pid_t sibling, its_parent;
	CHECK_OK(pipe(p));
	CHECK_CHILD(clone_parent_middle, p);
	/* Written in either order: the grandchild's ppid and its pid. */
	pid_t a, b;
	CHECK_OK(read_full(p[0], &a, sizeof a));
	CHECK_OK(read_full(p[0], &b, sizeof b));
	if (a == getpid()) {
		its_parent = a;
		sibling = b;
	} else {
		its_parent = b;
		sibling = a;
	}
	h_track(sibling);
	CHECK_EQ(its_parent, getpid());
	CHECK_EQ(h_waitpid_timeout(sibling, &status, 0, WAIT_MS), sibling);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 17);
}

static int child_lingers_then_writes(void *arg)
{
	struct timespec ts = {0, 30 * 1000000L};
	syscall(SYS_nanosleep, &ts, NULL);
	clone_word = (int)(intptr_t)arg;
	return 0;
}

TEST(clone_vfork_flag_suspends_parent)
{
	int status;
	pid_t pid;
	clone_word = 0;
	pid = clone(child_lingers_then_writes, stack_top(0), CLONE_VM | CLONE_VFORK | SIGCHLD,
		    (void *)8);
	h_track(pid);
	CHECK(pid > 0);
	/* clone returned only once the child was done: its last store is there. */
	CHECK_EQ(clone_word, 8);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
}

TEST(clone_exit_signal_zero_needs_wclone)
{
	int status;
	pid_t pid = clone(child_writes_word, stack_top(0), CLONE_VM, (void *)5);
	h_track(pid);
	CHECK(pid > 0);
	sleep_ms(20);
	/* A "clone" child (exit signal not SIGCHLD) is invisible to plain waits. */
	CHECK_ERRNO(waitpid(pid, &status, WNOHANG), ECHILD);
	CHECK_EQ(h_waitpid_timeout(pid, &status, __WCLONE, WAIT_MS), pid);
	CHECK_EQ(status, 0);
}

TEST(clone_exit_signal_custom)
{
	int status;
	siginfo_t si;
	pid_t pid;
	block_for_case(SIGUSR2);
	drain(SIGUSR2);
	pid = clone(child_writes_word, stack_top(0), CLONE_VM | SIGUSR2, (void *)6);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(wait_sig(SIGUSR2, &si, WAIT_MS), SIGUSR2);
	CHECK_EQ(si.si_code, CLD_EXITED);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, __WALL, WAIT_MS), pid);
}

TEST(clone_invalid_flag_combinations)
{
	/* Each fails before a child exists, so nothing needs reaping. */
	CHECK_ERRNO(sys_clone_nostack(CLONE_SIGHAND | SIGCHLD, NULL, NULL), EINVAL);
	CHECK_ERRNO(sys_clone_nostack(CLONE_THREAD | CLONE_VM | SIGCHLD, NULL, NULL), EINVAL);
	CHECK_ERRNO(sys_clone_nostack(CLONE_NEWNS | CLONE_FS | SIGCHLD, NULL, NULL), EINVAL);
	CHECK_ERRNO(sys_clone_nostack(CLONE_NEWUSER | CLONE_FS | SIGCHLD, NULL, NULL), EINVAL);
	CHECK_ERRNO(sys_clone_nostack(CLONE_NEWPID | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM,
				      NULL, NULL),
		    EINVAL);
	CHECK_ERRNO(sys_clone_nostack(CLONE_NEWUSER | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM,
				      NULL, NULL),
		    EINVAL);
	CHECK_ERRNO(sys_clone_nostack(CLONE_PARENT | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM |
					      CLONE_NEWPID,
				      NULL, NULL),
		    EINVAL);
}

/* Namespaces: natively we are root with every capability and could create
 * them, so the check runs in a child that first gives up root (and with it
 * its capabilities): Linux then refuses with EPERM, which is also what the
 * sandbox must say whether or not it implements the namespace. */
static void unprivileged_namespaces(void *arg)
{
	(void)arg;
	CHECK_OK(setresgid(65534, 65534, 65534));
	CHECK_OK(setresuid(65534, 65534, 65534));
	CHECK_ERRNO(unshare(CLONE_NEWNS), EPERM);
	CHECK_ERRNO(unshare(CLONE_NEWUTS), EPERM);
	CHECK_ERRNO(unshare(CLONE_NEWIPC), EPERM);
	CHECK_ERRNO(unshare(CLONE_NEWNET), EPERM);
	CHECK_ERRNO(unshare(CLONE_NEWPID), EPERM);
	CHECK_ERRNO(sys_clone_nostack(CLONE_NEWNS | SIGCHLD, NULL, NULL), EPERM);
	CHECK_ERRNO(sys_clone_nostack(CLONE_NEWPID | SIGCHLD, NULL, NULL), EPERM);
	CHECK_ERRNO(sys_clone_nostack(CLONE_NEWNET | SIGCHLD, NULL, NULL), EPERM);
}

TEST(clone_namespaces_unprivileged_eperm)
{
	CHECK_CHILD(unprivileged_namespaces, NULL);
}

TEST(unshare_files_fs_and_invalid)
{
	/* Nothing shares our fd table or fs info: unsharing is a no-op that
	 * succeeds. Flags unshare does not know (CLONE_IO here): EINVAL. */
	CHECK_OK(unshare(CLONE_FILES));
	CHECK_OK(unshare(CLONE_FS));
	CHECK_OK(unshare(0));
	CHECK_ERRNO(unshare(CLONE_IO | CLONE_FILES), EINVAL);
}

/* ---- clone3 ---- */

TEST(clone3_basic)
{
	struct h_clone_args args;
	int status;
	long pid;
	memset(&args, 0, sizeof args);
	args.exit_signal = SIGCHLD;
	pid = sys_clone3(&args, 64);
	if (pid == 0)
		_exit(21);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 21);
}

TEST(clone3_pidfd_and_parent_settid)
{
	struct h_clone_args args;
	int pidfd = -1, status;
	pid_t ptid = 0;
	long pid;
	siginfo_t si;
	memset(&args, 0, sizeof args);
	args.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
	args.pidfd = (uintptr_t)&pidfd;
	args.parent_tid = (uintptr_t)&ptid;
	args.exit_signal = SIGCHLD;
	pid = sys_clone3(&args, sizeof args);
	if (pid == 0)
		_exit(22);
	h_track(pid);
	CHECK(pid > 0);
	CHECK_EQ(ptid, pid);
	CHECK(pidfd >= 0);
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PIDFD, pidfd, &si, WEXITED));
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_code, CLD_EXITED);
	CHECK_EQ(si.si_status, 22);
	CHECK_ERRNO(waitpid(pid, &status, WNOHANG), ECHILD);
}

TEST(clone3_vfork_suspends_parent)
{
	struct h_clone_args args;
	int status;
	long pid;
	volatile int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				    -1, 0);
	CHECK(shared != MAP_FAILED);
	memset(&args, 0, sizeof args);
	/* CLONE_VFORK without CLONE_VM: the child runs on a copy of our stack. */
	args.flags = CLONE_VFORK;
	args.exit_signal = SIGCHLD;
	pid = sys_clone3(&args, 64);
	if (pid == 0) {
		sleep_ms(30);
		*shared = 1;
		_exit(23);
	}
	h_track(pid);
	CHECK(pid > 0);
	/* We were suspended until the child's exit: its last store is there. */
	CHECK_EQ(*shared, 1);
	munmap((void *)shared, 4096);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(WEXITSTATUS(status), 23);
}

TEST(clone3_child_settid_and_exit_signal_zero)
{
	struct h_clone_args args;
	int status, p[2];
	pid_t ctid = 0, seen;
	long pid;
	CHECK_OK(pipe(p));
	memset(&args, 0, sizeof args);
	args.flags = CLONE_CHILD_SETTID;
	args.child_tid = (uintptr_t)&ctid;
	pid = sys_clone3(&args, 64);
	if (pid == 0)
		_exit(write(p[1], &ctid, sizeof ctid) == sizeof ctid ? 0 : 1);
	h_track(pid);
	CHECK(pid > 0);
	/* Set in the child's copy of memory only. */
	CHECK_OK(read_full(p[0], &seen, sizeof seen));
	CHECK_EQ(seen, pid);
	CHECK_EQ(ctid, 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, __WALL, WAIT_MS), pid);
	CHECK_EQ(status, 0);
}

TEST(clone3_invalid_arguments)
{
	struct h_clone_args args;
	memset(&args, 0, sizeof args);
	args.exit_signal = SIGCHLD;
	CHECK_ERRNO(sys_clone3(&args, 63), EINVAL); /* Shorter than version 0. */
	CHECK_ERRNO(sys_clone3(NULL, 64), EFAULT);
	args.exit_signal = 65;
	CHECK_ERRNO(sys_clone3(&args, 64), EINVAL);
	args.exit_signal = 0x100 | SIGCHLD;
	CHECK_ERRNO(sys_clone3(&args, 64), EINVAL);
	args.exit_signal = SIGCHLD;
	args.flags = 1ULL << 40;
	CHECK_ERRNO(sys_clone3(&args, 64), EINVAL);
	args.flags = CLONE_SIGHAND;
	CHECK_ERRNO(sys_clone3(&args, 64), EINVAL);
	args.flags = CLONE_THREAD | CLONE_VM;
	CHECK_ERRNO(sys_clone3(&args, 64), EINVAL);
	/* A stack size without a stack. */
	args.flags = 0;
	args.stack_size = 4096;
	CHECK_ERRNO(sys_clone3(&args, 64), EINVAL);
}

TEST(clone3_larger_struct_nonzero_tail_e2big)
{
	struct {
		struct h_clone_args a;
		uint64_t extra;
	} big;
	memset(&big, 0, sizeof big);
	big.a.exit_signal = SIGCHLD;
	big.extra = 1;
	/* Unknown trailing fields must be zero. */
	CHECK_ERRNO(sys_clone3(&big.a, sizeof big), E2BIG);
}

/* ---- exit vs exit_group ---- */

static void *thread_exit_group_later(void *arg)
{
	(void)arg;
	sleep_ms(50);
	syscall(SYS_exit_group, 7);
	return NULL;
}

static void main_thread_exits_alone(void *arg)
{
	pthread_t t;
	(void)arg;
	CHECK_EQ(pthread_create(&t, NULL, thread_exit_group_later, NULL), 0);
	/* exit(2) ends only this thread; the process lives on until exit_group. */
	syscall(SYS_exit, 3);
}

TEST(exit_ends_thread_exit_group_ends_process)
{
	int status;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		main_thread_exits_alone(NULL);
		_exit(1);
	}
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 7);
}

static void *thread_blocks(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

TEST(exit_group_kills_other_threads)
{
	int status;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		pthread_t t[4];
		for (int i = 0; i < 4; i++)
			if (pthread_create(&t[i], NULL, thread_blocks, NULL))
				_exit(1);
		syscall(SYS_exit_group, 5);
	}
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 5);
}

/* ---- wait4 ---- */

TEST(wait4_killed_by_signal)
{
	int status;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFSIGNALED(status));
	CHECK(!WIFEXITED(status));
	CHECK_EQ(WTERMSIG(status), SIGKILL);
	CHECK(!WCOREDUMP(status));
}

TEST(wait4_stopped_and_continued)
{
	int status;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(kill(pid, SIGSTOP));
	CHECK_EQ(h_waitpid_timeout(pid, &status, WUNTRACED, WAIT_MS), pid);
	CHECK(WIFSTOPPED(status));
	CHECK_EQ(WSTOPSIG(status), SIGSTOP);
	/* Reported once. */
	CHECK_EQ(waitpid(pid, &status, WUNTRACED | WNOHANG), 0);
	CHECK_OK(kill(pid, SIGCONT));
	CHECK_EQ(h_waitpid_timeout(pid, &status, WCONTINUED, WAIT_MS), pid);
	CHECK(WIFCONTINUED(status));
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFSIGNALED(status));
}

TEST(wait4_stop_invisible_without_wuntraced)
{
	int status;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(kill(pid, SIGSTOP));
	sleep_ms(30);
	CHECK_EQ(waitpid(pid, &status, WNOHANG), 0);
	/* SIGKILL ends a stopped process too. */
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGKILL);
}

TEST(wait4_wnohang_running_child)
{
	int status = -1, p[2];
	pid_t pid;
	CHECK_OK(pipe(p));
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
	}
	close(p[0]);
	CHECK_EQ(waitpid(pid, &status, WNOHANG), 0);
	CHECK_EQ(wait4(pid, &status, WNOHANG, NULL), 0);
	close(p[1]); /* The child sees EOF and exits. */
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
}

TEST(wait4_echild_and_einval)
{
	int status;
	CHECK_ERRNO(waitpid(-1, &status, WNOHANG), ECHILD);
	CHECK_ERRNO(waitpid(-1, &status, 0), ECHILD);
	CHECK_ERRNO(waitpid(1, &status, WNOHANG), ECHILD);
	/* WNOWAIT and WEXITED are waitid's, not wait4's. */
	CHECK_ERRNO(wait4(-1, &status, WNOWAIT, NULL), EINVAL);
	CHECK_ERRNO(wait4(-1, &status, WEXITED, NULL), EINVAL);
}

TEST(wait4_rusage_of_child)
{
	int status;
	struct rusage ru;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct timespec a, b;
		volatile unsigned long x = 0;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		do {
			for (int i = 0; i < 100000; i++)
				x += i;
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		} while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 30000000L);
		_exit(0);
	}
	memset(&ru, 0, sizeof ru);
	CHECK_EQ(wait4(pid, &status, 0, &ru), pid);
	CHECK_EQ(status, 0);
	/* The child burned 30 ms of CPU: most of it shows up as user time. */
	CHECK(ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec +
		      ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec >=
	      10000);
	CHECK(ru.ru_maxrss > 0);
}

TEST(waitpid_by_process_group)
{
	int status, p[2];
	pid_t a, b;
	char c;
	CHECK_OK(pipe(p));
	a = h_fork();
	CHECK(a >= 0);
	if (a == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 11 : 1);
	}
	b = h_fork();
	CHECK(b >= 0);
	if (b == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 12 : 1);
	}
	close(p[0]);
	CHECK_OK(setpgid(a, a));
	CHECK_OK(setpgid(b, a));
	CHECK_EQ(getpgid(b), a);
	/* None of our children is in our own group any more. */
	CHECK_ERRNO(waitpid(0, &status, WNOHANG), ECHILD);
	CHECK_EQ(waitpid(-a, &status, WNOHANG), 0);
	close(p[1]);
	for (int i = 0; i < 2; i++) {
		pid_t r = h_waitpid_timeout(-a, &status, 0, WAIT_MS);
		CHECK(r == a || r == b);
		CHECK_EQ(WEXITSTATUS(status), r == a ? 11 : 12);
	}
	CHECK_ERRNO(waitpid(-a, &status, WNOHANG), ECHILD);
}

/* ---- waitid ---- */

TEST(waitid_p_all_exited_siginfo)
{
	siginfo_t si;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(13);
	memset(&si, 0xff, sizeof si);
	CHECK_OK(waitid(P_ALL, 0, &si, WEXITED));
	CHECK_EQ(si.si_signo, SIGCHLD);
	CHECK_EQ(si.si_code, CLD_EXITED);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_uid, getuid());
	CHECK_EQ(si.si_status, 13);
	CHECK_EQ(si.si_errno, 0);
}

TEST(waitid_p_pid_killed)
{
	siginfo_t si;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(kill(pid, SIGTERM));
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PID, pid, &si, WEXITED));
	CHECK_EQ(si.si_code, CLD_KILLED);
	CHECK_EQ(si.si_status, SIGTERM);
	CHECK_EQ(si.si_pid, pid);
}

TEST(waitid_wnowait_leaves_child)
{
	siginfo_t si;
	int status;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(14);
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, 14);
	/* Still a zombie we can wait for again, with wait4 this time. */
	CHECK_EQ(kill(pid, 0), 0);
	CHECK_EQ(waitpid(pid, &status, WNOHANG), pid);
	CHECK_EQ(WEXITSTATUS(status), 14);
	CHECK_ERRNO(waitid(P_PID, pid, &si, WEXITED | WNOHANG), ECHILD);
}

TEST(waitid_stopped_and_continued)
{
	siginfo_t si;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(kill(pid, SIGSTOP));
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PID, pid, &si, WSTOPPED));
	CHECK_EQ(si.si_code, CLD_STOPPED);
	CHECK_EQ(si.si_status, SIGSTOP);
	CHECK_EQ(si.si_pid, pid);
	CHECK_OK(kill(pid, SIGCONT));
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PID, pid, &si, WCONTINUED));
	CHECK_EQ(si.si_code, CLD_CONTINUED);
	CHECK_EQ(si.si_status, SIGCONT);
	CHECK_OK(kill(pid, SIGKILL));
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PID, pid, &si, WEXITED));
	CHECK_EQ(si.si_code, CLD_KILLED);
}

TEST(waitid_stop_reported_with_wnowait_twice)
{
	siginfo_t si;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(kill(pid, SIGSTOP));
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT));
	CHECK_EQ(si.si_code, CLD_STOPPED);
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PID, pid, &si, WSTOPPED | WNOHANG));
	CHECK_EQ(si.si_code, CLD_STOPPED);
	/* Consumed now. */
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PID, pid, &si, WSTOPPED | WNOHANG));
	CHECK_EQ(si.si_pid, 0);
}

TEST(waitid_p_pgid)
{
	siginfo_t si;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		_exit(15);
	}
	/* Race-free: set it from this side too (one of the two wins). */
	setpgid(pid, pid);
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PGID, pid, &si, WEXITED));
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, 15);
}

TEST(waitid_p_pidfd)
{
	siginfo_t si;
	int pidfd, status;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(16);
	pidfd = sys_pidfd_open(pid, 0);
	CHECK(pidfd >= 0);
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PIDFD, pidfd, &si, WEXITED));
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, 16);
	CHECK_ERRNO(waitpid(pid, &status, WNOHANG), ECHILD);
	/* A pidfd of a reaped process: nothing left to wait for. */
	CHECK_ERRNO(waitid(P_PIDFD, pidfd, &si, WEXITED | WNOHANG), ECHILD);
}

TEST(waitid_wnohang_nothing_yet)
{
	siginfo_t si;
	int p[2];
	pid_t pid;
	CHECK_OK(pipe(p));
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		_exit(read(p[0], &c, 1));
	}
	close(p[0]);
	memset(&si, 0xff, sizeof si);
	CHECK_EQ(waitid(P_PID, pid, &si, WEXITED | WNOHANG), 0);
	/* No state change: si_pid is zeroed. */
	CHECK_EQ(si.si_pid, 0);
	close(p[1]);
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PID, pid, &si, WEXITED));
	CHECK_EQ(si.si_status, 0);
}

TEST(waitid_invalid_arguments)
{
	siginfo_t si;
	/* No WEXITED/WSTOPPED/WCONTINUED. */
	CHECK_ERRNO(waitid(P_ALL, 0, &si, WNOHANG), EINVAL);
	CHECK_ERRNO(waitid(P_ALL, 0, &si, 0), EINVAL);
	CHECK_ERRNO(waitid((idtype_t)42, 0, &si, WEXITED), EINVAL);
	CHECK_ERRNO(waitid(P_PGID, -1, &si, WEXITED), EINVAL);
	CHECK_ERRNO(waitid(P_PIDFD, 12345, &si, WEXITED), EBADF);
	CHECK_ERRNO(waitid(P_ALL, 0, &si, WEXITED | WNOHANG), ECHILD);
}

/* ---- zombies and reparenting ---- */

TEST(zombie_until_reaped)
{
	int status;
	siginfo_t si;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(0);
	memset(&si, 0, sizeof si);
	CHECK_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
	/* Exited but not reaped: the pid still names it. */
	CHECK_EQ(kill(pid, 0), 0);
	CHECK_EQ(getpgid(pid), getpgrp());
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_ERRNO(kill(pid, 0), ESRCH);
	CHECK_ERRNO(getpgid(pid), ESRCH);
}

static void clear_subreaper(void *arg)
{
	(void)arg;
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/* The middle child: forks a grandchild that reports its parent, then exits. */
static void orphan_maker(int *p)
{
	pid_t mid = getpid();
	pid_t g = fork();
	if (g < 0)
		_exit(1);
	if (g == 0) {
		pid_t now;
		long long deadline = h_now_ms() + WAIT_MS;
		/* Wait for the middle process to go, then report the new parent. */
		while ((now = getppid()) == mid && h_now_ms() < deadline)
			sleep_ms(1);
		pid_t out[2] = {getpid(), now};
		_exit(write(p[1], out, sizeof out) == sizeof out ? 0 : 1);
	}
	_exit(0);
}

TEST(orphan_reparented_to_subreaper)
{
	int p[2], status, flag = -1;
	pid_t mid, out[2];
	CHECK_OK(pipe(p));
	CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 1));
	h_defer(clear_subreaper, NULL);
	CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &flag));
	CHECK_EQ(flag, 1);
	mid = h_fork();
	CHECK(mid >= 0);
	if (mid == 0)
		orphan_maker(p);
	CHECK_EQ(h_waitpid_timeout(mid, &status, 0, WAIT_MS), mid);
	CHECK_OK(read_full(p[0], out, sizeof out));
	h_track(out[0]);
	CHECK_EQ(out[1], getpid());
	/* It is ours now: we reap it. */
	CHECK_EQ(h_waitpid_timeout(out[0], &status, 0, WAIT_MS), out[0]);
	CHECK_EQ(status, 0);
}

TEST(orphan_reparented_elsewhere_without_subreaper)
{
	int p[2], status;
	pid_t mid, out[2];
	CHECK_OK(pipe(p));
	mid = h_fork();
	CHECK(mid >= 0);
	if (mid == 0)
		orphan_maker(p);
	CHECK_EQ(h_waitpid_timeout(mid, &status, 0, WAIT_MS), mid);
	CHECK_OK(read_full(p[0], out, sizeof out));
	CHECK(out[1] != mid);
	if (getpid() == 1) {
		/* We are the pid namespace's init (in a container): ours. */
		CHECK_EQ(out[1], 1);
		h_track(out[0]);
	} else {
		/* Some ancestor's (init or a subreaper), not ours. */
		CHECK(out[1] != getpid());
		CHECK_ERRNO(waitpid(out[0], &status, WNOHANG), ECHILD);
	}
}

/* ---- SIGCHLD ---- */

TEST(sigchld_on_exit_siginfo)
{
	siginfo_t si;
	pid_t pid;
	block_for_case(SIGCHLD);
	drain(SIGCHLD);
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(3);
	CHECK_EQ(wait_sig(SIGCHLD, &si, WAIT_MS), SIGCHLD);
	CHECK_EQ(si.si_signo, SIGCHLD);
	CHECK_EQ(si.si_code, CLD_EXITED);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_uid, getuid());
	CHECK_EQ(si.si_status, 3);
	CHECK_EQ(h_waitpid_timeout(pid, NULL, 0, WAIT_MS), pid);
}

TEST(sigchld_on_kill_siginfo)
{
	siginfo_t si;
	pid_t pid;
	block_for_case(SIGCHLD);
	drain(SIGCHLD);
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_EQ(wait_sig(SIGCHLD, &si, WAIT_MS), SIGCHLD);
	CHECK_EQ(si.si_code, CLD_KILLED);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, SIGKILL);
	CHECK_EQ(h_waitpid_timeout(pid, NULL, 0, WAIT_MS), pid);
}

TEST(sigchld_on_stop_unless_nocldstop)
{
	siginfo_t si;
	struct sigaction sa;
	pid_t pid;
	block_for_case(SIGCHLD);
	save_act(SIGCHLD);
	drain(SIGCHLD);
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(kill(pid, SIGSTOP));
	CHECK_EQ(wait_sig(SIGCHLD, &si, WAIT_MS), SIGCHLD);
	CHECK_EQ(si.si_code, CLD_STOPPED);
	CHECK_EQ(si.si_status, SIGSTOP);
	CHECK_OK(kill(pid, SIGCONT));
	CHECK_EQ(wait_sig(SIGCHLD, &si, WAIT_MS), SIGCHLD);
	CHECK_EQ(si.si_code, CLD_CONTINUED);
	CHECK_EQ(si.si_status, SIGCONT);
	/* With SA_NOCLDSTOP, stops and continues send nothing. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_NOCLDSTOP;
	CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
	CHECK_OK(kill(pid, SIGSTOP));
	CHECK_EQ(h_waitpid_timeout(pid, NULL, WUNTRACED, WAIT_MS), pid);
	CHECK_ERRNO(wait_sig(SIGCHLD, &si, 50), EAGAIN);
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_EQ(wait_sig(SIGCHLD, &si, WAIT_MS), SIGCHLD);
	CHECK_EQ(si.si_code, CLD_KILLED);
}

TEST(sigchld_ignored_autoreaps)
{
	int status;
	pid_t pid;
	save_act(SIGCHLD);
	CHECK(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(0);
	/* wait blocks until the child is gone, then finds no child to report. */
	CHECK_ERRNO(waitpid(pid, &status, 0), ECHILD);
}

TEST(sa_nocldwait_autoreaps)
{
	int status;
	struct sigaction sa;
	pid_t pid;
	save_act(SIGCHLD);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_NOCLDWAIT;
	CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(0);
	CHECK_ERRNO(waitpid(pid, &status, 0), ECHILD);
	CHECK_ERRNO(kill(pid, 0), ESRCH);
}

/* ---- process groups and sessions ---- */

TEST(setpgid_child_own_group)
{
	int p[2];
	pid_t pid;
	CHECK_OK(pipe(p));
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 && getpgrp() == getpid() ? 0 : 1);
	}
	close(p[0]);
	CHECK_EQ(getpgid(pid), getpgrp());
	CHECK_OK(setpgid(pid, 0)); /* 0: the pid itself. */
	CHECK_EQ(getpgid(pid), pid);
	/* And back into ours (same session). */
	CHECK_OK(setpgid(pid, getpgrp()));
	CHECK_EQ(getpgid(pid), getpgrp());
	CHECK_OK(setpgid(pid, pid));
	close(p[1]);
	int status;
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
}

TEST(setpgid_errors)
{
	int p[2];
	pid_t pid;
	CHECK_OK(pipe(p));
	CHECK_ERRNO(setpgid(0, -1), EINVAL);
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		_exit(read(p[0], &c, 1));
	}
	close(p[0]);
	/* A group that does not exist in our session. */
	CHECK_ERRNO(setpgid(pid, 999999), EPERM);
	/* Not our child (nor us), or no such process. */
	if (getppid() > 0)
		CHECK_ERRNO(setpgid(getppid(), 0), ESRCH);
	CHECK_ERRNO(setpgid(0x3fffffff, 0), ESRCH);
	close(p[1]);
	CHECK_EQ(h_waitpid_timeout(pid, NULL, 0, WAIT_MS), pid);
}

TEST(setpgid_after_child_exec_eacces)
{
	int p[2], hold[2];
	pid_t pid;
	char c;
	CHECK_OK(pipe2(p, O_CLOEXEC));
	CHECK_OK(pipe(hold));
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char *argv[] = {"busybox", "sh", "-c", "read x", NULL};
		dup2(hold[0], 0);
		close(hold[1]);
		execve("/bin/busybox", argv, (char *[]){NULL});
		_exit(127);
	}
	close(p[1]);
	/* EOF on the close-on-exec pipe: the exec happened. */
	CHECK_EQ(read(p[0], &c, 1), 0);
	CHECK_ERRNO(setpgid(pid, pid), EACCES);
	close(hold[1]);
	CHECK_EQ(h_waitpid_timeout(pid, NULL, 0, WAIT_MS), pid);
}

static void child_setsid(void *arg)
{
	pid_t me = getpid();
	(void)arg;
	CHECK_EQ(setsid(), me);
	CHECK_EQ(getsid(0), me);
	CHECK_EQ(getpgrp(), me);
	/* Already a group (and session) leader. */
	CHECK_ERRNO(setsid(), EPERM);
	/* A session leader cannot change its group. */
	CHECK_ERRNO(setpgid(0, 0), EPERM);
}

TEST(setsid_in_child)
{
	CHECK_CHILD(child_setsid, NULL);
}

static void child_group_leader_setsid(void *arg)
{
	(void)arg;
	CHECK_OK(setpgid(0, 0));
	CHECK_ERRNO(setsid(), EPERM);
}

TEST(setsid_group_leader_eperm)
{
	CHECK_CHILD(child_group_leader_setsid, NULL);
}

TEST(getsid_of_child_across_setsid)
{
	int go[2], done[2];
	pid_t pid;
	char c;
	CHECK_OK(pipe(go));
	CHECK_OK(pipe(done));
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		setsid();
		if (write(done[1], "x", 1) != 1)
			_exit(1);
		(void)read(go[0], &c, 1);
		_exit(0);
	}
	CHECK_EQ(getsid(pid), getsid(0));
	CHECK_EQ(write(go[1], "x", 1), 1);
	CHECK_OK(read_full(done[0], &c, 1));
	CHECK_EQ(getsid(pid), pid);
	CHECK_EQ(getpgid(pid), pid);
	/* A child in another session cannot be moved into our group. */
	CHECK_ERRNO(setpgid(pid, getpgrp()), EPERM);
	close(go[1]);
	CHECK_EQ(h_waitpid_timeout(pid, NULL, 0, WAIT_MS), pid);
}

TEST(kill_process_group)
{
	pid_t a, b;
	int status;
	a = h_fork();
	CHECK(a >= 0);
	if (a == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(a, a);
	b = h_fork();
	CHECK(b >= 0);
	if (b == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(setpgid(b, a));
	CHECK_OK(kill(-a, SIGTERM));
	for (int i = 0; i < 2; i++) {
		pid_t r = h_waitpid_timeout(-a, &status, 0, WAIT_MS);
		CHECK(r == a || r == b);
		CHECK(WIFSIGNALED(status));
		CHECK_EQ(WTERMSIG(status), SIGTERM);
	}
	CHECK_ERRNO(kill(-a, 0), ESRCH);
}

/* ---- pidfds ---- */

TEST(pidfd_open_poll_exit)
{
	int p[2], fd;
	struct pollfd pf;
	pid_t pid;
	CHECK_OK(pipe(p));
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		_exit(read(p[0], &c, 1));
	}
	close(p[0]);
	fd = sys_pidfd_open(pid, 0);
	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	pf.fd = fd;
	pf.events = POLLIN;
	CHECK_EQ(poll(&pf, 1, 0), 0);
	close(p[1]);
	CHECK_EQ(poll(&pf, 1, WAIT_MS), 1);
	CHECK(pf.revents & POLLIN);
	CHECK_EQ(h_waitpid_timeout(pid, NULL, 0, WAIT_MS), pid);
}

TEST(pidfd_open_errors)
{
	CHECK_ERRNO(sys_pidfd_open(0, 0), EINVAL);
	CHECK_ERRNO(sys_pidfd_open(-1, 0), EINVAL);
	CHECK_ERRNO(sys_pidfd_open(getpid(), 0x1), EINVAL);
	CHECK_ERRNO(sys_pidfd_open(0x3fffffff, 0), ESRCH);
	int fd = sys_pidfd_open(getpid(), PIDFD_NONBLOCK);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

TEST(pidfd_send_signal_kills)
{
	int fd, status;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	fd = sys_pidfd_open(pid, 0);
	CHECK(fd >= 0);
	CHECK_ERRNO(syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0x100), EINVAL);
	CHECK_OK(syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0));
	CHECK_OK(syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0));
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGTERM);
	/* The process is gone: the pidfd stays open but names nothing. */
	CHECK_ERRNO(syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0), ESRCH);
	CHECK_ERRNO(syscall(SYS_pidfd_send_signal, 0, SIGTERM, NULL, 0), EBADF);
}

TEST(pidfd_send_signal_with_siginfo)
{
	int fd, p[2];
	pid_t pid;
	siginfo_t si, got;
	CHECK_OK(pipe(p));
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		struct timespec ts = {5, 0};
		if (sigtimedwait(&set, &got, &ts) != SIGUSR1)
			_exit(2);
		_exit(got.si_code == SI_QUEUE && got.si_value.sival_int == 4242 ? 0 : 3);
	}
	char c;
	CHECK_OK(read_full(p[0], &c, 1));
	fd = sys_pidfd_open(pid, 0);
	CHECK(fd >= 0);
	memset(&si, 0, sizeof si);
	si.si_signo = SIGUSR1;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = 4242;
	CHECK_OK(syscall(SYS_pidfd_send_signal, fd, SIGUSR1, &si, 0));
	int status;
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
}

TEST(pidfd_getfd_or_eperm)
{
	int fd, p[2], hold[2], got;
	pid_t pid;
	CHECK_OK(pipe(p));
	CHECK_OK(pipe(hold));
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char c;
		/* Keep p[1] at a known number (100) and wait. */
		if (dup2(p[1], 100) < 0)
			_exit(1);
		close(hold[1]);
		if (write(100, "", 0) < 0)
			_exit(1);
		_exit(read(hold[0], &c, 1));
	}
	close(hold[0]);
	fd = sys_pidfd_open(pid, 0);
	CHECK(fd >= 0);
	/* Wait until the child has fd 100 (fcntl of our own pidfd cannot say). */
	for (int i = 0; i < 500; i++) {
		got = syscall(SYS_pidfd_getfd, fd, 100, 0);
		if (got >= 0 || errno != EBADF)
			break;
		sleep_ms(2);
	}
	if (got < 0) {
		CHECK_EQ(errno, EPERM);
	} else {
		char buf[4] = {0};
		CHECK(fcntl(got, F_GETFD) & FD_CLOEXEC);
		CHECK_EQ(write(got, "via", 3), 3);
		CHECK_OK(read_full(p[0], buf, 3));
		CHECK_STREQ(buf, "via");
	}
	CHECK_ERRNO(syscall(SYS_pidfd_getfd, fd, 100, 1), EINVAL);
	close(hold[1]);
	CHECK_EQ(h_waitpid_timeout(pid, NULL, 0, WAIT_MS), pid);
}
