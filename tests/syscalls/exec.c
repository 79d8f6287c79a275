/* execve and execveat: static and dynamic ELF, #! scripts, argv/envp,
 * E2BIG, ENOEXEC, EACCES, close-on-exec, exec from a multithreaded process,
 * what survives an exec (pid, cwd, umask, ignored signals, mask, pending
 * signals, timers, rlimits) and what does not (handlers, other threads,
 * alternate signal stack, comm).
 *
 * The binary doubles as the program it execs: when RVISOR_EXEC_HELPER=<mode>
 * is in its environment, a constructor runs the helper mode instead of the
 * harness, writes what it sees to the file named by RVISOR_EXEC_OUT and
 * exits. Failing execs are tried in the test process itself (a failed
 * execve returns and changes nothing); successful ones run in a child. */
#include "harness.h"

#include <limits.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#define WAIT_MS 5000

/* Absolute path of this binary, worked out before main() changes the cwd. */
static char self_path[PATH_MAX];

/* ---- the helper side ---- */

static int helper_out = -1;

static void hprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void hprintf(const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 1)
		n = sizeof buf - 1;
	if (n > 0 && write(helper_out, buf, n) != n)
		_exit(120);
}

static const char *disposition(int sig)
{
	struct sigaction sa;
	if (sigaction(sig, NULL, &sa) < 0)
		return "error";
	if (sa.sa_handler == SIG_DFL)
		return "dfl";
	if (sa.sa_handler == SIG_IGN)
		return "ign";
	return "handler";
}

/* The word the pre-exec threads keep incrementing (a shared file mapping
 * named by RVISOR_EXEC_COUNTER): if it still moves after the exec, some of
 * them survived it. */
static int counter_still_moving(void)
{
	const char *path = getenv("RVISOR_EXEC_COUNTER");
	int fd = path ? open(path, O_RDONLY) : -1;
	if (fd < 0)
		return -1;
	volatile unsigned *c = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (c == MAP_FAILED)
		return -1;
	unsigned before = *c;
	struct timespec ts = {0, 50 * 1000000L};
	nanosleep(&ts, NULL);
	return *c != before;
}

static void run_helper(const char *mode, int argc, char **argv, char **envp)
{
	const char *out = getenv("RVISOR_EXEC_OUT");
	int fd = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
	/* Out of the way of the low fds the "fds" mode reports on. */
	helper_out = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 100);
	if (helper_out < 0)
		_exit(121);
	close(fd);
	if (!strcmp(mode, "args")) {
		hprintf("argc=%d\n", argc);
		for (int i = 0; i < argc; i++)
			hprintf("[%s]\n", strlen(argv[i]) > 64 ? "long" : argv[i]);
		for (char **e = envp; *e; e++)
			if (strncmp(*e, "RVISOR_EXEC_", 12))
				hprintf("env %s\n", *e);
	} else if (!strcmp(mode, "count")) {
		hprintf("argc=%d last=%s len1=%zu", argc, argv[argc - 1], strlen(argv[1]));
	} else if (!strcmp(mode, "fds")) {
		for (int fd = 3; fd <= 8; fd++) {
			int f = fcntl(fd, F_GETFD);
			hprintf("%d:%s ", fd, f < 0 ? "closed" : (f & FD_CLOEXEC) ? "cloexec" : "open");
		}
	} else if (!strcmp(mode, "sigs")) {
		sigset_t mask, pend;
		sigprocmask(SIG_SETMASK, NULL, &mask);
		sigpending(&pend);
		hprintf("USR1=%s USR2=%s TERM=%s INT=%s%s", disposition(SIGUSR1),
			disposition(SIGUSR2), disposition(SIGTERM),
			sigismember(&mask, SIGINT) ? "blocked" : "unblocked",
			sigismember(&pend, SIGINT) ? ",pending" : "");
	} else if (!strcmp(mode, "ids")) {
		char cwd[PATH_MAX];
		mode_t m = umask(0);
		hprintf("pid=%d ppid=%d tid=%d umask=%03o cwd=%s", getpid(), getppid(), gettid(), m,
			getcwd(cwd, sizeof cwd) ? cwd : "?");
	} else if (!strcmp(mode, "alone")) {
		hprintf("pid=%d tid=%d others=%s", getpid(), gettid(),
			counter_still_moving() == 0 ? "gone" : "alive");
	} else if (!strcmp(mode, "comm")) {
		char name[32] = {0};
		prctl(PR_GET_NAME, name);
		hprintf("%s", name);
	} else if (!strcmp(mode, "auxv")) {
		const char *fn = (const char *)getauxval(AT_EXECFN);
		hprintf("execfn=%s pagesz=%lu secure=%lu random=%d phdr=%d entry=%d", fn ? fn : "?",
			getauxval(AT_PAGESZ), getauxval(AT_SECURE), getauxval(AT_RANDOM) != 0,
			getauxval(AT_PHDR) != 0, getauxval(AT_ENTRY) != 0);
	} else if (!strcmp(mode, "state")) {
		stack_t ss;
		struct rlimit rl;
		unsigned left = alarm(0);
		sigaltstack(NULL, &ss);
		getrlimit(RLIMIT_NOFILE, &rl);
		hprintf("alarm=%s altstack=%s nofile=%llu", left >= 90 && left <= 100 ? "kept" : "lost",
			(ss.ss_flags & SS_DISABLE) ? "disabled" : "enabled",
			(unsigned long long)rl.rlim_cur);
	} else {
		hprintf("unknown mode %s", mode);
	}
	close(helper_out);
	_exit(0);
}

__attribute__((constructor)) static void exec_helper(int argc, char **argv, char **envp)
{
	const char *mode = getenv("RVISOR_EXEC_HELPER");
	if (argc > 0 && argv[0][0] == '/') {
		snprintf(self_path, sizeof self_path, "%s", argv[0]);
	} else if (argc > 0) {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof cwd))
			snprintf(self_path, sizeof self_path, "%.2000s/%.2000s", cwd, argv[0]);
	}
	if (mode)
		run_helper(mode, argc, argv, envp);
}

/* ---- the test side ---- */

static char out_path[PATH_MAX];
static char env_mode[64], env_out[PATH_MAX + 32];

/* The environment a helper gets: its mode, its output file, then extra. */
static char **helper_env(const char *mode, char **extra)
{
	static char *env[16];
	int n = 0;
	snprintf(out_path, sizeof out_path, "%s/helper-out", h_case_dir);
	snprintf(env_mode, sizeof env_mode, "RVISOR_EXEC_HELPER=%s", mode);
	snprintf(env_out, sizeof env_out, "RVISOR_EXEC_OUT=%s", out_path);
	env[n++] = env_mode;
	env[n++] = env_out;
	for (; extra && *extra && n < 15; extra++)
		env[n++] = *extra;
	env[n] = NULL;
	unlink(out_path);
	return env;
}

struct exec_req {
	const char *path;
	char **argv;
	char **envp;
	void (*setup)(void); /* runs in the child just before the exec */
	int stdout_to_out; /* send the child's stdout to out_path */
};

/* Forks, execs req in the child and waits; returns the wait status, or -1
 * (case failed) if the child could not be made or did not finish. */
static int run_exec(const struct exec_req *req)
{
	int status;
	pid_t pid;
	if (req->stdout_to_out) {
		snprintf(out_path, sizeof out_path, "%s/helper-out", h_case_dir);
		unlink(out_path);
	}
	pid = h_fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (req->stdout_to_out) {
			int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(125);
			close(fd);
		}
		if (req->setup)
			req->setup();
		execve(req->path, req->argv, req->envp);
		_exit(126);
	}
	if (h_waitpid_timeout(pid, &status, 0, WAIT_MS) != pid)
		return -1;
	return status;
}

static char out_buf[65536];

/* The helper's (or child's) output, or "" if there is none. */
static const char *helper_output(void)
{
	if (h_read_file(out_path, out_buf, sizeof out_buf) < 0)
		out_buf[0] = 0;
	return out_buf;
}

#define RUN_OK(req)                                                           \
	do {                                                                  \
		int st_ = run_exec(req);                                      \
		CHECK(st_ != -1);                                             \
		CHECK_EQ(st_, 0);                                             \
	} while (0)

/* ---- static and dynamic ELF ---- */

TEST(execve_static_busybox_true_false)
{
	struct exec_req req = {"/bin/busybox", (char *[]){"true", NULL}, (char *[]){NULL}, NULL, 0};
	RUN_OK(&req);
	req.argv = (char *[]){"false", NULL};
	int st = run_exec(&req);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 1);
}

TEST(execve_dynamic_true_false)
{
	struct exec_req req = {"/bin/true", (char *[]){"true", NULL}, (char *[]){NULL}, NULL, 0};
	RUN_OK(&req);
	req.path = "/bin/false";
	req.argv = (char *[]){"false", NULL};
	int st = run_exec(&req);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 1);
}

TEST(execve_static_output)
{
	struct exec_req req = {"/bin/busybox", (char *[]){"echo", "a  b", "c", NULL},
			       (char *[]){NULL}, NULL, 1};
	RUN_OK(&req);
	CHECK_STREQ(helper_output(), "a  b c\n");
}

TEST(execve_dynamic_env_output)
{
	/* env(1) is dynamically linked and prints exactly the envp it got. */
	struct exec_req req = {"/usr/bin/env", (char *[]){"env", NULL},
			       (char *[]){"A=1", "B=two words", "EMPTY=", NULL}, NULL, 1};
	RUN_OK(&req);
	CHECK_STREQ(helper_output(), "A=1\nB=two words\nEMPTY=\n");
}

TEST(execve_argv_envp_exact)
{
	static char big[100000];
	memset(big, 'x', sizeof big - 1);
	struct exec_req req = {self_path, (char *[]){"arg0", "", "two words", big, "-", NULL},
			       helper_env("args", (char *[]){"K=V", "K2=", NULL}), NULL, 0};
	RUN_OK(&req);
	CHECK_STREQ(helper_output(), "argc=5\n[arg0]\n[]\n[two words]\n[long]\n[-]\nenv K=V\nenv K2=\n");
}

TEST(execve_many_args)
{
	static char *argv[5003];
	static char names[5002][8];
	char expect[64];
	argv[0] = "self";
	for (int i = 1; i < 5002; i++) {
		snprintf(names[i], sizeof names[i], "a%d", i);
		argv[i] = names[i];
	}
	argv[5002] = NULL;
	struct exec_req req = {self_path, argv, helper_env("count", NULL), NULL, 0};
	RUN_OK(&req);
	snprintf(expect, sizeof expect, "argc=5002 last=a5001 len1=2");
	CHECK_STREQ(helper_output(), expect);
}

TEST(execve_auxv)
{
	char expect[PATH_MAX + 128];
	struct exec_req req = {self_path, (char *[]){"x", NULL}, helper_env("auxv", NULL), NULL, 0};
	RUN_OK(&req);
	snprintf(expect, sizeof expect, "execfn=%s pagesz=4096 secure=0 random=1 phdr=1 entry=1",
		 self_path);
	CHECK_STREQ(helper_output(), expect);
}

/* ---- failing execs, in the test process itself ---- */

TEST(execve_e2big_single_arg)
{
	static char huge[200000];
	memset(huge, 'y', sizeof huge - 1);
	/* One string longer than MAX_ARG_STRLEN (32 pages). */
	CHECK_ERRNO(execve("/bin/busybox", (char *[]){"true", huge, NULL}, (char *[]){NULL}), E2BIG);
	CHECK_ERRNO(execve("/bin/busybox", (char *[]){"true", NULL}, (char *[]){huge, NULL}), E2BIG);
}

TEST(execve_e2big_total)
{
	static char chunk[100000];
	static char *argv[82];
	memset(chunk, 'z', sizeof chunk - 1);
	argv[0] = "true";
	for (int i = 1; i < 81; i++)
		argv[i] = chunk;
	argv[81] = NULL;
	/* 8 MB of strings: more than the stack limit allows (at most 6 MB). */
	CHECK_ERRNO(execve("/bin/busybox", argv, (char *[]){NULL}), E2BIG);
}

TEST(execve_enoexec)
{
	char elf_junk[64] = "\177ELF";
	CHECK_OK(h_write_file("text", "hello world\n", 12));
	CHECK_OK(chmod("text", 0755));
	CHECK_ERRNO(execve("./text", (char *[]){"text", NULL}, (char *[]){NULL}), ENOEXEC);
	CHECK_OK(h_write_file("empty", "", 0));
	CHECK_OK(chmod("empty", 0755));
	CHECK_ERRNO(execve("./empty", (char *[]){"empty", NULL}, (char *[]){NULL}), ENOEXEC);
	/* An ELF magic with nothing sensible behind it. */
	CHECK_OK(h_write_file("badelf", elf_junk, sizeof elf_junk));
	CHECK_OK(chmod("badelf", 0755));
	CHECK_ERRNO(execve("./badelf", (char *[]){"badelf", NULL}, (char *[]){NULL}), ENOEXEC);
}

TEST(execve_eacces)
{
	CHECK_OK(h_write_file("script", "#!/bin/busybox sh\nexit 0\n", 25));
	CHECK_OK(chmod("script", 0644));
	/* No execute bit at all: EACCES even for root. */
	CHECK_ERRNO(execve("./script", (char *[]){"s", NULL}, (char *[]){NULL}), EACCES);
	CHECK_OK(mkdir("dir", 0755));
	CHECK_ERRNO(execve("./dir", (char *[]){"d", NULL}, (char *[]){NULL}), EACCES);
	CHECK_ERRNO(execve("/dev/null", (char *[]){"n", NULL}, (char *[]){NULL}), EACCES);
}

TEST(execve_path_errors)
{
	CHECK_OK(h_write_file("file", "x", 1));
	CHECK_ERRNO(execve("./missing", (char *[]){"m", NULL}, (char *[]){NULL}), ENOENT);
	CHECK_ERRNO(execve("", (char *[]){"m", NULL}, (char *[]){NULL}), ENOENT);
	CHECK_ERRNO(execve("./file/x", (char *[]){"m", NULL}, (char *[]){NULL}), ENOTDIR);
	CHECK_ERRNO(syscall(SYS_execve, NULL, (char *[]){"m", NULL}, (char *[]){NULL}), EFAULT);
	CHECK_ERRNO(syscall(SYS_execve, "/bin/busybox", (char **)1, (char *[]){NULL}), EFAULT);
	CHECK_ERRNO(syscall(SYS_execve, "/bin/busybox", (char *[]){(char *)1, NULL}, (char *[]){NULL}),
		    EFAULT);
	CHECK_ERRNO(syscall(SYS_execve, "/bin/busybox", (char *[]){"true", NULL}, (char **)1), EFAULT);
}

TEST(execve_failure_changes_nothing)
{
	int keep = open("keep", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	struct sigaction sa, old;
	CHECK(keep >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	CHECK_OK(sigaction(SIGUSR1, &sa, &old));
	CHECK_ERRNO(execve("./missing", (char *[]){"m", NULL}, (char *[]){NULL}), ENOENT);
	CHECK_ERRNO(execve("/bin/busybox", (char *[]){"true", NULL}, (char *[]){(char *)1, NULL}),
		    EFAULT);
	/* Close-on-exec fds and dispositions are untouched by a failed exec. */
	CHECK_EQ(fcntl(keep, F_GETFD), FD_CLOEXEC);
	CHECK_OK(sigaction(SIGUSR1, &old, &sa));
	CHECK(sa.sa_handler == SIG_IGN);
}

TEST(execve_script_without_shebang_enoexec)
{
	/* The kernel does not fall back to a shell (execvp in libc does). */
	CHECK_OK(h_write_file("plain.sh", "exit 0\n", 7));
	CHECK_OK(chmod("plain.sh", 0755));
	CHECK_ERRNO(execve("./plain.sh", (char *[]){"p", NULL}, (char *[]){NULL}), ENOEXEC);
}

TEST(shebang_missing_interpreter_enoent)
{
	CHECK_OK(h_write_file("s", "#!/nonexistent/interp arg\n", 26));
	CHECK_OK(chmod("s", 0755));
	CHECK_ERRNO(execve("./s", (char *[]){"s", NULL}, (char *[]){NULL}), ENOENT);
}

TEST(execveat_symlink_nofollow_eloop)
{
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK_OK(symlink("/bin/busybox", "link"));
	CHECK_ERRNO(syscall(SYS_execveat, dfd, "link", (char *[]){"true", NULL}, (char *[]){NULL},
			    AT_SYMLINK_NOFOLLOW),
		    ELOOP);
}

TEST(execveat_empty_path_directory_eacces)
{
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	/* AT_EMPTY_PATH on a directory fd: not executable. */
	CHECK_ERRNO(syscall(SYS_execveat, dfd, "", (char *[]){"true", NULL}, (char *[]){NULL},
			    AT_EMPTY_PATH),
		    EACCES);
}

TEST(execveat_errors)
{
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK_OK(symlink("/bin/busybox", "link"));
	CHECK_ERRNO(syscall(SYS_execveat, dfd, "link", (char *[]){"true", NULL}, (char *[]){NULL},
			    0x1),
		    EINVAL);
	CHECK_ERRNO(syscall(SYS_execveat, 9999, "link", (char *[]){"true", NULL}, (char *[]){NULL}, 0),
		    EBADF);
	CHECK_ERRNO(syscall(SYS_execveat, dfd, "", (char *[]){"true", NULL}, (char *[]){NULL}, 0),
		    ENOENT);
	CHECK_ERRNO(syscall(SYS_execveat, dfd, "missing", (char *[]){"true", NULL}, (char *[]){NULL},
			    0),
		    ENOENT);
}

/* ---- #! scripts ---- */

static int write_script(const char *name, const char *interp_line)
{
	char text[PATH_MAX + 64];
	int n = snprintf(text, sizeof text, "#!%s\nthis line is never run\n", interp_line);
	if (h_write_file(name, text, n) < 0)
		return -1;
	return chmod(name, 0755);
}

TEST(shebang_with_argument)
{
	char line[PATH_MAX + 32], expect[PATH_MAX + 256];
	/* Everything after the interpreter is one argument, trailing blanks cut. */
	snprintf(line, sizeof line, "%s one two  \t", self_path);
	CHECK_OK(write_script("script", line));
	struct exec_req req = {"./script", (char *[]){"dropped", "a1", "a2", NULL},
			       helper_env("args", NULL), NULL, 0};
	RUN_OK(&req);
	snprintf(expect, sizeof expect, "argc=5\n[%.60s]\n[one two]\n[./script]\n[a1]\n[a2]\n",
		 self_path);
	if (strlen(self_path) > 64)
		snprintf(expect, sizeof expect, "argc=5\n[long]\n[one two]\n[./script]\n[a1]\n[a2]\n");
	CHECK_STREQ(helper_output(), expect);
}

TEST(shebang_without_argument_and_leading_blanks)
{
	char line[PATH_MAX + 32], expect[PATH_MAX + 256];
	snprintf(line, sizeof line, " \t%s", self_path);
	CHECK_OK(write_script("script", line));
	struct exec_req req = {"script", (char *[]){"dropped", "a1", NULL},
			       helper_env("args", NULL), NULL, 0};
	RUN_OK(&req);
	snprintf(expect, sizeof expect, "argc=3\n[%s]\n[script]\n[a1]\n",
		 strlen(self_path) > 64 ? "long" : self_path);
	CHECK_STREQ(helper_output(), expect);
}

TEST(shebang_nested)
{
	char line[PATH_MAX + 32], expect[PATH_MAX + 256];
	snprintf(line, sizeof line, "%s inner", self_path);
	CHECK_OK(write_script("inner", line));
	CHECK_OK(write_script("outer", "./inner outer-arg"));
	struct exec_req req = {"./outer", (char *[]){"dropped", "z", NULL},
			       helper_env("args", NULL), NULL, 0};
	RUN_OK(&req);
	snprintf(expect, sizeof expect, "argc=6\n[%s]\n[inner]\n[./inner]\n[outer-arg]\n[./outer]\n[z]\n",
		 strlen(self_path) > 64 ? "long" : self_path);
	CHECK_STREQ(helper_output(), expect);
}

TEST(shebang_busybox_sh_script)
{
	const char *text = "#!/bin/busybox sh\necho \"$0|$1|$2|$V\"\nexit 3\n";
	CHECK_OK(h_write_file("run.sh", text, strlen(text)));
	CHECK_OK(chmod("run.sh", 0755));
	struct exec_req req = {"./run.sh", (char *[]){"x", "p 1", "p2", NULL},
			       (char *[]){"V=val", NULL}, NULL, 1};
	int st = run_exec(&req);
	CHECK(st != -1);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 3);
	CHECK_STREQ(helper_output(), "./run.sh|p 1|p2|val\n");
}

/* ---- what an exec keeps and drops ---- */

static void setup_fds(void)
{
	int fd;
	/* 3: O_CLOEXEC, 4: plain, 5: F_DUPFD_CLOEXEC, 6: dup3(O_CLOEXEC),
	 * 7: FD_CLOEXEC set then cleared, 8: FD_CLOEXEC set with F_SETFD. */
	for (fd = 3; fd <= 8; fd++)
		close(fd);
	if (open("/dev/null", O_RDONLY | O_CLOEXEC) != 3 || open("/dev/null", O_RDONLY) != 4 ||
	    fcntl(4, F_DUPFD_CLOEXEC, 5) != 5 || dup3(4, 6, O_CLOEXEC) != 6 || dup2(4, 7) != 7 ||
	    fcntl(7, F_SETFD, FD_CLOEXEC) < 0 || fcntl(7, F_SETFD, 0) < 0 || dup2(4, 8) != 8 ||
	    fcntl(8, F_SETFD, FD_CLOEXEC) < 0)
		_exit(124);
}

TEST(close_on_exec)
{
	struct exec_req req = {self_path, (char *[]){"x", NULL}, helper_env("fds", NULL), setup_fds,
			       0};
	RUN_OK(&req);
	CHECK_STREQ(helper_output(), "3:closed 4:open 5:closed 6:closed 7:open 8:closed ");
}

static void setup_ids(void)
{
	umask(027);
	if (chdir("sub") < 0)
		_exit(124);
}

TEST(exec_keeps_pid_ppid_cwd_umask)
{
	char expect[PATH_MAX + 128];
	int status;
	pid_t pid;
	CHECK_OK(mkdir("sub", 0755));
	char **env = helper_env("ids", NULL);
	pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		setup_ids();
		execve(self_path, (char *[]){"x", NULL}, env);
		_exit(126);
	}
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	snprintf(expect, sizeof expect, "pid=%d ppid=%d tid=%d umask=027 cwd=%s/sub", pid,
		 getpid(), pid, h_case_dir);
	CHECK_STREQ(helper_output(), expect);
}

static volatile unsigned *exec_counter;

/* Pre-exec threads: count forever (or until the exec ends them). */
static void *counter_thread(void *arg)
{
	(void)arg;
	for (;;) {
		__atomic_add_fetch(exec_counter, 1, __ATOMIC_RELAXED);
		struct timespec ts = {0, 1000000L};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static char **thread_exec_env;
static void *thread_execs(void *arg)
{
	(void)arg;
	execve(self_path, (char *[]){"x", NULL}, thread_exec_env);
	_exit(126);
}

static char counter_env[PATH_MAX + 32];

/* Sets up the shared counter file and the "alone" helper's environment. */
static int prepare_counter(void)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/counter", h_case_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, 4096) < 0)
		return -1;
	exec_counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (exec_counter == MAP_FAILED)
		return -1;
	snprintf(counter_env, sizeof counter_env, "RVISOR_EXEC_COUNTER=%s", path);
	thread_exec_env = helper_env("alone", (char *[]){counter_env, NULL});
	return 0;
}

/* mode 0: the main thread execs with 3 counting threads alive; mode 1: a
 * non-leader thread execs while the main thread and 3 others count. */
static void exec_with_threads(int mode, pid_t *child)
{
	pid_t pid = h_fork();
	*child = pid;
	if (pid != 0)
		return;
	pthread_t t;
	for (int i = 0; i < 3; i++)
		if (pthread_create(&t, NULL, counter_thread, NULL))
			_exit(123);
	/* Let them get going. */
	while (__atomic_load_n(exec_counter, __ATOMIC_RELAXED) < 20)
		;
	if (mode == 0) {
		execve(self_path, (char *[]){"x", NULL}, thread_exec_env);
		_exit(126);
	}
	if (pthread_create(&t, NULL, thread_execs, NULL))
		_exit(123);
	counter_thread(NULL);
	_exit(122);
}

TEST(exec_from_multithreaded_main_thread)
{
	char expect[128];
	int status;
	pid_t pid;
	CHECK_OK(prepare_counter());
	exec_with_threads(0, &pid);
	CHECK(pid > 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	/* The other threads stopped counting: the exec ended them. */
	snprintf(expect, sizeof expect, "pid=%d tid=%d others=gone", pid, pid);
	CHECK_STREQ(helper_output(), expect);
	munmap((void *)exec_counter, 4096);
}

TEST(exec_from_non_leader_thread)
{
	char expect[128];
	int status;
	pid_t pid;
	CHECK_OK(prepare_counter());
	exec_with_threads(1, &pid);
	CHECK(pid > 0);
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	/* The execing thread takes over the process id; the leader and the
	 * others are gone. */
	snprintf(expect, sizeof expect, "pid=%d tid=%d others=gone", pid, pid);
	CHECK_STREQ(helper_output(), expect);
	munmap((void *)exec_counter, 4096);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void setup_signals(void)
{
	struct sigaction sa;
	sigset_t set;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGINT);
}

TEST(exec_resets_handlers_keeps_ignored_mask_pending)
{
	struct exec_req req = {self_path, (char *[]){"x", NULL}, helper_env("sigs", NULL),
			       setup_signals, 0};
	RUN_OK(&req);
	CHECK_STREQ(helper_output(), "USR1=dfl USR2=ign TERM=dfl INT=blocked,pending");
}

static void setup_state(void)
{
	static char alt[65536];
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
	struct rlimit rl;
	sigaltstack(&ss, NULL);
	alarm(100);
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = 123;
	setrlimit(RLIMIT_NOFILE, &rl);
}

TEST(exec_keeps_alarm_and_rlimits_drops_altstack)
{
	struct exec_req req = {self_path, (char *[]){"x", NULL}, helper_env("state", NULL),
			       setup_state, 0};
	RUN_OK(&req);
	CHECK_STREQ(helper_output(), "alarm=kept altstack=disabled nofile=123");
}

static void setup_comm(void)
{
	prctl(PR_SET_NAME, "before-exec");
}

TEST(exec_sets_comm_from_path)
{
	CHECK_OK(symlink(self_path, "a-rather-long-link-name"));
	struct exec_req req = {"./a-rather-long-link-name", (char *[]){"x", NULL},
			       helper_env("comm", NULL), setup_comm, 0};
	RUN_OK(&req);
	/* The base name of the path given to execve, not of the link target. */
	CHECK_STREQ(helper_output(), "a-rather-long-l");
}

/* ---- execveat ---- */

static int execveat_dirfd = -1;
static const char *execveat_name;
static int execveat_flags;
static char **execveat_env;

static void do_execveat(void)
{
	syscall(SYS_execveat, execveat_dirfd, execveat_name, (char *[]){"x", "y", NULL},
		execveat_env, execveat_flags);
	_exit(126);
}

TEST(execveat_dirfd_relative)
{
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(symlink(self_path, "d/prog"));
	execveat_dirfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK(execveat_dirfd >= 0);
	execveat_name = "prog";
	execveat_flags = 0;
	execveat_env = helper_env("count", NULL);
	/* The child execs from a cwd where "prog" does not exist. */
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		do_execveat();
	int status;
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK_STREQ(helper_output(), "argc=2 last=y len1=1");
}

TEST(execveat_empty_path_fd)
{
	execveat_dirfd = open(self_path, O_RDONLY);
	CHECK(execveat_dirfd >= 0);
	execveat_name = "";
	execveat_flags = AT_EMPTY_PATH;
	execveat_env = helper_env("count", NULL);
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		do_execveat();
	int status;
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK_STREQ(helper_output(), "argc=2 last=y len1=1");
}

TEST(execveat_empty_path_o_path_fd)
{
	execveat_dirfd = open(self_path, O_PATH);
	CHECK(execveat_dirfd >= 0);
	execveat_name = "";
	execveat_flags = AT_EMPTY_PATH;
	execveat_env = helper_env("count", NULL);
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		do_execveat();
	int status;
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK_STREQ(helper_output(), "argc=2 last=y len1=1");
}

TEST(execveat_absolute_path_ignores_dirfd)
{
	execveat_dirfd = 9999; /* Not even an fd: unused for an absolute path. */
	execveat_name = self_path;
	execveat_flags = 0;
	execveat_env = helper_env("count", NULL);
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		do_execveat();
	int status;
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	CHECK_STREQ(helper_output(), "argc=2 last=y len1=1");
}

TEST(execve_text_busy)
{
	/* A file open for writing cannot be executed. */
	char buf[65536];
	ssize_t n;
	int in = open("/bin/busybox", O_RDONLY), out;
	CHECK(in >= 0);
	out = open("copy", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	CHECK(out >= 0);
	while ((n = read(in, buf, sizeof buf)) > 0)
		CHECK_EQ(write(out, buf, n), n);
	close(in);
	CHECK_ERRNO(execve("./copy", (char *[]){"true", NULL}, (char *[]){NULL}), ETXTBSY);
	close(out);
}
