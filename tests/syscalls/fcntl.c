/* fcntl's owner and signal commands (F_SETOWN, F_GETOWN, F_SETOWN_EX,
 * F_GETOWN_EX, F_SETSIG, F_GETSIG) and SIGIO from O_ASYNC pipes; the
 * ioctls every fd answers (FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC, FIONREAD);
 * F_GETLEASE and unknown commands. Handlers a case installs are put back
 * after it. */
#include "harness.h"

#include <sys/ioctl.h>


TEST(setown_getown_process)
{
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_EQ(fcntl(p[0], F_GETOWN), 0);
	CHECK_OK(fcntl(p[0], F_SETOWN, getpid()));
	CHECK_EQ(fcntl(p[0], F_GETOWN), getpid());
	struct f_owner_ex ex;
	CHECK_OK(fcntl(p[0], F_GETOWN_EX, &ex));
	CHECK_EQ(ex.type, F_OWNER_PID);
	CHECK_EQ(ex.pid, getpid());
	CHECK_OK(fcntl(p[0], F_SETOWN, 0));
	CHECK_EQ(fcntl(p[0], F_GETOWN), 0);
}

TEST(setown_process_group)
{
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_OK(fcntl(p[1], F_SETOWN, -getpgrp()));
	CHECK_EQ(fcntl(p[1], F_GETOWN), -getpgrp());
	struct f_owner_ex ex;
	CHECK_OK(fcntl(p[1], F_GETOWN_EX, &ex));
	CHECK_EQ(ex.type, F_OWNER_PGRP);
	CHECK_EQ(ex.pid, getpgrp());
}

TEST(setown_errors)
{
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERRNO(fcntl(p[0], F_SETOWN, 4000000), ESRCH);
	CHECK_ERRNO(fcntl(p[0], F_SETOWN, -4000000), ESRCH);
	struct f_owner_ex ex = {7, getpid()};
	CHECK_ERRNO(fcntl(p[0], F_SETOWN_EX, &ex), EINVAL);
	ex.type = F_OWNER_PID;
	ex.pid = 4000000;
	CHECK_ERRNO(fcntl(p[0], F_SETOWN_EX, &ex), ESRCH);
	CHECK_ERRNO(fcntl(p[0], F_SETOWN_EX, (void *)8), EFAULT);
	CHECK_ERRNO(fcntl(p[0], F_GETOWN_EX, (void *)8), EFAULT);
}

TEST(setown_ex_thread)
{
	int p[2];
	CHECK_OK(pipe(p));
	struct f_owner_ex ex = {F_OWNER_TID, (pid_t)syscall(SYS_gettid)};
	CHECK_OK(fcntl(p[0], F_SETOWN_EX, &ex));
	memset(&ex, 0, sizeof ex);
	CHECK_OK(fcntl(p[0], F_GETOWN_EX, &ex));
	CHECK_EQ(ex.type, F_OWNER_TID);
	CHECK_EQ(ex.pid, syscall(SYS_gettid));
	CHECK_EQ(fcntl(p[0], F_GETOWN), syscall(SYS_gettid));
}

TEST(owner_is_per_description)
{
	int p[2];
	CHECK_OK(pipe(p));
	int d = dup(p[0]);
	CHECK_OK(d);
	CHECK_OK(fcntl(p[0], F_SETOWN, getpid()));
	CHECK_EQ(fcntl(d, F_GETOWN), getpid());
	CHECK_EQ(fcntl(p[1], F_GETOWN), 0);
}

TEST(setsig_getsig)
{
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_EQ(fcntl(p[0], F_GETSIG), 0);
	CHECK_OK(fcntl(p[0], F_SETSIG, SIGUSR1));
	CHECK_EQ(fcntl(p[0], F_GETSIG), SIGUSR1);
	CHECK_OK(fcntl(p[0], F_SETSIG, 64));
	CHECK_EQ(fcntl(p[0], F_GETSIG), 64);
	CHECK_ERRNO(fcntl(p[0], F_SETSIG, 65), EINVAL);
	CHECK_ERRNO(fcntl(p[0], F_SETSIG, -1), EINVAL);
	CHECK_OK(fcntl(p[0], F_SETSIG, 0));
	CHECK_EQ(fcntl(p[0], F_GETSIG), 0);
}

TEST(fioclex_fionclex)
{
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	CHECK_OK(ioctl(p[0], FIOCLEX));
	CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	CHECK_OK(ioctl(p[0], FIONCLEX));
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	CHECK_OK(h_write_file("f", "x", 1));
	int fd = open("f", O_RDONLY);
	CHECK_OK(fd);
	CHECK_OK(ioctl(fd, FIOCLEX));
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_ERRNO(ioctl(999, FIOCLEX), EBADF);
}

TEST(fionbio_on_a_regular_file)
{
	int on = 1;
	CHECK_OK(h_write_file("f", "x", 1));
	int fd = open("f", O_RDONLY);
	CHECK_OK(fd);
	CHECK_OK(ioctl(fd, FIONBIO, &on));
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	on = 0;
	CHECK_OK(ioctl(fd, FIONBIO, &on));
	CHECK_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	CHECK_ERRNO(ioctl(fd, FIONBIO, (void *)8), EFAULT);
}

TEST(fioasync_and_setfl_o_async)
{
	int p[2], on = 1;
	CHECK_OK(pipe(p));
	CHECK_OK(ioctl(p[0], FIOASYNC, &on));
	CHECK(fcntl(p[0], F_GETFL) & O_ASYNC);
	on = 0;
	CHECK_OK(ioctl(p[0], FIOASYNC, &on));
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_ASYNC, 0);
	CHECK_OK(fcntl(p[1], F_SETFL, O_ASYNC));
	CHECK(fcntl(p[1], F_GETFL) & O_ASYNC);
}

TEST(fionread_regular_file)
{
	int n = -1;
	char buf[100];
	memset(buf, 'a', sizeof buf);
	CHECK_OK(h_write_file("f", buf, sizeof buf));
	int fd = open("f", O_RDONLY);
	CHECK_OK(fd);
	CHECK_OK(ioctl(fd, FIONREAD, &n));
	CHECK_EQ(n, 100);
	CHECK_EQ(lseek(fd, 30, SEEK_SET), 30);
	CHECK_OK(ioctl(fd, FIONREAD, &n));
	CHECK_EQ(n, 70);
	CHECK_ERRNO(ioctl(fd, FIONREAD, (void *)8), EFAULT);
}

static volatile sig_atomic_t got_sig, got_code, got_fd;
static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_fd = si->si_fd;
}

static struct sigaction saved_io, saved_usr1;
static void restore_handlers(void *arg)
{
	(void)arg;
	sigaction(SIGIO, &saved_io, NULL);
	sigaction(SIGUSR1, &saved_usr1, NULL);
}

/* The pipe of a SIGIO case, closed before the handlers go back: closing
 * an end signals the owner of the other one. */
static int sigio_pipe[2] = {-1, -1};
static void close_sigio_pipe(void *arg)
{
	(void)arg;
	close(sigio_pipe[0]);
	close(sigio_pipe[1]);
	sigio_pipe[0] = sigio_pipe[1] = -1;
}

static void catch_io(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGIO, &sa, &saved_io);
	sigaction(SIGUSR1, &sa, &saved_usr1);
	h_defer(restore_handlers, NULL);
	h_defer(close_sigio_pipe, NULL);
	got_sig = got_code = got_fd = 0;
}

TEST(o_async_pipe_sends_sigio)
{
	int *p = sigio_pipe;
	catch_io();
	CHECK_OK(pipe(p));
	CHECK_OK(fcntl(p[0], F_SETOWN, getpid()));
	CHECK_EQ(write(p[1], "a", 1), 1);
	CHECK_EQ(got_sig, 0); /* Not O_ASYNC yet. */
	CHECK_OK(fcntl(p[0], F_SETFL, O_ASYNC));
	CHECK_EQ(write(p[1], "b", 1), 1);
	CHECK_EQ(got_sig, SIGIO);
	CHECK_EQ(got_code, SI_KERNEL);
	/* Closing the write end tells the reader's owner too. */
	got_sig = 0;
	CHECK_OK(close(p[1]));
	p[1] = -1;
	CHECK_EQ(got_sig, SIGIO);
}

TEST(o_async_pipe_with_setsig)
{
	int *p = sigio_pipe;
	char buf[4];
	catch_io();
	CHECK_OK(pipe(p));
	CHECK_OK(fcntl(p[1], F_SETOWN, getpid()));
	CHECK_OK(fcntl(p[1], F_SETSIG, SIGUSR1));
	CHECK_OK(fcntl(p[1], F_SETFL, O_ASYNC));
	CHECK_EQ(write(p[1], "ab", 2), 2);
	CHECK_EQ(got_sig, 0); /* The writer's owner hears of room, not data. */
	CHECK_EQ(read(p[0], buf, 2), 2);
	CHECK_EQ(got_sig, SIGUSR1);
	CHECK_EQ(got_code, POLL_OUT);
	CHECK_EQ(got_fd, p[1]);
}

TEST(getlease_and_unknown_commands)
{
	CHECK_OK(h_write_file("f", "x", 1));
	int fd = open("f", O_RDONLY);
	CHECK_OK(fd);
	CHECK_EQ(fcntl(fd, F_GETLEASE), F_UNLCK);
	CHECK_ERRNO(fcntl(fd, 9999), EINVAL);
	CHECK_ERRNO(fcntl(999, F_GETOWN), EBADF);
}
