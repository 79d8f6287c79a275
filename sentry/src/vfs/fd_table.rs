//! The fd table: numbers to file descriptions, with close-on-exec bits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use syscalls::Errno;

use super::File;

/// Hard ceiling on fds per table (Linux's default nr_open).
pub const MAX_FDS: usize = 1 << 20;

#[derive(Clone)]
struct Entry {
    file: Arc<File>,
    cloexec: bool,
    _closed: CloseGuard,
}

impl Entry {
    fn new(table: u64, file: Arc<File>, cloexec: bool) -> Entry {
        Entry {
            _closed: CloseGuard {
                table,
                file: file.clone(),
            },
            file,
            cloexec,
        }
    }
}

/// Releases the table's POSIX locks on the file when its fd goes, however
/// the entry leaves the table (close, dup2 over it, exec, the table's end).
#[derive(Clone)]
struct CloseGuard {
    table: u64,
    file: Arc<File>,
}

impl Drop for CloseGuard {
    fn drop(&mut self) {
        super::lock::fd_closed(self.table, &self.file);
    }
}

pub struct FdTable {
    /// Owner id of the table's POSIX locks.
    id: u64,
    fds: Mutex<Vec<Option<Entry>>>,
}

impl Default for FdTable {
    fn default() -> FdTable {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        FdTable {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            fds: Mutex::new(Vec::new()),
        }
    }
}

impl Drop for FdTable {
    fn drop(&mut self) {
        // Its entries release their locks as they go; this catches any
        // whose file could not be told.
        self.fds
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        super::lock::table_released(self.id);
    }
}

impl FdTable {
    pub fn new() -> Arc<FdTable> {
        Arc::new(FdTable::default())
    }

    /// The owner of the POSIX locks set through this table.
    pub fn lock_owner(&self) -> super::lock::LockOwner {
        super::lock::LockOwner::Posix(self.id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Option<Entry>>> {
        self.fds.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, fd: i32) -> Result<Arc<File>, Errno> {
        if fd < 0 {
            return Err(Errno::EBADF);
        }
        self.lock()
            .get(fd as usize)
            .and_then(|e| e.as_ref())
            .map(|e| e.file.clone())
            .ok_or(Errno::EBADF)
    }

    pub fn cloexec(&self, fd: i32) -> Result<bool, Errno> {
        if fd < 0 {
            return Err(Errno::EBADF);
        }
        self.lock()
            .get(fd as usize)
            .and_then(|e| e.as_ref())
            .map(|e| e.cloexec)
            .ok_or(Errno::EBADF)
    }

    pub fn set_cloexec(&self, fd: i32, on: bool) -> Result<(), Errno> {
        if fd < 0 {
            return Err(Errno::EBADF);
        }
        match self.lock().get_mut(fd as usize).and_then(|e| e.as_mut()) {
            Some(e) => {
                e.cloexec = on;
                Ok(())
            }
            None => Err(Errno::EBADF),
        }
    }

    /// Installs `file` at the lowest free fd ≥ `min` below `limit`.
    pub fn alloc(
        &self,
        file: Arc<File>,
        cloexec: bool,
        min: usize,
        limit: usize,
    ) -> Result<i32, Errno> {
        let limit = limit.min(MAX_FDS);
        let mut fds = self.lock();
        let start = min.min(fds.len());
        let fd = (start..fds.len())
            .find(|&i| fds[i].is_none() && i >= min)
            .unwrap_or(fds.len().max(min));
        if fd >= limit {
            return Err(Errno::EMFILE);
        }
        if fd >= fds.len() {
            fds.resize(fd + 1, None);
        }
        fds[fd] = Some(Entry::new(self.id, file, cloexec));
        Ok(fd as i32)
    }

    /// Installs `file` at `fd`, returning what was there (dup2).
    pub fn install(
        &self,
        fd: i32,
        file: Arc<File>,
        cloexec: bool,
        limit: usize,
    ) -> Result<Option<Arc<File>>, Errno> {
        if fd < 0 || fd as usize >= limit.min(MAX_FDS) {
            return Err(Errno::EBADF);
        }
        let old = {
            let mut fds = self.lock();
            let fd = fd as usize;
            if fd >= fds.len() {
                fds.resize(fd + 1, None);
            }
            fds[fd].replace(Entry::new(self.id, file, cloexec))
        };
        // The old entry goes (releasing locks) outside the table's lock.
        Ok(old.map(|e| e.file))
    }

    pub fn close(&self, fd: i32) -> Result<Arc<File>, Errno> {
        if fd < 0 {
            return Err(Errno::EBADF);
        }
        let entry = self.lock().get_mut(fd as usize).and_then(|e| e.take());
        entry.map(|e| e.file).ok_or(Errno::EBADF)
    }

    /// Closes every close-on-exec fd (execve).
    pub fn close_on_exec(&self) {
        let dropped: Vec<Entry> = {
            let mut fds = self.lock();
            fds.iter_mut()
                .filter(|e| e.as_ref().is_some_and(|e| e.cloexec))
                .filter_map(|e| e.take())
                .collect()
        };
        drop(dropped);
    }

    /// A copy of the table (fork without CLONE_FILES).
    pub fn fork(&self) -> Arc<FdTable> {
        let new = FdTable::default();
        let fds = self
            .lock()
            .iter()
            .map(|e| {
                e.as_ref()
                    .map(|e| Entry::new(new.id, e.file.clone(), e.cloexec))
            })
            .collect();
        *new.fds.lock().unwrap_or_else(|e| e.into_inner()) = fds;
        Arc::new(new)
    }

    /// Every open fd with its file, for /proc/PID/fd.
    pub fn list(&self) -> Vec<(i32, Arc<File>)> {
        self.lock()
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().map(|e| (i as i32, e.file.clone())))
            .collect()
    }

    /// close_range: closes the fds in `first..=last`, or with `cloexec`
    /// marks them close-on-exec.
    pub fn close_range(&self, first: u32, last: u32, cloexec: bool) {
        let dropped: Vec<Entry> = {
            let mut fds = self.lock();
            let end = (last as usize).saturating_add(1).min(fds.len());
            let start = (first as usize).min(end);
            if cloexec {
                for e in fds[start..end].iter_mut().flatten() {
                    e.cloexec = true;
                }
                Vec::new()
            } else {
                fds[start..end]
                    .iter_mut()
                    .filter_map(|e| e.take())
                    .collect()
            }
        };
        drop(dropped);
    }
}
