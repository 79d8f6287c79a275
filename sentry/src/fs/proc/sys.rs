//! /proc/sys: the kernel's tunables as the sandbox has them. Host names
//! are writable (as sethostname/setdomainname); the rest show the values
//! the sentry works with.

use std::sync::{Arc, LazyLock};

use syscalls::Errno;

use super::{lock, Entries, ListFn, Meta};
use crate::kernel::task_caps::CAP_LAST_CAP;

const CAP_SYS_ADMIN_NUM: u32 = 21;
use crate::kernel::Kernel;

/// A uuid in its text form from 16 random bytes (version 4).
fn uuid() -> String {
    let mut b = [0u8; 16];
    crate::kernel::rand::fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h[0..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..16].concat()
    )
}

static BOOT_ID: LazyLock<String> = LazyLock::new(uuid);

/// A writable uts field: as sethostname, CAP_SYS_ADMIN and at most 64 bytes.
fn uts_put(k: &Arc<Kernel>, domain: bool) -> super::Put {
    let k = Arc::downgrade(k);
    Arc::new(move |buf: &[u8]| {
        let privileged = super::current_view().is_none_or(|v| v.creds.has_cap(CAP_SYS_ADMIN_NUM));
        if !privileged {
            return Err(Errno::EPERM);
        }
        let v = buf.strip_suffix(b"\n").unwrap_or(buf);
        if v.len() > 64 {
            return Err(Errno::EINVAL);
        }
        let k = k.upgrade().ok_or(Errno::ENOENT)?;
        let mut u = lock(&k.uts);
        if domain {
            u.domainname = v.to_vec();
        } else {
            u.nodename = v.to_vec();
        }
        Ok(())
    })
}

pub(super) fn sys_dir(m: &Meta, k: &Arc<Kernel>) -> ListFn {
    let m = m.clone();
    let k = Arc::downgrade(k);
    Arc::new(move || {
        let Some(k) = k.upgrade() else {
            return Vec::new();
        };
        let mut e = Entries::new(&m);
        let k1 = k.clone();
        e.dir("kernel", 0o555, move |m| kernel_dir(m, &k1));
        e.dir("vm", 0o555, |m| {
            let m = m.clone();
            Arc::new(move || {
                let mut e = Entries::new(&m);
                e.text("overcommit_memory", "0\n".into());
                e.text("overcommit_ratio", "50\n".into());
                e.text("max_map_count", "65530\n".into());
                e.text("mmap_min_addr", format!("{}\n", crate::mm::MMAP_MIN_ADDR));
                e.text("swappiness", "60\n".into());
                e.text("min_free_kbytes", "67584\n".into());
                e.take()
            })
        });
        e.dir("fs", 0o555, |m| {
            let m = m.clone();
            Arc::new(move || {
                let mut e = Entries::new(&m);
                e.text("file-max", "9223372036854775807\n".into());
                e.text("file-nr", "0\t0\t9223372036854775807\n".into());
                e.text("nr_open", format!("{}\n", crate::vfs::MAX_FDS));
                e.text(
                    "pipe-max-size",
                    format!("{}\n", crate::fs::pipe::PIPE_MAX_SIZE),
                );
                // Changing ids makes a process undumpable (Task::creds_changed).
                e.text("suid_dumpable", "0\n".into());
                e.text("protected_symlinks", "0\n".into());
                e.text("protected_hardlinks", "0\n".into());
                e.texts(
                    "inotify",
                    &[
                        ("max_user_watches", "1048576\n"),
                        ("max_user_instances", "128\n"),
                        ("max_queued_events", "16384\n"),
                    ],
                );
                e.texts(
                    "mqueue",
                    &[
                        ("msg_max", "10\n"),
                        ("msgsize_max", "8192\n"),
                        ("queues_max", "256\n"),
                    ],
                );
                e.take()
            })
        });
        e.dir("net", 0o555, |m| {
            let m = m.clone();
            Arc::new(move || {
                let mut e = Entries::new(&m);
                e.texts(
                    "core",
                    &[
                        ("somaxconn", "4096\n"),
                        ("rmem_default", "212992\n"),
                        ("rmem_max", "212992\n"),
                        ("wmem_default", "212992\n"),
                        ("wmem_max", "212992\n"),
                    ],
                );
                e.texts(
                    "ipv4",
                    &[
                        ("ip_forward", "0\n"),
                        ("ip_local_port_range", "32768\t60999\n"),
                        ("ip_unprivileged_port_start", "1024\n"),
                        ("ping_group_range", "1\t0\n"),
                        ("tcp_keepalive_time", "7200\n"),
                        ("tcp_keepalive_intvl", "75\n"),
                        ("tcp_keepalive_probes", "9\n"),
                        ("tcp_fin_timeout", "60\n"),
                        ("tcp_syncookies", "1\n"),
                        ("tcp_rmem", "4096\t131072\t6291456\n"),
                        ("tcp_wmem", "4096\t16384\t4194304\n"),
                        ("tcp_max_syn_backlog", "4096\n"),
                        ("tcp_tw_reuse", "2\n"),
                    ],
                );
                e.take()
            })
        });
        e.take()
    })
}

fn kernel_dir(m: &Meta, k: &Arc<Kernel>) -> ListFn {
    let m = m.clone();
    let k = Arc::downgrade(k);
    Arc::new(move || {
        let Some(k) = k.upgrade() else {
            return Vec::new();
        };
        let mut e = Entries::new(&m);
        let uts_get = |f: fn(&crate::kernel::Uts) -> Vec<u8>| -> super::Gen {
            let k = Arc::downgrade(&k);
            Arc::new(move || {
                let k = k.upgrade().ok_or(Errno::ENOENT)?;
                let mut v = f(&lock(&k.uts));
                v.push(b'\n');
                Ok(v)
            })
        };
        e.rw(
            "hostname",
            0o644,
            uts_get(|u| u.nodename.clone()),
            uts_put(&k, false),
        );
        e.rw(
            "domainname",
            0o644,
            uts_get(|u| u.domainname.clone()),
            uts_put(&k, true),
        );
        e.file("osrelease", 0o444, uts_get(|u| u.release.clone()));
        e.file("ostype", 0o444, uts_get(|u| u.sysname.clone()));
        e.file("version", 0o444, uts_get(|u| u.version.clone()));
        e.text("pid_max", "4194304\n".into());
        e.text("threads-max", "4194304\n".into());
        e.text("ngroups_max", "65536\n".into());
        e.text("cap_last_cap", format!("{CAP_LAST_CAP}\n"));
        e.text("shmmax", "18446744073692774399\n".into());
        e.text("shmall", "18446744073692774399\n".into());
        e.text("shmmni", "4096\n".into());
        e.text("randomize_va_space", "2\n".into());
        e.text("yama_ptrace_scope", "1\n".into());
        e.text("overflowuid", "65534\n".into());
        e.text("overflowgid", "65534\n".into());
        e.text("sem", "32000\t1024000000\t500\t32000\n".into());
        e.text("msgmax", "8192\n".into());
        e.text("msgmnb", "16384\n".into());
        e.text("msgmni", "32000\n".into());
        e.text("core_pattern", "core\n".into());
        e.text("printk", "4\t4\t1\t7\n".into());
        e.dir("random", 0o555, |m| {
            let m = m.clone();
            Arc::new(move || {
                let mut e = Entries::new(&m);
                e.text("boot_id", format!("{}\n", *BOOT_ID));
                e.file(
                    "uuid",
                    0o444,
                    Arc::new(|| Ok(format!("{}\n", uuid()).into_bytes())),
                );
                e.text("entropy_avail", "256\n".into());
                e.text("poolsize", "256\n".into());
                e.take()
            })
        });
        e.take()
    })
}
