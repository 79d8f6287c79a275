//! Linux error numbers as a typed value.
//!
//! Syscall handlers return `Result<u64, Errno>`. An [`Errno`] is the kernel's
//! error code plus, optionally, a static message that says why, for
//! `--strace` and debug logs; the message never reaches the application.

use std::fmt;
use std::hash::{Hash, Hasher};

/// A Linux error number, as returned (negated) by a syscall.
///
/// Equality and hashing look at the code only, never at the message.
#[derive(Clone, Copy)]
pub struct Errno {
    code: u16,
    msg: Option<&'static str>,
}

/// The largest error number a syscall can return (`MAX_ERRNO`): the kernel
/// reports errors as return values in `-4095..=-1`.
pub const MAX_ERRNO: i32 = 4095;

macro_rules! errnos {
    ($($name:ident = $code:literal, $desc:literal;)*) => {
        impl Errno {
            $(
                #[doc = concat!("`", $desc, "`")]
                pub const $name: Errno = Errno::new($code);
            )*
        }

        /// Name and glibc `strerror` text of a known code.
        const fn lookup(code: u16) -> Option<(&'static str, &'static str)> {
            match code {
                $($code => Some((stringify!($name), $desc)),)*
                _ => None,
            }
        }

        /// Every named code, in increasing order (aliases excluded).
        #[cfg(test)]
        const ALL: &[Errno] = &[$(Errno::$name),*];
    };
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "Input/output error";
    ENXIO = 6, "No such device or address";
    E2BIG = 7, "Argument list too long";
    ENOEXEC = 8, "Exec format error";
    EBADF = 9, "Bad file descriptor";
    ECHILD = 10, "No child processes";
    EAGAIN = 11, "Resource temporarily unavailable";
    ENOMEM = 12, "Cannot allocate memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    ENOTBLK = 15, "Block device required";
    EBUSY = 16, "Device or resource busy";
    EEXIST = 17, "File exists";
    EXDEV = 18, "Invalid cross-device link";
    ENODEV = 19, "No such device";
    ENOTDIR = 20, "Not a directory";
    EISDIR = 21, "Is a directory";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "Too many open files in system";
    EMFILE = 24, "Too many open files";
    ENOTTY = 25, "Inappropriate ioctl for device";
    ETXTBSY = 26, "Text file busy";
    EFBIG = 27, "File too large";
    ENOSPC = 28, "No space left on device";
    ESPIPE = 29, "Illegal seek";
    EROFS = 30, "Read-only file system";
    EMLINK = 31, "Too many links";
    EPIPE = 32, "Broken pipe";
    EDOM = 33, "Numerical argument out of domain";
    ERANGE = 34, "Numerical result out of range";
    EDEADLK = 35, "Resource deadlock avoided";
    ENAMETOOLONG = 36, "File name too long";
    ENOLCK = 37, "No locks available";
    ENOSYS = 38, "Function not implemented";
    ENOTEMPTY = 39, "Directory not empty";
    ELOOP = 40, "Too many levels of symbolic links";
    ENOMSG = 42, "No message of desired type";
    EIDRM = 43, "Identifier removed";
    ECHRNG = 44, "Channel number out of range";
    EL2NSYNC = 45, "Level 2 not synchronized";
    EL3HLT = 46, "Level 3 halted";
    EL3RST = 47, "Level 3 reset";
    ELNRNG = 48, "Link number out of range";
    EUNATCH = 49, "Protocol driver not attached";
    ENOCSI = 50, "No CSI structure available";
    EL2HLT = 51, "Level 2 halted";
    EBADE = 52, "Invalid exchange";
    EBADR = 53, "Invalid request descriptor";
    EXFULL = 54, "Exchange full";
    ENOANO = 55, "No anode";
    EBADRQC = 56, "Invalid request code";
    EBADSLT = 57, "Invalid slot";
    EBFONT = 59, "Bad font file format";
    ENOSTR = 60, "Device not a stream";
    ENODATA = 61, "No data available";
    ETIME = 62, "Timer expired";
    ENOSR = 63, "Out of streams resources";
    ENONET = 64, "Machine is not on the network";
    ENOPKG = 65, "Package not installed";
    EREMOTE = 66, "Object is remote";
    ENOLINK = 67, "Link has been severed";
    EADV = 68, "Advertise error";
    ESRMNT = 69, "Srmount error";
    ECOMM = 70, "Communication error on send";
    EPROTO = 71, "Protocol error";
    EMULTIHOP = 72, "Multihop attempted";
    EDOTDOT = 73, "RFS specific error";
    EBADMSG = 74, "Bad message";
    EOVERFLOW = 75, "Value too large for defined data type";
    ENOTUNIQ = 76, "Name not unique on network";
    EBADFD = 77, "File descriptor in bad state";
    EREMCHG = 78, "Remote address changed";
    ELIBACC = 79, "Can not access a needed shared library";
    ELIBBAD = 80, "Accessing a corrupted shared library";
    ELIBSCN = 81, ".lib section in a.out corrupted";
    ELIBMAX = 82, "Attempting to link in too many shared libraries";
    ELIBEXEC = 83, "Cannot exec a shared library directly";
    EILSEQ = 84, "Invalid or incomplete multibyte or wide character";
    ERESTART = 85, "Interrupted system call should be restarted";
    ESTRPIPE = 86, "Streams pipe error";
    EUSERS = 87, "Too many users";
    ENOTSOCK = 88, "Socket operation on non-socket";
    EDESTADDRREQ = 89, "Destination address required";
    EMSGSIZE = 90, "Message too long";
    EPROTOTYPE = 91, "Protocol wrong type for socket";
    ENOPROTOOPT = 92, "Protocol not available";
    EPROTONOSUPPORT = 93, "Protocol not supported";
    ESOCKTNOSUPPORT = 94, "Socket type not supported";
    EOPNOTSUPP = 95, "Operation not supported";
    EPFNOSUPPORT = 96, "Protocol family not supported";
    EAFNOSUPPORT = 97, "Address family not supported by protocol";
    EADDRINUSE = 98, "Address already in use";
    EADDRNOTAVAIL = 99, "Cannot assign requested address";
    ENETDOWN = 100, "Network is down";
    ENETUNREACH = 101, "Network is unreachable";
    ENETRESET = 102, "Network dropped connection on reset";
    ECONNABORTED = 103, "Software caused connection abort";
    ECONNRESET = 104, "Connection reset by peer";
    ENOBUFS = 105, "No buffer space available";
    EISCONN = 106, "Transport endpoint is already connected";
    ENOTCONN = 107, "Transport endpoint is not connected";
    ESHUTDOWN = 108, "Cannot send after transport endpoint shutdown";
    ETOOMANYREFS = 109, "Too many references: cannot splice";
    ETIMEDOUT = 110, "Connection timed out";
    ECONNREFUSED = 111, "Connection refused";
    EHOSTDOWN = 112, "Host is down";
    EHOSTUNREACH = 113, "No route to host";
    EALREADY = 114, "Operation already in progress";
    EINPROGRESS = 115, "Operation now in progress";
    ESTALE = 116, "Stale file handle";
    EUCLEAN = 117, "Structure needs cleaning";
    ENOTNAM = 118, "Not a XENIX named type file";
    ENAVAIL = 119, "No XENIX semaphores available";
    EISNAM = 120, "Is a named type file";
    EREMOTEIO = 121, "Remote I/O error";
    EDQUOT = 122, "Disk quota exceeded";
    ENOMEDIUM = 123, "No medium found";
    EMEDIUMTYPE = 124, "Wrong medium type";
    ECANCELED = 125, "Operation canceled";
    ENOKEY = 126, "Required key not available";
    EKEYEXPIRED = 127, "Key has expired";
    EKEYREVOKED = 128, "Key has been revoked";
    EKEYREJECTED = 129, "Key was rejected by service";
    EOWNERDEAD = 130, "Owner died";
    ENOTRECOVERABLE = 131, "State not recoverable";
    ERFKILL = 132, "Operation not possible due to RF-kill";
    EHWPOISON = 133, "Memory page has hardware error";
    // Kernel-internal codes: a handler returns them to ask for a restart;
    // the syscall exit path turns them into EINTR or a restart, so an
    // application never sees them. Texts as strace(1) prints them.
    ERESTARTSYS = 512, "To be restarted if SA_RESTART is set";
    ERESTARTNOINTR = 513, "To be restarted";
    ERESTARTNOHAND = 514, "To be restarted if no handler";
    ERESTART_RESTARTBLOCK = 516, "Interrupted by signal";
}

impl Errno {
    /// Same code as [`Errno::EAGAIN`].
    pub const EWOULDBLOCK: Errno = Errno::EAGAIN;
    /// Same code as [`Errno::EDEADLK`].
    pub const EDEADLOCK: Errno = Errno::EDEADLK;
    /// Same code as [`Errno::EOPNOTSUPP`] (glibc's name; the kernel has only `EOPNOTSUPP`).
    pub const ENOTSUP: Errno = Errno::EOPNOTSUPP;

    const fn new(code: u16) -> Errno {
        Errno { code, msg: None }
    }

    /// The `Errno` for `code`. Codes without a name are kept as they are.
    ///
    /// Accepts both `ENOENT` (2) and the raw syscall return `-ENOENT` (-2).
    /// A value that is no error code at all (0, or beyond [`MAX_ERRNO`]) is
    /// clamped to `MAX_ERRNO`, so that [`Errno::as_syscall_ret`] still
    /// returns something an application reads as a failure.
    pub const fn from_code(code: i32) -> Errno {
        let abs = code.unsigned_abs();
        let code = if abs == 0 || abs > MAX_ERRNO as u32 {
            MAX_ERRNO as u16
        } else {
            abs as u16
        };
        Errno::new(code)
    }

    /// The positive error number, e.g. 2 for `ENOENT`.
    pub const fn code(self) -> i32 {
        self.code as i32
    }

    /// The symbolic name, e.g. `"ENOENT"`, or `"EUNKNOWN"` for a code
    /// Linux does not define (`Display` prints those as `E<number>`).
    pub fn name(self) -> &'static str {
        match lookup(self.code) {
            Some((name, _)) => name,
            None => "EUNKNOWN",
        }
    }

    /// glibc's `strerror` text, e.g. `"No such file or directory"`.
    pub fn description(self) -> &'static str {
        match lookup(self.code) {
            Some((_, desc)) => desc,
            None => "Unknown error",
        }
    }

    /// The same error carrying `msg`, which says why, for `--strace` and
    /// debug logs. Replaces any earlier message.
    pub const fn with_msg(self, msg: &'static str) -> Errno {
        Errno {
            code: self.code,
            msg: Some(msg),
        }
    }

    /// The message attached with [`Errno::with_msg`], if any.
    pub fn msg(self) -> Option<&'static str> {
        self.msg
    }

    /// The value the syscall returns in `rax`: `-code` as a `u64`.
    pub const fn as_syscall_ret(self) -> u64 {
        (-(self.code as i64)) as u64
    }

    /// Whether this is one of the kernel-internal restart codes
    /// (`ERESTARTSYS`, `ERESTARTNOINTR`, `ERESTARTNOHAND`,
    /// `ERESTART_RESTARTBLOCK`) that must never reach an application.
    pub const fn is_restart(self) -> bool {
        matches!(self.code, 512 | 513 | 514 | 516)
    }

    fn fmt_name(self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match lookup(self.code) {
            Some((name, _)) => f.write_str(name),
            None => write!(f, "E{}", self.code),
        }
    }
}

impl PartialEq for Errno {
    fn eq(&self, other: &Errno) -> bool {
        self.code == other.code
    }
}

impl Eq for Errno {}

impl Hash for Errno {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code.hash(state);
    }
}

impl fmt::Display for Errno {
    /// `ENOENT (No such file or directory)`, then `: msg` when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_name(f)?;
        match lookup(self.code) {
            Some((_, desc)) => write!(f, " ({desc})")?,
            None => write!(f, " (Unknown error {})", self.code)?,
        }
        if let Some(msg) = self.msg {
            write!(f, ": {msg}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_descriptions() {
        let cases = [
            (Errno::EPERM, 1, "EPERM", "Operation not permitted"),
            (Errno::ENOENT, 2, "ENOENT", "No such file or directory"),
            (Errno::EINTR, 4, "EINTR", "Interrupted system call"),
            (
                Errno::EAGAIN,
                11,
                "EAGAIN",
                "Resource temporarily unavailable",
            ),
            (Errno::EINVAL, 22, "EINVAL", "Invalid argument"),
            (Errno::ENOSYS, 38, "ENOSYS", "Function not implemented"),
            (
                Errno::ELOOP,
                40,
                "ELOOP",
                "Too many levels of symbolic links",
            ),
            (
                Errno::EOPNOTSUPP,
                95,
                "EOPNOTSUPP",
                "Operation not supported",
            ),
            (
                Errno::EHWPOISON,
                133,
                "EHWPOISON",
                "Memory page has hardware error",
            ),
            (
                Errno::ERESTARTSYS,
                512,
                "ERESTARTSYS",
                "To be restarted if SA_RESTART is set",
            ),
            (
                Errno::ERESTART_RESTARTBLOCK,
                516,
                "ERESTART_RESTARTBLOCK",
                "Interrupted by signal",
            ),
        ];
        for (e, code, name, desc) in cases {
            assert_eq!(e.code(), code);
            assert_eq!(e.name(), name);
            assert_eq!(e.description(), desc);
            assert_eq!(Errno::from_code(code), e);
            assert_eq!(Errno::from_code(code).name(), name);
        }
    }

    #[test]
    fn aliases_share_codes() {
        assert_eq!(Errno::EWOULDBLOCK, Errno::EAGAIN);
        assert_eq!(Errno::EDEADLOCK.code(), 35);
        assert_eq!(Errno::ENOTSUP.code(), 95);
        assert_eq!(Errno::EWOULDBLOCK.name(), "EAGAIN");
    }

    #[test]
    fn every_code_from_1_to_133_but_41_and_58_is_named() {
        let named: HashSet<i32> = ALL.iter().map(|e| e.code()).collect();
        for code in 1..=133 {
            assert_eq!(
                named.contains(&code),
                code != 41 && code != 58,
                "code {code}"
            );
        }
        let mut prev = 0;
        for e in ALL {
            assert!(e.code() > prev, "{} out of order", e.name());
            prev = e.code();
            assert!(e.name().starts_with('E'));
            assert!(!e.description().is_empty());
        }
    }

    #[test]
    fn unknown_codes_keep_their_number() {
        let e = Errno::from_code(41);
        assert_eq!(e.code(), 41);
        assert_eq!(e.name(), "EUNKNOWN");
        assert_eq!(e.description(), "Unknown error");
        assert_eq!(e.to_string(), "E41 (Unknown error 41)");
        assert_eq!(Errno::from_code(-2), Errno::ENOENT);
        assert_eq!(Errno::from_code(0).code(), MAX_ERRNO);
        assert_eq!(Errno::from_code(i32::MIN).code(), MAX_ERRNO);
        assert_eq!(Errno::from_code(70000).code(), MAX_ERRNO);
    }

    #[test]
    fn messages_do_not_change_identity() {
        let e = Errno::ENOENT.with_msg("no such dentry");
        assert_eq!(e, Errno::ENOENT);
        assert_eq!(e.msg(), Some("no such dentry"));
        assert_eq!(Errno::ENOENT.msg(), None);
        let hash = |e: Errno| {
            use std::collections::hash_map::DefaultHasher;
            let mut h = DefaultHasher::new();
            e.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(e), hash(Errno::ENOENT));
    }

    #[test]
    fn display_and_debug() {
        assert_eq!(
            Errno::ENOENT.to_string(),
            "ENOENT (No such file or directory)"
        );
        let e = Errno::EINVAL.with_msg("bad flags");
        assert_eq!(e.to_string(), "EINVAL (Invalid argument): bad flags");
        assert_eq!(format!("{e:?}"), "EINVAL (Invalid argument): bad flags");
        let boxed: Box<dyn std::error::Error> = Box::new(Errno::EIO);
        assert_eq!(boxed.to_string(), "EIO (Input/output error)");
    }

    #[test]
    fn syscall_return_values() {
        assert_eq!(Errno::ENOENT.as_syscall_ret(), (-2i64) as u64);
        assert_eq!(Errno::EPERM.as_syscall_ret(), u64::MAX);
        assert!(Errno::from_code(0).as_syscall_ret() >= (-4095i64) as u64);
        assert!(Errno::ERESTARTSYS.is_restart());
        assert!(Errno::ERESTARTNOHAND.is_restart());
        assert!(!Errno::EINTR.is_restart());
    }
}
