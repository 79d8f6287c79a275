/* Recovers from its own SIGSEGV three times with siglongjmp (a null
 * read, a write to read-only memory, a read of unmapped memory) and
 * checks the signal mask was restored each time. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static sigjmp_buf env;
static volatile int code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	code = si->si_code;
	siglongjmp(env, 1);
}

static int recover(const char *what, void (*fault)(void))
{
	sigset_t mask;
	if (sigsetjmp(env, 1) == 0) {
		fault();
		printf("%s: no fault\n", what);
		return 1;
	}
	sigprocmask(SIG_SETMASK, NULL, &mask);
	printf("%s: recovered code=%s segv_blocked=%d\n", what,
	       code == SEGV_MAPERR ? "MAPERR" : code == SEGV_ACCERR ? "ACCERR" : "other",
	       sigismember(&mask, SIGSEGV));
	return 0;
}

static char *ro, *gone;
static void null_read(void) { (void)*(volatile int *)0; }
static void ro_write(void) { *(volatile char *)ro = 1; }
static void unmapped_read(void) { (void)*(volatile char *)gone; }

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gone = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED || gone == MAP_FAILED || munmap(gone, 4096))
		return 2;
	int bad = recover("null read", null_read) + recover("read-only write", ro_write) +
		  recover("unmapped read", unmapped_read);
	printf("done\n");
	return bad;
}
