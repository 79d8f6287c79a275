/* Hands invalid pointers, lengths and flags to each syscall of the
 * processes/threads/signals/timers/memory family and checks each fails
 * with the errno Linux gives. Run natively and in the sandbox: both must
 * print the same lines. Afterwards it forks, execs and waits to show the
 * sandbox is still healthy. Exits non-zero on any mismatch. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BAD ((long)0x10)              /* Never mapped. */
#define KBAD ((long)0xffff800000000000) /* Kernel half. */

static int failures;

static void expect(const char *what, long r, int want)
{
	int got = r < 0 ? errno : 0;
	int ok = r == -1 && got == want;
	printf("%-44s %s%s\n", what, ok ? strerrorname_np(want) : "MISMATCH",
	       ok ? "" : "");
	if (!ok) {
		fprintf(stderr, "%s: returned %ld errno %s, want %s\n", what, r,
			got ? strerrorname_np(got) : "0", strerrorname_np(want));
		failures++;
	}
}

#define E(call, want) expect(#call, (long)(call), want)

int main(void)
{
	uint32_t word = 0;
	uint64_t set = 0;
	struct timespec bad_ts = {0, 2000000000L};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	char buf[64];
	unsigned char cargs[64] = {0};
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Processes. */
	E(syscall(SYS_clone, 0x800 /* SIGHAND without VM */, 0, 0, 0, 0), EINVAL);
	E(syscall(SYS_clone3, NULL, 64), EFAULT);
	E(syscall(SYS_clone3, cargs, 10), EINVAL);
	E(syscall(SYS_execve, BAD, NULL, NULL), EFAULT);
	E(syscall(SYS_execve, "/bin/busybox", BAD, NULL), EFAULT);
	E(syscall(SYS_execveat, AT_FDCWD, "/bin/busybox", NULL, NULL, 0xffff), EINVAL);
	E(syscall(SYS_wait4, -1, NULL, 0x1234567, NULL), EINVAL);
	E(syscall(SYS_waitid, 99, 0, NULL, WEXITED, NULL), EINVAL);
	E(syscall(SYS_waitid, P_ALL, 0, NULL, 0, NULL), EINVAL);
	E(syscall(SYS_setpgid, -1, 0), EINVAL);
	E(syscall(SYS_getpgid, -1), ESRCH);
	E(syscall(SYS_setgroups, -1, NULL), EINVAL);
	E(syscall(SYS_setgroups, 1, BAD), EFAULT);
	E(syscall(SYS_capget, BAD, NULL), EFAULT);
	E(syscall(SYS_capset, BAD, BAD), EFAULT);
	E(syscall(SYS_prctl, 9999, 0, 0, 0, 0), EINVAL);
	E(syscall(SYS_prctl, PR_SET_NAME, BAD, 0, 0, 0), EFAULT);
	E(syscall(SYS_prctl, PR_GET_NAME, KBAD, 0, 0, 0), EFAULT);
	E(syscall(SYS_unshare, 0x80000000 /* CLONE_IO */), EINVAL);
	E(syscall(SYS_pidfd_open, getpid(), 99), EINVAL);
	E(syscall(SYS_pidfd_open, -1, 0), EINVAL);
	E(syscall(SYS_pidfd_send_signal, -1, SIGUSR1, NULL, 0), EBADF);
	E(syscall(SYS_arch_prctl, 0x9999, 0), EINVAL);
	E(syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, BAD), EFAULT);

	/* Threads and futexes. */
	E(syscall(SYS_futex, BAD, 0 /* WAIT */, 0, NULL, NULL, 0), EFAULT);
	E(syscall(SYS_futex, (char *)&word + 1, 0, 0, NULL, NULL, 0), EINVAL);
	E(syscall(SYS_futex, &word, 99, 0, NULL, NULL, 0), ENOSYS);
	E(syscall(SYS_futex, &word, 0, 0, BAD, NULL, 0), EFAULT);
	E(syscall(SYS_futex, &word, 0, 0, &bad_ts, NULL, 0), EINVAL);
	E(syscall(SYS_set_robust_list, &word, 1), EINVAL);
	E(syscall(SYS_get_robust_list, 0, BAD, BAD), EFAULT);
	E(syscall(SYS_sched_setaffinity, 0, 8, BAD), EFAULT);
	E(syscall(SYS_sched_getaffinity, 0, 3, buf), EINVAL);
	E(syscall(SYS_sched_getparam, 0, BAD), EFAULT);
	E(syscall(SYS_sched_setscheduler, 0, 99, &word), EINVAL);
	E(syscall(SYS_getpriority, 99, 0), EINVAL);
	E(syscall(SYS_getcpu, BAD, NULL, NULL), EFAULT);

	/* Signals. */
	E(syscall(SYS_rt_sigaction, SIGUSR1, BAD, NULL, 8), EFAULT);
	E(syscall(SYS_rt_sigaction, SIGUSR1, NULL, BAD, 8), EFAULT);
	E(syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 3), EINVAL);
	E(syscall(SYS_rt_sigaction, SIGKILL, &sa, NULL, 8), EINVAL);
	E(syscall(SYS_rt_sigaction, 65, &sa, NULL, 8), EINVAL);
	E(syscall(SYS_sigaltstack, BAD, NULL), EFAULT);
	E(syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8), EINVAL);
	E(syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD, NULL, 8), EFAULT);
	E(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 3), EINVAL);
	E(syscall(SYS_rt_sigpending, BAD, 8), EFAULT);
	E(syscall(SYS_rt_sigsuspend, BAD, 8), EFAULT);
	E(syscall(SYS_rt_sigsuspend, &set, 3), EINVAL);
	E(syscall(SYS_rt_sigtimedwait, BAD, NULL, NULL, 8), EFAULT);
	E(syscall(SYS_rt_sigtimedwait, &set, NULL, &bad_ts, 8), EINVAL);
	E(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, BAD), EFAULT);
	E(syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGUSR1, BAD), EFAULT);
	E(syscall(SYS_kill, getpid(), 99), EINVAL);
	E(syscall(SYS_tkill, -1, 0), EINVAL);
	E(syscall(SYS_tgkill, 0, gettid(), 0), EINVAL);

	/* Timers and time. */
	E(syscall(SYS_nanosleep, BAD, NULL), EFAULT);
	E(syscall(SYS_nanosleep, &bad_ts, NULL), EINVAL);
	E(syscall(SYS_clock_nanosleep, 999, 0, &bad_ts, NULL), EINVAL);
	E(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BAD, NULL), EFAULT);
	E(syscall(SYS_setitimer, 99, NULL, NULL), EINVAL);
	E(syscall(SYS_setitimer, ITIMER_REAL, BAD, NULL), EFAULT);
	E(syscall(SYS_getitimer, ITIMER_REAL, BAD), EFAULT);
	E(syscall(SYS_timer_create, 999, NULL, buf), EINVAL);
	E(syscall(SYS_timer_create, CLOCK_MONOTONIC, BAD, buf), EFAULT);
	E(syscall(SYS_timer_settime, 12345, 0, BAD, NULL), EFAULT);
	E(syscall(SYS_timer_settime, 12345, 0, buf, NULL), EINVAL);
	E(syscall(SYS_timer_gettime, 12345, buf), EINVAL);
	E(syscall(SYS_timer_getoverrun, 12345), EINVAL);
	E(syscall(SYS_timer_delete, 12345), EINVAL);
	E(syscall(SYS_times, BAD), EFAULT);
	E(syscall(SYS_getrusage, 99, buf), EINVAL);
	E(syscall(SYS_getrusage, RUSAGE_SELF, BAD), EFAULT);
	E(syscall(SYS_clock_gettime, 999, buf), EINVAL);
	E(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD), EFAULT);
	E(syscall(SYS_clock_getres, 999, buf), EINVAL);

	/* Memory. */
	E(syscall(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
	E(syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
	E(syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, 9999, 0), EBADF);
	E(syscall(SYS_mprotect, 1, 4096, PROT_READ), EINVAL);
	E(syscall(SYS_munmap, 1, 4096), EINVAL);
	E(syscall(SYS_mremap, 0x10000, 4096, 8192, 0x80), EINVAL);
	E(syscall(SYS_madvise, 0, 4096, 999), EINVAL);
	E(syscall(SYS_mincore, 1, 4096, buf), EINVAL);
	E(syscall(SYS_mlock2, buf, 16, 0x10), EINVAL);
	E(syscall(SYS_msync, 1, 4096, MS_SYNC), EINVAL);

	/* Still healthy: fork, exec and wait work. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/busybox", "busybox", "echo", "healthy after bad arguments", (char *)NULL);
		_exit(127);
	}
	int status = -1;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0) {
		printf("fork/exec/wait broken: pid=%d status=%d\n", pid, status);
		failures++;
	}
	printf("%d mismatches\n", failures);
	return failures != 0;
}
