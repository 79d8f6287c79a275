/* Directories and names: mkdir/rmdir, getdents64, cwd, rename, unlink,
 * symlinks, hard links and path walk corner cases. */
#include "harness.h"

#include <limits.h>

/* Lists dir with raw getdents64 into names (sorted, "name/type" each),
 * joined by spaces; returns the number of entries or -1. */
static int list_dir(const char *dir, size_t bufsize, char *out, size_t cap)
{
	char buf[8192], names[256][64];
	int n = 0, fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || bufsize > sizeof buf)
		return -1;
	for (;;) {
		long got = syscall(SYS_getdents64, fd, buf, bufsize);
		if (got < 0) {
			close(fd);
			return -1;
		}
		if (got == 0)
			break;
		for (long off = 0; off < got;) {
			struct h_dirent64 *d = (struct h_dirent64 *)(buf + off);
			if (n == 256) {
				close(fd);
				return -1;
			}
			snprintf(names[n++], sizeof names[0], "%s/%d", d->d_name, d->d_type);
			off += d->d_reclen;
		}
	}
	close(fd);
	qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		if (i)
			strncat(out, " ", cap - strlen(out) - 1);
		strncat(out, names[i], cap - strlen(out) - 1);
	}
	return n;
}

TEST(mkdir_basic)
{
	struct stat st;
	CHECK_OK(mkdir("d", 0777));
	CHECK_OK(stat("d", &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0755); /* umask 022 */
	CHECK_EQ(st.st_nlink, 2);
	CHECK_ERRNO(mkdir("d", 0755), EEXIST);
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_ERRNO(mkdir("f", 0755), EEXIST);
	CHECK_ERRNO(mkdir("missing/d", 0755), ENOENT);
	CHECK_ERRNO(mkdir("f/d", 0755), ENOTDIR);
	/* A trailing slash is fine for mkdir. */
	CHECK_OK(mkdir("e/", 0700));
	CHECK_OK(stat("e", &st));
	CHECK_EQ(st.st_mode & 07777, 0700);
}

TEST(mkdirat_dirfd)
{
	struct stat st;
	int dfd;
	CHECK_OK(mkdir("parent", 0755));
	dfd = open("parent", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK_OK(mkdirat(dfd, "child", 0750));
	CHECK_OK(stat("parent/child", &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_OK(stat("parent", &st));
	CHECK_EQ(st.st_nlink, 3);
	CHECK_ERRNO(mkdirat(dfd, "child", 0750), EEXIST);
	CHECK_ERRNO(mkdirat(9999, "x", 0750), EBADF);
}

TEST(rmdir_cases)
{
	struct stat st;
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(h_write_file("d/f", "x", 1));
	CHECK_ERRNO(rmdir("d"), ENOTEMPTY);
	CHECK_ERRNO(rmdir("d/f"), ENOTDIR);
	CHECK_ERRNO(rmdir("missing"), ENOENT);
	CHECK_ERRNO(rmdir("d/."), EINVAL);
	CHECK_OK(unlink("d/f"));
	CHECK_OK(rmdir("d"));
	CHECK_ERRNO(stat("d", &st), ENOENT);
}

TEST(getdents64_lists_names)
{
	char out[1024];
	CHECK_OK(h_write_file("a", "", 0));
	CHECK_OK(h_write_file("bb", "", 0));
	CHECK_OK(h_write_file("ccc", "", 0));
	CHECK_OK(mkdir("dir", 0755));
	CHECK_OK(symlink("a", "lnk"));
	CHECK_EQ(list_dir(".", 4096, out, sizeof out), 7);
	CHECK_STREQ(out, "../4 ./4 a/8 bb/8 ccc/8 dir/4 lnk/10");
}

TEST(getdents64_empty_dir)
{
	char out[256];
	CHECK_OK(mkdir("e", 0755));
	CHECK_EQ(list_dir("e", 4096, out, sizeof out), 2);
	CHECK_STREQ(out, "../4 ./4");
}

TEST(getdents64_many_small_buffer)
{
	char out[8192], expect[8192] = "";
	char name[32];
	/* 200 entries read 256 bytes at a time: every name exactly once. */
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof name, "file-%03d", i);
		CHECK_OK(h_write_file(name, "", 0));
	}
	CHECK_EQ(list_dir(".", 256, out, sizeof out), 202);
	strcat(expect, "../4 ./4");
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof name, " file-%03d/8", i);
		strcat(expect, name);
	}
	CHECK_STREQ(out, expect);
}

TEST(getdents64_errors)
{
	char buf[8];
	int fd;
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	/* Too small for even one entry. */
	CHECK_ERRNO(syscall(SYS_getdents64, fd, buf, sizeof buf), EINVAL);
	CHECK_OK(h_write_file("f", "x", 1));
	fd = open("f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERRNO(syscall(SYS_getdents64, fd, buf, sizeof buf), ENOTDIR);
	CHECK_ERRNO(syscall(SYS_getdents64, 9999, buf, sizeof buf), EBADF);
}

TEST(getdents64_rewind_sees_new_entries)
{
	char buf[4096];
	long n;
	int fd = open(".", O_RDONLY | O_DIRECTORY), count = 0;
	CHECK(fd >= 0);
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
		;
	CHECK_EQ(n, 0);
	CHECK_OK(h_write_file("late", "", 0));
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
		for (long off = 0; off < n;) {
			struct h_dirent64 *d = (struct h_dirent64 *)(buf + off);
			count += !strcmp(d->d_name, "late");
			off += d->d_reclen;
		}
	CHECK_EQ(count, 1);
}

TEST(chdir_getcwd)
{
	char cwd[PATH_MAX], expect[PATH_MAX];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK_STREQ(cwd, h_case_dir);
	CHECK_OK(mkdir("sub", 0755));
	CHECK_OK(chdir("sub"));
	snprintf(expect, sizeof expect, "%s/sub", h_case_dir);
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK_STREQ(cwd, expect);
	CHECK_OK(chdir(".."));
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK_STREQ(cwd, h_case_dir);
	CHECK_OK(chdir("/"));
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK_STREQ(cwd, "/");
	CHECK_OK(chdir(h_case_dir));
	CHECK_OK(h_write_file("f", "", 0));
	CHECK_ERRNO(chdir("f"), ENOTDIR);
	CHECK_ERRNO(chdir("missing"), ENOENT);
}

TEST(getcwd_raw_and_erange)
{
	char cwd[PATH_MAX], tiny[4];
	long n = syscall(SYS_getcwd, cwd, sizeof cwd);
	/* The raw syscall returns the length including the NUL. */
	CHECK_EQ(n, strlen(h_case_dir) + 1);
	CHECK_STREQ(cwd, h_case_dir);
	CHECK_ERRNO(syscall(SYS_getcwd, tiny, sizeof tiny), ERANGE);
	CHECK_ERRNO(syscall(SYS_getcwd, cwd, strlen(h_case_dir)), ERANGE);
	CHECK_EQ(syscall(SYS_getcwd, cwd, strlen(h_case_dir) + 1), strlen(h_case_dir) + 1);
	CHECK_ERRNO(syscall(SYS_getcwd, (void *)8, sizeof cwd), EFAULT);
}

TEST(fchdir)
{
	char cwd[PATH_MAX], expect[PATH_MAX];
	int fd, ffd;
	CHECK_OK(mkdir("d", 0755));
	fd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	CHECK_OK(chdir("/"));
	CHECK_OK(fchdir(fd));
	snprintf(expect, sizeof expect, "%s/d", h_case_dir);
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK_STREQ(cwd, expect);
	CHECK_OK(h_write_file("f", "", 0));
	ffd = open("f", O_RDONLY);
	CHECK(ffd >= 0);
	CHECK_ERRNO(fchdir(ffd), ENOTDIR);
	CHECK_ERRNO(fchdir(9999), EBADF);
}

TEST(getcwd_of_removed_dir)
{
	char cwd[PATH_MAX];
	CHECK_OK(mkdir("gone", 0755));
	CHECK_OK(chdir("gone"));
	CHECK_OK(rmdir("../gone"));
	/* Linux reports an unreachable cwd as ENOENT from getcwd(2). */
	CHECK_ERRNO(syscall(SYS_getcwd, cwd, sizeof cwd), ENOENT);
}

TEST(rename_file)
{
	char buf[16];
	struct stat st;
	CHECK_OK(h_write_file("a", "A", 1));
	CHECK_OK(h_write_file("b", "B", 1));
	CHECK_OK(rename("a", "c"));
	CHECK_ERRNO(stat("a", &st), ENOENT);
	CHECK_EQ(h_read_file("c", buf, sizeof buf), 1);
	CHECK_STREQ(buf, "A");
	/* Renaming over an existing file replaces it. */
	CHECK_OK(rename("c", "b"));
	CHECK_EQ(h_read_file("b", buf, sizeof buf), 1);
	CHECK_STREQ(buf, "A");
	CHECK_ERRNO(stat("c", &st), ENOENT);
	/* Same name: nothing happens. */
	CHECK_OK(rename("b", "b"));
	CHECK_OK(stat("b", &st));
	CHECK_ERRNO(rename("missing", "x"), ENOENT);
}

TEST(rename_dirs)
{
	struct stat st;
	CHECK_OK(mkdir("d1", 0755));
	CHECK_OK(h_write_file("d1/f", "x", 1));
	CHECK_OK(mkdir("d2", 0755));
	CHECK_OK(mkdir("full", 0755));
	CHECK_OK(h_write_file("full/g", "x", 1));
	CHECK_OK(h_write_file("file", "x", 1));
	/* Over an empty directory: allowed. */
	CHECK_OK(rename("d1", "d2"));
	CHECK_OK(stat("d2/f", &st));
	/* Over a non-empty directory: not. */
	CHECK_ERRNO(rename("d2", "full"), ENOTEMPTY);
	CHECK_ERRNO(rename("d2", "file"), ENOTDIR);
	CHECK_ERRNO(rename("file", "d2"), EISDIR);
	/* Into its own subdirectory. */
	CHECK_ERRNO(rename("d2", "d2/sub"), EINVAL);
	/* Moving a directory to another parent fixes the link counts. */
	CHECK_OK(rename("d2", "full/moved"));
	CHECK_OK(stat("full", &st));
	CHECK_EQ(st.st_nlink, 3);
}

TEST(renameat_and_renameat2)
{
	char buf[8];
	int d1, d2;
	CHECK_OK(mkdir("x", 0755));
	CHECK_OK(mkdir("y", 0755));
	d1 = open("x", O_RDONLY | O_DIRECTORY);
	d2 = open("y", O_RDONLY | O_DIRECTORY);
	CHECK(d1 >= 0 && d2 >= 0);
	CHECK_OK(h_write_file("x/a", "1", 1));
	CHECK_OK(h_write_file("y/b", "2", 1));
	CHECK_OK(renameat(d1, "a", d2, "a"));
	CHECK_ERRNO(access("x/a", F_OK), ENOENT);
	CHECK_OK(access("y/a", F_OK));
	CHECK_ERRNO(syscall(SYS_renameat2, d2, "a", d2, "b", RENAME_NOREPLACE), EEXIST);
	CHECK_EQ(h_read_file("y/b", buf, sizeof buf), 1);
	CHECK_STREQ(buf, "2");
	CHECK_OK(syscall(SYS_renameat2, d2, "a", d1, "c", RENAME_NOREPLACE));
	CHECK_OK(access("x/c", F_OK));
	CHECK_ERRNO(syscall(SYS_renameat2, d1, "c", d1, "d", 0x80000000U), EINVAL);
}

TEST(renameat2_exchange)
{
	char buf[8];
	CHECK_OK(h_write_file("p", "P", 1));
	CHECK_OK(h_write_file("q", "Q", 1));
	CHECK_OK(syscall(SYS_renameat2, AT_FDCWD, "p", AT_FDCWD, "q", RENAME_EXCHANGE));
	CHECK_EQ(h_read_file("p", buf, sizeof buf), 1);
	CHECK_STREQ(buf, "Q");
	CHECK_EQ(h_read_file("q", buf, sizeof buf), 1);
	CHECK_STREQ(buf, "P");
	CHECK_ERRNO(syscall(SYS_renameat2, AT_FDCWD, "p", AT_FDCWD, "none", RENAME_EXCHANGE),
		    ENOENT);
}

TEST(unlink_cases)
{
	struct stat st;
	int dfd;
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(unlink("f"));
	CHECK_ERRNO(stat("f", &st), ENOENT);
	CHECK_ERRNO(unlink("f"), ENOENT);
	CHECK_ERRNO(unlink("d"), EISDIR);
	dfd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK_OK(h_write_file("g", "x", 1));
	CHECK_ERRNO(unlinkat(dfd, "g", AT_REMOVEDIR), ENOTDIR);
	CHECK_ERRNO(unlinkat(dfd, "g", 0x1), EINVAL);
	CHECK_OK(unlinkat(dfd, "g", 0));
	CHECK_OK(unlinkat(dfd, "d", AT_REMOVEDIR));
	CHECK_ERRNO(stat("d", &st), ENOENT);
}

TEST(unlink_symlink_not_target)
{
	struct stat st;
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(symlink("f", "l"));
	CHECK_OK(unlink("l"));
	CHECK_OK(stat("f", &st));
	CHECK_ERRNO(lstat("l", &st), ENOENT);
}

TEST(symlink_readlink)
{
	char buf[64];
	int dfd;
	CHECK_OK(symlink("some/target/path", "l"));
	memset(buf, 'Z', sizeof buf);
	CHECK_EQ(readlink("l", buf, sizeof buf), 16);
	/* No NUL is appended. */
	CHECK_EQ(buf[16], 'Z');
	CHECK(memcmp(buf, "some/target/path", 16) == 0);
	/* A short buffer truncates silently. */
	CHECK_EQ(readlink("l", buf, 4), 4);
	CHECK(memcmp(buf, "some", 4) == 0);
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(symlinkat("/abs", AT_FDCWD, "d/l2"));
	dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK_EQ(readlinkat(dfd, "l2", buf, sizeof buf), 4);
	CHECK(memcmp(buf, "/abs", 4) == 0);
	CHECK_ERRNO(symlink("x", "l"), EEXIST);
	CHECK_ERRNO(symlink("", "empty"), ENOENT);
}

TEST(readlink_errors)
{
	char buf[16];
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_ERRNO(readlink("f", buf, sizeof buf), EINVAL);
	CHECK_ERRNO(readlink(".", buf, sizeof buf), EINVAL);
	CHECK_ERRNO(readlink("missing", buf, sizeof buf), ENOENT);
	CHECK_OK(symlink("f", "l"));
	CHECK_ERRNO(syscall(SYS_readlink, "l", buf, 0), EINVAL);
}

TEST(dangling_symlink)
{
	struct stat st;
	CHECK_OK(symlink("nowhere", "l"));
	CHECK_ERRNO(stat("l", &st), ENOENT);
	CHECK_OK(lstat("l", &st));
	CHECK(S_ISLNK(st.st_mode));
	CHECK_ERRNO(open("l", O_RDONLY), ENOENT);
}

TEST(symlink_to_dir_walk)
{
	char buf[8];
	CHECK_OK(mkdir("real", 0755));
	CHECK_OK(h_write_file("real/f", "in", 2));
	CHECK_OK(symlink("real", "alias"));
	CHECK_OK(symlink("alias/f", "chain"));
	CHECK_EQ(h_read_file("alias/f", buf, sizeof buf), 2);
	CHECK_STREQ(buf, "in");
	CHECK_EQ(h_read_file("chain", buf, sizeof buf), 2);
	CHECK_STREQ(buf, "in");
	CHECK_OK(symlink("/", "root"));
	CHECK_OK(access("root/dev/null", F_OK));
}

TEST(link_shares_inode)
{
	struct stat a, b;
	char buf[8];
	CHECK_OK(h_write_file("orig", "same", 4));
	CHECK_OK(link("orig", "alias"));
	CHECK_OK(stat("orig", &a));
	CHECK_OK(stat("alias", &b));
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_EQ(a.st_nlink, 2);
	CHECK_EQ(b.st_nlink, 2);
	CHECK_OK(unlink("orig"));
	CHECK_OK(stat("alias", &b));
	CHECK_EQ(b.st_nlink, 1);
	CHECK_EQ(h_read_file("alias", buf, sizeof buf), 4);
	CHECK_STREQ(buf, "same");
	CHECK_OK(mkdir("d", 0755));
	CHECK_ERRNO(link("d", "d2"), EPERM);
	CHECK_ERRNO(link("alias", "alias"), EEXIST);
	CHECK_ERRNO(link("missing", "x"), ENOENT);
}

TEST(linkat_symlink_follow)
{
	struct stat st, target;
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(symlink("f", "l"));
	/* Without AT_SYMLINK_FOLLOW the link itself is linked. */
	CHECK_OK(linkat(AT_FDCWD, "l", AT_FDCWD, "l2", 0));
	CHECK_OK(lstat("l2", &st));
	CHECK(S_ISLNK(st.st_mode));
	CHECK_OK(linkat(AT_FDCWD, "l", AT_FDCWD, "f2", AT_SYMLINK_FOLLOW));
	CHECK_OK(lstat("f2", &st));
	CHECK_OK(stat("f", &target));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_ino, target.st_ino);
}

TEST(path_dot_dotdot)
{
	struct stat a, b;
	CHECK_OK(mkdir("a", 0755));
	CHECK_OK(mkdir("a/b", 0755));
	CHECK_OK(stat("a/b", &a));
	CHECK_OK(stat("a/b/../b/./.", &b));
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_OK(stat("./a//b/", &b));
	CHECK_EQ(a.st_ino, b.st_ino);
	/* ".." of the root is the root. */
	CHECK_OK(stat("/", &a));
	CHECK_OK(stat("/../../..", &b));
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_EQ(a.st_dev, b.st_dev);
	/* ".." through a file is ENOTDIR. */
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_ERRNO(stat("f/..", &a), ENOTDIR);
}

TEST(trailing_slash)
{
	struct stat st;
	CHECK_OK(h_write_file("f", "x", 1));
	CHECK_OK(mkdir("d", 0755));
	CHECK_ERRNO(stat("f/", &st), ENOTDIR);
	CHECK_ERRNO(open("f/", O_RDONLY), ENOTDIR);
	CHECK_OK(stat("d/", &st));
	CHECK_ERRNO(open("new/", O_RDWR | O_CREAT, 0644), EISDIR);
	CHECK_ERRNO(unlink("d/"), EISDIR);
	CHECK_OK(rmdir("d/"));
	CHECK_OK(symlink("f", "lf"));
	CHECK_ERRNO(stat("lf/", &st), ENOTDIR);
}

TEST(symlink_loop_eloop)
{
	struct stat st;
	CHECK_OK(symlink("b", "a"));
	CHECK_OK(symlink("a", "b"));
	CHECK_OK(symlink("self", "self"));
	CHECK_ERRNO(open("a", O_RDONLY), ELOOP);
	CHECK_ERRNO(stat("b", &st), ELOOP);
	CHECK_ERRNO(stat("self/x", &st), ELOOP);
	CHECK_ERRNO(chdir("self"), ELOOP);
	/* lstat does not follow the last component. */
	CHECK_OK(lstat("a", &st));
}

TEST(symlink_chain_depth)
{
	char from[16], to[16];
	struct stat st;
	/* 40 hops are allowed (MAXSYMLINKS), 41 are not. */
	CHECK_OK(h_write_file("l0", "x", 1));
	for (int i = 1; i <= 41; i++) {
		snprintf(from, sizeof from, "l%d", i - 1);
		snprintf(to, sizeof to, "l%d", i);
		CHECK_OK(symlink(from, to));
	}
	CHECK_OK(stat("l40", &st));
	CHECK_ERRNO(stat("l41", &st), ELOOP);
}

TEST(enametoolong)
{
	static char name[5001], path[5000];
	struct stat st;
	memset(name, 'n', 5000);
	CHECK_ERRNO(open(name, O_RDONLY | O_CREAT, 0644), ENAMETOOLONG);
	CHECK_ERRNO(stat(name, &st), ENAMETOOLONG);
	CHECK_ERRNO(mkdir(name, 0755), ENAMETOOLONG);
	/* NAME_MAX is 255: 255 works, 256 does not. */
	name[255] = 0;
	CHECK(open(name, O_RDONLY | O_CREAT, 0644) >= 0);
	name[255] = 'n';
	name[256] = 0;
	CHECK_ERRNO(open(name, O_RDONLY | O_CREAT, 0644), ENAMETOOLONG);
	/* A path of PATH_MAX bytes or more made of short components. */
	for (int i = 0; i + 2 < (int)sizeof path; i += 2)
		memcpy(path + i, "./", 2);
	path[sizeof path - 1] = 0;
	CHECK_ERRNO(stat(path, &st), ENAMETOOLONG);
}
