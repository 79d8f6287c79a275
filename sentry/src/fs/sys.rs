//! sysfs: the few trees programs read to size themselves — CPUs, NUMA
//! nodes, the sandbox's own cgroup (v2 layout, read-only: its limits and
//! use) and transparent huge pages — generated from the sentry's state
//! with procfs's synthetic inodes.

use std::sync::{Arc, Weak};

use crate::fs::proc::{Entries, GenDir, ListFn, Meta};
use crate::kernel::Kernel;
use crate::vfs::{anon_dev, InodeRef};

/// statfs's f_type of sysfs.
pub const SYSFS_MAGIC: u64 = 0x6265_6572;

/// "0-N" (or "0") for `n` CPUs or nodes.
fn range(n: usize) -> String {
    if n > 1 {
        format!("0-{}\n", n - 1)
    } else {
        "0\n".to_string()
    }
}

/// A CPU mask as sysfs prints one: 32-bit hex words, most significant
/// first, separated by commas.
fn cpu_mask(cpus: usize) -> String {
    let words = cpus.div_ceil(32).max(1);
    let mut out = Vec::new();
    for w in (0..words).rev() {
        let n = cpus.saturating_sub(w * 32).min(32);
        let bits: u32 = if n == 32 { u32::MAX } else { (1u32 << n) - 1 };
        out.push(if words == 1 {
            format!("{bits:x}")
        } else {
            format!("{bits:08x}")
        });
    }
    format!("{}\n", out.join(","))
}

/// A directory with a fixed listing made by `f` at each lookup.
fn dir(f: impl Fn(&mut Entries) + Send + Sync + 'static) -> impl Fn(&Meta) -> ListFn {
    let f = Arc::new(f);
    move |m: &Meta| -> ListFn {
        let (m, f) = (m.clone(), f.clone());
        Arc::new(move || {
            let mut e = Entries::new(&m);
            f(&mut e);
            e.take()
        })
    }
}

/// A new sysfs instance's root.
pub fn new_root(kernel: &Arc<Kernel>) -> InodeRef {
    let meta = Meta {
        ino: 1,
        dev: anon_dev(),
        mode: 0o555,
        owner: None,
        magic: SYSFS_MAGIC,
        sysctl: false,
    };
    let k = Arc::downgrade(kernel);
    let list = dir(move |e| root(e, &k))(&meta);
    GenDir::inode(meta, list)
}

fn root(e: &mut Entries, k: &Weak<Kernel>) {
    let Some(kernel) = k.upgrade() else { return };
    let cpus = kernel.cpus;
    let (k1, k2) = (k.clone(), k.clone());
    e.dir(
        "devices",
        0o755,
        dir(move |e| {
            let k2 = k2.clone();
            e.dir(
                "system",
                0o755,
                dir(move |e| {
                    e.dir("cpu", 0o755, dir(move |e| cpu_dir(e, cpus)));
                    let k = k2.clone();
                    e.dir("node", 0o755, dir(move |e| node_dir(e, cpus, &k)));
                }),
            );
        }),
    );
    e.dir(
        "fs",
        0o755,
        dir(move |e| {
            let k = k1.clone();
            e.dir("cgroup", 0o755, dir(move |e| cgroup_dir(e, &k)));
        }),
    );
    e.dir(
        "kernel",
        0o755,
        dir(|e| {
            e.dir(
                "mm",
                0o755,
                dir(|e| {
                    e.dir(
                        "transparent_hugepage",
                        0o755,
                        dir(|e| {
                            e.text("enabled", "always madvise [never]\n".into());
                            e.text(
                                "defrag",
                                "always defer defer+madvise madvise [never]\n".into(),
                            );
                            e.text("hpage_pmd_size", "2097152\n".into());
                        }),
                    );
                }),
            );
        }),
    );
    for name in [
        "block", "bus", "class", "dev", "firmware", "module", "power",
    ] {
        e.dir(name, 0o755, dir(|_| {}));
    }
}

fn cpu_dir(e: &mut Entries, cpus: usize) {
    e.text("online", range(cpus));
    e.text("possible", range(cpus));
    e.text("present", range(cpus));
    e.text("offline", "\n".into());
    e.text("kernel_max", "8191\n".into());
    for i in 0..cpus {
        e.dir(
            &format!("cpu{i}"),
            0o755,
            dir(move |e| {
                if i > 0 {
                    e.text("online", "1\n".into());
                }
                e.dir(
                    "topology",
                    0o755,
                    dir(move |e| {
                        e.text("core_id", format!("{i}\n"));
                        e.text("physical_package_id", "0\n".into());
                        e.text("die_id", "0\n".into());
                        e.text("core_siblings_list", range(cpus));
                        e.text("thread_siblings_list", format!("{i}\n"));
                    }),
                );
            }),
        );
    }
}

fn node_dir(e: &mut Entries, cpus: usize, k: &Weak<Kernel>) {
    let k = k.clone();
    e.text("online", "0\n".into());
    e.text("possible", "0\n".into());
    e.text("has_memory", "0\n".into());
    e.text("has_cpu", "0\n".into());
    e.dir(
        "node0",
        0o755,
        dir(move |e| {
            e.text("cpulist", range(cpus));
            e.text("cpumap", cpu_mask(cpus));
            e.text("distance", "10\n".into());
            let k = k.clone();
            e.file(
                "meminfo",
                0o444,
                Arc::new(move || {
                    let k = k.upgrade().ok_or(syscalls::Errno::ENOENT)?;
                    let total = crate::fs::proc::host_ram() / 1024;
                    let used = (k.mf.used_bytes() / 1024).min(total);
                    Ok(format!(
                        "Node 0 MemTotal:       {total} kB\nNode 0 MemFree:        {} kB\nNode 0 MemUsed:        {used} kB\n",
                        total - used
                    )
                    .into_bytes())
                }),
            );
        }),
    );
}

/// The sandbox's own cgroup, as the root of a cgroup v2 hierarchy. The
/// sandbox has no limits of its own yet: every limit reads "max".
fn cgroup_dir(e: &mut Entries, k: &Weak<Kernel>) {
    e.text("cgroup.controllers", "cpuset cpu io memory pids\n".into());
    e.text("cgroup.subtree_control", "\n".into());
    e.text("cgroup.type", "domain\n".into());
    e.text("cgroup.max.depth", "max\n".into());
    e.text("cgroup.max.descendants", "max\n".into());
    e.text("memory.max", "max\n".into());
    e.text("memory.high", "max\n".into());
    e.text("memory.low", "0\n".into());
    e.text("memory.min", "0\n".into());
    e.text("memory.swap.max", "max\n".into());
    e.text("cpu.max", "max 100000\n".into());
    e.text("cpu.weight", "100\n".into());
    e.text("pids.max", "max\n".into());
    let (k1, k2, k3) = (k.clone(), k.clone(), k.clone());
    e.file(
        "memory.current",
        0o444,
        Arc::new(move || {
            let k = k1.upgrade().ok_or(syscalls::Errno::ENOENT)?;
            Ok(format!("{}\n", k.mf.used_bytes()).into_bytes())
        }),
    );
    e.file(
        "pids.current",
        0o444,
        Arc::new(move || {
            let k = k2.upgrade().ok_or(syscalls::Errno::ENOENT)?;
            let n: usize = k
                .all_groups()
                .iter()
                .map(|g| g.threads.lock().unwrap_or_else(|e| e.into_inner()).len())
                .sum();
            Ok(format!("{n}\n").into_bytes())
        }),
    );
    e.file(
        "cgroup.procs",
        0o444,
        Arc::new(move || {
            let k = k3.upgrade().ok_or(syscalls::Errno::ENOENT)?;
            let mut pids: Vec<i32> = k
                .all_groups()
                .iter()
                .filter(|g| !g.is_zombie())
                .map(|g| g.pid)
                .collect();
            pids.sort_unstable();
            Ok(pids
                .iter()
                .map(|p| format!("{p}\n"))
                .collect::<String>()
                .into_bytes())
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_and_masks_as_sysfs_prints_them() {
        assert_eq!(range(1), "0\n");
        assert_eq!(range(4), "0-3\n");
        assert_eq!(cpu_mask(2), "3\n");
        assert_eq!(cpu_mask(32), "ffffffff\n");
        assert_eq!(cpu_mask(36), "0000000f,ffffffff\n");
    }
}
