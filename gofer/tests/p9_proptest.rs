//! Property tests of the 9P2000.L codec and server, bounded so they run in
//! the normal `cargo test`: valid messages survive an encode/decode round
//! trip; arbitrary bytes and mutated valid frames never make the decoder
//! panic; a server fed garbage answers every frame with a well-formed reply
//! (Rlerror for what it cannot parse) or closes the connection, and never
//! panics.

use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;

use gofer::p9::{self, Attr, DirEntry, Message, Qid, SetAttr, StatFs};
use gofer::server::{Server, ServerOptions};
use proptest::collection::vec;
use proptest::prelude::*;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

fn qid() -> impl Strategy<Value = Qid> {
    (any::<u8>(), any::<u32>(), any::<u64>()).prop_map(|(ty, version, path)| Qid {
        ty,
        version,
        path,
    })
}

fn attr() -> impl Strategy<Value = Attr> {
    (
        qid(),
        vec(any::<u64>(), 16),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(|(qid, n, mode, uid, gid)| Attr {
            valid: n[0],
            qid,
            mode,
            uid,
            gid,
            nlink: n[1],
            rdev: n[2],
            size: n[3],
            blksize: n[4],
            blocks: n[5],
            atime_sec: n[6],
            atime_nsec: n[7],
            mtime_sec: n[8],
            mtime_nsec: n[9],
            ctime_sec: n[10],
            ctime_nsec: n[11],
            btime_sec: n[12],
            btime_nsec: n[13],
            gen: n[14],
            data_version: n[15],
        })
}

fn setattr() -> impl Strategy<Value = SetAttr> {
    (vec(any::<u32>(), 4), vec(any::<u64>(), 5)).prop_map(|(a, b)| SetAttr {
        valid: a[0],
        mode: a[1],
        uid: a[2],
        gid: a[3],
        size: b[0],
        atime_sec: b[1],
        atime_nsec: b[2],
        mtime_sec: b[3],
        mtime_nsec: b[4],
    })
}

fn statfs() -> impl Strategy<Value = StatFs> {
    (
        any::<u32>(),
        any::<u32>(),
        vec(any::<u64>(), 6),
        any::<u32>(),
    )
        .prop_map(|(ty, bsize, n, namelen)| StatFs {
            ty,
            bsize,
            blocks: n[0],
            bfree: n[1],
            bavail: n[2],
            files: n[3],
            ffree: n[4],
            fsid: n[5],
            namelen,
        })
}

fn dirent() -> impl Strategy<Value = DirEntry> {
    (qid(), any::<u64>(), any::<u8>(), bytes(40)).prop_map(|(qid, offset, ty, name)| DirEntry {
        qid,
        offset,
        ty,
        name,
    })
}

/// Valid messages of every kind the codec knows.
fn message() -> impl Strategy<Value = Message> {
    use Message::*;
    let u = any::<u32>;
    prop_oneof![
        (u(), bytes(20)).prop_map(|(msize, version)| Tversion { msize, version }),
        (u(), bytes(20)).prop_map(|(msize, version)| Rversion { msize, version }),
        (u(), u(), bytes(20), bytes(20), u()).prop_map(|(fid, afid, uname, aname, n_uname)| {
            Tattach {
                fid,
                afid,
                uname,
                aname,
                n_uname,
            }
        }),
        qid().prop_map(|qid| Rattach { qid }),
        u().prop_map(|ecode| Rlerror { ecode }),
        (u(), u(), vec(bytes(12), 0..=16)).prop_map(|(fid, newfid, names)| Twalk {
            fid,
            newfid,
            names
        }),
        vec(qid(), 0..=16).prop_map(|qids| Rwalk { qids }),
        (u(), u()).prop_map(|(fid, flags)| Tlopen { fid, flags }),
        (qid(), u()).prop_map(|(qid, iounit)| Rlopen { qid, iounit }),
        (u(), bytes(30), u(), u(), u()).prop_map(|(fid, name, flags, mode, gid)| Tlcreate {
            fid,
            name,
            flags,
            mode,
            gid
        }),
        (qid(), u()).prop_map(|(qid, iounit)| Rlcreate { qid, iounit }),
        (u(), any::<u64>(), u()).prop_map(|(fid, offset, count)| Tread { fid, offset, count }),
        bytes(200).prop_map(|data| Rread { data }),
        (u(), any::<u64>(), bytes(200)).prop_map(|(fid, offset, data)| Twrite {
            fid,
            offset,
            data
        }),
        u().prop_map(|count| Rwrite { count }),
        (u(), any::<u64>()).prop_map(|(fid, request_mask)| Tgetattr { fid, request_mask }),
        attr().prop_map(Rgetattr),
        (u(), setattr()).prop_map(|(fid, attr)| Tsetattr { fid, attr }),
        Just(Rsetattr),
        (u(), any::<u64>(), u()).prop_map(|(fid, offset, count)| Treaddir { fid, offset, count }),
        vec(dirent(), 0..8).prop_map(|entries| Rreaddir { entries }),
        (u(), bytes(30), u(), u()).prop_map(|(dfid, name, mode, gid)| Tmkdir {
            dfid,
            name,
            mode,
            gid
        }),
        qid().prop_map(|qid| Rmkdir { qid }),
        (u(), bytes(30), bytes(30), u()).prop_map(|(dfid, name, target, gid)| Tsymlink {
            dfid,
            name,
            target,
            gid
        }),
        qid().prop_map(|qid| Rsymlink { qid }),
        (u(), u(), bytes(30)).prop_map(|(dfid, fid, name)| Tlink { dfid, fid, name }),
        Just(Rlink),
        (u(), bytes(30), u(), bytes(30)).prop_map(|(olddirfid, oldname, newdirfid, newname)| {
            Trenameat {
                olddirfid,
                oldname,
                newdirfid,
                newname,
            }
        }),
        Just(Rrenameat),
        (u(), bytes(30), u()).prop_map(|(dirfid, name, flags)| Tunlinkat {
            dirfid,
            name,
            flags
        }),
        Just(Runlinkat),
        u().prop_map(|fid| Treadlink { fid }),
        bytes(60).prop_map(|target| Rreadlink { target }),
        (u(), u()).prop_map(|(fid, datasync)| Tfsync { fid, datasync }),
        Just(Rfsync),
        u().prop_map(|fid| Tstatfs { fid }),
        statfs().prop_map(Rstatfs),
        u().prop_map(|fid| Tclunk { fid }),
        Just(Rclunk),
        any::<u16>().prop_map(|oldtag| Tflush { oldtag }),
        Just(Rflush),
    ]
}

fn frame(tag: u16, msg: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    p9::encode(tag, msg, &mut out).expect("generated messages fit their fields");
    out
}

/// Ways to damage a valid frame.
#[derive(Clone, Debug)]
enum Mutation {
    Flip { at: usize, bits: u8 },
    Truncate(usize),
    Append(Vec<u8>),
    SetSize(u32),
    SetType(u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, bits)| Mutation::Flip { at, bits }),
        any::<usize>().prop_map(Mutation::Truncate),
        bytes(16).prop_map(Mutation::Append),
        any::<u32>().prop_map(Mutation::SetSize),
        any::<u8>().prop_map(Mutation::SetType),
    ]
}

fn mutate(f: &mut Vec<u8>, m: &Mutation) {
    match m {
        Mutation::Flip { at, bits } => {
            if !f.is_empty() {
                let i = at % f.len();
                f[i] ^= bits;
            }
        }
        Mutation::Truncate(n) => {
            let len = f.len();
            f.truncate(n % (len + 1));
        }
        Mutation::Append(b) => f.extend_from_slice(b),
        Mutation::SetSize(s) => {
            if f.len() >= 4 {
                f[..4].copy_from_slice(&s.to_le_bytes());
            }
        }
        Mutation::SetType(t) => {
            if f.len() >= 5 {
                f[4] = *t;
            }
        }
    }
}

/// The size field made to match the frame again, so the damage is inside
/// the body (what a server reading whole frames would see).
fn fix_size(f: &mut [u8]) {
    if f.len() >= 4 {
        let n = f.len() as u32;
        f[..4].copy_from_slice(&n.to_le_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn valid_messages_round_trip(tag in any::<u16>(), msg in message()) {
        let f = frame(tag, &msg);
        prop_assert_eq!(p9::decode_header(&f).map(|h| h.0 as usize), Some(f.len()));
        let (t, back) = p9::decode(&f).expect("a frame we encoded decodes");
        prop_assert_eq!(t, tag);
        prop_assert_eq!(back, msg);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in bytes(300)) {
        let _ = p9::decode_header(&data);
        let _ = p9::decode(&data);
        let mut fixed = data.clone();
        fix_size(&mut fixed);
        let _ = p9::decode(&fixed);
    }

    #[test]
    fn mutated_frames_never_panic(
        tag in any::<u16>(),
        msg in message(),
        muts in vec(mutation(), 1..4),
        resize in any::<bool>(),
    ) {
        let mut f = frame(tag, &msg);
        for m in &muts {
            mutate(&mut f, m);
        }
        if resize {
            fix_size(&mut f);
        }
        // Whatever decodes must encode again to a frame that decodes the same.
        if let Ok((t, m)) = p9::decode(&f) {
            let mut again = Vec::new();
            if p9::encode(t, &m, &mut again).is_ok() {
                prop_assert_eq!(p9::decode(&again).ok(), Some((t, m)));
            }
        }
    }
}

/// A read-only server over an empty temporary directory, on one end of a
/// socketpair, running on its own thread.
fn start_server() -> (UnixStream, std::thread::JoinHandle<()>, std::path::PathBuf) {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "rvisor-p9-proptest-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(dir.join("sub")).expect("temp dir");
    std::fs::write(dir.join("file"), b"data").expect("temp file");
    let root: OwnedFd = std::fs::File::open(&dir).expect("open temp dir").into();
    let (client, server_end) = UnixStream::pair().expect("socketpair");
    let t = std::thread::spawn(move || {
        let mut server = Server::new(root, ServerOptions { read_only: true });
        // Framing errors end the connection; that is an answer too.
        let _ = server.serve(server_end);
    });
    (client, t, dir)
}

fn read_reply(sock: &mut UnixStream) -> Option<Vec<u8>> {
    let mut size = [0u8; 4];
    sock.read_exact(&mut size).ok()?;
    let n = u32::from_le_bytes(size) as usize;
    if !(p9::HEADER_LEN..=p9::MAX_MSIZE as usize).contains(&n) {
        return None;
    }
    let mut f = vec![0u8; n];
    f[..4].copy_from_slice(&size);
    sock.read_exact(&mut f[4..]).ok()?;
    Some(f)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn server_answers_garbage_with_errors(
        frames in vec((any::<u16>(), message(), vec(mutation(), 0..3)), 1..8),
    ) {
        let (mut sock, server, dir) = start_server();
        sock.set_read_timeout(Some(std::time::Duration::from_secs(5))).expect("timeout");
        let version = frame(p9::NOTAG, &Message::Tversion {
            msize: p9::MAX_MSIZE,
            version: p9::VERSION.to_vec(),
        });
        sock.write_all(&version).expect("send Tversion");
        let reply = read_reply(&mut sock).expect("Rversion");
        let is_rversion = matches!(p9::decode(&reply), Ok((_, Message::Rversion { .. })));
        prop_assert!(is_rversion, "no Rversion");
        let attach = frame(1, &Message::Tattach {
            fid: 0, afid: p9::NOFID, uname: vec![], aname: vec![], n_uname: 0,
        });
        sock.write_all(&attach).expect("send Tattach");
        read_reply(&mut sock).expect("Rattach");
        for (tag, msg, muts) in frames {
            let mut f = frame(tag, &msg);
            for m in &muts {
                mutate(&mut f, m);
            }
            // Keep the framing intact (the server closes on a bad size) so
            // that every frame gets a reply to check.
            fix_size(&mut f);
            if f.len() < p9::HEADER_LEN {
                continue;
            }
            if sock.write_all(&f).is_err() {
                break;
            }
            let Some(reply) = read_reply(&mut sock) else {
                break;
            };
            let decoded = p9::decode(&reply);
            prop_assert!(decoded.is_ok(), "undecodable reply {:?}", reply);
            let (rtag, rmsg) = decoded.unwrap();
            prop_assert!(rmsg.is_reply(), "server sent a request: {}", rmsg.name());
            let (_, _, sent_tag) = p9::decode_header(&f).expect("header");
            prop_assert_eq!(rtag, sent_tag);
        }
        drop(sock);
        prop_assert!(server.join().is_ok(), "the server thread panicked");
        let _ = std::fs::remove_dir_all(dir);
    }
}
