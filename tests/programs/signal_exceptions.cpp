// Throws and catches C++ exceptions inside a signal handler (the unwinder
// walks the handler's frame, which must look like Linux's), then throws
// out of a SIGSEGV handler into main (-fnon-call-exceptions unwinding
// across the kernel-made signal frame).
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

static volatile int caught_inside;

static void on_usr1(int)
{
	for (int i = 0; i < 3; i++) {
		try {
			throw std::runtime_error("inside handler " + std::to_string(i));
		} catch (const std::exception &e) {
			if (std::string(e.what()).rfind("inside handler", 0) == 0)
				caught_inside++;
		}
	}
}

struct Fault : std::exception {
	const char *what() const noexcept override { return "fault"; }
};

static void on_segv(int) { throw Fault(); }

int main()
{
	std::signal(SIGUSR1, on_usr1);
	for (int i = 0; i < 5; i++)
		std::raise(SIGUSR1);
	std::printf("caught inside handler: %d\n", caught_inside);

	struct sigaction sa;
	std::memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, nullptr);
	int recovered = 0;
	for (int i = 0; i < 3; i++) {
		try {
			*(volatile int *)nullptr = i;
		} catch (const Fault &f) {
			recovered++;
		}
	}
	std::printf("recovered from SIGSEGV by exception: %d\n", recovered);
	return caught_inside == 15 && recovered == 3 ? 0 : 1;
}
