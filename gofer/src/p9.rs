//! The 9P2000.L wire format: pure encode/decode, no I/O.
//!
//! Every frame is `size[4] type[1] tag[2] body`, little-endian, where `size`
//! counts the whole frame including itself. Strings are `len[2]` followed by
//! that many bytes; names are kept as bytes because Linux file names need not
//! be UTF-8. Field layouts and type numbers are those of the Linux kernel's
//! `net/9p` client (`include/net/9p/9p.h`), so a stock 9P2000.L peer can talk
//! to ours.
//!
//! The decoder is the gofer's first line of defence against a hostile sentry:
//! it must reject any byte string it cannot fully account for (truncated
//! fields, counts larger than the frame, unknown types, trailing bytes) with a
//! [`DecodeError`], and never panic or allocate more than the frame's size.

use thiserror::Error;

/// The only protocol version this crate speaks.
pub const VERSION: &[u8] = b"9P2000.L";
/// What an `Rversion` carries when the server does not speak the client's version.
pub const VERSION_UNKNOWN: &[u8] = b"unknown";
/// Tag of `Tversion`, which is outside any session.
pub const NOTAG: u16 = 0xffff;
/// "No fid", e.g. the `afid` of an unauthenticated `Tattach`.
pub const NOFID: u32 = 0xffff_ffff;
/// Largest number of names one `Twalk` (and qids one `Rwalk`) may carry.
pub const MAX_WALK_ELEMS: usize = 16;
/// Largest msize either side proposes: 1 MiB of payload plus room for headers.
pub const MAX_MSIZE: u32 = 1024 * 1024 + 4096;
/// Smallest msize accepted; Linux's v9fs refuses less too, and every fixed-size
/// reply fits comfortably.
pub const MIN_MSIZE: u32 = 4096;
/// `size[4] type[1] tag[2]`.
pub const HEADER_LEN: usize = 7;
/// Room Linux reserves for the header of a `Twrite`/`Rread` (`P9_IOHDRSZ`);
/// `msize - IOHDRSZ` is the largest data payload of one request.
pub const IOHDRSZ: u32 = 24;
/// Bytes one `Rreaddir` entry takes besides its name: qid, offset, type, name length.
pub const DIRENT_HEADER_LEN: usize = QID_LEN + 8 + 1 + 2;
/// Bytes of an encoded [`Qid`].
pub const QID_LEN: usize = 13;
/// Bytes of an `Rread`/`Rreaddir` frame before its data.
pub const RREAD_HEADER_LEN: usize = HEADER_LEN + 4;

/// Qid type bits (`Qid::ty`).
pub const QTDIR: u8 = 0x80;
/// Append-only file.
pub const QTAPPEND: u8 = 0x40;
/// Exclusive-use file.
pub const QTEXCL: u8 = 0x20;
/// Mount point.
pub const QTMOUNT: u8 = 0x10;
/// Authentication file.
pub const QTAUTH: u8 = 0x08;
/// Not backed up.
pub const QTTMP: u8 = 0x04;
/// Symbolic link.
pub const QTSYMLINK: u8 = 0x02;
/// Hard link (unused by Linux).
pub const QTLINK: u8 = 0x01;
/// Plain file.
pub const QTFILE: u8 = 0x00;

/// `Tgetattr` request mask / `Rgetattr` valid bits.
pub const P9_GETATTR_MODE: u64 = 0x0000_0001;
/// nlink is valid.
pub const P9_GETATTR_NLINK: u64 = 0x0000_0002;
/// uid is valid.
pub const P9_GETATTR_UID: u64 = 0x0000_0004;
/// gid is valid.
pub const P9_GETATTR_GID: u64 = 0x0000_0008;
/// rdev is valid.
pub const P9_GETATTR_RDEV: u64 = 0x0000_0010;
/// atime is valid.
pub const P9_GETATTR_ATIME: u64 = 0x0000_0020;
/// mtime is valid.
pub const P9_GETATTR_MTIME: u64 = 0x0000_0040;
/// ctime is valid.
pub const P9_GETATTR_CTIME: u64 = 0x0000_0080;
/// qid.path (the inode number) is valid.
pub const P9_GETATTR_INO: u64 = 0x0000_0100;
/// size is valid.
pub const P9_GETATTR_SIZE: u64 = 0x0000_0200;
/// blocks is valid.
pub const P9_GETATTR_BLOCKS: u64 = 0x0000_0400;
/// btime is valid.
pub const P9_GETATTR_BTIME: u64 = 0x0000_0800;
/// gen is valid.
pub const P9_GETATTR_GEN: u64 = 0x0000_1000;
/// data_version is valid.
pub const P9_GETATTR_DATA_VERSION: u64 = 0x0000_2000;
/// Everything `stat(2)` returns.
pub const P9_GETATTR_BASIC: u64 = 0x0000_07ff;
/// Everything.
pub const P9_GETATTR_ALL: u64 = 0x0000_3fff;

/// `Tsetattr` valid bits: change the mode.
pub const P9_SETATTR_MODE: u32 = 0x0000_0001;
/// Change the owner.
pub const P9_SETATTR_UID: u32 = 0x0000_0002;
/// Change the group.
pub const P9_SETATTR_GID: u32 = 0x0000_0004;
/// Truncate or extend.
pub const P9_SETATTR_SIZE: u32 = 0x0000_0008;
/// Change atime: to `atime_*` with `P9_SETATTR_ATIME_SET`, else to now.
pub const P9_SETATTR_ATIME: u32 = 0x0000_0010;
/// Change mtime: to `mtime_*` with `P9_SETATTR_MTIME_SET`, else to now.
pub const P9_SETATTR_MTIME: u32 = 0x0000_0020;
/// Change ctime (to now; hosts do this as a side effect of any change).
pub const P9_SETATTR_CTIME: u32 = 0x0000_0040;
/// atime comes from the message rather than the clock.
pub const P9_SETATTR_ATIME_SET: u32 = 0x0000_0080;
/// mtime comes from the message rather than the clock.
pub const P9_SETATTR_MTIME_SET: u32 = 0x0000_0100;

// Message type numbers, from Linux's include/net/9p/9p.h.
const RLERROR: u8 = 7;
const TSTATFS: u8 = 8;
const RSTATFS: u8 = 9;
const TLOPEN: u8 = 12;
const RLOPEN: u8 = 13;
const TLCREATE: u8 = 14;
const RLCREATE: u8 = 15;
const TSYMLINK: u8 = 16;
const RSYMLINK: u8 = 17;
const TREADLINK: u8 = 22;
const RREADLINK: u8 = 23;
const TGETATTR: u8 = 24;
const RGETATTR: u8 = 25;
const TSETATTR: u8 = 26;
const RSETATTR: u8 = 27;
const TXATTRWALK: u8 = 30;
const RXATTRWALK: u8 = 31;
const TXATTRCREATE: u8 = 32;
const RXATTRCREATE: u8 = 33;
const TREADDIR: u8 = 40;
const RREADDIR: u8 = 41;
const TFSYNC: u8 = 50;
const RFSYNC: u8 = 51;
const TLINK: u8 = 70;
const RLINK: u8 = 71;
const TMKDIR: u8 = 72;
const RMKDIR: u8 = 73;
const TRENAMEAT: u8 = 74;
const RRENAMEAT: u8 = 75;
const TUNLINKAT: u8 = 76;
const RUNLINKAT: u8 = 77;
const TVERSION: u8 = 100;
const RVERSION: u8 = 101;
const TATTACH: u8 = 104;
const RATTACH: u8 = 105;
const TFLUSH: u8 = 108;
const RFLUSH: u8 = 109;
const TWALK: u8 = 110;
const RWALK: u8 = 111;
const TREAD: u8 = 116;
const RREAD: u8 = 117;
const TWRITE: u8 = 118;
const RWRITE: u8 = 119;
const TCLUNK: u8 = 120;
const RCLUNK: u8 = 121;

/// The server's unique identity for a file: `path` is the host inode number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Qid {
    /// `QT*` bits.
    pub ty: u8,
    /// Changes when the file changes; this server always sends 0.
    pub version: u32,
    /// Unique per file within the served tree (the inode number).
    pub path: u64,
}

/// Body of `Rgetattr`: what `stat(2)` needs, with a mask of what is valid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attr {
    /// `P9_GETATTR_*` bits saying which fields are meaningful.
    pub valid: u64,
    pub qid: Qid,
    /// `st_mode`, including the file type bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u64,
    pub rdev: u64,
    pub size: u64,
    pub blksize: u64,
    /// 512-byte blocks, as `st_blocks`.
    pub blocks: u64,
    pub atime_sec: u64,
    pub atime_nsec: u64,
    pub mtime_sec: u64,
    pub mtime_nsec: u64,
    pub ctime_sec: u64,
    pub ctime_nsec: u64,
    pub btime_sec: u64,
    pub btime_nsec: u64,
    pub gen: u64,
    pub data_version: u64,
}

/// Body of `Tsetattr`: the fields named by `valid` are applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// `P9_SETATTR_*` bits.
    pub valid: u32,
    /// Permission bits (the file type bits are ignored).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub atime_sec: u64,
    pub atime_nsec: u64,
    pub mtime_sec: u64,
    pub mtime_nsec: u64,
}

/// One entry of an `Rreaddir`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirEntry {
    pub qid: Qid,
    /// Cookie to pass as the `Treaddir` offset to continue after this entry.
    pub offset: u64,
    /// `DT_*` type, as `getdents64` reports it.
    pub ty: u8,
    pub name: Vec<u8>,
}

/// Body of `Rstatfs`, as `statfs(2)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatFs {
    /// `f_type`, the file system magic.
    pub ty: u32,
    pub bsize: u32,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub fsid: u64,
    pub namelen: u32,
}

/// Txattrcreate flags: Linux's setxattr(2) flags.
pub const XATTR_CREATE: u32 = 1;
pub const XATTR_REPLACE: u32 = 2;
/// Txattrcreate flag (rvisor's): with size 0, remove the attribute at
/// Tclunk instead of setting an empty value.
pub const P9_XATTR_REMOVE: u32 = 1 << 31;
/// Largest name list a Txattrwalk of all names returns (XATTR_LIST_MAX).
pub const XATTR_LIST_MAX: usize = 65536;

/// Every 9P2000.L message this crate speaks, requests (`T*`) and replies (`R*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Tversion {
        msize: u32,
        version: Vec<u8>,
    },
    Rversion {
        msize: u32,
        version: Vec<u8>,
    },
    Tattach {
        fid: u32,
        afid: u32,
        uname: Vec<u8>,
        aname: Vec<u8>,
        n_uname: u32,
    },
    Rattach {
        qid: Qid,
    },
    /// Error reply: a Linux errno.
    Rlerror {
        ecode: u32,
    },
    Twalk {
        fid: u32,
        newfid: u32,
        names: Vec<Vec<u8>>,
    },
    Rwalk {
        qids: Vec<Qid>,
    },
    /// `flags` are Linux `O_*` bits.
    Tlopen {
        fid: u32,
        flags: u32,
    },
    Rlopen {
        qid: Qid,
        iounit: u32,
    },
    Tlcreate {
        fid: u32,
        name: Vec<u8>,
        flags: u32,
        mode: u32,
        gid: u32,
    },
    Rlcreate {
        qid: Qid,
        iounit: u32,
    },
    Tread {
        fid: u32,
        offset: u64,
        count: u32,
    },
    Rread {
        data: Vec<u8>,
    },
    Twrite {
        fid: u32,
        offset: u64,
        data: Vec<u8>,
    },
    Rwrite {
        count: u32,
    },
    Tgetattr {
        fid: u32,
        request_mask: u64,
    },
    Rgetattr(Attr),
    Tsetattr {
        fid: u32,
        attr: SetAttr,
    },
    Rsetattr,
    Treaddir {
        fid: u32,
        offset: u64,
        count: u32,
    },
    Rreaddir {
        entries: Vec<DirEntry>,
    },
    Tmkdir {
        dfid: u32,
        name: Vec<u8>,
        mode: u32,
        gid: u32,
    },
    Rmkdir {
        qid: Qid,
    },
    Tsymlink {
        dfid: u32,
        name: Vec<u8>,
        target: Vec<u8>,
        gid: u32,
    },
    Rsymlink {
        qid: Qid,
    },
    Tlink {
        dfid: u32,
        fid: u32,
        name: Vec<u8>,
    },
    Rlink,
    Trenameat {
        olddirfid: u32,
        oldname: Vec<u8>,
        newdirfid: u32,
        newname: Vec<u8>,
    },
    Rrenameat,
    /// `flags` is 0 or `AT_REMOVEDIR`.
    Tunlinkat {
        dirfid: u32,
        name: Vec<u8>,
        flags: u32,
    },
    Runlinkat,
    Treadlink {
        fid: u32,
    },
    Rreadlink {
        target: Vec<u8>,
    },
    /// `datasync` non-zero asks for `fdatasync`.
    Tfsync {
        fid: u32,
        datasync: u32,
    },
    Rfsync,
    Tstatfs {
        fid: u32,
    },
    Rstatfs(StatFs),
    Tclunk {
        fid: u32,
    },
    Rclunk,
    Tflush {
        oldtag: u16,
    },
    Rflush,
    Txattrwalk {
        fid: u32,
        newfid: u32,
        name: Vec<u8>,
    },
    Rxattrwalk {
        size: u64,
    },
    Txattrcreate {
        fid: u32,
        name: Vec<u8>,
        attr_size: u64,
        flags: u32,
    },
    Rxattrcreate,
}

impl Message {
    /// The message's name, for logs (the `Debug` form may carry a megabyte of data).
    pub fn name(&self) -> &'static str {
        use Message::*;
        match self {
            Tversion { .. } => "Tversion",
            Rversion { .. } => "Rversion",
            Tattach { .. } => "Tattach",
            Rattach { .. } => "Rattach",
            Rlerror { .. } => "Rlerror",
            Twalk { .. } => "Twalk",
            Rwalk { .. } => "Rwalk",
            Tlopen { .. } => "Tlopen",
            Rlopen { .. } => "Rlopen",
            Tlcreate { .. } => "Tlcreate",
            Rlcreate { .. } => "Rlcreate",
            Tread { .. } => "Tread",
            Rread { .. } => "Rread",
            Twrite { .. } => "Twrite",
            Rwrite { .. } => "Rwrite",
            Tgetattr { .. } => "Tgetattr",
            Rgetattr(_) => "Rgetattr",
            Tsetattr { .. } => "Tsetattr",
            Rsetattr => "Rsetattr",
            Treaddir { .. } => "Treaddir",
            Rreaddir { .. } => "Rreaddir",
            Tmkdir { .. } => "Tmkdir",
            Rmkdir { .. } => "Rmkdir",
            Tsymlink { .. } => "Tsymlink",
            Rsymlink { .. } => "Rsymlink",
            Tlink { .. } => "Tlink",
            Rlink => "Rlink",
            Trenameat { .. } => "Trenameat",
            Rrenameat => "Rrenameat",
            Tunlinkat { .. } => "Tunlinkat",
            Runlinkat => "Runlinkat",
            Treadlink { .. } => "Treadlink",
            Rreadlink { .. } => "Rreadlink",
            Tfsync { .. } => "Tfsync",
            Rfsync => "Rfsync",
            Tstatfs { .. } => "Tstatfs",
            Rstatfs(_) => "Rstatfs",
            Tclunk { .. } => "Tclunk",
            Rclunk => "Rclunk",
            Tflush { .. } => "Tflush",
            Rflush => "Rflush",
            Txattrwalk { .. } => "Txattrwalk",
            Rxattrwalk { .. } => "Rxattrwalk",
            Txattrcreate { .. } => "Txattrcreate",
            Rxattrcreate => "Rxattrcreate",
        }
    }

    /// The wire type number.
    pub fn type_number(&self) -> u8 {
        use Message::*;
        match self {
            Tversion { .. } => TVERSION,
            Rversion { .. } => RVERSION,
            Tattach { .. } => TATTACH,
            Rattach { .. } => RATTACH,
            Rlerror { .. } => RLERROR,
            Twalk { .. } => TWALK,
            Rwalk { .. } => RWALK,
            Tlopen { .. } => TLOPEN,
            Rlopen { .. } => RLOPEN,
            Tlcreate { .. } => TLCREATE,
            Rlcreate { .. } => RLCREATE,
            Tread { .. } => TREAD,
            Rread { .. } => RREAD,
            Twrite { .. } => TWRITE,
            Rwrite { .. } => RWRITE,
            Tgetattr { .. } => TGETATTR,
            Rgetattr(_) => RGETATTR,
            Tsetattr { .. } => TSETATTR,
            Rsetattr => RSETATTR,
            Treaddir { .. } => TREADDIR,
            Rreaddir { .. } => RREADDIR,
            Tmkdir { .. } => TMKDIR,
            Rmkdir { .. } => RMKDIR,
            Tsymlink { .. } => TSYMLINK,
            Rsymlink { .. } => RSYMLINK,
            Tlink { .. } => TLINK,
            Rlink => RLINK,
            Trenameat { .. } => TRENAMEAT,
            Rrenameat => RRENAMEAT,
            Tunlinkat { .. } => TUNLINKAT,
            Runlinkat => RUNLINKAT,
            Treadlink { .. } => TREADLINK,
            Rreadlink { .. } => RREADLINK,
            Tfsync { .. } => TFSYNC,
            Rfsync => RFSYNC,
            Tstatfs { .. } => TSTATFS,
            Rstatfs(_) => RSTATFS,
            Tclunk { .. } => TCLUNK,
            Rclunk => RCLUNK,
            Tflush { .. } => TFLUSH,
            Rflush => RFLUSH,
            Txattrwalk { .. } => TXATTRWALK,
            Rxattrwalk { .. } => RXATTRWALK,
            Txattrcreate { .. } => TXATTRCREATE,
            Rxattrcreate => RXATTRCREATE,
        }
    }

    /// True for replies; 9P gives replies odd type numbers.
    pub fn is_reply(&self) -> bool {
        self.type_number() % 2 == 1
    }
}

/// Why a byte string is not a well-formed frame.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("frame shorter than its fields")]
    Truncated,
    #[error("size field says {declared} bytes, frame has {actual}")]
    SizeMismatch { declared: u64, actual: usize },
    #[error("{0} bytes after the last field")]
    TrailingBytes(usize),
    #[error("unknown message type {0}")]
    UnknownType(u8),
    #[error("{0} walk elements, more than 16")]
    TooManyWalkElements(usize),
}

/// Why a message cannot be put on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum EncodeError {
    #[error("string of {0} bytes does not fit a 16-bit length")]
    StringTooLong(usize),
    #[error("{0} walk elements, more than 16")]
    TooManyWalkElements(usize),
    #[error("frame of {0} bytes does not fit a 32-bit size")]
    FrameTooLong(usize),
}

/// Reads `size[4] type[1] tag[2]` without decoding the body, so a server can
/// answer a frame whose body is malformed with an error under the right tag.
pub fn decode_header(frame: &[u8]) -> Option<(u32, u8, u16)> {
    let size = u32::from_le_bytes(frame.get(0..4)?.try_into().ok()?);
    let ty = *frame.get(4)?;
    let tag = u16::from_le_bytes(frame.get(5..7)?.try_into().ok()?);
    Some((size, ty, tag))
}

/// Appends one frame holding `msg` under `tag` to `out`.
///
/// Fails, leaving `out` as it was, if a string, walk or frame is longer than
/// its length field can say; silently truncating a file name could name a
/// different file.
pub fn encode(tag: u16, msg: &Message, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    let result = encode_body(tag, msg, out).and_then(|()| {
        let len = out.len() - start;
        let size = u32::try_from(len).map_err(|_| EncodeError::FrameTooLong(len))?;
        out[start..start + 4].copy_from_slice(&size.to_le_bytes());
        Ok(())
    });
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn encode_body(tag: u16, msg: &Message, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    use Message::*;
    let mut w = Writer(out);
    w.u32(0); // size, patched by encode()
    w.u8(msg.type_number());
    w.u16(tag);
    match msg {
        Tversion { msize, version } | Rversion { msize, version } => {
            w.u32(*msize);
            w.str(version)?;
        }
        Tattach {
            fid,
            afid,
            uname,
            aname,
            n_uname,
        } => {
            w.u32(*fid);
            w.u32(*afid);
            w.str(uname)?;
            w.str(aname)?;
            w.u32(*n_uname);
        }
        Rattach { qid } | Rmkdir { qid } | Rsymlink { qid } => w.qid(qid),
        Rlerror { ecode } => w.u32(*ecode),
        Twalk { fid, newfid, names } => {
            if names.len() > MAX_WALK_ELEMS {
                return Err(EncodeError::TooManyWalkElements(names.len()));
            }
            w.u32(*fid);
            w.u32(*newfid);
            w.u16(names.len() as u16);
            for name in names {
                w.str(name)?;
            }
        }
        Rwalk { qids } => {
            if qids.len() > MAX_WALK_ELEMS {
                return Err(EncodeError::TooManyWalkElements(qids.len()));
            }
            w.u16(qids.len() as u16);
            for qid in qids {
                w.qid(qid);
            }
        }
        Tlopen { fid, flags } => {
            w.u32(*fid);
            w.u32(*flags);
        }
        Rlopen { qid, iounit } | Rlcreate { qid, iounit } => {
            w.qid(qid);
            w.u32(*iounit);
        }
        Tlcreate {
            fid,
            name,
            flags,
            mode,
            gid,
        } => {
            w.u32(*fid);
            w.str(name)?;
            w.u32(*flags);
            w.u32(*mode);
            w.u32(*gid);
        }
        Tread { fid, offset, count } | Treaddir { fid, offset, count } => {
            w.u32(*fid);
            w.u64(*offset);
            w.u32(*count);
        }
        Rread { data } => w.data(data)?,
        Twrite { fid, offset, data } => {
            w.u32(*fid);
            w.u64(*offset);
            w.data(data)?;
        }
        Rwrite { count } => w.u32(*count),
        Tgetattr { fid, request_mask } => {
            w.u32(*fid);
            w.u64(*request_mask);
        }
        Rgetattr(a) => {
            w.u64(a.valid);
            w.qid(&a.qid);
            w.u32(a.mode);
            w.u32(a.uid);
            w.u32(a.gid);
            for v in [
                a.nlink,
                a.rdev,
                a.size,
                a.blksize,
                a.blocks,
                a.atime_sec,
                a.atime_nsec,
                a.mtime_sec,
                a.mtime_nsec,
                a.ctime_sec,
                a.ctime_nsec,
                a.btime_sec,
                a.btime_nsec,
                a.gen,
                a.data_version,
            ] {
                w.u64(v);
            }
        }
        Tsetattr { fid, attr: a } => {
            w.u32(*fid);
            w.u32(a.valid);
            w.u32(a.mode);
            w.u32(a.uid);
            w.u32(a.gid);
            for v in [a.size, a.atime_sec, a.atime_nsec, a.mtime_sec, a.mtime_nsec] {
                w.u64(v);
            }
        }
        Rreaddir { entries } => {
            let count_at = w.0.len();
            w.u32(0);
            for e in entries {
                w.qid(&e.qid);
                w.u64(e.offset);
                w.u8(e.ty);
                w.str(&e.name)?;
            }
            let len = w.0.len() - count_at - 4;
            let count = u32::try_from(len).map_err(|_| EncodeError::FrameTooLong(len))?;
            w.0[count_at..count_at + 4].copy_from_slice(&count.to_le_bytes());
        }
        Tmkdir {
            dfid,
            name,
            mode,
            gid,
        } => {
            w.u32(*dfid);
            w.str(name)?;
            w.u32(*mode);
            w.u32(*gid);
        }
        Tsymlink {
            dfid,
            name,
            target,
            gid,
        } => {
            w.u32(*dfid);
            w.str(name)?;
            w.str(target)?;
            w.u32(*gid);
        }
        Tlink { dfid, fid, name } => {
            w.u32(*dfid);
            w.u32(*fid);
            w.str(name)?;
        }
        Trenameat {
            olddirfid,
            oldname,
            newdirfid,
            newname,
        } => {
            w.u32(*olddirfid);
            w.str(oldname)?;
            w.u32(*newdirfid);
            w.str(newname)?;
        }
        Tunlinkat {
            dirfid,
            name,
            flags,
        } => {
            w.u32(*dirfid);
            w.str(name)?;
            w.u32(*flags);
        }
        Treadlink { fid } | Tstatfs { fid } | Tclunk { fid } => w.u32(*fid),
        Rreadlink { target } => w.str(target)?,
        Tfsync { fid, datasync } => {
            w.u32(*fid);
            w.u32(*datasync);
        }
        Rstatfs(s) => {
            w.u32(s.ty);
            w.u32(s.bsize);
            for v in [s.blocks, s.bfree, s.bavail, s.files, s.ffree, s.fsid] {
                w.u64(v);
            }
            w.u32(s.namelen);
        }
        Tflush { oldtag } => w.u16(*oldtag),
        Txattrwalk { fid, newfid, name } => {
            w.u32(*fid);
            w.u32(*newfid);
            w.str(name)?;
        }
        Rxattrwalk { size } => w.u64(*size),
        Txattrcreate {
            fid,
            name,
            attr_size,
            flags,
        } => {
            w.u32(*fid);
            w.str(name)?;
            w.u64(*attr_size);
            w.u32(*flags);
        }
        Rsetattr | Rlink | Rrenameat | Runlinkat | Rfsync | Rclunk | Rflush | Rxattrcreate => {}
    }
    Ok(())
}

struct Writer<'a>(&'a mut Vec<u8>);

impl Writer<'_> {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &[u8]) -> Result<(), EncodeError> {
        let len = u16::try_from(s.len()).map_err(|_| EncodeError::StringTooLong(s.len()))?;
        self.u16(len);
        self.0.extend_from_slice(s);
        Ok(())
    }
    /// `count[4]` followed by the bytes.
    fn data(&mut self, d: &[u8]) -> Result<(), EncodeError> {
        let len = u32::try_from(d.len()).map_err(|_| EncodeError::FrameTooLong(d.len()))?;
        self.u32(len);
        self.0.extend_from_slice(d);
        Ok(())
    }
    fn qid(&mut self, q: &Qid) {
        self.u8(q.ty);
        self.u32(q.version);
        self.u64(q.path);
    }
}

/// Decodes one whole frame (including its `size` field) into its tag and message.
pub fn decode(frame: &[u8]) -> Result<(u16, Message), DecodeError> {
    let (size, ty, tag) = decode_header(frame).ok_or(DecodeError::Truncated)?;
    if size as usize != frame.len() {
        return Err(DecodeError::SizeMismatch {
            declared: size.into(),
            actual: frame.len(),
        });
    }
    let mut r = Reader {
        buf: &frame[HEADER_LEN..],
    };
    let msg = decode_body(ty, &mut r)?;
    if !r.buf.is_empty() {
        return Err(DecodeError::TrailingBytes(r.buf.len()));
    }
    Ok((tag, msg))
}

fn decode_body(ty: u8, r: &mut Reader<'_>) -> Result<Message, DecodeError> {
    use Message::*;
    Ok(match ty {
        TVERSION => Tversion {
            msize: r.u32()?,
            version: r.str()?,
        },
        RVERSION => Rversion {
            msize: r.u32()?,
            version: r.str()?,
        },
        TATTACH => Tattach {
            fid: r.u32()?,
            afid: r.u32()?,
            uname: r.str()?,
            aname: r.str()?,
            n_uname: r.u32()?,
        },
        RATTACH => Rattach { qid: r.qid()? },
        RLERROR => Rlerror { ecode: r.u32()? },
        TWALK => {
            let fid = r.u32()?;
            let newfid = r.u32()?;
            let n = usize::from(r.u16()?);
            if n > MAX_WALK_ELEMS {
                return Err(DecodeError::TooManyWalkElements(n));
            }
            let mut names = Vec::with_capacity(n);
            for _ in 0..n {
                names.push(r.str()?);
            }
            Twalk { fid, newfid, names }
        }
        RWALK => {
            let n = usize::from(r.u16()?);
            if n > MAX_WALK_ELEMS {
                return Err(DecodeError::TooManyWalkElements(n));
            }
            let mut qids = Vec::with_capacity(n);
            for _ in 0..n {
                qids.push(r.qid()?);
            }
            Rwalk { qids }
        }
        TLOPEN => Tlopen {
            fid: r.u32()?,
            flags: r.u32()?,
        },
        RLOPEN => Rlopen {
            qid: r.qid()?,
            iounit: r.u32()?,
        },
        TLCREATE => Tlcreate {
            fid: r.u32()?,
            name: r.str()?,
            flags: r.u32()?,
            mode: r.u32()?,
            gid: r.u32()?,
        },
        RLCREATE => Rlcreate {
            qid: r.qid()?,
            iounit: r.u32()?,
        },
        TREAD => Tread {
            fid: r.u32()?,
            offset: r.u64()?,
            count: r.u32()?,
        },
        RREAD => Rread {
            data: r.data()?.to_vec(),
        },
        TWRITE => Twrite {
            fid: r.u32()?,
            offset: r.u64()?,
            data: r.data()?.to_vec(),
        },
        RWRITE => Rwrite { count: r.u32()? },
        TGETATTR => Tgetattr {
            fid: r.u32()?,
            request_mask: r.u64()?,
        },
        RGETATTR => Rgetattr(Attr {
            valid: r.u64()?,
            qid: r.qid()?,
            mode: r.u32()?,
            uid: r.u32()?,
            gid: r.u32()?,
            nlink: r.u64()?,
            rdev: r.u64()?,
            size: r.u64()?,
            blksize: r.u64()?,
            blocks: r.u64()?,
            atime_sec: r.u64()?,
            atime_nsec: r.u64()?,
            mtime_sec: r.u64()?,
            mtime_nsec: r.u64()?,
            ctime_sec: r.u64()?,
            ctime_nsec: r.u64()?,
            btime_sec: r.u64()?,
            btime_nsec: r.u64()?,
            gen: r.u64()?,
            data_version: r.u64()?,
        }),
        TSETATTR => Tsetattr {
            fid: r.u32()?,
            attr: SetAttr {
                valid: r.u32()?,
                mode: r.u32()?,
                uid: r.u32()?,
                gid: r.u32()?,
                size: r.u64()?,
                atime_sec: r.u64()?,
                atime_nsec: r.u64()?,
                mtime_sec: r.u64()?,
                mtime_nsec: r.u64()?,
            },
        },
        RSETATTR => Rsetattr,
        TREADDIR => Treaddir {
            fid: r.u32()?,
            offset: r.u64()?,
            count: r.u32()?,
        },
        RREADDIR => {
            let mut data = Reader { buf: r.data()? };
            // Every entry takes at least DIRENT_HEADER_LEN bytes, which bounds
            // the allocation by the frame size.
            let mut entries = Vec::with_capacity(data.buf.len() / DIRENT_HEADER_LEN);
            while !data.buf.is_empty() {
                entries.push(DirEntry {
                    qid: data.qid()?,
                    offset: data.u64()?,
                    ty: data.u8()?,
                    name: data.str()?,
                });
            }
            Rreaddir { entries }
        }
        TMKDIR => Tmkdir {
            dfid: r.u32()?,
            name: r.str()?,
            mode: r.u32()?,
            gid: r.u32()?,
        },
        RMKDIR => Rmkdir { qid: r.qid()? },
        TSYMLINK => Tsymlink {
            dfid: r.u32()?,
            name: r.str()?,
            target: r.str()?,
            gid: r.u32()?,
        },
        RSYMLINK => Rsymlink { qid: r.qid()? },
        TLINK => Tlink {
            dfid: r.u32()?,
            fid: r.u32()?,
            name: r.str()?,
        },
        RLINK => Rlink,
        TRENAMEAT => Trenameat {
            olddirfid: r.u32()?,
            oldname: r.str()?,
            newdirfid: r.u32()?,
            newname: r.str()?,
        },
        RRENAMEAT => Rrenameat,
        TUNLINKAT => Tunlinkat {
            dirfid: r.u32()?,
            name: r.str()?,
            flags: r.u32()?,
        },
        RUNLINKAT => Runlinkat,
        TREADLINK => Treadlink { fid: r.u32()? },
        RREADLINK => Rreadlink { target: r.str()? },
        TFSYNC => {
            let fid = r.u32()?;
            // Older peers send only the fid; Linux since 2.6.38 adds datasync.
            let datasync = if r.buf.is_empty() { 0 } else { r.u32()? };
            Tfsync { fid, datasync }
        }
        RFSYNC => Rfsync,
        TSTATFS => Tstatfs { fid: r.u32()? },
        RSTATFS => Rstatfs(StatFs {
            ty: r.u32()?,
            bsize: r.u32()?,
            blocks: r.u64()?,
            bfree: r.u64()?,
            bavail: r.u64()?,
            files: r.u64()?,
            ffree: r.u64()?,
            fsid: r.u64()?,
            namelen: r.u32()?,
        }),
        TCLUNK => Tclunk { fid: r.u32()? },
        RCLUNK => Rclunk,
        TFLUSH => Tflush { oldtag: r.u16()? },
        RFLUSH => Rflush,
        TXATTRWALK => Txattrwalk {
            fid: r.u32()?,
            newfid: r.u32()?,
            name: r.str()?,
        },
        RXATTRWALK => Rxattrwalk { size: r.u64()? },
        TXATTRCREATE => Txattrcreate {
            fid: r.u32()?,
            name: r.str()?,
            attr_size: r.u64()?,
            flags: r.u32()?,
        },
        RXATTRCREATE => Rxattrcreate,
        other => return Err(DecodeError::UnknownType(other)),
    })
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.buf.len() {
            return Err(DecodeError::Truncated);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn str(&mut self) -> Result<Vec<u8>, DecodeError> {
        let n = usize::from(self.u16()?);
        Ok(self.take(n)?.to_vec())
    }
    /// `count[4]` followed by that many bytes.
    fn data(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u32()?;
        let n = usize::try_from(n).map_err(|_| DecodeError::Truncated)?;
        self.take(n)
    }
    fn qid(&mut self) -> Result<Qid, DecodeError> {
        Ok(Qid {
            ty: self.u8()?,
            version: self.u32()?,
            path: self.u64()?,
        })
    }
}

#[cfg(test)]
mod tests;
