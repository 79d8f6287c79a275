//! `--strace`: one line per syscall, strace(1)-style, on the sentry's stderr.

use std::io::Write;

use syscalls::strace::{format_entry, format_exit, MemReader};
use syscalls::Errno;

use crate::kernel::Task;

struct TaskMemory<'a>(&'a Task);

impl MemReader for TaskMemory<'_> {
    fn read_bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        let mut v = vec![0u8; len];
        self.0.mm().copy_in(addr, &mut v).ok()?;
        Some(v)
    }

    fn read_cstr(&self, addr: u64, max: usize) -> Option<Vec<u8>> {
        match self.0.mm().read_cstr(addr, max) {
            Ok(s) => Some(s),
            Err(e) if e == Errno::ENAMETOOLONG => {
                let mut v = vec![0u8; max];
                self.0.mm().copy_in(addr, &mut v).ok()?;
                Some(v)
            }
            Err(_) => None,
        }
    }
}

/// Formats the start of the line before the syscall runs (its inputs may
/// change under it, e.g. execve).
pub fn entry(task: &Task, nr: u64, args: &[u64; 6]) -> String {
    format_entry(nr, args, &TaskMemory(task))
}

pub fn exit(task: &Task, prefix: String, nr: u64, args: &[u64; 6], r: Result<u64, Errno>) {
    let rest = format_exit(nr, args, r, &TaskMemory(task));
    let line = format!("[{:>4}] {prefix}{rest}\n", task.tid);
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}
