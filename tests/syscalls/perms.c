/* Permission checks: mode bits for owner, group, supplementary groups and
 * others; search permission along paths; sticky directories; who may
 * chmod, chown, utimensat, truncate and link (fs.protected_hardlinks = 1);
 * set-id bits cleared by chmod, chown and write; set-group-ID directories;
 * root's capabilities (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
 * CAP_CHOWN) and what is left when capset drops them; access(2) with real
 * and effective ids; openat2(2) and its RESOLVE_* flags.
 *
 * Cases that need a non-root caller fork a child (CHECK_CHILD) that drops to
 * uid/gid 1000 without supplementary groups. The scratch directories are
 * 0700, so each such case first opens its directory to everyone (open_up). */
#include "harness.h"

#include <grp.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <sys/time.h>

#define U 1000
#define G 1000
#define OTHER 2000

/* Lets a non-root child reach the case directory and create in it. */
static int open_up(void)
{
	if (chmod(h_scratch, 0755) < 0)
		return -1;
	return chmod(".", 0777);
}

/* Becomes uid/gid 1000 with no supplementary groups (and no capabilities). */
static int become(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return -1;
	return 0;
}

#define BECOME_USER() CHECK_OK(become(U, G))

/* Creates path with mode, owner and group (as root). */
static int mkfile(const char *path, int mode, uid_t uid, gid_t gid)
{
	if (h_write_file(path, "data", 4) < 0 || chown(path, uid, gid) < 0 ||
	    chmod(path, mode) < 0)
		return -1;
	return 0;
}

static int mkdir_as(const char *path, int mode, uid_t uid, gid_t gid)
{
	if (mkdir(path, 0700) < 0 || chown(path, uid, gid) < 0 || chmod(path, mode) < 0)
		return -1;
	return 0;
}

static int mode_of(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return -1;
	return st.st_mode & 07777;
}

static int sys_capset(struct __user_cap_header_struct *h, struct __user_cap_data_struct *d)
{
	return syscall(SYS_capset, h, d);
}

static int sys_capget(struct __user_cap_header_struct *h, struct __user_cap_data_struct *d)
{
	return syscall(SYS_capget, h, d);
}

/* Removes capability `cap` from the effective set (root stays root). */
static int drop_effective(int cap)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	if (sys_capget(&h, d) < 0)
		return -1;
	d[cap / 32].effective &= ~(1u << (cap % 32));
	return sys_capset(&h, d);
}

static long sys_openat2(int dirfd, const char *path, struct open_how *how, size_t size)
{
	return syscall(437, dirfd, path, how, size);
}

/* ---- Reading, writing, executing ---- */

static void read_root_0600(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(open("f", O_RDONLY), EACCES);
	CHECK_ERRNO(open("f", O_WRONLY), EACCES);
}

TEST(root_only_0600_file_unreadable)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("f", 0600, 0, 0));
	CHECK_CHILD(read_root_0600, NULL);
}

static void write_0644(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_OK(open("f", O_RDONLY));
	CHECK_ERRNO(open("f", O_WRONLY), EACCES);
	CHECK_ERRNO(open("f", O_RDWR), EACCES);
	CHECK_ERRNO(open("f", O_RDONLY | O_TRUNC), EACCES);
	CHECK_ERRNO(open("f", O_WRONLY | O_APPEND), EACCES);
}

TEST(write_needs_w_bit)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("f", 0644, 0, 0));
	CHECK_CHILD(write_0644, NULL);
}

static void owner_triplet(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(open("f", O_RDONLY), EACCES);
}

TEST(owner_triplet_applies_even_if_others_have_more)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("f", 0077, U, G));
	CHECK_CHILD(owner_triplet, NULL);
}

static void group_triplet(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_OK(open("f", O_RDONLY));
	CHECK_ERRNO(open("f", O_WRONLY), EACCES);
}

TEST(group_triplet_for_members)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("f", 0640, 0, G));
	CHECK_CHILD(group_triplet, NULL);
}

static void supp_group(void *arg)
{
	(void)arg;
	gid_t groups[1] = {OTHER};
	CHECK_OK(setgroups(1, groups));
	CHECK_OK(setresgid(G, G, G));
	CHECK_OK(setresuid(U, U, U));
	CHECK_OK(open("f", O_RDWR));
	CHECK_ERRNO(open("g", O_RDONLY), EACCES);
}

TEST(supplementary_group_grants_group_bits)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("f", 0060, 0, OTHER));
	CHECK_OK(mkfile("g", 0060, 0, 3000));
	CHECK_CHILD(supp_group, NULL);
}

static void other_triplet(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_OK(open("f", O_RDONLY));
	CHECK_ERRNO(open("f", O_WRONLY), EACCES);
	CHECK_OK(open("g", O_WRONLY));
}

TEST(other_triplet_for_strangers)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("f", 0604, 0, 0));
	CHECK_OK(mkfile("g", 0602, 0, 0));
	CHECK_CHILD(other_triplet, NULL);
}

static const char script[] = "#!/bin/sh\nexit 7\n";

static void exec_denied(void *arg)
{
	(void)arg;
	char *argv[] = {"s", NULL};
	BECOME_USER();
	CHECK_ERRNO(execve("./s", argv, NULL), EACCES);
}

TEST(exec_needs_x_for_user)
{
	CHECK_OK(open_up());
	CHECK_OK(h_write_file("s", script, sizeof script - 1));
	CHECK_OK(chmod("s", 0744));
	CHECK_CHILD(exec_denied, NULL);
}

TEST(root_exec_needs_some_x_bit)
{
	char *argv[] = {"s", NULL};
	CHECK_OK(h_write_file("s", script, sizeof script - 1));
	CHECK_OK(chmod("s", 0644));
	CHECK_ERRNO(execve("./s", argv, NULL), EACCES);
	CHECK_ERRNO(access("s", X_OK), EACCES);
	CHECK_OK(chmod("s", 0001));
	CHECK_OK(access("s", X_OK));
}

static void exec_ok(void *arg)
{
	(void)arg;
	char *argv[] = {"s", NULL};
	BECOME_USER();
	execve("./s", argv, NULL);
	CHECK(0);
}

TEST(exec_with_x_for_user)
{
	int status;
	pid_t pid;
	CHECK_OK(open_up());
	CHECK_OK(h_write_file("s", script, sizeof script - 1));
	CHECK_OK(chmod("s", 0755));
	pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		exec_ok(NULL);
		_exit(99);
	}
	CHECK_EQ(h_waitpid_timeout(pid, &status, 0, 5000), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 7);
}

/* ---- Search permission ---- */

static void search_denied(void *arg)
{
	struct stat st;
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(stat("d/f", &st), EACCES);
	CHECK_ERRNO(open("d/f", O_RDONLY), EACCES);
	CHECK_ERRNO(open("d/../f2", O_RDONLY), EACCES);
	CHECK_ERRNO(chdir("d"), EACCES);
	CHECK_ERRNO(access("d/f", F_OK), EACCES);
	CHECK_OK(stat("d", &st));
}

TEST(walk_needs_search_permission)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("d", 0700, 0, 0));
	CHECK_OK(mkfile("d/f", 0644, 0, 0));
	CHECK_OK(mkfile("f2", 0644, 0, 0));
	CHECK_CHILD(search_denied, NULL);
}

static void search_only(void *arg)
{
	struct stat st;
	(void)arg;
	BECOME_USER();
	CHECK_OK(stat("d/f", &st));
	CHECK_OK(open("d/f", O_RDONLY));
	CHECK_ERRNO(open("d", O_RDONLY | O_DIRECTORY), EACCES);
	CHECK_OK(chdir("d"));
}

TEST(search_only_directory)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("d", 0711, 0, 0));
	CHECK_OK(mkfile("d/f", 0644, 0, 0));
	CHECK_CHILD(search_only, NULL);
}

static void read_no_search(void *arg)
{
	struct stat st;
	int fd;
	(void)arg;
	BECOME_USER();
	fd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK_OK(fd);
	CHECK_ERRNO(stat("d/f", &st), EACCES);
	CHECK_ERRNO(fstatat(fd, "f", &st, 0), EACCES);
	CHECK_ERRNO(fchdir(fd), EACCES);
}

TEST(readable_unsearchable_directory)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("d", 0744, 0, 0));
	CHECK_OK(mkfile("d/f", 0644, 0, 0));
	CHECK_CHILD(read_no_search, NULL);
}

static void deep_search(void *arg)
{
	struct stat st;
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(stat("a/b/c/f", &st), EACCES);
	CHECK_ERRNO(stat("a/b/c", &st), EACCES);
	CHECK_OK(stat("a/b", &st));
}

TEST(search_checked_at_every_level)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("a", 0755, 0, 0));
	CHECK_OK(mkdir_as("a/b", 0700, 0, 0));
	CHECK_OK(mkdir_as("a/b/c", 0755, 0, 0));
	CHECK_OK(mkfile("a/b/c/f", 0644, 0, 0));
	CHECK_CHILD(deep_search, NULL);
}

static void symlink_search(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(open("l", O_RDONLY), EACCES);
}

TEST(symlink_target_walk_needs_search)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("d", 0700, 0, 0));
	CHECK_OK(mkfile("d/f", 0644, 0, 0));
	CHECK_OK(symlink("d/f", "l"));
	CHECK_CHILD(symlink_search, NULL);
}

TEST(root_searches_mode_0000_dirs)
{
	struct stat st;
	CHECK_OK(mkdir_as("d", 0000, OTHER, OTHER));
	CHECK_OK(mkfile("d/f", 0000, OTHER, OTHER));
	CHECK_OK(stat("d/f", &st));
	CHECK_OK(open("d/f", O_RDWR));
	CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
	CHECK_OK(chdir("d"));
}

/* ---- Creating and removing ---- */

static void readonly_dir(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(open("d/new", O_CREAT | O_WRONLY, 0644), EACCES);
	CHECK_ERRNO(mkdir("d/sub", 0755), EACCES);
	CHECK_ERRNO(symlink("x", "d/l"), EACCES);
	CHECK_ERRNO(unlink("d/f"), EACCES);
	CHECK_ERRNO(rmdir("d/e"), EACCES);
	CHECK_ERRNO(rename("d/f", "moved"), EACCES);
	CHECK_ERRNO(rename("mine", "d/mine"), EACCES);
	CHECK_ERRNO(link("mine", "d/mine"), EACCES);
}

TEST(no_changes_in_unwritable_directory)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("d", 0755, 0, 0));
	CHECK_OK(mkfile("d/f", 0666, 0, 0));
	CHECK_OK(mkdir_as("d/e", 0777, 0, 0));
	CHECK_OK(mkfile("mine", 0644, U, G));
	CHECK_CHILD(readonly_dir, NULL);
}

static void wx_needed(void *arg)
{
	(void)arg;
	BECOME_USER();
	/* Write without search is not enough. */
	CHECK_ERRNO(open("d/new", O_CREAT | O_WRONLY, 0644), EACCES);
	CHECK_ERRNO(unlink("d/f"), EACCES);
}

TEST(create_needs_search_too)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("d", 0766, 0, 0));
	CHECK_OK(mkfile("d/f", 0666, 0, 0));
	CHECK_CHILD(wx_needed, NULL);
}

static void create_owned(void *arg)
{
	struct stat st;
	int fd;
	(void)arg;
	BECOME_USER();
	fd = open("new", O_CREAT | O_RDWR, 0444);
	CHECK_OK(fd);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_uid, U);
	CHECK_EQ(st.st_gid, G);
	CHECK_EQ(write(fd, "x", 1), 1);
	/* Created read-only: opened anyway, but not again. */
	CHECK_ERRNO(open("new", O_RDWR), EACCES);
	CHECK_ERRNO(open("new", O_CREAT | O_RDWR, 0444), EACCES);
	CHECK_OK(mkdir("sub", 0755));
	CHECK_OK(stat("sub", &st));
	CHECK_EQ(st.st_uid, U);
	CHECK_OK(unlink("new"));
	CHECK_OK(rmdir("sub"));
}

TEST(new_files_belong_to_creator)
{
	CHECK_OK(open_up());
	CHECK_CHILD(create_owned, NULL);
}

static void unlink_others_plain(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_OK(unlink("d/f"));
	CHECK_OK(rename("d/g", "d/h"));
}

TEST(non_sticky_dir_lets_writers_delete)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("d", 0777, 0, 0));
	CHECK_OK(mkfile("d/f", 0600, OTHER, OTHER));
	CHECK_OK(mkfile("d/g", 0600, OTHER, OTHER));
	CHECK_CHILD(unlink_others_plain, NULL);
}

/* ---- Sticky directories ---- */

static void sticky_others(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(unlink("t/f"), EPERM);
	CHECK_ERRNO(rename("t/f", "t/g"), EPERM);
	CHECK_ERRNO(rmdir("t/e"), EPERM);
	CHECK_ERRNO(rename("t/mine", "t/f"), EPERM);
}

TEST(sticky_dir_protects_others_entries)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("t", 01777, 0, 0));
	CHECK_OK(mkfile("t/f", 0666, OTHER, OTHER));
	CHECK_OK(mkdir_as("t/e", 0777, OTHER, OTHER));
	CHECK_OK(mkfile("t/mine", 0644, U, G));
	CHECK_CHILD(sticky_others, NULL);
}

static void sticky_own(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_OK(h_write_file("t/mine", "x", 1));
	CHECK_OK(rename("t/mine", "t/mine2"));
	CHECK_OK(unlink("t/mine2"));
	CHECK_OK(mkdir("t/dir", 0755));
	CHECK_OK(rmdir("t/dir"));
}

TEST(sticky_dir_own_entries)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("t", 01777, 0, 0));
	CHECK_CHILD(sticky_own, NULL);
}

static void sticky_dir_owner(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_OK(unlink("t/f"));
}

TEST(sticky_dir_owner_may_delete)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("t", 01777, U, G));
	CHECK_OK(mkfile("t/f", 0644, OTHER, OTHER));
	CHECK_CHILD(sticky_dir_owner, NULL);
}

TEST(sticky_dir_root_may_delete)
{
	CHECK_OK(mkdir_as("t", 01777, OTHER, OTHER));
	CHECK_OK(mkfile("t/f", 0644, 3000, 3000));
	CHECK_OK(unlink("t/f"));
}

static void sticky_no_fowner(void *arg)
{
	(void)arg;
	CHECK_OK(drop_effective(CAP_FOWNER));
	CHECK_ERRNO(unlink("t/f"), EPERM);
}

TEST(sticky_dir_root_without_cap_fowner)
{
	CHECK_OK(mkdir_as("t", 01777, OTHER, OTHER));
	CHECK_OK(mkfile("t/f", 0644, 3000, 3000));
	CHECK_CHILD(sticky_no_fowner, NULL);
}

/* ---- Renaming directories ---- */

static void rename_dir_needs_w(void *arg)
{
	(void)arg;
	BECOME_USER();
	/* Moving a directory to another parent rewrites its "..". */
	CHECK_ERRNO(rename("a/ro", "b/ro"), EACCES);
	CHECK_OK(rename("a/ro", "a/ro2"));
	CHECK_OK(rename("a/rw", "b/rw"));
}

TEST(rename_dir_to_new_parent_needs_write_on_it)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("a", 0777, 0, 0));
	CHECK_OK(mkdir_as("b", 0777, 0, 0));
	CHECK_OK(mkdir_as("a/ro", 0555, U, G));
	CHECK_OK(mkdir_as("a/rw", 0755, U, G));
	CHECK_CHILD(rename_dir_needs_w, NULL);
}

/* ---- chmod ---- */

static void chmod_rules(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(chmod("root", 0777), EPERM);
	CHECK_OK(chmod("mine", 0600));
	CHECK_EQ(mode_of("mine"), 0600);
	CHECK_OK(chmod("mine", 04755));
	CHECK_EQ(mode_of("mine"), 04755);
	/* Not in the file's group: S_ISGID silently dropped. */
	CHECK_OK(chmod("foreign_group", 02755));
	CHECK_EQ(mode_of("foreign_group"), 0755);
	CHECK_OK(chmod("own_group", 02755));
	CHECK_EQ(mode_of("own_group"), 02755);
}

TEST(chmod_owner_only_and_sgid_rule)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("root", 0666, 0, 0));
	CHECK_OK(mkfile("mine", 0644, U, G));
	CHECK_OK(mkfile("foreign_group", 0644, U, OTHER));
	CHECK_OK(mkfile("own_group", 0644, U, G));
	CHECK_CHILD(chmod_rules, NULL);
}

static void fchmod_rules(void *arg)
{
	int fd;
	(void)arg;
	BECOME_USER();
	fd = open("root", O_RDWR);
	CHECK_OK(fd);
	CHECK_ERRNO(fchmod(fd, 0600), EPERM);
	CHECK_ERRNO(fchmodat(AT_FDCWD, "root", 0600, 0), EPERM);
}

TEST(fchmod_not_owner_eperm_even_if_writable)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("root", 0666, 0, 0));
	CHECK_CHILD(fchmod_rules, NULL);
}

TEST(root_chmod_keeps_sgid_of_any_group)
{
	CHECK_OK(mkfile("f", 0644, OTHER, OTHER));
	CHECK_OK(chmod("f", 02755));
	CHECK_EQ(mode_of("f"), 02755);
}

static void chmod_no_fowner(void *arg)
{
	(void)arg;
	CHECK_OK(drop_effective(CAP_FOWNER));
	CHECK_ERRNO(chmod("f", 0600), EPERM);
	CHECK_OK(chmod("mine", 0600));
}

TEST(root_chmod_without_cap_fowner)
{
	CHECK_OK(mkfile("f", 0644, OTHER, OTHER));
	CHECK_OK(mkfile("mine", 0644, 0, 0));
	CHECK_CHILD(chmod_no_fowner, NULL);
}

/* ---- chown ---- */

static void chown_rules(void *arg)
{
	struct stat st;
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(chown("mine", 0, -1), EPERM);
	CHECK_ERRNO(chown("mine", OTHER, -1), EPERM);
	CHECK_OK(chown("mine", U, -1));
	CHECK_ERRNO(chown("mine", -1, 3000), EPERM);
	CHECK_OK(chown("foreign", -1, G));
	CHECK_OK(stat("foreign", &st));
	CHECK_EQ(st.st_gid, G);
	CHECK_ERRNO(chown("root", -1, G), EPERM);
	/* Changing nothing is allowed to anyone. */
	CHECK_OK(lchown("root", -1, -1));
}

TEST(chown_as_user)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("mine", 0644, U, G));
	CHECK_OK(mkfile("foreign", 0644, U, OTHER));
	CHECK_OK(mkfile("root", 0644, 0, 0));
	CHECK_CHILD(chown_rules, NULL);
}

static void fchown_rules(void *arg)
{
	int fd;
	(void)arg;
	BECOME_USER();
	fd = open("mine", O_RDONLY);
	CHECK_OK(fd);
	CHECK_ERRNO(fchown(fd, 0, 0), EPERM);
	CHECK_OK(fchown(fd, -1, G));
	CHECK_ERRNO(fchownat(AT_FDCWD, "mine", OTHER, -1, 0), EPERM);
	CHECK_ERRNO(fchownat(fd, "", -1, 3000, AT_EMPTY_PATH), EPERM);
}

TEST(fchown_as_user)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("mine", 0644, U, G));
	CHECK_CHILD(fchown_rules, NULL);
}

TEST(chown_clears_set_id_bits)
{
	CHECK_OK(mkfile("f", 0644, 0, 0));
	CHECK_OK(chmod("f", 06755));
	CHECK_OK(chown("f", U, G));
	CHECK_EQ(mode_of("f"), 0755);
}

TEST(chown_keeps_sgid_without_group_exec)
{
	CHECK_OK(mkfile("f", 0644, 0, 0));
	CHECK_OK(chmod("f", 02644));
	CHECK_OK(chown("f", U, G));
	CHECK_EQ(mode_of("f"), 02644);
}

TEST(chown_directory_keeps_set_id_bits)
{
	CHECK_OK(mkdir_as("d", 0755, 0, 0));
	CHECK_OK(chmod("d", 06755));
	CHECK_OK(chown("d", U, G));
	CHECK_EQ(mode_of("d"), 06755);
}

static void chown_no_cap(void *arg)
{
	(void)arg;
	CHECK_OK(drop_effective(CAP_CHOWN));
	CHECK_ERRNO(chown("f", U, -1), EPERM);
	/* Root owns it: changing the group to one of root's stays allowed. */
	CHECK_OK(chown("f", -1, 0));
}

TEST(root_chown_without_cap_chown)
{
	CHECK_OK(mkfile("f", 0644, 0, OTHER));
	CHECK_CHILD(chown_no_cap, NULL);
}

/* ---- utimensat ---- */

static void utimes_rules(void *arg)
{
	struct timespec explicit_ts[2] = {{1, 0}, {2, 0}};
	struct timespec now_omit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
	struct timespec both_now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
	(void)arg;
	BECOME_USER();
	/* Writable but not ours: only "now" for both. */
	CHECK_OK(utimensat(AT_FDCWD, "rw", NULL, 0));
	CHECK_OK(utimensat(AT_FDCWD, "rw", both_now, 0));
	CHECK_ERRNO(utimensat(AT_FDCWD, "rw", explicit_ts, 0), EPERM);
	CHECK_ERRNO(utimensat(AT_FDCWD, "rw", now_omit, 0), EPERM);
	CHECK_ERRNO(utimensat(AT_FDCWD, "ro", NULL, 0), EACCES);
	CHECK_ERRNO(utimensat(AT_FDCWD, "ro", explicit_ts, 0), EPERM);
	CHECK_OK(utimensat(AT_FDCWD, "mine", explicit_ts, 0));
	CHECK_OK(utimensat(AT_FDCWD, "mine", NULL, 0));
}

TEST(utimensat_as_user)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("rw", 0666, 0, 0));
	CHECK_OK(mkfile("ro", 0644, 0, 0));
	CHECK_OK(mkfile("mine", 0400, U, G));
	CHECK_CHILD(utimes_rules, NULL);
}

static void utimes_legacy(void *arg)
{
	struct timeval tv[2] = {{1, 0}, {2, 0}};
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(utimes("rw", tv), EPERM);
	CHECK_OK(utimes("rw", NULL));
}

TEST(utimes_as_user)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("rw", 0666, 0, 0));
	CHECK_CHILD(utimes_legacy, NULL);
}

/* ---- truncate and write ---- */

static void truncate_rules(void *arg)
{
	int fd;
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(truncate("ro", 0), EACCES);
	CHECK_ERRNO(truncate("mine_ro", 0), EACCES);
	CHECK_OK(truncate("rw", 1));
	fd = open("ro", O_RDONLY);
	CHECK_OK(fd);
	CHECK_ERRNO(ftruncate(fd, 0), EINVAL);
}

TEST(truncate_needs_write_permission)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("ro", 0644, 0, 0));
	CHECK_OK(mkfile("mine_ro", 0444, U, G));
	CHECK_OK(mkfile("rw", 0666, 0, 0));
	CHECK_CHILD(truncate_rules, NULL);
}

static void write_kills_suid(void *arg)
{
	int fd;
	(void)arg;
	BECOME_USER();
	fd = open("f", O_WRONLY);
	CHECK_OK(fd);
	CHECK_EQ(write(fd, "x", 1), 1);
	CHECK_EQ(mode_of("f"), 0755);
}

TEST(write_by_user_clears_set_id_bits)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("f", 0644, U, G));
	CHECK_OK(chmod("f", 06755));
	CHECK_CHILD(write_kills_suid, NULL);
}

static void truncate_kills_suid(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_OK(truncate("f", 1));
	CHECK_EQ(mode_of("f"), 0755);
}

TEST(truncate_by_user_clears_suid)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("f", 0644, U, G));
	CHECK_OK(chmod("f", 04755));
	CHECK_CHILD(truncate_kills_suid, NULL);
}

static void otrunc_kills_suid(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_OK(open("f", O_WRONLY | O_TRUNC));
	CHECK_EQ(mode_of("f"), 0755);
}

TEST(o_trunc_by_user_clears_set_id_bits)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("f", 0644, U, G));
	CHECK_OK(chmod("f", 06755));
	CHECK_CHILD(otrunc_kills_suid, NULL);
}

TEST(write_by_root_keeps_set_id_bits)
{
	int fd;
	CHECK_OK(mkfile("f", 0644, U, G));
	CHECK_OK(chmod("f", 06755));
	fd = open("f", O_WRONLY);
	CHECK_OK(fd);
	CHECK_EQ(write(fd, "x", 1), 1);
	CHECK_EQ(mode_of("f"), 06755);
}

/* ---- Set-group-ID directories ---- */

static void sgid_dir(void *arg)
{
	struct stat st;
	(void)arg;
	BECOME_USER();
	CHECK_OK(h_write_file("d/f", "x", 1));
	CHECK_OK(stat("d/f", &st));
	CHECK_EQ(st.st_gid, OTHER);
	CHECK_EQ(st.st_uid, U);
	CHECK_OK(mkdir("d/sub", 0755));
	CHECK_OK(stat("d/sub", &st));
	CHECK_EQ(st.st_gid, OTHER);
	CHECK_EQ(st.st_mode & 07777, 02755);
	CHECK_OK(h_write_file("d/sub/g", "x", 1));
	CHECK_OK(stat("d/sub/g", &st));
	CHECK_EQ(st.st_gid, OTHER);
	CHECK_OK(symlink("x", "d/l"));
	CHECK_OK(lstat("d/l", &st));
	CHECK_EQ(st.st_gid, OTHER);
}

TEST(setgid_directory_inheritance)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("d", 02777, 0, OTHER));
	CHECK_CHILD(sgid_dir, NULL);
}

static void sgid_file_in_sgid_dir(void *arg)
{
	int fd;
	(void)arg;
	BECOME_USER();
	/* Not in the directory's group: a new executable file loses S_ISGID. */
	fd = open("d/f", O_CREAT | O_WRONLY, 02755);
	CHECK_OK(fd);
	CHECK_EQ(mode_of("d/f"), 0755);
}

TEST(setgid_directory_strips_sgid_of_new_file)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("d", 02777, 0, OTHER));
	CHECK_CHILD(sgid_file_in_sgid_dir, NULL);
}

static void plain_dir(void *arg)
{
	struct stat st;
	(void)arg;
	BECOME_USER();
	CHECK_OK(mkdir("d/sub", 0755));
	CHECK_OK(stat("d/sub", &st));
	CHECK_EQ(st.st_gid, G);
	CHECK_EQ(st.st_mode & 07777, 0755);
}

TEST(plain_directory_gives_fsgid)
{
	CHECK_OK(open_up());
	CHECK_OK(mkdir_as("d", 0777, 0, OTHER));
	CHECK_CHILD(plain_dir, NULL);
}

TEST(mkdir_ignores_set_id_bits_of_mode)
{
	CHECK_OK(mkdir("d", 06755));
	CHECK_EQ(mode_of("d"), 0755);
	CHECK_OK(mkdir("s", 01777));
	CHECK_EQ(mode_of("s"), 01755);
}

/* ---- Root's capabilities ---- */

TEST(root_bypasses_mode_bits)
{
	CHECK_OK(mkfile("f", 0000, OTHER, OTHER));
	CHECK_OK(open("f", O_RDWR));
	CHECK_OK(access("f", R_OK | W_OK));
	CHECK_OK(mkdir_as("d", 0555, OTHER, OTHER));
	CHECK_OK(h_write_file("d/new", "x", 1));
	CHECK_OK(unlink("d/new"));
}

static void no_dac_override(void *arg)
{
	(void)arg;
	CHECK_OK(drop_effective(CAP_DAC_OVERRIDE));
	/* CAP_DAC_READ_SEARCH still reads files and searches directories. */
	CHECK_OK(open("f", O_RDONLY));
	CHECK_ERRNO(open("f", O_WRONLY), EACCES);
	CHECK_OK(open("d/g", O_RDONLY));
	CHECK_ERRNO(open("d/new", O_CREAT | O_WRONLY, 0644), EACCES);
	CHECK_OK(drop_effective(CAP_DAC_READ_SEARCH));
	CHECK_ERRNO(open("f", O_RDONLY), EACCES);
	CHECK_ERRNO(open("d/g", O_RDONLY), EACCES);
}

TEST(root_loses_bypass_after_capset)
{
	CHECK_OK(chmod(".", 0777));
	CHECK_OK(mkfile("f", 0000, OTHER, OTHER));
	CHECK_OK(mkdir_as("d", 0000, OTHER, OTHER));
	CHECK_OK(mkfile("d/g", 0000, OTHER, OTHER));
	CHECK_CHILD(no_dac_override, NULL);
}

static void root_owner_bits(void *arg)
{
	(void)arg;
	CHECK_OK(drop_effective(CAP_DAC_OVERRIDE));
	CHECK_OK(drop_effective(CAP_DAC_READ_SEARCH));
	/* Without the overrides root is just the owner of its own files. */
	CHECK_OK(open("mine", O_RDWR));
	CHECK_ERRNO(open("mine_ro", O_WRONLY), EACCES);
}

TEST(root_without_dac_caps_uses_mode_bits)
{
	CHECK_OK(mkfile("mine", 0600, 0, 0));
	CHECK_OK(mkfile("mine_ro", 0400, 0, 0));
	CHECK_CHILD(root_owner_bits, NULL);
}

/* ---- O_NOATIME ---- */

static void noatime(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(open("root", O_RDONLY | O_NOATIME), EPERM);
	CHECK_OK(open("mine", O_RDONLY | O_NOATIME));
}

TEST(o_noatime_owner_only)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("root", 0644, 0, 0));
	CHECK_OK(mkfile("mine", 0644, U, G));
	CHECK_CHILD(noatime, NULL);
}

TEST(o_noatime_root_any_file)
{
	CHECK_OK(mkfile("f", 0644, OTHER, OTHER));
	CHECK_OK(open("f", O_RDONLY | O_NOATIME));
}

/* ---- Hard link protection (fs.protected_hardlinks = 1) ---- */

static void hardlinks(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(link("ro", "l1"), EPERM);
	CHECK_OK(link("rw", "l2"));
	CHECK_ERRNO(link("suid", "l3"), EPERM);
	CHECK_OK(link("mine", "l4"));
	CHECK_ERRNO(linkat(AT_FDCWD, "ro", AT_FDCWD, "l5", 0), EPERM);
}

TEST(protected_hardlinks)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("ro", 0644, 0, 0));
	CHECK_OK(mkfile("rw", 0666, 0, 0));
	CHECK_OK(mkfile("suid", 04666, 0, 0));
	CHECK_OK(mkfile("mine", 0400, U, G));
	CHECK_CHILD(hardlinks, NULL);
}

TEST(root_links_anything)
{
	CHECK_OK(mkfile("f", 04600, OTHER, OTHER));
	CHECK_OK(link("f", "l"));
}

/* ---- access, faccessat, faccessat2 ---- */

static void access_user(void *arg)
{
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(access("f", R_OK), EACCES);
	CHECK_ERRNO(access("g", W_OK), EACCES);
	CHECK_OK(access("g", R_OK));
	CHECK_ERRNO(access("g", X_OK), EACCES);
	CHECK_OK(access("g", F_OK));
	CHECK_ERRNO(faccessat(AT_FDCWD, "d/x", F_OK, 0), EACCES);
}

TEST(access_as_user)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("f", 0600, 0, 0));
	CHECK_OK(mkfile("g", 0644, 0, 0));
	CHECK_OK(mkdir_as("d", 0700, 0, 0));
	CHECK_OK(mkfile("d/x", 0644, 0, 0));
	CHECK_CHILD(access_user, NULL);
}

static void access_real_user(void *arg)
{
	(void)arg;
	CHECK_OK(setgroups(0, NULL));
	CHECK_OK(setresgid(G, 0, 0));
	CHECK_OK(setresuid(U, 0, 0));
	/* Real ids are 1000: access checks as 1000, without capabilities. */
	CHECK_ERRNO(access("f", R_OK), EACCES);
	CHECK_ERRNO(faccessat(AT_FDCWD, "f", R_OK, 0), EACCES);
	CHECK_ERRNO(syscall(SYS_faccessat2, AT_FDCWD, "f", R_OK, 0), EACCES);
	/* AT_EACCESS: the effective ids, root with its capabilities. */
	CHECK_OK(syscall(SYS_faccessat2, AT_FDCWD, "f", R_OK | W_OK, AT_EACCESS));
	CHECK_OK(open("f", O_RDWR));
}

TEST(access_uses_real_ids)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("f", 0600, 0, 0));
	CHECK_CHILD(access_real_user, NULL);
}

static void access_real_root(void *arg)
{
	(void)arg;
	CHECK_OK(setgroups(0, NULL));
	CHECK_OK(setresgid(0, G, 0));
	CHECK_OK(setresuid(0, U, 0));
	/* Real uid 0: access checks with root's permitted capabilities. */
	CHECK_OK(access("f", R_OK | W_OK));
	CHECK_ERRNO(syscall(SYS_faccessat2, AT_FDCWD, "f", R_OK, AT_EACCESS), EACCES);
	CHECK_ERRNO(open("f", O_RDONLY), EACCES);
}

TEST(access_real_root_effective_user)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("f", 0600, OTHER, OTHER));
	CHECK_CHILD(access_real_root, NULL);
}

TEST(access_root_x_ok_needs_x_bit)
{
	CHECK_OK(mkfile("f", 0644, 0, 0));
	CHECK_ERRNO(access("f", X_OK), EACCES);
	CHECK_OK(mkdir_as("d", 0000, 0, 0));
	CHECK_OK(access("d", X_OK | R_OK | W_OK));
}

/* ---- openat2 ---- */

TEST(openat2_plain_open)
{
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_NO_MAGICLINKS};
	int fd;
	CHECK_OK(mkfile("f", 0644, 0, 0));
	fd = sys_openat2(AT_FDCWD, "f", &how, sizeof how);
	CHECK_OK(fd);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
}

TEST(openat2_creates_with_mode)
{
	struct open_how how = {.flags = O_CREAT | O_WRONLY | O_EXCL, .mode = 0640};
	CHECK_OK(sys_openat2(AT_FDCWD, "new", &how, sizeof how));
	CHECK_EQ(mode_of("new"), 0640);
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "new", &how, sizeof how), EEXIST);
}

TEST(openat2_size_checks)
{
	struct {
		struct open_how how;
		uint64_t extra;
	} big;
	memset(&big, 0, sizeof big);
	big.how.flags = O_RDONLY;
	CHECK_OK(mkfile("f", 0644, 0, 0));
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "f", &big.how, 16), EINVAL);
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "f", &big.how, 0), EINVAL);
	CHECK_OK(sys_openat2(AT_FDCWD, "f", &big.how, sizeof big));
	big.extra = 1;
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "f", &big.how, sizeof big), E2BIG);
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "f", NULL, sizeof big.how), EFAULT);
}

TEST(openat2_invalid_arguments)
{
	struct open_how how;
	CHECK_OK(mkfile("f", 0644, 0, 0));
	memset(&how, 0, sizeof how);
	how.flags = 1ULL << 40;
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "f", &how, sizeof how), EINVAL);
	how.flags = O_RDONLY;
	how.resolve = 0x40;
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "f", &how, sizeof how), EINVAL);
	how.resolve = RESOLVE_BENEATH | RESOLVE_IN_ROOT;
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "f", &how, sizeof how), EINVAL);
	how.resolve = 0;
	how.mode = 0644;
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "f", &how, sizeof how), EINVAL);
	how.flags = O_CREAT | O_WRONLY;
	how.mode = 010000;
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "f", &how, sizeof how), EINVAL);
	how.mode = 0;
	how.flags = O_PATH | O_RDWR;
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "f", &how, sizeof how), EINVAL);
}

TEST(openat2_resolve_no_symlinks)
{
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS};
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(mkfile("d/f", 0644, 0, 0));
	CHECK_OK(symlink("d/f", "l"));
	CHECK_OK(symlink("d", "dl"));
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "l", &how, sizeof how), ELOOP);
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "dl/f", &how, sizeof how), ELOOP);
	CHECK_OK(sys_openat2(AT_FDCWD, "d/f", &how, sizeof how));
	how.flags = O_PATH | O_NOFOLLOW;
	CHECK_OK(sys_openat2(AT_FDCWD, "l", &how, sizeof how));
	how.flags = O_CREAT | O_WRONLY;
	how.mode = 0644;
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "l", &how, sizeof how), ELOOP);
}

TEST(openat2_resolve_beneath)
{
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_BENEATH};
	int dfd;
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(mkdir("d/sub", 0755));
	CHECK_OK(mkfile("d/f", 0644, 0, 0));
	CHECK_OK(mkfile("outside", 0644, 0, 0));
	CHECK_OK(symlink("/etc/passwd", "d/abs"));
	CHECK_OK(symlink("../outside", "d/up"));
	CHECK_OK(symlink("sub/../f", "d/rel"));
	dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK_OK(dfd);
	CHECK_OK(sys_openat2(dfd, "f", &how, sizeof how));
	CHECK_OK(sys_openat2(dfd, "sub/../f", &how, sizeof how));
	CHECK_OK(sys_openat2(dfd, "rel", &how, sizeof how));
	CHECK_ERRNO(sys_openat2(dfd, "../outside", &how, sizeof how), EXDEV);
	CHECK_ERRNO(sys_openat2(dfd, "sub/../../outside", &how, sizeof how), EXDEV);
	CHECK_ERRNO(sys_openat2(dfd, "/etc/passwd", &how, sizeof how), EXDEV);
	CHECK_ERRNO(sys_openat2(dfd, "abs", &how, sizeof how), EXDEV);
	CHECK_ERRNO(sys_openat2(dfd, "up", &how, sizeof how), EXDEV);
}

TEST(openat2_resolve_in_root)
{
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_IN_ROOT};
	char buf[16] = {0};
	int dfd, fd;
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(h_write_file("d/f", "inner", 5));
	CHECK_OK(h_write_file("f", "outer", 5));
	CHECK_OK(symlink("/f", "d/abs"));
	dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK_OK(dfd);
	/* An absolute symlink stays inside dirfd. */
	fd = sys_openat2(dfd, "abs", &how, sizeof how);
	CHECK_OK(fd);
	CHECK_EQ(read(fd, buf, sizeof buf), 5);
	CHECK_STREQ(buf, "inner");
	/* ".." at the root stays there; "/" is dirfd. */
	fd = sys_openat2(dfd, "../../f", &how, sizeof how);
	CHECK_OK(fd);
	memset(buf, 0, sizeof buf);
	CHECK_EQ(read(fd, buf, sizeof buf), 5);
	CHECK_STREQ(buf, "inner");
	fd = sys_openat2(dfd, "/f", &how, sizeof how);
	CHECK_OK(fd);
	memset(buf, 0, sizeof buf);
	CHECK_EQ(read(fd, buf, sizeof buf), 5);
	CHECK_STREQ(buf, "inner");
	CHECK_ERRNO(sys_openat2(dfd, "/etc/passwd", &how, sizeof how), ENOENT);
}

TEST(openat2_resolve_no_xdev)
{
	struct open_how how = {.flags = O_PATH, .resolve = RESOLVE_NO_XDEV};
	int root = open("/", O_PATH | O_DIRECTORY);
	CHECK_OK(root);
	/* /proc is its own mount; /etc is on the root's. */
	CHECK_ERRNO(sys_openat2(root, "proc", &how, sizeof how), EXDEV);
	CHECK_ERRNO(sys_openat2(root, "proc/..", &how, sizeof how), EXDEV);
	CHECK_OK(sys_openat2(root, "etc", &how, sizeof how));
	CHECK_OK(sys_openat2(AT_FDCWD, "/", &how, sizeof how));
}

TEST(openat2_resolve_cached)
{
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_CACHED};
	CHECK_OK(mkfile("f", 0644, 0, 0));
	how.flags = O_CREAT | O_WRONLY;
	how.mode = 0644;
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "g", &how, sizeof how), EAGAIN);
	how.flags = O_WRONLY | O_TRUNC;
	how.mode = 0;
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "f", &how, sizeof how), EAGAIN);
}

static void openat2_user(void *arg)
{
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_BENEATH};
	(void)arg;
	BECOME_USER();
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "f", &how, sizeof how), EACCES);
	CHECK_ERRNO(sys_openat2(AT_FDCWD, "d/g", &how, sizeof how), EACCES);
}

TEST(openat2_checks_permissions)
{
	CHECK_OK(open_up());
	CHECK_OK(mkfile("f", 0600, 0, 0));
	CHECK_OK(mkdir_as("d", 0700, 0, 0));
	CHECK_OK(mkfile("d/g", 0644, 0, 0));
	CHECK_CHILD(openat2_user, NULL);
}
