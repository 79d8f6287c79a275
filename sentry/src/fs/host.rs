//! Host file descriptors handed to the application: its stdin, stdout and
//! stderr. These are the only host files the application can reach.

use std::any::Any;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;

use syscalls::consts::*;
use syscalls::types::{Termios, Winsize};
use syscalls::Errno;

use crate::kernel::{hostcall, Task};
use crate::vfs::{Attr, File, FileOps, FileType, Inode, Time};

pub struct HostInode {
    fd: Arc<OwnedFd>,
    ty: FileType,
}

impl HostInode {
    pub fn new(fd: OwnedFd) -> Result<Arc<HostInode>, Errno> {
        let st = nix::sys::stat::fstat(fd.as_raw_fd()).map_err(host_errno)?;
        let ty = FileType::from_mode(st.st_mode).unwrap_or(FileType::CharDevice);
        Ok(Arc::new(HostInode {
            fd: Arc::new(fd),
            ty,
        }))
    }
}

pub(crate) fn host_errno(e: nix::errno::Errno) -> Errno {
    Errno::from_code(e as i32)
}

impl Inode for HostInode {
    fn file_type(&self) -> FileType {
        self.ty
    }

    fn attr(&self) -> Result<Attr, Errno> {
        let st = nix::sys::stat::fstat(self.fd.as_raw_fd()).map_err(host_errno)?;
        Ok(Attr {
            ino: st.st_ino,
            dev: st.st_dev,
            mode: st.st_mode,
            nlink: st.st_nlink,
            uid: st.st_uid,
            gid: st.st_gid,
            rdev: st.st_rdev,
            size: st.st_size as u64,
            blksize: st.st_blksize as u32,
            blocks: st.st_blocks as u64,
            atime: Time {
                sec: st.st_atime,
                nsec: st.st_atime_nsec,
            },
            mtime: Time {
                sec: st.st_mtime,
                nsec: st.st_mtime_nsec,
            },
            ctime: Time {
                sec: st.st_ctime,
                nsec: st.st_ctime_nsec,
            },
            btime: None,
        })
    }

    fn open(self: Arc<Self>, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        Ok(Box::new(HostFile {
            fd: self.fd.clone(),
            seekable: self.ty == FileType::Regular,
        }))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// I/O on a host descriptor, using the host's file offset (the descriptor is
/// shared with whoever started the sandbox).
pub struct HostFile {
    fd: Arc<OwnedFd>,
    seekable: bool,
}

impl HostFile {
    /// Moves the host offset (lseek on a host file is the host's).
    pub fn seek(&self, off: i64, whence: i32) -> Result<u64, Errno> {
        let whence = match whence as u32 {
            SEEK_SET => nix::unistd::Whence::SeekSet,
            SEEK_CUR => nix::unistd::Whence::SeekCur,
            SEEK_END => nix::unistd::Whence::SeekEnd,
            _ => return Err(Errno::EINVAL),
        };
        nix::unistd::lseek(self.fd.as_raw_fd(), off, whence)
            .map(|o| o as u64)
            .map_err(host_errno)
    }
}

impl FileOps for HostFile {
    fn read(&self, _file: &File, buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        if !self.seekable {
            // Wait where a kick (a signal for the task) can end the wait.
            wait_readable(&self.fd)?;
        }
        match nix::unistd::read(self.fd.as_raw_fd(), buf) {
            Err(nix::errno::Errno::EINTR) => Err(Errno::ERESTARTSYS),
            r => r.map_err(host_errno),
        }
    }

    fn write(&self, _file: &File, buf: &[u8], _off: u64) -> Result<usize, Errno> {
        loop {
            match nix::unistd::write(&*self.fd, buf) {
                Err(nix::errno::Errno::EINTR) => continue,
                Err(nix::errno::Errno::EPIPE) => {
                    // A host pipe or socket whose reader is gone.
                    crate::kernel::raise_sigpipe();
                    return Err(Errno::EPIPE);
                }
                r => return r.map_err(host_errno),
            }
        }
    }

    fn seekable(&self) -> bool {
        false
    }

    fn seek(&self, _file: &File, off: i64, whence: u32) -> Option<Result<u64, Errno>> {
        Some(self.seek(off, whence as i32))
    }

    fn may_block(&self) -> bool {
        !self.seekable
    }

    fn host_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        Some(std::os::fd::AsFd::as_fd(&*self.fd))
    }

    fn ioctl(&self, _file: &File, task: &mut Task, cmd: u32, arg: u64) -> Result<u64, Errno> {
        match cmd {
            TCGETS => {
                let t: Termios = hostcall::tcgets(&*self.fd).map_err(host_errno)?;
                task.mm().write_obj(arg, &t)?;
                Ok(0)
            }
            TCSETS | TCSETSW | TCSETSF => {
                let t: Termios = task.mm().read_obj(arg)?;
                hostcall::tcsets(&*self.fd, cmd, &t).map_err(host_errno)?;
                Ok(0)
            }
            TIOCGWINSZ => {
                let w: Winsize = hostcall::get_winsize(&*self.fd).map_err(host_errno)?;
                task.mm().write_obj(arg, &w)?;
                Ok(0)
            }
            TIOCSWINSZ => {
                let w: Winsize = task.mm().read_obj(arg)?;
                hostcall::set_winsize(&*self.fd, &w).map_err(host_errno)?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }
}

/// Waits until `fd` is readable (or hung up), interruptibly.
fn wait_readable(fd: &OwnedFd) -> Result<(), Errno> {
    use std::os::fd::AsFd;
    let mut fds = [nix::poll::PollFd::new(
        fd.as_fd(),
        nix::poll::PollFlags::POLLIN,
    )];
    let r = crate::kernel::blocker::asleep(|| {
        nix::poll::ppoll(&mut fds, None, Some(platform::hostkick::wait_mask()))
    });
    match r {
        Ok(_) => Ok(()),
        Err(nix::errno::Errno::EINTR) => Err(Errno::ERESTARTSYS),
        Err(e) => Err(host_errno(e)),
    }
}
