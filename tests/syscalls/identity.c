/* Process identity and limits: ids, credentials, uname, umask, getrandom,
 * rlimits, sysinfo, arch_prctl, prctl names, sched_yield. */
#include "harness.h"

#include <asm/prctl.h>
#include <limits.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

TEST(pid_tid_ppid)
{
	pid_t pid = getpid();
	CHECK(pid > 0);
	/* Single-threaded: the thread id is the process id. */
	CHECK_EQ(gettid(), pid);
	CHECK_EQ(syscall(SYS_getpid), pid);
	CHECK_EQ(syscall(SYS_gettid), pid);
	CHECK(getppid() >= 0);
	CHECK(getppid() != pid);
	CHECK_EQ(syscall(SYS_getppid), getppid());
	/* Stable across calls. */
	CHECK_EQ(getpid(), pid);
}

TEST(set_tid_address_returns_tid)
{
	static int slot;
	CHECK_EQ(syscall(SYS_set_tid_address, &slot), gettid());
}

TEST(process_group_and_session)
{
	pid_t pgrp = getpgrp(), sid = getsid(0);
	CHECK(pgrp >= 0); /* 0 when the group leader is outside our pid namespace */
	CHECK(sid >= 0);
	CHECK_EQ(getpgid(0), pgrp);
	CHECK_EQ(getpgid(getpid()), pgrp);
	CHECK_EQ(getsid(getpid()), sid);
	CHECK_ERRNO(getpgid(-1), ESRCH);
}

TEST(uids_consistent)
{
	uid_t r, e, s;
	CHECK_OK(getresuid(&r, &e, &s));
	CHECK_EQ(getuid(), r);
	CHECK_EQ(geteuid(), e);
	CHECK_EQ(syscall(SYS_getuid), r);
	CHECK_EQ(syscall(SYS_geteuid), e);
}

TEST(gids_consistent)
{
	gid_t r, e, s;
	CHECK_OK(getresgid(&r, &e, &s));
	CHECK_EQ(getgid(), r);
	CHECK_EQ(getegid(), e);
	CHECK_EQ(syscall(SYS_getgid), r);
	CHECK_EQ(syscall(SYS_getegid), e);
}

TEST(getgroups_consistent)
{
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(0, NULL);
	CHECK(n >= 0);
	CHECK(n <= NGROUPS_MAX);
	CHECK_EQ(getgroups(NGROUPS_MAX, groups), n);
	CHECK_EQ(syscall(SYS_getgroups, n, groups), n);
	if (n > 0)
		CHECK_ERRNO(syscall(SYS_getgroups, n - 1, groups), EINVAL);
	CHECK_ERRNO(syscall(SYS_getgroups, -1, groups), EINVAL);
}

TEST(setuid_to_self)
{
	/* Setting ids to their current values is allowed for anyone. */
	CHECK_OK(setuid(getuid()));
	CHECK_OK(setgid(getgid()));
	CHECK_OK(seteuid(geteuid()));
	CHECK_EQ(getuid(), geteuid());
}

TEST(uname_fields)
{
	struct utsname u;
	CHECK_OK(uname(&u));
	CHECK_STREQ(u.sysname, "Linux");
	CHECK_STREQ(u.machine, "x86_64");
	CHECK(u.nodename[0] != 0);
	CHECK(u.release[0] >= '1' && u.release[0] <= '9');
	CHECK(strchr(u.release, '.') != NULL);
	CHECK(u.version[0] != 0);
	CHECK_ERRNO(syscall(SYS_uname, (void *)8), EFAULT);
}

TEST(umask_set_get)
{
	struct stat st;
	CHECK_EQ(umask(027), 022);
	CHECK_EQ(umask(077), 027);
	CHECK_OK(h_write_file("f", "", 0));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode & 0777, 0600);
	CHECK_OK(mkdir("d", 0777));
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_mode & 0777, 0700);
	/* Only the permission bits are kept. */
	CHECK_EQ(umask(0777 | 070000), 077);
	CHECK_EQ(umask(022), 0777);
}

TEST(getrandom_fills)
{
	unsigned char a[256], b[256];
	int nonzero = 0;
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	CHECK_EQ(getrandom(a, sizeof a, 0), sizeof a);
	CHECK_EQ(getrandom(b, sizeof b, GRND_NONBLOCK), sizeof b);
	for (size_t i = 0; i < sizeof a; i++)
		nonzero += a[i] != 0;
	/* 256 random bytes with fewer than 200 non-zero is ~impossible. */
	CHECK(nonzero > 200);
	CHECK(memcmp(a, b, sizeof a) != 0);
	CHECK_EQ(syscall(SYS_getrandom, a, 0, 0), 0);
	CHECK_ERRNO(syscall(SYS_getrandom, a, sizeof a, 0x1000), EINVAL);
	CHECK_ERRNO(syscall(SYS_getrandom, (void *)8, 16, 0), EFAULT);
}

TEST(rlimit_nofile)
{
	struct rlimit r, r2, lower;
	CHECK_OK(getrlimit(RLIMIT_NOFILE, &r));
	CHECK(r.rlim_cur >= 3);
	CHECK(r.rlim_cur <= r.rlim_max);
	CHECK_OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &r2));
	CHECK_EQ(r2.rlim_cur, r.rlim_cur);
	CHECK_EQ(r2.rlim_max, r.rlim_max);
	/* Lowering the soft limit takes effect for new fds. */
	lower.rlim_cur = 10;
	lower.rlim_max = r.rlim_max;
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &lower));
	CHECK_OK(getrlimit(RLIMIT_NOFILE, &r2));
	CHECK_EQ(r2.rlim_cur, 10);
	CHECK_ERRNO(dup2(0, 10), EBADF);
	CHECK_ERRNO(fcntl(0, F_DUPFD, 10), EINVAL);
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &r));
	CHECK_EQ(dup2(0, 10), 10);
	/* Soft above hard is invalid. */
	lower.rlim_cur = r.rlim_max;
	lower.rlim_max = r.rlim_max - 1;
	CHECK_ERRNO(setrlimit(RLIMIT_NOFILE, &lower), EINVAL);
}

TEST(rlimit_stack_and_others)
{
	struct rlimit r;
	CHECK_OK(getrlimit(RLIMIT_STACK, &r));
	CHECK(r.rlim_cur >= 64 * 1024 || r.rlim_cur == RLIM_INFINITY);
	CHECK(r.rlim_cur <= r.rlim_max);
	CHECK_OK(getrlimit(RLIMIT_AS, &r));
	CHECK(r.rlim_cur <= r.rlim_max);
	CHECK_OK(getrlimit(RLIMIT_CORE, &r));
	CHECK_ERRNO(syscall(SYS_prlimit64, 0, 1000, NULL, &r), EINVAL);
	CHECK_ERRNO(syscall(SYS_getrlimit, RLIMIT_STACK, (void *)8), EFAULT);
}

TEST(sysinfo_plausible)
{
	struct sysinfo si;
	CHECK_OK(sysinfo(&si));
	CHECK(si.mem_unit >= 1);
	CHECK(si.totalram > 0);
	CHECK(si.freeram <= si.totalram);
	CHECK(si.uptime >= 0);
	CHECK(si.procs >= 1);
	/* At least 16 MiB of RAM. */
	CHECK((unsigned long long)si.totalram * si.mem_unit >= 16ULL << 20);
	CHECK_ERRNO(syscall(SYS_sysinfo, (void *)8), EFAULT);
}

TEST(arch_prctl_fs)
{
	unsigned long fs = 0, self;
	CHECK_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
	CHECK(fs != 0);
	/* glibc's TCB starts with a pointer to itself. */
	__asm__ volatile("mov %%fs:0, %0" : "=r"(self));
	CHECK_EQ(fs, self);
	CHECK_ERRNO(syscall(SYS_arch_prctl, 0x9999, &fs), EINVAL);
}

TEST(arch_prctl_gs_roundtrip)
{
	unsigned long gs = 1;
	CHECK_OK(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs));
	CHECK_OK(syscall(SYS_arch_prctl, ARCH_SET_GS, 0x12345000UL));
	CHECK_OK(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs));
	CHECK_EQ(gs, 0x12345000UL);
	CHECK_OK(syscall(SYS_arch_prctl, ARCH_SET_GS, 0UL));
}

TEST(prctl_name)
{
	char name[32] = {0}, expect[16] = {0};
	const char *base = strrchr(h_argv0, '/');
	base = base ? base + 1 : h_argv0;
	/* comm starts as the executable's base name, cut to 15 bytes. */
	strncpy(expect, base, 15);
	CHECK_OK(prctl(PR_GET_NAME, name));
	CHECK_STREQ(name, expect);
	CHECK_OK(prctl(PR_SET_NAME, "rvisor-test-name-too-long"));
	CHECK_OK(prctl(PR_GET_NAME, name));
	CHECK_STREQ(name, "rvisor-test-nam");
	CHECK_OK(prctl(PR_SET_NAME, expect));
}

TEST(sched_calls)
{
	cpu_set_t set;
	CHECK_EQ(sched_yield(), 0);
	CHECK_EQ(syscall(SYS_sched_yield), 0);
	CHECK_OK(sched_getaffinity(0, sizeof set, &set));
	CHECK(CPU_COUNT(&set) >= 1);
	CHECK_EQ(sched_getscheduler(0), SCHED_OTHER);
}

TEST(getcwd_matches_scratch)
{
	char cwd[PATH_MAX];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK_STREQ(cwd, h_case_dir);
	CHECK(strncmp(cwd, "/tmp/rvisor-syscall-", 20) == 0);
}

TEST(getrusage_self)
{
	struct rusage ru;
	CHECK_OK(getrusage(RUSAGE_SELF, &ru));
	CHECK(ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000);
	CHECK(ru.ru_maxrss > 0);
	CHECK_ERRNO(getrusage(42, &ru), EINVAL);
}
