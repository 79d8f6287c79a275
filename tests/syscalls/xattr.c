/* Extended attributes: the get/set/list/removexattr families, their flags,
 * limits and namespace rules (user.*, trusted.*, security.*). */
#include "harness.h"

#include <grp.h>
#include <sys/xattr.h>

/* Whether list (n bytes of NUL-terminated names) holds name. */
static int list_has(const char *list, ssize_t n, const char *name)
{
	for (ssize_t i = 0; i < n; i += strlen(list + i) + 1)
		if (strcmp(list + i, name) == 0)
			return 1;
	return 0;
}

static int make_file(const char *path)
{
	return h_write_file(path, "data", 4);
}

/* Drops to uid/gid 1000 with no supplementary groups (in a child). */
static int drop_to_user(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(1000, 1000, 1000) < 0 ||
	    setresuid(1000, 1000, 1000) < 0)
		return -1;
	return 0;
}

TEST(set_get_roundtrip)
{
	char buf[64];
	CHECK_OK(make_file("f"));
	CHECK_OK(setxattr("f", "user.color", "blue", 4, 0));
	memset(buf, 0, sizeof buf);
	CHECK_EQ(getxattr("f", "user.color", buf, sizeof buf), 4);
	CHECK(memcmp(buf, "blue", 4) == 0);
	/* Replacing the value changes it and its length. */
	CHECK_OK(setxattr("f", "user.color", "green!", 6, 0));
	CHECK_EQ(getxattr("f", "user.color", buf, sizeof buf), 6);
	CHECK(memcmp(buf, "green!", 6) == 0);
}

TEST(size_zero_queries_length)
{
	CHECK_OK(make_file("f"));
	CHECK_OK(setxattr("f", "user.k", "0123456789", 10, 0));
	CHECK_EQ(getxattr("f", "user.k", NULL, 0), 10);
	CHECK_EQ(lgetxattr("f", "user.k", NULL, 0), 10);
}

TEST(small_buffer_is_erange)
{
	char buf[4];
	CHECK_OK(make_file("f"));
	CHECK_OK(setxattr("f", "user.k", "0123456789", 10, 0));
	CHECK_ERRNO(getxattr("f", "user.k", buf, sizeof buf), ERANGE);
	CHECK_ERRNO(listxattr("f", buf, 3), ERANGE);
}

TEST(empty_value)
{
	char buf[8];
	CHECK_OK(make_file("f"));
	CHECK_OK(setxattr("f", "user.empty", "", 0, 0));
	CHECK_EQ(getxattr("f", "user.empty", buf, sizeof buf), 0);
	CHECK_EQ(getxattr("f", "user.empty", NULL, 0), 0);
}

TEST(create_flag_eexist)
{
	char buf[8];
	CHECK_OK(make_file("f"));
	CHECK_OK(setxattr("f", "user.a", "1", 1, XATTR_CREATE));
	CHECK_ERRNO(setxattr("f", "user.a", "2", 1, XATTR_CREATE), EEXIST);
	CHECK_EQ(getxattr("f", "user.a", buf, sizeof buf), 1);
	CHECK_EQ(buf[0], '1');
}

TEST(replace_flag_enodata)
{
	char buf[8];
	CHECK_OK(make_file("f"));
	CHECK_ERRNO(setxattr("f", "user.a", "1", 1, XATTR_REPLACE), ENODATA);
	CHECK_ERRNO(getxattr("f", "user.a", buf, sizeof buf), ENODATA);
	CHECK_OK(setxattr("f", "user.a", "1", 1, 0));
	CHECK_OK(setxattr("f", "user.a", "2", 1, XATTR_REPLACE));
	CHECK_EQ(getxattr("f", "user.a", buf, sizeof buf), 1);
	CHECK_EQ(buf[0], '2');
}

TEST(bad_flags_einval)
{
	CHECK_OK(make_file("f"));
	CHECK_ERRNO(setxattr("f", "user.a", "1", 1, 4), EINVAL);
	CHECK_ERRNO(setxattr("f", "user.a", "1", 1, 0x100), EINVAL);
	CHECK_ERRNO(getxattr("f", "user.a", NULL, 0), ENODATA);
}

TEST(missing_is_enodata)
{
	CHECK_OK(make_file("f"));
	CHECK_ERRNO(getxattr("f", "user.nothere", NULL, 0), ENODATA);
	CHECK_ERRNO(removexattr("f", "user.nothere"), ENODATA);
}

TEST(remove)
{
	char list[256];
	CHECK_OK(make_file("f"));
	CHECK_OK(setxattr("f", "user.a", "1", 1, 0));
	CHECK_OK(setxattr("f", "user.b", "2", 1, 0));
	CHECK_OK(removexattr("f", "user.a"));
	CHECK_ERRNO(getxattr("f", "user.a", NULL, 0), ENODATA);
	CHECK_ERRNO(removexattr("f", "user.a"), ENODATA);
	ssize_t n = listxattr("f", list, sizeof list);
	CHECK(n >= 0);
	CHECK(!list_has(list, n, "user.a"));
	CHECK(list_has(list, n, "user.b"));
}

TEST(list_names)
{
	char list[256];
	CHECK_OK(make_file("f"));
	CHECK_OK(setxattr("f", "user.one", "1", 1, 0));
	CHECK_OK(setxattr("f", "user.two", "22", 2, 0));
	ssize_t want = listxattr("f", NULL, 0);
	CHECK(want >= (ssize_t)(sizeof "user.one" + sizeof "user.two"));
	ssize_t n = listxattr("f", list, sizeof list);
	CHECK_EQ(n, want);
	CHECK_EQ(list[n - 1], 0);
	CHECK(list_has(list, n, "user.one"));
	CHECK(list_has(list, n, "user.two"));
	CHECK_EQ(llistxattr("f", list, sizeof list), n);
}

TEST(list_fresh_file_has_no_user_names)
{
	char list[256];
	CHECK_OK(make_file("f"));
	ssize_t n = listxattr("f", list, sizeof list);
	CHECK(n >= 0);
	for (ssize_t i = 0; i < n; i += strlen(list + i) + 1)
		CHECK(strncmp(list + i, "user.", 5) != 0);
}

TEST(name_length_limits)
{
	char name[300];
	CHECK_OK(make_file("f"));
	CHECK_ERRNO(setxattr("f", "", "1", 1, 0), ERANGE);
	CHECK_ERRNO(getxattr("f", "", NULL, 0), ERANGE);
	CHECK_ERRNO(removexattr("f", ""), ERANGE);
	/* 255 bytes is the longest name. */
	strcpy(name, "user.");
	memset(name + 5, 'n', 250);
	name[255] = 0;
	CHECK_OK(setxattr("f", name, "1", 1, 0));
	CHECK_EQ(getxattr("f", name, NULL, 0), 1);
	memset(name + 5, 'n', 251);
	name[256] = 0;
	CHECK_ERRNO(setxattr("f", name, "1", 1, 0), ERANGE);
	CHECK_ERRNO(getxattr("f", name, NULL, 0), ERANGE);
}

TEST(value_too_big_e2big)
{
	static char big[65537];
	CHECK_OK(make_file("f"));
	CHECK_ERRNO(setxattr("f", "user.big", big, sizeof big, 0), E2BIG);
	/* A value of a few kilobytes fits everywhere. */
	memset(big, 'v', 2000);
	CHECK_OK(setxattr("f", "user.mid", big, 2000, 0));
	CHECK_EQ(getxattr("f", "user.mid", NULL, 0), 2000);
}

TEST(bad_pointers_efault)
{
	char buf[8];
	/* Raw syscalls: glibc's prototypes would make gcc refuse bad buffers. */
	CHECK_OK(make_file("f"));
	CHECK_ERRNO(syscall(SYS_setxattr, "f", (const char *)1, "1", 1, 0), EFAULT);
	CHECK_ERRNO(syscall(SYS_setxattr, "f", "user.a", (const void *)1, 1, 0), EFAULT);
	CHECK_ERRNO(syscall(SYS_getxattr, "f", (const char *)1, buf, sizeof buf), EFAULT);
	CHECK_ERRNO(syscall(SYS_getxattr, (const char *)1, "user.a", buf, sizeof buf), EFAULT);
	CHECK_OK(setxattr("f", "user.a", "1", 1, 0));
	CHECK_ERRNO(syscall(SYS_getxattr, "f", "user.a", (void *)1, 8), EFAULT);
	CHECK_ERRNO(syscall(SYS_listxattr, "f", (char *)1, 64), EFAULT);
}

TEST(unknown_namespace_eopnotsupp)
{
	CHECK_OK(make_file("f"));
	CHECK_ERRNO(setxattr("f", "foo.bar", "1", 1, 0), EOPNOTSUPP);
	CHECK_ERRNO(setxattr("f", "user", "1", 1, 0), EOPNOTSUPP);
	CHECK_ERRNO(getxattr("f", "foo.bar", NULL, 0), EOPNOTSUPP);
	CHECK_ERRNO(removexattr("f", "nonamespace"), EOPNOTSUPP);
	/* A namespace prefix with nothing after it. */
	CHECK_ERRNO(setxattr("f", "user.", "1", 1, 0), EINVAL);
}

TEST(missing_path_errors)
{
	CHECK_ERRNO(getxattr("nothere", "user.a", NULL, 0), ENOENT);
	CHECK_ERRNO(setxattr("nothere", "user.a", "1", 1, 0), ENOENT);
	CHECK_ERRNO(listxattr("nothere", NULL, 0), ENOENT);
	CHECK_OK(make_file("f"));
	CHECK_ERRNO(getxattr("f/x", "user.a", NULL, 0), ENOTDIR);
	CHECK_ERRNO(removexattr("", "user.a"), ENOENT);
}

TEST(directory_attributes)
{
	char buf[8];
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(setxattr("d", "user.dir", "x", 1, 0));
	CHECK_EQ(getxattr("d", "user.dir", buf, sizeof buf), 1);
	CHECK_EQ(getxattr("d/", "user.dir", buf, sizeof buf), 1);
	CHECK_OK(removexattr("d", "user.dir"));
}

TEST(symlink_user_namespace)
{
	char buf[8];
	CHECK_OK(make_file("f"));
	CHECK_OK(symlink("f", "l"));
	/* No user.* on the link itself. */
	CHECK_ERRNO(lsetxattr("l", "user.a", "1", 1, 0), EPERM);
	CHECK_ERRNO(lgetxattr("l", "user.a", buf, sizeof buf), ENODATA);
	CHECK_ERRNO(lremovexattr("l", "user.a"), EPERM);
	/* The following calls act on the target. */
	CHECK_OK(setxattr("l", "user.a", "1", 1, 0));
	CHECK_EQ(getxattr("f", "user.a", buf, sizeof buf), 1);
	CHECK_ERRNO(lgetxattr("l", "user.a", buf, sizeof buf), ENODATA);
	CHECK_OK(removexattr("l", "user.a"));
	CHECK_ERRNO(getxattr("f", "user.a", buf, sizeof buf), ENODATA);
}

TEST(trusted_on_symlink_as_root)
{
	char buf[8];
	CHECK_OK(make_file("f"));
	CHECK_OK(symlink("f", "l"));
	CHECK_OK(lsetxattr("l", "trusted.link", "L", 1, 0));
	CHECK_EQ(lgetxattr("l", "trusted.link", buf, sizeof buf), 1);
	CHECK_ERRNO(getxattr("l", "trusted.link", buf, sizeof buf), ENODATA);
	ssize_t n = llistxattr("l", buf, 0);
	CHECK(n >= (ssize_t)sizeof "trusted.link");
}

TEST(char_device_user_eperm)
{
	CHECK_ERRNO(setxattr("/dev/null", "user.a", "1", 1, 0), EPERM);
	CHECK_ERRNO(getxattr("/dev/null", "user.a", NULL, 0), ENODATA);
}

TEST(fd_variants)
{
	char buf[32];
	CHECK_OK(make_file("f"));
	int fd = open("f", O_RDONLY);
	CHECK(fd >= 0);
	/* fsetxattr needs no write access mode, only permission on the file. */
	CHECK_OK(fsetxattr(fd, "user.fd", "val", 3, 0));
	CHECK_EQ(fgetxattr(fd, "user.fd", buf, sizeof buf), 3);
	CHECK(memcmp(buf, "val", 3) == 0);
	ssize_t n = flistxattr(fd, buf, sizeof buf);
	CHECK(n > 0);
	CHECK(list_has(buf, n, "user.fd"));
	CHECK_OK(fremovexattr(fd, "user.fd"));
	CHECK_ERRNO(fgetxattr(fd, "user.fd", buf, sizeof buf), ENODATA);
	CHECK_ERRNO(fsetxattr(fd, "user.fd", "val", 3, XATTR_REPLACE), ENODATA);
}

TEST(fd_variants_ebadf)
{
	char buf[8];
	CHECK_OK(make_file("f"));
	int pfd = open("f", O_PATH);
	CHECK(pfd >= 0);
	CHECK_ERRNO(fgetxattr(pfd, "user.a", buf, sizeof buf), EBADF);
	CHECK_ERRNO(fsetxattr(pfd, "user.a", "1", 1, 0), EBADF);
	CHECK_ERRNO(flistxattr(pfd, buf, sizeof buf), EBADF);
	CHECK_ERRNO(fremovexattr(pfd, "user.a"), EBADF);
	CHECK_ERRNO(fgetxattr(999, "user.a", buf, sizeof buf), EBADF);
	CHECK_ERRNO(fsetxattr(-1, "user.a", "1", 1, 0), EBADF);
}

TEST(shared_by_hard_links_and_kept_by_rename)
{
	char buf[8];
	CHECK_OK(make_file("f"));
	CHECK_OK(setxattr("f", "user.a", "1", 1, 0));
	CHECK_OK(link("f", "g"));
	CHECK_OK(setxattr("g", "user.b", "2", 1, 0));
	CHECK_EQ(getxattr("f", "user.b", buf, sizeof buf), 1);
	CHECK_OK(rename("f", "h"));
	CHECK_EQ(getxattr("h", "user.a", buf, sizeof buf), 1);
	CHECK_EQ(buf[0], '1');
}

TEST(trusted_and_security_as_root)
{
	char buf[64];
	CHECK_OK(make_file("f"));
	CHECK_OK(setxattr("f", "trusted.t", "T", 1, 0));
	CHECK_OK(setxattr("f", "security.rvisor", "S", 1, 0));
	CHECK_EQ(getxattr("f", "trusted.t", buf, sizeof buf), 1);
	CHECK_EQ(getxattr("f", "security.rvisor", buf, sizeof buf), 1);
	ssize_t n = listxattr("f", buf, sizeof buf);
	CHECK(n > 0);
	CHECK(list_has(buf, n, "trusted.t"));
	CHECK(list_has(buf, n, "security.rvisor"));
	CHECK_OK(removexattr("f", "trusted.t"));
	CHECK_OK(removexattr("f", "security.rvisor"));
}

TEST(setxattr_changes_ctime)
{
	struct stat a, b;
	CHECK_OK(make_file("f"));
	CHECK_OK(stat("f", &a));
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
	CHECK_OK(setxattr("f", "user.a", "1", 1, 0));
	CHECK_OK(stat("f", &b));
	CHECK(b.st_ctim.tv_sec > a.st_ctim.tv_sec ||
	      (b.st_ctim.tv_sec == a.st_ctim.tv_sec && b.st_ctim.tv_nsec > a.st_ctim.tv_nsec));
	CHECK_EQ(b.st_mtim.tv_sec, a.st_mtim.tv_sec);
	CHECK_EQ(b.st_mtim.tv_nsec, a.st_mtim.tv_nsec);
}

static void unprivileged_namespaces(void *arg)
{
	char buf[256];
	(void)arg;
	CHECK_OK(drop_to_user());
	/* trusted.*: hidden from reads and lists, refused for writes. */
	CHECK_ERRNO(getxattr("f", "trusted.t", buf, sizeof buf), ENODATA);
	CHECK_ERRNO(setxattr("f", "trusted.t", "x", 1, 0), EPERM);
	CHECK_ERRNO(removexattr("f", "trusted.t"), EPERM);
	ssize_t n = listxattr("f", buf, sizeof buf);
	CHECK(n >= 0);
	CHECK(!list_has(buf, n, "trusted.t"));
	CHECK(list_has(buf, n, "user.u"));
	/* user.* reads need read permission only (the file is 0644 root's). */
	CHECK_EQ(getxattr("f", "user.u", buf, sizeof buf), 1);
	CHECK_ERRNO(setxattr("f", "user.u", "y", 1, 0), EACCES);
	CHECK_ERRNO(removexattr("f", "user.u"), EACCES);
	/* security.* can be read by anyone, changed by nobody unprivileged. */
	CHECK_EQ(getxattr("f", "security.rvisor", buf, sizeof buf), 1);
	/* No read permission: no user.* read. */
	CHECK_ERRNO(getxattr("secret", "user.u", buf, sizeof buf), EACCES);
	/* The owner of a file may set user.* on it. */
	CHECK_OK(setxattr("mine", "user.u", "m", 1, 0));
	CHECK_EQ(getxattr("mine", "user.u", buf, sizeof buf), 1);
}

TEST(unprivileged_rules)
{
	CHECK_OK(chmod(".", 0755));
	CHECK_OK(make_file("f"));
	CHECK_OK(chmod("f", 0644));
	CHECK_OK(setxattr("f", "trusted.t", "T", 1, 0));
	CHECK_OK(setxattr("f", "user.u", "U", 1, 0));
	CHECK_OK(setxattr("f", "security.rvisor", "S", 1, 0));
	CHECK_OK(make_file("secret"));
	CHECK_OK(chmod("secret", 0600));
	CHECK_OK(setxattr("secret", "user.u", "U", 1, 0));
	CHECK_OK(make_file("mine"));
	CHECK_OK(chown("mine", 1000, 1000));
	CHECK_CHILD(unprivileged_namespaces, NULL);
}

static void sticky_dir_rule(void *arg)
{
	(void)arg;
	CHECK_OK(drop_to_user());
	/* Writable by all, but sticky and not ours: no user.* changes. */
	CHECK_ERRNO(setxattr("sticky", "user.a", "1", 1, 0), EPERM);
	CHECK_ERRNO(removexattr("sticky", "user.a"), EPERM);
	/* Writable by all without the sticky bit: allowed. */
	CHECK_OK(setxattr("open", "user.a", "1", 1, 0));
}

TEST(sticky_directory_owner_rule)
{
	CHECK_OK(chmod(".", 0755));
	CHECK_OK(mkdir("sticky", 0777));
	CHECK_OK(chmod("sticky", 01777));
	CHECK_OK(mkdir("open", 0777));
	CHECK_OK(chmod("open", 0777));
	CHECK_CHILD(sticky_dir_rule, NULL);
}
