/*
 * mount(2), umount2(2), pivot_root(2) and unshare(CLONE_NEWNS).
 *
 * Every case runs in a forked child (CHECK_CHILD) that first enters a
 * mount namespace of its own and makes every mount in it private, so that
 * nothing mounted here is ever seen outside the child, natively or in the
 * sandbox. NS_CASE(name) defines such a case; its body runs in the child,
 * in the case's scratch directory.
 */
#include "harness.h"

#include <sched.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* Enters a private mount namespace; the body is never run otherwise. */
static int enter_private_ns(void)
{
	if (unshare(CLONE_NEWNS) != 0)
		return -1;
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

#define NS_CASE(name)                                                         \
	static void name##_body(void);                                        \
	static void name##_child(void *arg)                                   \
	{                                                                     \
		(void)arg;                                                    \
		CHECK_OK(enter_private_ns());                                 \
		name##_body();                                                \
	}                                                                     \
	TEST(name)                                                            \
	{                                                                     \
		CHECK_CHILD(name##_child, NULL);                              \
	}                                                                     \
	static void name##_body(void)

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static int mount_tmpfs(const char *at, const char *opts)
{
	mkdir(at, 0755);
	return mount("none", at, "tmpfs", 0, opts);
}

/* ---- tmpfs ---- */

NS_CASE(tmpfs_mount_and_umount)
{
	struct statfs sf;
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_OK(write_file("m/f", "x"));
	CHECK_OK(statfs("m", &sf));
	CHECK_EQ(sf.f_type, TMPFS_MAGIC);
	CHECK_OK(umount2("m", 0));
	CHECK(!file_exists("m/f"));
}

NS_CASE(tmpfs_default_mode_is_sticky_world_writable)
{
	struct stat st;
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_OK(stat("m", &st));
	CHECK_EQ(st.st_mode & 07777, 01777);
}

NS_CASE(tmpfs_mode_option)
{
	struct stat st;
	CHECK_OK(mount_tmpfs("m", "mode=0700"));
	CHECK_OK(stat("m", &st));
	CHECK_EQ(st.st_mode & 07777, 0700);
}

NS_CASE(tmpfs_uid_gid_options)
{
	struct stat st;
	CHECK_OK(mount_tmpfs("m", "uid=1234,gid=4321"));
	CHECK_OK(stat("m", &st));
	CHECK_EQ(st.st_uid, 1234);
	CHECK_EQ(st.st_gid, 4321);
}

NS_CASE(tmpfs_size_enospc_on_write)
{
	static char buf[65536];
	memset(buf, 'a', sizeof buf);
	CHECK_OK(mount_tmpfs("m", "size=64k"));
	int fd = open("m/f", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, buf, sizeof buf), sizeof buf);
	CHECK_ERRNO(write(fd, buf, 4096), ENOSPC);
	close(fd);
}

NS_CASE(tmpfs_size_short_write_at_the_limit)
{
	static char buf[16384];
	memset(buf, 'b', sizeof buf);
	CHECK_OK(mount_tmpfs("m", "size=8k"));
	int fd = open("m/f", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, buf, sizeof buf), 8192);
	close(fd);
}

NS_CASE(tmpfs_size_enospc_for_a_second_file)
{
	static char buf[8192];
	CHECK_OK(mount_tmpfs("m", "size=8k"));
	CHECK_OK(write_file("m/a", "1"));
	CHECK_OK(write_file("m/b", "2"));
	int fd = open("m/c", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_ERRNO(write(fd, buf, sizeof buf), ENOSPC);
	close(fd);
}

NS_CASE(tmpfs_truncate_extend_stays_sparse)
{
	struct stat st;
	CHECK_OK(mount_tmpfs("m", "size=8k"));
	int fd = open("m/f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_OK(ftruncate(fd, 1 << 20));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 1 << 20);
	CHECK_EQ(st.st_blocks, 0);
	close(fd);
}

NS_CASE(tmpfs_size_suffix_and_statfs)
{
	struct statfs sf;
	CHECK_OK(mount_tmpfs("m", "size=1m"));
	CHECK_OK(statfs("m", &sf));
	CHECK_EQ((long long)sf.f_blocks * sf.f_bsize, 1 << 20);
	CHECK_EQ(sf.f_bfree, sf.f_blocks);
	CHECK_EQ(sf.f_bavail, sf.f_blocks);
}

NS_CASE(tmpfs_statfs_counts_used_pages)
{
	static char buf[8192];
	struct statfs sf;
	CHECK_OK(mount_tmpfs("m", "size=1m"));
	int fd = open("m/f", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, buf, sizeof buf), sizeof buf);
	close(fd);
	CHECK_OK(statfs("m", &sf));
	CHECK_EQ(sf.f_bfree, sf.f_blocks - 2);
}

NS_CASE(tmpfs_percent_size)
{
	struct statfs sf;
	CHECK_OK(mount_tmpfs("m", "size=1%"));
	CHECK_OK(statfs("m", &sf));
	CHECK(sf.f_blocks > 0);
}

NS_CASE(tmpfs_nr_inodes_enospc)
{
	CHECK_OK(mount_tmpfs("m", "nr_inodes=3"));
	CHECK_OK(write_file("m/a", "1"));
	CHECK_OK(mkdir("m/d", 0755));
	CHECK_ERRNO(open("m/c", O_WRONLY | O_CREAT, 0644), ENOSPC);
}

NS_CASE(tmpfs_bad_option_einval)
{
	mkdir("m", 0755);
	CHECK_ERRNO(mount("none", "m", "tmpfs", 0, "size=lots"), EINVAL);
	CHECK_ERRNO(mount("none", "m", "tmpfs", 0, "mode=99"), EINVAL);
}

NS_CASE(tmpfs_remount_size)
{
	struct statfs sf;
	CHECK_OK(mount_tmpfs("m", "size=64k"));
	CHECK_OK(mount(NULL, "m", NULL, MS_REMOUNT, "size=128k"));
	CHECK_OK(statfs("m", &sf));
	CHECK_EQ((long long)sf.f_blocks * sf.f_bsize, 128 << 10);
}

NS_CASE(tmpfs_read_only_mount_erofs)
{
	CHECK_OK(mkdir("m", 0755));
	CHECK_OK(mount("none", "m", "tmpfs", MS_RDONLY, NULL));
	CHECK_ERRNO(mkdir("m/d", 0755), EROFS);
	CHECK_ERRNO(open("m/f", O_WRONLY | O_CREAT, 0644), EROFS);
}

NS_CASE(mounts_stack_and_unstack)
{
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_OK(write_file("m/lower", "1"));
	CHECK_OK(mount("none", "m", "tmpfs", 0, NULL));
	CHECK(!file_exists("m/lower"));
	CHECK_OK(umount2("m", 0));
	CHECK(file_exists("m/lower"));
}

/* ---- errors of mount ---- */

NS_CASE(mount_unknown_type_enodev)
{
	CHECK_OK(mkdir("m", 0755));
	CHECK_ERRNO(mount("none", "m", "rvisor-no-such-fs", 0, NULL), ENODEV);
}

NS_CASE(mount_missing_target_enoent)
{
	CHECK_ERRNO(mount("none", "missing", "tmpfs", 0, NULL), ENOENT);
}

NS_CASE(mount_target_not_dir_enotdir)
{
	CHECK_OK(write_file("f", "x"));
	CHECK_ERRNO(mount("none", "f", "tmpfs", 0, NULL), ENOTDIR);
	CHECK_ERRNO(mount("none", "f/sub", "tmpfs", 0, NULL), ENOTDIR);
}

NS_CASE(mount_bad_pointers_efault)
{
	CHECK_OK(mkdir("m", 0755));
	CHECK_ERRNO(mount("none", (const char *)8, "tmpfs", 0, NULL), EFAULT);
	CHECK_ERRNO(mount("none", "m", (const char *)8, 0, NULL), EFAULT);
}

/* ---- bind mounts ---- */

NS_CASE(bind_mount_directory)
{
	char buf[8] = {0};
	CHECK_OK(mkdir("a", 0755));
	CHECK_OK(mkdir("b", 0755));
	CHECK_OK(write_file("a/f", "hello"));
	CHECK_OK(mount("a", "b", NULL, MS_BIND, NULL));
	int fd = open("b/f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, buf, sizeof buf), 5);
	close(fd);
	CHECK_OK(write_file("b/g", "through"));
	CHECK(file_exists("a/g"));
	CHECK_OK(umount2("b", 0));
	CHECK(!file_exists("b/f"));
}

NS_CASE(bind_mount_file)
{
	char buf[8] = {0};
	CHECK_OK(write_file("src", "bound"));
	CHECK_OK(write_file("dst", "orig"));
	CHECK_OK(mount("src", "dst", NULL, MS_BIND, NULL));
	int fd = open("dst", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, buf, sizeof buf), 5);
	CHECK_STREQ(buf, "bound");
	close(fd);
}

NS_CASE(bind_dir_on_file_enotdir)
{
	CHECK_OK(mkdir("a", 0755));
	CHECK_OK(write_file("f", "x"));
	CHECK_ERRNO(mount("a", "f", NULL, MS_BIND, NULL), ENOTDIR);
	CHECK_ERRNO(mount("f", "a", NULL, MS_BIND, NULL), ENOTDIR);
}

NS_CASE(bind_missing_source_enoent)
{
	CHECK_OK(mkdir("b", 0755));
	CHECK_ERRNO(mount("missing", "b", NULL, MS_BIND, NULL), ENOENT);
}

NS_CASE(bind_without_rec_leaves_submounts)
{
	CHECK_OK(mkdir("a", 0755));
	CHECK_OK(mkdir("b", 0755));
	CHECK_OK(mount_tmpfs("a/sub", NULL));
	CHECK_OK(write_file("a/sub/x", "1"));
	CHECK_OK(mount("a", "b", NULL, MS_BIND, NULL));
	CHECK(file_exists("b/sub"));
	CHECK(!file_exists("b/sub/x"));
}

NS_CASE(bind_rec_copies_submounts)
{
	CHECK_OK(mkdir("a", 0755));
	CHECK_OK(mkdir("b", 0755));
	CHECK_OK(mount_tmpfs("a/sub", NULL));
	CHECK_OK(write_file("a/sub/x", "1"));
	CHECK_OK(mount("a", "b", NULL, MS_BIND | MS_REC, NULL));
	CHECK(file_exists("b/sub/x"));
	/* The copy is a mount of its own: unmounting it leaves a/sub alone. */
	CHECK_OK(umount2("b/sub", 0));
	CHECK(file_exists("a/sub/x"));
}

NS_CASE(bind_remount_read_only_erofs)
{
	struct statfs sf;
	CHECK_OK(mkdir("a", 0755));
	CHECK_OK(mkdir("b", 0755));
	CHECK_OK(mount("a", "b", NULL, MS_BIND, NULL));
	CHECK_OK(mount(NULL, "b", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	CHECK_ERRNO(open("b/f", O_WRONLY | O_CREAT, 0644), EROFS);
	CHECK_ERRNO(mkdir("b/d", 0755), EROFS);
	CHECK_OK(statfs("b", &sf));
	CHECK(sf.f_flags & ST_RDONLY);
	/* Only that mount is read-only. */
	CHECK_OK(write_file("a/f", "x"));
	CHECK(file_exists("b/f"));
}

NS_CASE(bind_remount_read_write_again)
{
	CHECK_OK(mkdir("a", 0755));
	CHECK_OK(mkdir("b", 0755));
	CHECK_OK(mount("a", "b", NULL, MS_BIND, NULL));
	CHECK_OK(mount(NULL, "b", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	CHECK_OK(mount(NULL, "b", NULL, MS_REMOUNT | MS_BIND, NULL));
	CHECK_OK(write_file("b/f", "x"));
}

NS_CASE(remount_not_a_mount_point_einval)
{
	CHECK_OK(mkdir("a", 0755));
	CHECK_ERRNO(mount(NULL, "a", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), EINVAL);
}

/* ---- noexec ---- */

NS_CASE(noexec_execve_eacces)
{
	CHECK_OK(mkdir("m", 0755));
	CHECK_OK(mount("none", "m", "tmpfs", MS_NOEXEC, NULL));
	CHECK_OK(write_file("m/script", "#!/bin/sh\nexit 0\n"));
	CHECK_OK(chmod("m/script", 0755));
	char *argv[] = {"script", NULL};
	char *envp[] = {NULL};
	CHECK_ERRNO(execve("m/script", argv, envp), EACCES);
}

NS_CASE(noexec_mmap_prot_exec_eperm)
{
	CHECK_OK(mkdir("m", 0755));
	CHECK_OK(mount("none", "m", "tmpfs", MS_NOEXEC, NULL));
	CHECK_OK(write_file("m/f", "data"));
	int fd = open("m/f", O_RDONLY);
	CHECK(fd >= 0);
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	CHECK(p == MAP_FAILED);
	CHECK_EQ(errno, EPERM);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	munmap(p, 4096);
	close(fd);
}

NS_CASE(nodev_bind_of_dev_null_eacces)
{
	CHECK_OK(write_file("null", ""));
	CHECK_OK(mount("/dev/null", "null", NULL, MS_BIND, NULL));
	int fd = open("null", O_WRONLY);
	CHECK(fd >= 0);
	close(fd);
	CHECK_OK(mount(NULL, "null", NULL, MS_REMOUNT | MS_BIND | MS_NODEV, NULL));
	CHECK_ERRNO(open("null", O_WRONLY), EACCES);
}

NS_CASE(statvfs_reports_mount_flags)
{
	struct statvfs sv;
	CHECK_OK(mkdir("m", 0755));
	CHECK_OK(mount("none", "m", "tmpfs", MS_NOEXEC | MS_NOSUID | MS_NODEV, NULL));
	CHECK_OK(statvfs("m", &sv));
	CHECK(sv.f_flag & ST_NOEXEC);
	CHECK(sv.f_flag & ST_NOSUID);
	CHECK(sv.f_flag & ST_NODEV);
	CHECK(!(sv.f_flag & ST_RDONLY));
	CHECK_OK(mount(NULL, "m", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	CHECK_OK(statvfs("m", &sv));
	CHECK(sv.f_flag & ST_RDONLY);
	CHECK(!(sv.f_flag & ST_NOEXEC));
}

/* ---- umount2 ---- */

NS_CASE(umount_not_a_mount_point_einval)
{
	CHECK_OK(mkdir("a", 0755));
	CHECK_ERRNO(umount2("a", 0), EINVAL);
	CHECK_ERRNO(umount2("missing", 0), ENOENT);
}

NS_CASE(umount_bad_flags_einval)
{
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_ERRNO(umount2("m", 0x100), EINVAL);
	CHECK_ERRNO(umount2("m", MNT_EXPIRE | MNT_DETACH), EINVAL);
}

NS_CASE(umount_with_submount_ebusy_then_detach)
{
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_OK(mount_tmpfs("m/sub", NULL));
	CHECK_ERRNO(umount2("m", 0), EBUSY);
	CHECK_OK(umount2("m", MNT_DETACH));
	CHECK(!file_exists("m/sub"));
}

NS_CASE(umount_with_open_file_ebusy_detach_keeps_it)
{
	char buf[8] = {0};
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_OK(write_file("m/f", "kept"));
	int fd = open("m/f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERRNO(umount2("m", 0), EBUSY);
	CHECK_OK(umount2("m", MNT_DETACH));
	CHECK(!file_exists("m/f"));
	CHECK_EQ(read(fd, buf, sizeof buf), 4);
	CHECK_STREQ(buf, "kept");
	close(fd);
}

NS_CASE(umount_of_cwd_ebusy)
{
	char here[512];
	CHECK(getcwd(here, sizeof here - 4) != NULL);
	strcat(here, "/m");
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_OK(chdir("m"));
	CHECK_ERRNO(umount2(here, 0), EBUSY);
	CHECK_OK(chdir(".."));
	CHECK_OK(umount2(here, 0));
}

NS_CASE(umount_expire_needs_two_calls)
{
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_ERRNO(umount2("m", MNT_EXPIRE), EAGAIN);
	CHECK_OK(umount2("m", MNT_EXPIRE));
}

NS_CASE(umount_nofollow)
{
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_OK(symlink("m", "link"));
	CHECK_ERRNO(umount2("link", UMOUNT_NOFOLLOW), EINVAL);
	CHECK_OK(umount2("link", 0));
}

NS_CASE(umount_force_unmounts)
{
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_OK(write_file("m/f", "x"));
	CHECK_OK(umount2("m", MNT_FORCE));
	CHECK(!file_exists("m/f"));
}

/* ---- propagation ---- */

NS_CASE(propagation_flags_accepted)
{
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_OK(mount(NULL, "m", NULL, MS_SHARED, NULL));
	CHECK_OK(mount(NULL, "m", NULL, MS_SLAVE, NULL));
	CHECK_OK(mount(NULL, "m", NULL, MS_PRIVATE | MS_REC, NULL));
	CHECK_OK(mount(NULL, "m", NULL, MS_UNBINDABLE, NULL));
	CHECK_OK(mount(NULL, "m", NULL, MS_PRIVATE, NULL));
}

NS_CASE(propagation_two_types_einval)
{
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_ERRNO(mount(NULL, "m", NULL, MS_SHARED | MS_PRIVATE, NULL), EINVAL);
	CHECK_OK(mkdir("plain", 0755));
	CHECK_ERRNO(mount(NULL, "plain", NULL, MS_PRIVATE, NULL), EINVAL);
}

NS_CASE(unbindable_bind_einval)
{
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_OK(mkdir("b", 0755));
	CHECK_OK(mount(NULL, "m", NULL, MS_UNBINDABLE, NULL));
	CHECK_ERRNO(mount("m", "b", NULL, MS_BIND, NULL), EINVAL);
}

/* ---- namespaces and privileges ---- */

NS_CASE(unshare_newns_hides_child_mounts)
{
	CHECK_OK(mkdir("m", 0755));
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) != 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
			_exit(1);
		if (mount("none", "m", "tmpfs", 0, NULL) != 0 || write_file("m/f", "x") != 0)
			_exit(2);
		_exit(file_exists("m/f") ? 0 : 3);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	CHECK(!file_exists("m/f"));
}

NS_CASE(clone_newns_gets_a_copy)
{
	CHECK_OK(mount_tmpfs("m", NULL));
	CHECK_OK(write_file("m/seen", "1"));
	/* fork-like clone(2) into a new mount namespace. */
	long pid = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
	CHECK(pid >= 0);
	if (pid == 0) {
		/* The copy has the parent's mounts... */
		if (!file_exists("m/seen"))
			_exit(1);
		/* ...and its own changes stay in it. */
		if (umount2("m", 0) != 0)
			_exit(2);
		_exit(file_exists("m/seen") ? 3 : 0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	CHECK(file_exists("m/seen"));
}

NS_CASE(move_mount_elsewhere)
{
	CHECK_OK(mount_tmpfs("a", NULL));
	CHECK_OK(mkdir("b", 0755));
	CHECK_OK(write_file("a/f", "x"));
	CHECK_OK(mount("a", "b", NULL, MS_MOVE, NULL));
	CHECK(file_exists("b/f"));
	CHECK(!file_exists("a/f"));
	CHECK_ERRNO(umount2("a", 0), EINVAL);
	CHECK_OK(umount2("b", 0));
}

static void as_user_1000(void *arg)
{
	(void)arg;
	CHECK_OK(setgroups(0, NULL));
	CHECK_OK(setresgid(1000, 1000, 1000));
	CHECK_OK(setresuid(1000, 1000, 1000));
	CHECK_ERRNO(mount("none", "m", "tmpfs", 0, NULL), EPERM);
	CHECK_ERRNO(umount2("t", 0), EPERM);
	CHECK_ERRNO(unshare(CLONE_NEWNS), EPERM);
	CHECK_ERRNO(syscall(SYS_pivot_root, "t", "t"), EPERM);
}

NS_CASE(non_root_gets_eperm)
{
	CHECK_OK(mkdir("m", 0777));
	CHECK_OK(mount_tmpfs("t", NULL));
	CHECK_CHILD(as_user_1000, NULL);
}

/* ---- pivot_root ---- */

/* The scratch directory is on the root's mount: work inside a tmpfs so
 * that EINVAL, not EBUSY, is what the checks find. */
NS_CASE(pivot_root_new_root_not_a_mount_einval)
{
	CHECK_OK(mount_tmpfs("t", NULL));
	CHECK_OK(mkdir("t/r", 0755));
	CHECK_OK(mkdir("t/r/old", 0755));
	CHECK_ERRNO(syscall(SYS_pivot_root, "t/r", "t/r/old"), EINVAL);
}

NS_CASE(pivot_root_put_old_outside_einval)
{
	CHECK_OK(mount_tmpfs("t", NULL));
	CHECK_OK(mount_tmpfs("t/r", NULL));
	CHECK_OK(mkdir("t/elsewhere", 0755));
	CHECK_ERRNO(syscall(SYS_pivot_root, "t/r", "t/elsewhere"), EINVAL);
}

NS_CASE(pivot_root_on_the_root_mount_ebusy)
{
	CHECK_OK(mkdir("r", 0755));
	CHECK_OK(mkdir("r/old", 0755));
	CHECK_ERRNO(syscall(SYS_pivot_root, "r", "r/old"), EBUSY);
}

NS_CASE(pivot_root_onto_current_root_ebusy)
{
	CHECK_ERRNO(syscall(SYS_pivot_root, "/", "/"), EBUSY);
}

NS_CASE(pivot_root_not_a_directory_enotdir)
{
	CHECK_OK(write_file("f", "x"));
	CHECK_OK(mount_tmpfs("r", NULL));
	CHECK_ERRNO(syscall(SYS_pivot_root, "f", "r"), ENOTDIR);
}

NS_CASE(pivot_root_into_tmpfs)
{
	struct statfs sf;
	CHECK_OK(mount_tmpfs("r", NULL));
	CHECK_OK(mkdir("r/old", 0755));
	CHECK_OK(write_file("r/marker", "x"));
	CHECK_OK(chdir("r"));
	CHECK_OK(syscall(SYS_pivot_root, ".", "old"));
	CHECK_OK(chdir("/"));
	CHECK(file_exists("/marker"));
	CHECK_OK(statfs("/", &sf));
	CHECK_EQ(sf.f_type, TMPFS_MAGIC);
	CHECK_OK(umount2("/old", MNT_DETACH));
	CHECK(!file_exists("/old/tmp"));
}

