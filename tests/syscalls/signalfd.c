/* signalfd and signalfd4: reading pending signals of the mask (thread and
 * process), the siginfo layout, mask updates, flags and readiness. */
#include "harness.h"
#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>

static void block(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_BLOCK, &s, NULL);
}

static int sfd(int sig, int flags)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	return signalfd(-1, &s, flags);
}

TEST(reads_process_signal)
{
	block(SIGUSR1);
	int fd = sfd(SIGUSR1, SFD_NONBLOCK);
	CHECK_OK(fd);
	kill(getpid(), SIGUSR1);
	struct signalfd_siginfo si;
	CHECK_EQ(read(fd, &si, sizeof si), sizeof si);
	CHECK_EQ(si.ssi_signo, SIGUSR1);
	CHECK_EQ(si.ssi_code, SI_USER);
	CHECK_EQ(si.ssi_pid, getpid());
	CHECK_EQ(si.ssi_uid, getuid());
	CHECK_ERRNO(read(fd, &si, sizeof si), EAGAIN);
}

TEST(reads_thread_signal)
{
	block(SIGUSR2);
	int fd = sfd(SIGUSR2, SFD_NONBLOCK);
	syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
	struct signalfd_siginfo si;
	CHECK_EQ(read(fd, &si, sizeof si), sizeof si);
	CHECK_EQ(si.ssi_signo, SIGUSR2);
	CHECK_EQ(si.ssi_code, SI_TKILL);
}

TEST(sigqueue_value)
{
	block(SIGRTMIN);
	int fd = sfd(SIGRTMIN, SFD_NONBLOCK);
	union sigval v = {.sival_int = 1234};
	CHECK_OK(sigqueue(getpid(), SIGRTMIN, v));
	CHECK_OK(sigqueue(getpid(), SIGRTMIN, v));
	struct signalfd_siginfo si[3];
	CHECK_EQ(read(fd, si, sizeof si), 2 * sizeof si[0]);
	CHECK_EQ(si[0].ssi_code, SI_QUEUE);
	CHECK_EQ(si[0].ssi_int, 1234);
	CHECK_EQ(si[1].ssi_int, 1234);
}

TEST(not_in_mask_not_read)
{
	block(SIGUSR1);
	block(SIGUSR2);
	int fd = sfd(SIGUSR1, SFD_NONBLOCK);
	raise(SIGUSR2);
	struct signalfd_siginfo si;
	CHECK_ERRNO(read(fd, &si, sizeof si), EAGAIN);
	sigset_t p;
	sigpending(&p);
	CHECK(sigismember(&p, SIGUSR2));
	int sig;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigwait(&s, &sig);
}

TEST(short_buffer_einval)
{
	int fd = sfd(SIGUSR1, SFD_NONBLOCK);
	char b[64];
	CHECK_ERRNO(read(fd, b, sizeof b), EINVAL);
}

TEST(bad_args)
{
	sigset_t s;
	sigemptyset(&s);
	CHECK_ERRNO(syscall(SYS_signalfd4, -1, &s, 4, 0), EINVAL);
	CHECK_ERRNO(syscall(SYS_signalfd4, -1, &s, 8, 1), EINVAL);
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERRNO(signalfd(p[0], &s, 0), EINVAL);
	CHECK_ERRNO(signalfd(999, &s, 0), EBADF);
	CHECK_ERRNO(syscall(SYS_signalfd4, -1, (void *)8, 8, 0), EFAULT);
}

TEST(flags)
{
	int fd = sfd(SIGUSR1, SFD_CLOEXEC | SFD_NONBLOCK);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	int fd2 = syscall(SYS_signalfd, -1, &(sigset_t){{0}}, 8);
	CHECK_OK(fd2);
	CHECK_EQ(fcntl(fd2, F_GETFD), 0);
}

TEST(update_mask)
{
	block(SIGUSR1);
	block(SIGUSR2);
	int fd = sfd(SIGUSR1, SFD_NONBLOCK);
	raise(SIGUSR2);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	CHECK_EQ(signalfd(fd, &s, 0), fd);
	struct signalfd_siginfo si;
	CHECK_EQ(read(fd, &si, sizeof si), sizeof si);
	CHECK_EQ(si.ssi_signo, SIGUSR2);
}

TEST(poll_readiness)
{
	block(SIGUSR1);
	int fd = sfd(SIGUSR1, SFD_NONBLOCK);
	struct pollfd p = {fd, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 0), 0);
	raise(SIGUSR1);
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN);
	struct signalfd_siginfo si;
	CHECK_EQ(read(fd, &si, sizeof si), sizeof si);
	CHECK_EQ(poll(&p, 1, 0), 0);
}

static void *killer(void *arg)
{
	(void)arg;
	usleep(50000);
	kill(getpid(), SIGUSR1);
	return NULL;
}

TEST(blocking_read_woken)
{
	block(SIGUSR1);
	int fd = sfd(SIGUSR1, 0);
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, killer, NULL), 0);
	struct signalfd_siginfo si;
	CHECK_EQ(read(fd, &si, sizeof si), sizeof si);
	CHECK_EQ(si.ssi_signo, SIGUSR1);
	pthread_join(th, NULL);
}

TEST(poll_woken_by_signal)
{
	block(SIGUSR1);
	int fd = sfd(SIGUSR1, 0);
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, killer, NULL), 0);
	struct pollfd p = {fd, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 5000), 1);
	pthread_join(th, NULL);
}

TEST(sigkill_ignored_in_mask)
{
	sigset_t s;
	sigfillset(&s);
	int fd = signalfd(-1, &s, SFD_NONBLOCK);
	CHECK_OK(fd);
}
