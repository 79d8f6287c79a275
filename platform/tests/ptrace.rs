//! The ptrace platform against tiny hand-assembled programs.

use std::os::fd::AsRawFd;
use std::sync::Arc;

use platform::ptrace::Ptrace;
use platform::{AddressSpace, CpuState, Exit, Platform, Prot};

const CODE: u64 = 0x40_0000;
const STACK: u64 = 0x7000_0000;

struct Env {
    plat: Ptrace,
    mem: std::fs::File,
}

fn env() -> Env {
    let fd =
        nix::sys::memfd::memfd_create(c"test-mem", nix::sys::memfd::MemFdCreateFlag::MFD_CLOEXEC)
            .expect("memfd");
    let mem = std::fs::File::from(fd);
    mem.set_len(1 << 20).unwrap();
    let plat = Ptrace::new(mem.as_raw_fd()).expect("platform starts");
    Env { plat, mem }
}

fn load(env: &Env, code: &[u8]) -> Arc<dyn AddressSpace> {
    use std::os::unix::fs::FileExt;
    env.mem.write_all_at(code, 0).unwrap();
    let mm = env.plat.new_address_space().unwrap();
    mm.map(
        CODE,
        4096,
        0,
        Prot {
            read: true,
            write: false,
            exec: true,
        },
    )
    .unwrap();
    mm.map(STACK, 4096, 4096, Prot::RW).unwrap();
    mm
}

// mov eax, 39 (getpid); syscall; mov rdi, rax; mov eax, 60 (exit); syscall
const GETPID_EXIT: &[u8] = &[
    0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0x48, 0x89, 0xc7, 0xb8, 60, 0, 0, 0, 0x0f, 0x05,
];

#[test]
fn syscalls_stop_and_results_come_back() {
    let env = env();
    let mm = load(&env, GETPID_EXIT);
    let mut ctx = env.plat.new_context().unwrap();
    let mut cpu = CpuState::new_program(CODE, STACK + 4096);
    assert_eq!(ctx.switch(&mm, &mut cpu).unwrap(), Exit::Syscall);
    assert_eq!(cpu.regs.orig_rax, 39);
    assert_eq!(cpu.regs.rip, CODE + 7);
    cpu.regs.rax = 1234;
    assert_eq!(ctx.switch(&mm, &mut cpu).unwrap(), Exit::Syscall);
    assert_eq!(cpu.regs.orig_rax, 60);
    assert_eq!(cpu.regs.rdi, 1234);
    ctx.release(&mm);
}

#[test]
fn faults_and_traps_are_reported() {
    let env = env();
    // mov rax, [0x10000000]; int3
    let code = [0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x10, 0xcc];
    let mm = load(&env, &code);
    let mut ctx = env.plat.new_context().unwrap();
    let mut cpu = CpuState::new_program(CODE, STACK + 4096);
    match ctx.switch(&mm, &mut cpu).unwrap() {
        Exit::PageFault { addr, .. } => assert_eq!(addr, 0x1000_0000),
        other => panic!("expected a fault, got {other:?}"),
    }
    // Resolve the fault by mapping the page; the load is retried.
    mm.map(0x1000_0000, 4096, 8192, Prot::RW).unwrap();
    match ctx.switch(&mm, &mut cpu).unwrap() {
        Exit::Signal(info) => assert_eq!(info.signo, libc::SIGTRAP),
        other => panic!("expected SIGTRAP, got {other:?}"),
    }
}

#[test]
fn interrupter_kicks_a_spinning_program() {
    let env = env();
    let code = [0xeb, 0xfe]; // jmp .
    let mm = load(&env, &code);
    let mut ctx = env.plat.new_context().unwrap();
    let intr = ctx.interrupter();
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        intr.interrupt();
    });
    let mut cpu = CpuState::new_program(CODE, STACK + 4096);
    assert_eq!(ctx.switch(&mm, &mut cpu).unwrap(), Exit::Interrupted);
    t.join().unwrap();
}

#[test]
fn many_address_spaces_come_and_go() {
    let env = env();
    for _ in 0..20 {
        let mm = load(&env, GETPID_EXIT);
        let mut ctx = env.plat.new_context().unwrap();
        let mut cpu = CpuState::new_program(CODE, STACK + 4096);
        assert_eq!(ctx.switch(&mm, &mut cpu).unwrap(), Exit::Syscall);
        ctx.release(&mm);
        drop(ctx);
        drop(mm);
    }
}

#[test]
fn fp_state_round_trips() {
    let env = env();
    // movq xmm0, rax (rax = 0x1122334455667788) ; syscall ; syscall
    let code = [
        0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // mov rax, imm64
        0x66, 0x48, 0x0f, 0x6e, 0xc0, // movq xmm0, rax
        0x0f, 0x05, // syscall
        0x66, 0x48, 0x0f, 0x7e, 0xc0, // movq rax, xmm0
        0x0f, 0x05, // syscall
    ];
    let mm = load(&env, &code);
    let mut ctx = env.plat.new_context().unwrap();
    let mut cpu = CpuState::new_program(CODE, STACK + 4096);
    assert_eq!(ctx.switch(&mm, &mut cpu).unwrap(), Exit::Syscall);
    let image = ctx.fp_state(&mm).unwrap();
    assert!(
        image.len() >= 576,
        "XSAVE image has the legacy area and header"
    );
    // xmm0 lives at offset 160 of the legacy area.
    assert_eq!(&image[160..168], &0x1122334455667788u64.to_le_bytes());
    // Change xmm0 through a loaded image; the program reads it back.
    let mut changed = image.clone();
    changed[160..168].copy_from_slice(&0xdeadbeefu64.to_le_bytes());
    cpu.fp_load = Some(changed);
    assert_eq!(ctx.switch(&mm, &mut cpu).unwrap(), Exit::Syscall);
    // At a syscall stop rax holds -ENOSYS; the value the program left in
    // rax is the syscall number.
    assert_eq!(cpu.regs.orig_rax, 0xdeadbeef);
}
