/* The smallest static program: no libc, no startup code; _start makes one
 * exit_group(0) syscall. fork_exec execs it, so its figure is the cost of
 * exec itself. Built with -nostdlib (see build_flags in bench.rs). */

void _start(void) {
    __asm__ volatile("syscall" : : "a"(231 /* SYS_exit_group */), "D"(0) : "rcx", "r11", "memory");
    __builtin_unreachable();
}
