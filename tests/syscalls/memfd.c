/* memfd_create: flags, names, the file it makes (an unlinked regular file,
 * mode 0777), shared mappings of it, and seals (F_ADD_SEALS / F_GET_SEALS): SHRINK,
 * GROW, WRITE (EPERM on write, on writable shared mmap; EBUSY while a
 * writable shared mapping exists), FUTURE_WRITE, SEAL. */
#include "harness.h"

#include <sys/ioctl.h>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

static int mfd(const char *name, unsigned flags)
{
	return (int)syscall(SYS_memfd_create, name, flags);
}

TEST(is_an_empty_regular_file)
{
	struct stat st;
	int fd = mfd("x", 0);
	CHECK_OK(fd);
	CHECK_OK(fstat(fd, &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0777);
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(st.st_uid, getuid());
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
}

TEST(read_write_truncate)
{
	char buf[16];
	struct stat st;
	int fd = mfd("data", 0);
	CHECK_OK(fd);
	CHECK_EQ(write(fd, "hello world", 11), 11);
	CHECK_EQ(pread(fd, buf, sizeof buf, 6), 5);
	CHECK(memcmp(buf, "world", 5) == 0);
	CHECK_OK(ftruncate(fd, 5));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 5);
	CHECK_OK(ftruncate(fd, 8192));
	CHECK_EQ(pread(fd, buf, 4, 100), 4);
	CHECK_EQ(buf[0], 0);
}

TEST(cloexec_flag)
{
	int a = mfd("a", MFD_CLOEXEC), b = mfd("b", 0);
	CHECK_OK(a);
	CHECK_OK(b);
	CHECK_EQ(fcntl(a, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(b, F_GETFD), 0);
}

TEST(unknown_flags_einval)
{
	CHECK_ERRNO(mfd("x", 0x100), EINVAL);
	CHECK_ERRNO(mfd("x", 0x80000000U), EINVAL);
}

TEST(name_length_limit)
{
	char name[300];
	memset(name, 'n', sizeof name);
	name[249] = 0;
	int fd = mfd(name, 0);
	CHECK_OK(fd);
	name[249] = 'n';
	name[250] = 0;
	CHECK_ERRNO(mfd(name, 0), EINVAL);
	CHECK_OK(mfd("", 0));
}

TEST(bad_name_pointer_efault)
{
	CHECK_ERRNO(mfd((const char *)8, 0), EFAULT);
}

TEST(without_sealing_has_seal_seal)
{
	int fd = mfd("x", 0);
	CHECK_OK(fd);
	CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
	CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
}

TEST(seal_shrink)
{
	int fd = mfd("x", MFD_ALLOW_SEALING);
	CHECK_OK(fd);
	CHECK_EQ(fcntl(fd, F_GET_SEALS), 0);
	CHECK_OK(ftruncate(fd, 100));
	CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
	CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK);
	CHECK_ERRNO(ftruncate(fd, 50), EPERM);
	CHECK_OK(ftruncate(fd, 200));
	CHECK_EQ(pwrite(fd, "a", 1, 0), 1);
}

TEST(seal_grow)
{
	int fd = mfd("x", MFD_ALLOW_SEALING);
	CHECK_OK(fd);
	CHECK_OK(ftruncate(fd, 10));
	CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	CHECK_ERRNO(ftruncate(fd, 11), EPERM);
	CHECK_EQ(pwrite(fd, "abc", 3, 0), 3);
	CHECK_ERRNO(pwrite(fd, "abc", 3, 9), EPERM);
	CHECK_OK(ftruncate(fd, 5));
}

TEST(seal_write)
{
	int fd = mfd("x", MFD_ALLOW_SEALING);
	CHECK_OK(fd);
	CHECK_OK(ftruncate(fd, 4096));
	CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	CHECK_ERRNO(write(fd, "a", 1), EPERM);
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
	CHECK_EQ(errno, EPERM);
	void *r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(r != MAP_FAILED);
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	((char *)p)[0] = 'z';
	char c = 1;
	CHECK_EQ(pread(fd, &c, 1, 0), 1);
	CHECK_EQ(c, 0);
}

TEST(seal_write_busy_while_mapped_writable)
{
	int fd = mfd("x", MFD_ALLOW_SEALING);
	CHECK_OK(fd);
	CHECK_OK(ftruncate(fd, 4096));
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);
	CHECK_OK(munmap(p, 4096));
	CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
}

TEST(seal_future_write)
{
	int fd = mfd("x", MFD_ALLOW_SEALING);
	CHECK_OK(fd);
	CHECK_OK(ftruncate(fd, 4096));
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	/* The mapping made before still writes. */
	p[0] = 'q';
	char c = 0;
	CHECK_EQ(pread(fd, &c, 1, 0), 1);
	CHECK_EQ(c, 'q');
	CHECK_ERRNO(write(fd, "a", 1), EPERM);
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
	CHECK_EQ(errno, EPERM);
}

TEST(seal_seal_freezes_seals)
{
	int fd = mfd("x", MFD_ALLOW_SEALING);
	CHECK_OK(fd);
	CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_GROW));
	CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL | F_SEAL_GROW);
	CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), EPERM);
	CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, 0), EPERM);
}

TEST(add_seals_einval)
{
	int fd = mfd("x", MFD_ALLOW_SEALING);
	CHECK_OK(fd);
	CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, 0x1000), EINVAL);
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERRNO(fcntl(p[0], F_GET_SEALS), EINVAL);
	CHECK_ERRNO(fcntl(p[1], F_ADD_SEALS, F_SEAL_SEAL), EINVAL);
}

TEST(shared_mapping_is_coherent_and_shared_by_fork)
{
	int st, fd = mfd("x", 0);
	CHECK_OK(fd);
	CHECK_OK(ftruncate(fd, 4096));
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	CHECK_EQ(pwrite(fd, "abc", 3, 0), 3);
	CHECK(memcmp(p, "abc", 3) == 0);
	pid_t pid = h_fork();
	CHECK_OK(pid);
	if (pid == 0) {
		p[100] = 'k';
		_exit(pwrite(fd, "Z", 1, 200) == 1 ? 0 : 1);
	}
	CHECK_EQ(h_waitpid_timeout(pid, &st, 0, 5000), pid);
	CHECK_EQ(st, 0);
	CHECK_EQ(p[100], 'k');
	CHECK_EQ(p[200], 'Z');
}

TEST(fionread_counts_to_end)
{
	int n = -1, fd = mfd("x", 0);
	CHECK_OK(fd);
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	CHECK_EQ(lseek(fd, 3, SEEK_SET), 3);
	CHECK_OK(ioctl(fd, FIONREAD, &n));
	CHECK_EQ(n, 7);
}

TEST(seal_write_busy_with_readonly_shared_mapping)
{
	int fd = mfd("x", MFD_ALLOW_SEALING);
	CHECK_OK(fd);
	CHECK_OK(ftruncate(fd, 4096));
	/* Through an O_RDWR description it could be made writable. */
	char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);
	CHECK_OK(munmap(p, 4096));
	CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	CHECK_ERRNO(mprotect(p, 4096, PROT_READ | PROT_WRITE), EACCES);
}

TEST(future_write_keeps_earlier_mappings_writable)
{
	int fd = mfd("x", MFD_ALLOW_SEALING);
	CHECK_OK(fd);
	CHECK_OK(ftruncate(fd, 4096));
	char *before = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(before != MAP_FAILED);
	CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	char *after = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(after != MAP_FAILED);
	CHECK_OK(mprotect(before, 4096, PROT_READ | PROT_WRITE));
	CHECK_ERRNO(mprotect(after, 4096, PROT_READ | PROT_WRITE), EACCES);
	before[0] = 'w';
	CHECK_EQ(after[0], 'w');
}

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

TEST(seal_exec_freezes_exec_bits_and_contents)
{
	int fd = mfd("x", MFD_ALLOW_SEALING);
	CHECK_OK(fd);
	CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC));
	/* The file was executable: its contents are sealed too. */
	CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_EXEC | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
						 F_SEAL_FUTURE_WRITE);
	CHECK_ERRNO(fchmod(fd, 0666), EPERM);
	CHECK_OK(fchmod(fd, 0775));
	CHECK_ERRNO(write(fd, "a", 1), EPERM);
}

TEST(noexec_seal_and_exec_flags)
{
	struct stat st;
	int fd = mfd("y", MFD_NOEXEC_SEAL);
	CHECK_OK(fd);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 07777, 0666);
	CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_EXEC);
	CHECK_ERRNO(fchmod(fd, 0755), EPERM);
	CHECK_EQ(write(fd, "a", 1), 1);
	int e = mfd("z", MFD_EXEC);
	CHECK_OK(e);
	CHECK_EQ(fcntl(e, F_GET_SEALS), F_SEAL_SEAL);
	CHECK_ERRNO(mfd("w", MFD_EXEC | MFD_NOEXEC_SEAL), EINVAL);
}
