/* Credentials and process attributes: set*uid/set*gid/setres*, groups,
 * capabilities (capget/capset, bounding set), and prctl: names, pdeath
 * signal, no_new_privs, dumpable, child subreaper, keepcaps, seccomp mode.
 *
 * Every change of credentials runs in a forked child (CHECK_CHILD), so the
 * test process stays root with all its capabilities. The machines these run
 * on give root every capability but CAP_SYS_RESOURCE, so nothing here
 * depends on that one. */
#include "harness.h"

#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>

#define WAIT_MS 5000

static int sys_capget(struct __user_cap_header_struct *h, struct __user_cap_data_struct *d)
{
	return syscall(SYS_capget, h, d);
}

static int sys_capset(struct __user_cap_header_struct *h, struct __user_cap_data_struct *d)
{
	return syscall(SYS_capset, h, d);
}

/* The three 64-bit capability sets of pid (0: self), or -1. */
struct caps {
	uint64_t eff, perm, inh;
};

static int get_caps(pid_t pid, struct caps *c)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, pid};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	if (sys_capget(&h, d) < 0)
		return -1;
	c->eff = d[0].effective | (uint64_t)d[1].effective << 32;
	c->perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	c->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int set_caps(const struct caps *c)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	d[0].effective = (uint32_t)c->eff;
	d[1].effective = c->eff >> 32;
	d[0].permitted = (uint32_t)c->perm;
	d[1].permitted = c->perm >> 32;
	d[0].inheritable = (uint32_t)c->inh;
	d[1].inheritable = c->inh >> 32;
	return sys_capset(&h, d);
}

#define CAPBIT(c) (1ULL << (c))

#define CHECK_RESUID(r, e, s)                                                 \
	do {                                                                  \
		uid_t r_, e_, s_;                                             \
		CHECK_OK(getresuid(&r_, &e_, &s_));                           \
		CHECK_EQ(r_, r);                                              \
		CHECK_EQ(e_, e);                                              \
		CHECK_EQ(s_, s);                                              \
	} while (0)

#define CHECK_RESGID(r, e, s)                                                 \
	do {                                                                  \
		gid_t r_, e_, s_;                                             \
		CHECK_OK(getresgid(&r_, &e_, &s_));                           \
		CHECK_EQ(r_, r);                                              \
		CHECK_EQ(e_, e);                                              \
		CHECK_EQ(s_, s);                                              \
	} while (0)

/* ---- in the test process: queries only ---- */

TEST(getres_ids_root_and_efault)
{
	CHECK_RESUID(0, 0, 0);
	CHECK_RESGID(0, 0, 0);
	CHECK_ERRNO(syscall(SYS_getresuid, NULL, NULL, NULL), EFAULT);
	CHECK_ERRNO(syscall(SYS_getresgid, (gid_t *)1, NULL, NULL), EFAULT);
}

TEST(setres_minus_one_is_noop)
{
	CHECK_OK(setresuid(-1, -1, -1));
	CHECK_OK(setresgid(-1, -1, -1));
	CHECK_RESUID(0, 0, 0);
	CHECK_RESGID(0, 0, 0);
	/* Setting to the current values changes nothing either. */
	CHECK_OK(setresuid(0, 0, 0));
	CHECK_OK(setuid(0));
	CHECK_RESUID(0, 0, 0);
}

TEST(capget_root_has_core_capabilities)
{
	struct caps c;
	uint64_t want = CAPBIT(CAP_CHOWN) | CAPBIT(CAP_DAC_OVERRIDE) | CAPBIT(CAP_FOWNER) |
			CAPBIT(CAP_KILL) | CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID) |
			CAPBIT(CAP_SETPCAP);
	CHECK_OK(get_caps(0, &c));
	CHECK_EQ(c.eff & want, want);
	CHECK_EQ(c.perm & want, want);
	/* Effective is always a subset of permitted. */
	CHECK_EQ(c.eff & ~c.perm, 0);
	struct caps again;
	CHECK_OK(get_caps(getpid(), &again));
	CHECK_EQ(again.eff, c.eff);
	CHECK_EQ(again.perm, c.perm);
}

TEST(capget_version_negotiation)
{
	struct __user_cap_header_struct h = {0, 0};
	struct __user_cap_data_struct d[2];
	/* An unknown version: EINVAL, and the kernel writes back its preferred one. */
	CHECK_ERRNO(sys_capget(&h, d), EINVAL);
	CHECK_EQ(h.version, _LINUX_CAPABILITY_VERSION_3);
	/* A NULL data pointer just probes the version. */
	h.version = _LINUX_CAPABILITY_VERSION_3;
	h.pid = 0;
	CHECK_OK(sys_capget(&h, NULL));
	/* ...even with a bad version: 0, and the preferred version written back. */
	h.version = 0x12345678;
	CHECK_EQ(sys_capget(&h, NULL), 0);
	CHECK_EQ(h.version, _LINUX_CAPABILITY_VERSION_3);
	CHECK_ERRNO(sys_capget(NULL, d), EFAULT);
}

TEST(capget_errors)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0x3fffffff};
	struct __user_cap_data_struct d[2];
	CHECK_ERRNO(sys_capget(&h, d), ESRCH);
	h.pid = -5;
	CHECK_ERRNO(sys_capget(&h, d), EINVAL);
}

TEST(capset_other_process_eperm)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	CHECK_OK(sys_capget(&h, d));
	/* Only a task's own capabilities can be set. */
	h.pid = getppid() > 0 ? getppid() : 0x3fffffff;
	CHECK_ERRNO(sys_capset(&h, d), EPERM);
	h.version = 0;
	h.pid = 0;
	CHECK_ERRNO(sys_capset(&h, d), EINVAL);
}

TEST(prctl_capbset_read)
{
	CHECK_EQ(prctl(PR_CAPBSET_READ, CAP_CHOWN), 1);
	CHECK_EQ(prctl(PR_CAPBSET_READ, CAP_SETUID), 1);
	CHECK_EQ(prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN), 1);
	CHECK_ERRNO(prctl(PR_CAPBSET_READ, 63), EINVAL);
	CHECK_ERRNO(prctl(PR_CAPBSET_READ, -1), EINVAL);
}

TEST(prctl_get_seccomp_zero)
{
	/* The sandbox's own filters are invisible: the application has none. */
	CHECK_EQ(prctl(PR_GET_SECCOMP), 0);
}

TEST(prctl_unknown_option_einval)
{
	CHECK_ERRNO(prctl(0x7fffffff, 0, 0, 0, 0), EINVAL);
	CHECK_ERRNO(prctl(-1, 0, 0, 0, 0), EINVAL);
	CHECK_ERRNO(prctl(12345, 0, 0, 0, 0), EINVAL);
}

TEST(prctl_get_defaults)
{
	int v = -1;
	CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	CHECK_EQ(prctl(PR_GET_DUMPABLE), 1);
	CHECK_EQ(prctl(PR_GET_KEEPCAPS), 0);
	CHECK_OK(prctl(PR_GET_PDEATHSIG, &v));
	CHECK_EQ(v, 0);
	v = -1;
	CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &v));
	CHECK_EQ(v, 0);
}

static void clear_subreaper(void *arg)
{
	(void)arg;
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST(prctl_child_subreaper_set_get)
{
	int v = -1;
	h_defer(clear_subreaper, NULL);
	CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 1));
	CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &v));
	CHECK_EQ(v, 1);
	/* Any non-zero value means "on". */
	CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 7));
	CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &v));
	CHECK_EQ(v, 1);
	CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 0));
	CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &v));
	CHECK_EQ(v, 0);
	CHECK_ERRNO(prctl(PR_GET_CHILD_SUBREAPER, (int *)1), EFAULT);
}

TEST(prctl_name_exact_and_empty)
{
	char name[32];
	char saved[32] = {0};
	CHECK_OK(prctl(PR_GET_NAME, saved));
	CHECK_OK(prctl(PR_SET_NAME, "fifteen-chars-x"));
	memset(name, 'Z', sizeof name);
	CHECK_OK(prctl(PR_GET_NAME, name));
	CHECK_STREQ(name, "fifteen-chars-x");
	CHECK_OK(prctl(PR_SET_NAME, ""));
	CHECK_OK(prctl(PR_GET_NAME, name));
	CHECK_STREQ(name, "");
	CHECK_ERRNO(prctl(PR_SET_NAME, (char *)1), EFAULT);
	CHECK_OK(prctl(PR_SET_NAME, saved));
}

/* ---- changes, each in a child ---- */

static void setuid_drops_everything(void *arg)
{
	struct caps c;
	(void)arg;
	CHECK_OK(setuid(1000));
	CHECK_RESUID(1000, 1000, 1000);
	CHECK_EQ(getuid(), 1000);
	CHECK_EQ(geteuid(), 1000);
	/* No way back, and no capabilities left. */
	CHECK_ERRNO(setuid(0), EPERM);
	CHECK_ERRNO(seteuid(0), EPERM);
	CHECK_OK(get_caps(0, &c));
	CHECK_EQ(c.eff, 0);
	CHECK_EQ(c.perm, 0);
	/* An unprivileged setuid to its own ids is fine. */
	CHECK_OK(setuid(1000));
}

TEST(setuid_root_to_user)
{
	CHECK_CHILD(setuid_drops_everything, NULL);
}

static void setgid_sets_all(void *arg)
{
	(void)arg;
	CHECK_OK(setgid(1000));
	CHECK_RESGID(1000, 1000, 1000);
	/* Still root: gids can go anywhere. */
	CHECK_OK(setgid(0));
	CHECK_RESGID(0, 0, 0);
	CHECK_OK(setuid(1000));
	CHECK_ERRNO(setgid(5), EPERM);
	CHECK_OK(setgid(0)); /* the real/saved gid is still 0 */
	CHECK_RESGID(0, 0, 0);
}

TEST(setgid_root_and_user)
{
	CHECK_CHILD(setgid_sets_all, NULL);
}

static void seteuid_round_trip(void *arg)
{
	(void)arg;
	CHECK_OK(seteuid(1000));
	CHECK_RESUID(0, 1000, 0);
	/* The saved uid is still 0: back to root. */
	CHECK_OK(seteuid(0));
	CHECK_RESUID(0, 0, 0);
	CHECK_OK(setegid(1000));
	CHECK_RESGID(0, 1000, 0);
	CHECK_OK(setegid(0));
}

TEST(seteuid_and_back)
{
	CHECK_CHILD(seteuid_round_trip, NULL);
}

static void setreuid_rules(void *arg)
{
	(void)arg;
	CHECK_OK(setreuid(1000, 2000));
	/* The real uid changed, so the saved uid follows the new euid. */
	CHECK_RESUID(1000, 2000, 2000);
	CHECK_OK(setreuid(-1, 1000));
	/* euid set to the real uid: saved stays. */
	CHECK_RESUID(1000, 1000, 2000);
	CHECK_OK(setreuid(-1, 2000));
	CHECK_RESUID(1000, 2000, 2000);
	CHECK_ERRNO(setreuid(-1, 0), EPERM);
	CHECK_ERRNO(setreuid(3000, -1), EPERM);
	/* An unprivileged process may swap real and effective. */
	CHECK_OK(setreuid(2000, 1000));
	CHECK_RESUID(2000, 1000, 1000);
}

TEST(setreuid_semantics)
{
	CHECK_CHILD(setreuid_rules, NULL);
}

static void setregid_rules(void *arg)
{
	(void)arg;
	CHECK_OK(setregid(1000, 2000));
	CHECK_RESGID(1000, 2000, 2000);
	CHECK_OK(setregid(-1, 1000));
	CHECK_RESGID(1000, 1000, 2000);
	CHECK_OK(setuid(1000)); /* lose CAP_SETGID */
	CHECK_OK(setregid(-1, 2000));
	CHECK_RESGID(1000, 2000, 2000);
	CHECK_ERRNO(setregid(-1, 0), EPERM);
	CHECK_ERRNO(setregid(3000, -1), EPERM);
}

TEST(setregid_semantics)
{
	CHECK_CHILD(setregid_rules, NULL);
}

static void setresuid_rules(void *arg)
{
	(void)arg;
	CHECK_OK(setresuid(1, 2, 3));
	CHECK_RESUID(1, 2, 3);
	/* Unprivileged now: any permutation of the current ids is allowed. */
	CHECK_OK(setresuid(3, 1, 2));
	CHECK_RESUID(3, 1, 2);
	CHECK_OK(setresuid(-1, 3, -1));
	CHECK_RESUID(3, 3, 2);
	CHECK_ERRNO(setresuid(4, -1, -1), EPERM);
	CHECK_ERRNO(setresuid(-1, 0, -1), EPERM);
	CHECK_ERRNO(setresuid(-1, -1, 0), EPERM);
	CHECK_RESUID(3, 3, 2);
}

TEST(setresuid_semantics)
{
	CHECK_CHILD(setresuid_rules, NULL);
}

static void setresgid_rules(void *arg)
{
	(void)arg;
	CHECK_OK(setresgid(1, 2, 3));
	CHECK_RESGID(1, 2, 3);
	CHECK_OK(setresgid(0, 0, 0)); /* still CAP_SETGID */
	CHECK_OK(setresgid(1, 2, 3));
	CHECK_OK(setresuid(1000, 1000, 1000));
	CHECK_OK(setresgid(3, 1, 2));
	CHECK_RESGID(3, 1, 2);
	CHECK_ERRNO(setresgid(0, -1, -1), EPERM);
	CHECK_ERRNO(setresgid(-1, 9, -1), EPERM);
}

TEST(setresgid_semantics)
{
	CHECK_CHILD(setresgid_rules, NULL);
}

static void fsuid_follows_euid(void *arg)
{
	(void)arg;
	/* setfsuid returns the previous fsuid; -1 only queries. */
	CHECK_EQ(setfsuid(-1), 0);
	CHECK_OK(seteuid(1000));
	CHECK_EQ(setfsuid(-1), 1000);
	CHECK_OK(seteuid(0));
	CHECK_EQ(setfsuid(-1), 0);
	CHECK_EQ(setfsuid(4321), 0);
	CHECK_EQ(setfsuid(-1), 4321);
	CHECK_EQ(setfsgid(77), 0);
	CHECK_EQ(setfsgid(-1), 77);
	CHECK_RESUID(0, 0, 0);
}

TEST(setfsuid_setfsgid)
{
	CHECK_CHILD(fsuid_follows_euid, NULL);
}

static void groups_round_trip(void *arg)
{
	gid_t set[3] = {10, 20, 30}, got[8];
	(void)arg;
	CHECK_OK(setgroups(3, set));
	CHECK_EQ(getgroups(0, NULL), 3);
	CHECK_EQ(getgroups(8, got), 3);
	CHECK_EQ(got[0], 10);
	CHECK_EQ(got[1], 20);
	CHECK_EQ(got[2], 30);
	/* Too small a buffer. */
	CHECK_ERRNO(getgroups(2, got), EINVAL);
	CHECK_OK(setgroups(0, NULL));
	CHECK_EQ(getgroups(0, NULL), 0);
	CHECK_ERRNO(setgroups(65537, set), EINVAL);
	CHECK_ERRNO(setgroups(2, (gid_t *)1), EFAULT);
	/* Groups survive a uid change, but cannot be changed afterwards. */
	CHECK_OK(setgroups(1, set));
	CHECK_OK(setuid(1000));
	CHECK_EQ(getgroups(8, got), 1);
	CHECK_EQ(got[0], 10);
	CHECK_ERRNO(setgroups(1, set), EPERM);
}

TEST(setgroups_getgroups)
{
	CHECK_CHILD(groups_round_trip, NULL);
}

static void keepcaps_keeps_permitted(void *arg)
{
	struct caps c;
	(void)arg;
	CHECK_OK(prctl(PR_SET_KEEPCAPS, 1));
	CHECK_EQ(prctl(PR_GET_KEEPCAPS), 1);
	CHECK_ERRNO(prctl(PR_SET_KEEPCAPS, 2), EINVAL);
	CHECK_OK(setresuid(1000, 1000, 1000));
	CHECK_OK(get_caps(0, &c));
	/* Permitted kept, effective cleared. */
	CHECK_EQ(c.eff, 0);
	CHECK(c.perm & CAPBIT(CAP_SETUID));
	/* Raise CAP_SETUID into effective again, and use it. */
	c.eff = CAPBIT(CAP_SETUID);
	CHECK_OK(set_caps(&c));
	CHECK_OK(setresuid(0, 0, 0));
	CHECK_RESUID(0, 0, 0);
}

TEST(prctl_keepcaps_across_setuid)
{
	CHECK_CHILD(keepcaps_keeps_permitted, NULL);
}

static void capset_effective_gates_chown(void *arg)
{
	struct caps c, all;
	(void)arg;
	CHECK_OK(h_write_file("owned", "x", 1));
	CHECK_OK(get_caps(0, &all));
	c = all;
	c.eff &= ~CAPBIT(CAP_CHOWN);
	CHECK_OK(set_caps(&c));
	CHECK_ERRNO(chown("owned", 1234, -1), EPERM);
	/* Back from permitted into effective. */
	CHECK_OK(set_caps(&all));
	CHECK_OK(chown("owned", 1234, -1));
	struct stat st;
	CHECK_OK(stat("owned", &st));
	CHECK_EQ(st.st_uid, 1234);
}

TEST(capset_effective_gates_privilege)
{
	CHECK_CHILD(capset_effective_gates_chown, NULL);
}

static void capset_cannot_regain(void *arg)
{
	struct caps c, all;
	(void)arg;
	CHECK_OK(get_caps(0, &all));
	c = all;
	c.perm &= ~CAPBIT(CAP_KILL);
	c.eff &= ~CAPBIT(CAP_KILL);
	CHECK_OK(set_caps(&c));
	CHECK_OK(get_caps(0, &c));
	CHECK_EQ(c.perm & CAPBIT(CAP_KILL), 0);
	/* Dropped from permitted: gone for good. */
	CHECK_ERRNO(set_caps(&all), EPERM);
	/* Effective beyond permitted: EPERM too. */
	c.eff |= CAPBIT(CAP_KILL);
	CHECK_ERRNO(set_caps(&c), EPERM);
}

TEST(capset_cannot_raise_permitted)
{
	CHECK_CHILD(capset_cannot_regain, NULL);
}

static void capbset_drop(void *arg)
{
	(void)arg;
	CHECK_EQ(prctl(PR_CAPBSET_READ, CAP_MKNOD), 1);
	CHECK_OK(prctl(PR_CAPBSET_DROP, CAP_MKNOD));
	CHECK_EQ(prctl(PR_CAPBSET_READ, CAP_MKNOD), 0);
	CHECK_ERRNO(prctl(PR_CAPBSET_DROP, 63), EINVAL);
	/* Dropping needs CAP_SETPCAP. */
	struct caps c;
	CHECK_OK(get_caps(0, &c));
	c.eff &= ~CAPBIT(CAP_SETPCAP);
	CHECK_OK(set_caps(&c));
	CHECK_ERRNO(prctl(PR_CAPBSET_DROP, CAP_CHOWN), EPERM);
	CHECK_EQ(prctl(PR_CAPBSET_READ, CAP_CHOWN), 1);
}

TEST(prctl_capbset_drop)
{
	CHECK_CHILD(capbset_drop, NULL);
}

static void capbset_inherited(void *arg)
{
	(void)arg;
	CHECK_OK(prctl(PR_CAPBSET_DROP, CAP_NET_RAW));
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(prctl(PR_CAPBSET_READ, CAP_NET_RAW) == 0 ? 0 : 1);
	int status;
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
}

TEST(prctl_capbset_inherited_by_fork)
{
	CHECK_CHILD(capbset_inherited, NULL);
}

static void no_new_privs(void *arg)
{
	(void)arg;
	CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	CHECK_ERRNO(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL);
	CHECK_OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
	/* One-way. */
	CHECK_ERRNO(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
	CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
	/* Inherited by children. */
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
	int status;
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
}

TEST(prctl_no_new_privs)
{
	CHECK_CHILD(no_new_privs, NULL);
}

static void dumpable(void *arg)
{
	(void)arg;
	CHECK_EQ(prctl(PR_GET_DUMPABLE), 1);
	CHECK_OK(prctl(PR_SET_DUMPABLE, 0));
	CHECK_EQ(prctl(PR_GET_DUMPABLE), 0);
	CHECK_ERRNO(prctl(PR_SET_DUMPABLE, 2), EINVAL);
	CHECK_OK(prctl(PR_SET_DUMPABLE, 1));
	CHECK_EQ(prctl(PR_GET_DUMPABLE), 1);
}

TEST(prctl_dumpable)
{
	CHECK_CHILD(dumpable, NULL);
}

static void dumpable_cleared_by_setuid(void *arg)
{
	(void)arg;
	CHECK_EQ(prctl(PR_GET_DUMPABLE), 1);
	/* Changing the effective uid resets it to fs.suid_dumpable (0). */
	CHECK_OK(seteuid(1000));
	CHECK_EQ(prctl(PR_GET_DUMPABLE), 0);
}

TEST(setuid_clears_dumpable)
{
	char v[8] = "";
	if (h_read_file("/proc/sys/fs/suid_dumpable", v, sizeof v) > 0 && v[0] != '0')
		SKIP("fs.suid_dumpable is %c, not 0", v[0]);
	CHECK_CHILD(dumpable_cleared_by_setuid, NULL);
}

/* PR_SET_PDEATHSIG: the middle child dies, the grandchild gets the signal.
 * We are the subreaper, so the grandchild comes to us and we see how it died. */
static void pdeath_middle(void *arg)
{
	int *p = arg, ready[2];
	char c;
	CHECK_OK(pipe(ready));
	pid_t g = fork();
	CHECK(g >= 0);
	if (g == 0) {
		int v = 0;
		if (prctl(PR_SET_PDEATHSIG, SIGUSR1) < 0 || prctl(PR_GET_PDEATHSIG, &v) < 0 ||
		    v != SIGUSR1)
			_exit(1);
		pid_t me = getpid();
		if (write(p[1], &me, sizeof me) != sizeof me || write(ready[1], "r", 1) != 1)
			_exit(2);
		for (int i = 0; i < 5000; i++)
			usleep(1000);
		_exit(3);
	}
	/* Exit (and so fire the signal) once the grandchild has armed it. */
	close(ready[1]);
	CHECK_EQ(read(ready[0], &c, 1), 1);
}

/* read(2) of exactly len bytes that gives up after 5 s; 0 on success. */
static int read_timeout(int fd, void *buf, size_t len)
{
	long long deadline = h_now_ms() + WAIT_MS;
	size_t got = 0;
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while (got < len && h_now_ms() < deadline) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n > 0)
			got += n;
		else if (n == 0 || errno != EAGAIN)
			break;
		else
			usleep(1000);
	}
	fcntl(fd, F_SETFL, fl);
	return got == len ? 0 : -1;
}

TEST(prctl_pdeathsig)
{
	int p[2], status;
	pid_t g = -1;
	CHECK_OK(pipe(p));
	CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 1));
	h_defer(clear_subreaper, NULL);
	CHECK_CHILD(pdeath_middle, p);
	CHECK_OK(read_timeout(p[0], &g, sizeof g));
	h_track(g);
	CHECK_EQ(h_waitpid_timeout(g, &status, 0, WAIT_MS), g);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGUSR1);
}

static void pdeathsig_rules(void *arg)
{
	int v = -1;
	(void)arg;
	CHECK_ERRNO(prctl(PR_SET_PDEATHSIG, 65), EINVAL);
	CHECK_OK(prctl(PR_SET_PDEATHSIG, SIGTERM));
	/* Not inherited by a child. */
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int w = -1;
		_exit(prctl(PR_GET_PDEATHSIG, &w) == 0 && w == 0 ? 0 : 1);
	}
	int status;
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK_EQ(status, 0);
	/* Cleared by a change of credentials. */
	CHECK_OK(setresuid(1000, 1000, 1000));
	CHECK_OK(prctl(PR_GET_PDEATHSIG, &v));
	CHECK_EQ(v, 0);
}

TEST(prctl_pdeathsig_not_inherited_cleared_by_setuid)
{
	CHECK_CHILD(pdeathsig_rules, NULL);
}

static void unprivileged_kill(void *arg)
{
	(void)arg;
	CHECK_OK(setresuid(1000, 1000, 1000));
	/* Root's processes are out of reach... */
	CHECK_ERRNO(kill(getppid(), 0), EPERM);
	CHECK_ERRNO(kill(getppid(), SIGUSR1), EPERM);
	/* ...its own are not. */
	CHECK_OK(kill(getpid(), 0));
}

TEST(setuid_changes_kill_permission)
{
	CHECK_CHILD(unprivileged_kill, NULL);
}

static void kill_same_uid(void *arg)
{
	(void)arg;
	pid_t pid = h_fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		setresuid(2000, 2000, 2000);
		for (int i = 0; i < 5000; i++)
			usleep(1000);
		_exit(0);
	}
	CHECK_OK(setresuid(2000, 2000, 2000));
	/* Both run as uid 2000 now (the child may not be there yet: retry). */
	int r = -1;
	for (int i = 0; i < 500 && r < 0; i++) {
		r = kill(pid, SIGTERM);
		if (r < 0)
			usleep(1000);
	}
	CHECK_EQ(r, 0);
	int status;
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, WAIT_MS), pid);
	CHECK(WIFSIGNALED(status));
}

TEST(kill_allowed_with_same_uid)
{
	CHECK_CHILD(kill_same_uid, NULL);
}

/* Raw setresuid changes only the calling thread; glibc's wrapper changes
 * every thread (it signals them all to do the same). */
static volatile int thread_uid = -1;
static void *report_euid(void *arg)
{
	(void)arg;
	struct timespec ts = {0, 20 * 1000000L};
	nanosleep(&ts, NULL);
	thread_uid = syscall(SYS_geteuid);
	return NULL;
}

static void *raw_setresuid_thread(void *arg)
{
	(void)arg;
	syscall(SYS_setresuid, -1, 1500, -1);
	thread_uid = syscall(SYS_geteuid);
	return NULL;
}

static void per_thread_credentials(void *arg)
{
	pthread_t t;
	(void)arg;
	CHECK_EQ(pthread_create(&t, NULL, raw_setresuid_thread, NULL), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(thread_uid, 1500);
	CHECK_EQ(geteuid(), 0);
	/* glibc's seteuid applies to the whole process. */
	thread_uid = -1;
	CHECK_EQ(pthread_create(&t, NULL, report_euid, NULL), 0);
	CHECK_OK(seteuid(1600));
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(thread_uid, 1600);
}

TEST(credentials_are_per_thread_in_the_kernel)
{
	CHECK_CHILD(per_thread_credentials, NULL);
}

static void *thread_name(void *arg)
{
	char *out = arg;
	prctl(PR_SET_NAME, "worker-thread");
	prctl(PR_GET_NAME, out);
	return NULL;
}

TEST(prctl_name_is_per_thread)
{
	char mine[32] = {0}, theirs[32] = {0}, after[32] = {0};
	pthread_t t;
	CHECK_OK(prctl(PR_GET_NAME, mine));
	CHECK_EQ(pthread_create(&t, NULL, thread_name, theirs), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_STREQ(theirs, "worker-thread");
	CHECK_OK(prctl(PR_GET_NAME, after));
	CHECK_STREQ(after, mine);
}
