//! Raw bytes at the server and at the client: errors, never panics.

mod common;

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use common::{spawn_server, Tree};
use gofer::client::{Client, Error};
use gofer::p9::{self, Message};

fn send(sock: &mut UnixStream, tag: u16, msg: &Message) {
    let mut out = Vec::new();
    p9::encode(tag, msg, &mut out).unwrap();
    sock.write_all(&out).unwrap();
}

/// Reads one reply frame; `None` if the server closed the connection.
fn recv(sock: &mut UnixStream) -> Option<(u16, Message)> {
    let mut size = [0u8; 4];
    if sock.read_exact(&mut size).is_err() {
        return None;
    }
    let len = u32::from_le_bytes(size) as usize;
    let mut frame = size.to_vec();
    frame.resize(len, 0);
    sock.read_exact(&mut frame[4..]).unwrap();
    Some(p9::decode(&frame).expect("server replies are well-formed"))
}

fn rpc(sock: &mut UnixStream, tag: u16, msg: &Message) -> Message {
    send(sock, tag, msg);
    let (got, reply) = recv(sock).expect("server answered");
    assert_eq!(got, tag);
    reply
}

fn version(sock: &mut UnixStream) {
    let msg = Message::Tversion {
        msize: 8192,
        version: p9::VERSION.to_vec(),
    };
    let reply = rpc(sock, p9::NOTAG, &msg);
    assert_eq!(
        reply,
        Message::Rversion {
            msize: 8192,
            version: p9::VERSION.to_vec()
        }
    );
}

fn rlerror(e: i32) -> Message {
    Message::Rlerror { ecode: e as u32 }
}

#[test]
fn malformed_frames_get_rlerror_under_their_tag() {
    let tree = Tree::sample("raw");
    let (mut sock, server) = spawn_server(&tree.root, false);
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();

    // Before Tversion nothing else is served.
    assert_eq!(
        rpc(&mut sock, 1, &Message::Tclunk { fid: 0 }),
        rlerror(libc::EINVAL)
    );
    // An unknown version is answered with "unknown".
    let reply = rpc(
        &mut sock,
        p9::NOTAG,
        &Message::Tversion {
            msize: 8192,
            version: b"9P2000".to_vec(),
        },
    );
    assert_eq!(
        reply,
        Message::Rversion {
            msize: 8192,
            version: b"unknown".to_vec()
        }
    );
    // Too small an msize.
    let reply = rpc(
        &mut sock,
        p9::NOTAG,
        &Message::Tversion {
            msize: 100,
            version: p9::VERSION.to_vec(),
        },
    );
    assert_eq!(reply, rlerror(libc::EINVAL));
    // A larger msize than the server's is cut down.
    let reply = rpc(
        &mut sock,
        p9::NOTAG,
        &Message::Tversion {
            msize: u32::MAX,
            version: p9::VERSION.to_vec(),
        },
    );
    assert_eq!(
        reply,
        Message::Rversion {
            msize: p9::MAX_MSIZE,
            version: p9::VERSION.to_vec()
        }
    );
    version(&mut sock);

    // Truncated body: Tclunk with 2 of its 4 fid bytes.
    sock.write_all(b"\x09\x00\x00\x00\x78\x05\x00\x01\x00")
        .unwrap();
    assert_eq!(recv(&mut sock), Some((5, rlerror(libc::EBADMSG))));
    // Trailing garbage.
    sock.write_all(b"\x0d\x00\x00\x00\x78\x06\x00\x01\x00\x00\x00\xaa\xbb")
        .unwrap();
    assert_eq!(recv(&mut sock), Some((6, rlerror(libc::EBADMSG))));
    // A string length past the end of the frame (Twalk with nwname 1, len 0xffff).
    sock.write_all(b"\x13\x00\x00\x00\x6e\x07\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00\xff\xff")
        .unwrap();
    assert_eq!(recv(&mut sock), Some((7, rlerror(libc::EBADMSG))));
    // Seventeen walk elements.
    let mut f = vec![0u8; 0];
    f.extend_from_slice(&(17u32 + 17 * 2).to_le_bytes());
    f.extend_from_slice(&[110, 8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 17, 0]);
    f.extend(std::iter::repeat_n(0u8, 17 * 2));
    sock.write_all(&f).unwrap();
    assert_eq!(recv(&mut sock), Some((8, rlerror(libc::EBADMSG))));
    // A data count larger than the frame.
    sock.write_all(b"\x17\x00\x00\x00\x76\x09\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\x7f").unwrap();
    assert_eq!(recv(&mut sock), Some((9, rlerror(libc::EBADMSG))));
    // Unknown and unsupported types: Tmknod (18), Tauth (102), 0xee.
    for ty in [18u8, 102, 0xee] {
        sock.write_all(&[11, 0, 0, 0, ty, 10, 0, 1, 2, 3, 4])
            .unwrap();
        assert_eq!(recv(&mut sock), Some((10, rlerror(libc::EOPNOTSUPP))));
    }
    // A reply sent as a request.
    assert_eq!(rpc(&mut sock, 11, &Message::Rclunk), rlerror(libc::EINVAL));
    // Txattrwalk from a fid that does not exist.
    let msg = Message::Txattrwalk {
        fid: 1,
        newfid: 2,
        name: b"user.x".to_vec(),
    };
    assert_eq!(rpc(&mut sock, 12, &msg), rlerror(libc::EBADF));
    // Tflush is answered.
    assert_eq!(
        rpc(&mut sock, 13, &Message::Tflush { oldtag: 1 }),
        Message::Rflush
    );
    // Fids: unknown, NOFID, reused.
    assert_eq!(
        rpc(
            &mut sock,
            14,
            &Message::Tgetattr {
                fid: 1,
                request_mask: 0
            }
        ),
        rlerror(libc::EBADF)
    );
    let attach = |fid| Message::Tattach {
        fid,
        afid: p9::NOFID,
        uname: vec![],
        aname: vec![],
        n_uname: 0,
    };
    assert_eq!(
        rpc(&mut sock, 15, &attach(p9::NOFID)),
        rlerror(libc::EINVAL)
    );
    assert!(matches!(
        rpc(&mut sock, 16, &attach(1)),
        Message::Rattach { .. }
    ));
    assert_eq!(rpc(&mut sock, 17, &attach(1)), rlerror(libc::EINVAL));
    let walk = Message::Twalk {
        fid: 1,
        newfid: 1,
        names: vec![],
    };
    assert!(matches!(rpc(&mut sock, 18, &walk), Message::Rwalk { .. }));
    let walk = Message::Twalk {
        fid: 1,
        newfid: 2,
        names: vec![b"dir".to_vec(), b"..".to_vec()],
    };
    assert_eq!(
        rpc(&mut sock, 19, &walk),
        Message::Rwalk {
            qids: vec![p9::Qid {
                ty: p9::QTDIR,
                ..walk_qid(&tree, "dir")
            }]
        }
    );
    // The partial walk created no fid 2.
    assert_eq!(
        rpc(&mut sock, 20, &Message::Tclunk { fid: 2 }),
        rlerror(libc::EBADF)
    );
    // Bad unlinkat flags, write to a directory, readdir of a file.
    let msg = Message::Tunlinkat {
        dirfid: 1,
        name: b"file.txt".to_vec(),
        flags: 1,
    };
    assert_eq!(rpc(&mut sock, 21, &msg), rlerror(libc::EINVAL));
    // Still serving.
    assert!(matches!(
        rpc(
            &mut sock,
            24,
            &Message::Tgetattr {
                fid: 1,
                request_mask: 0
            }
        ),
        Message::Rgetattr(_)
    ));

    // A frame larger than msize closes the connection.
    sock.write_all(&(8193u32).to_le_bytes()).unwrap();
    // The server may already have hung up.
    let _ = sock.write_all(&[100, 1, 0]);
    assert_eq!(recv(&mut sock), None);
    let result = server.join().expect("server thread panicked");
    assert!(
        matches!(result, Err(gofer::server::Error::Framing(_))),
        "{result:?}"
    );
}

#[test]
fn replies_never_exceed_msize() {
    let tree = Tree::sample("msize");
    std::os::unix::fs::symlink("a".repeat(4095), tree.path("long")).unwrap();
    std::fs::write(tree.path("big"), vec![1u8; 10_000]).unwrap();
    let (mut sock, server) = spawn_server(&tree.root, false);
    let msg = Message::Tversion {
        msize: 4096,
        version: p9::VERSION.to_vec(),
    };
    assert!(matches!(
        rpc(&mut sock, p9::NOTAG, &msg),
        Message::Rversion { msize: 4096, .. }
    ));
    let attach = Message::Tattach {
        fid: 1,
        afid: p9::NOFID,
        uname: vec![],
        aname: vec![],
        n_uname: 0,
    };
    rpc(&mut sock, 1, &attach);
    // An Rreadlink that would not fit is refused, not truncated.
    let walk = Message::Twalk {
        fid: 1,
        newfid: 2,
        names: vec![b"long".to_vec()],
    };
    assert!(matches!(rpc(&mut sock, 2, &walk), Message::Rwalk { .. }));
    assert_eq!(
        rpc(&mut sock, 3, &Message::Treadlink { fid: 2 }),
        rlerror(libc::EMSGSIZE)
    );
    // Tread and Treaddir counts are cut to what fits.
    let walk = Message::Twalk {
        fid: 1,
        newfid: 3,
        names: vec![b"big".to_vec()],
    };
    rpc(&mut sock, 4, &walk);
    assert!(matches!(
        rpc(&mut sock, 5, &Message::Tlopen { fid: 3, flags: 0 }),
        Message::Rlopen { .. }
    ));
    let read = Message::Tread {
        fid: 3,
        offset: 0,
        count: u32::MAX,
    };
    match rpc(&mut sock, 6, &read) {
        Message::Rread { data } => assert_eq!(data.len(), 4096 - p9::RREAD_HEADER_LEN),
        other => panic!("{other:?}"),
    }
    let walk = Message::Twalk {
        fid: 1,
        newfid: 4,
        names: vec![],
    };
    rpc(&mut sock, 7, &walk);
    rpc(&mut sock, 8, &Message::Tlopen { fid: 4, flags: 0 });
    let readdir = Message::Treaddir {
        fid: 4,
        offset: 0,
        count: u32::MAX,
    };
    assert!(
        matches!(rpc(&mut sock, 9, &readdir), Message::Rreaddir { entries } if entries.len() > 5)
    );
    drop(sock);
    server.join().expect("server thread panicked").unwrap();
}

fn walk_qid(tree: &Tree, rel: &str) -> p9::Qid {
    use std::os::unix::fs::MetadataExt;
    p9::Qid {
        ty: 0,
        version: 0,
        path: std::fs::metadata(tree.path(rel)).unwrap().ino(),
    }
}

#[test]
fn tiny_and_truncated_frames_close_the_connection() {
    for bytes in [
        &b"\x03\x00\x00\x00"[..],
        b"\x06\x00\x00\x00\x64\x01",
        b"\x00\x00\x00\x00",
    ] {
        let tree = Tree::empty("tiny");
        let (mut sock, server) = spawn_server(&tree.root, false);
        sock.write_all(bytes).unwrap();
        assert_eq!(recv(&mut sock), None);
        let result = server.join().expect("server thread panicked");
        assert!(result.is_err());
    }
    // A frame cut short by the peer hanging up.
    let tree = Tree::empty("cut");
    let (mut sock, server) = spawn_server(&tree.root, false);
    version(&mut sock);
    sock.write_all(b"\x20\x00\x00\x00\x78\x01").unwrap();
    sock.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(recv(&mut sock), None);
    assert!(server.join().expect("server thread panicked").is_err());
    // A clean hang-up is Ok.
    let (mut sock, server) = spawn_server(&tree.root, false);
    version(&mut sock);
    drop(sock);
    server.join().expect("server thread panicked").unwrap();
}

/// xorshift64*, so the test needs no dependency and is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_frames_are_answered_and_the_server_survives() {
    let tree = Tree::sample("fuzz");
    let (mut sock, server) = spawn_server(&tree.root, false);
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    version(&mut sock);
    let attach = Message::Tattach {
        fid: 1,
        afid: p9::NOFID,
        uname: vec![],
        aname: vec![],
        n_uname: 0,
    };
    rpc(&mut sock, 1, &attach);
    let mut rng = Rng(42);
    let types = [
        8u8, 12, 14, 16, 22, 24, 26, 30, 32, 40, 50, 70, 72, 74, 76, 104, 108, 110, 116, 118, 120,
    ];
    for i in 0..3000u32 {
        let len = 7 + rng.below(40);
        let mut f: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        f[..4].copy_from_slice(&(len as u32).to_le_bytes());
        f[4] = types[rng.below(types.len())];
        // Mostly aim at fids 1..=4 so real handlers run, not just EBADF.
        if len >= 11 && rng.below(4) != 0 {
            f[7..11].copy_from_slice(&(1 + rng.below(4) as u32).to_le_bytes());
        }
        let tag = (i % 0xfff0) as u16;
        f[5..7].copy_from_slice(&tag.to_le_bytes());
        sock.write_all(&f).unwrap();
        let (got, _) = recv(&mut sock).unwrap_or_else(|| panic!("no reply to {f:?}"));
        assert_eq!(got, tag);
    }
    // Still a working server (the fuzz may have reset the session with a Tversion).
    version(&mut sock);
    assert!(matches!(
        rpc(&mut sock, 1, &attach),
        Message::Rattach { .. }
    ));
    drop(sock);
    server.join().expect("server thread panicked").unwrap();
    // Nothing escaped the root.
    assert_eq!(
        std::fs::read(tree.outside.join("secret.txt")).unwrap(),
        b"secret"
    );
    assert_eq!(std::fs::read_dir(&tree.outside).unwrap().count(), 1);
}

/// A fake gofer that answers each request with the given raw bytes.
fn fake_gofer(replies: Vec<Vec<u8>>) -> (Client, std::thread::JoinHandle<()>) {
    let (ours, mut theirs) = UnixStream::pair().unwrap();
    let handle = std::thread::spawn(move || {
        let mut first = true;
        for reply in replies {
            if first {
                // Answer Tversion properly.
                let _ = recv(&mut theirs);
                let mut out = Vec::new();
                p9::encode(
                    p9::NOTAG,
                    &Message::Rversion {
                        msize: 8192,
                        version: p9::VERSION.to_vec(),
                    },
                    &mut out,
                )
                .unwrap();
                theirs.write_all(&out).unwrap();
                first = false;
            }
            if recv(&mut theirs).is_none() {
                return;
            }
            if theirs.write_all(&reply).is_err() {
                return;
            }
        }
    });
    (Client::connect(ours).unwrap(), handle)
}

fn frame(tag: u16, msg: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    p9::encode(tag, msg, &mut out).unwrap();
    out
}

#[test]
fn client_survives_malformed_replies() {
    // Tags start at 1 after Tversion.
    let replies = vec![
        // 1: wrong reply type for Tgetattr.
        frame(1, &Message::Rclunk),
        // 2: an Rread longer than asked for.
        frame(2, &Message::Rread { data: vec![0; 100] }),
        // 3: body garbage (Rgetattr cut short, size consistent).
        b"\x0b\x00\x00\x00\x19\x03\x00\x01\x02\x03\x04".to_vec(),
        // 4: an Rlerror, which is an error and not a protocol violation.
        frame(
            4,
            &Message::Rlerror {
                ecode: libc::EACCES as u32,
            },
        ),
        // 5: a partial Rwalk.
        frame(5, &Message::Rwalk { qids: vec![] }),
        // 6: a wrong tag breaks the connection.
        frame(99, &Message::Rclunk),
    ];
    let (c, fake) = fake_gofer(replies);
    assert_eq!(c.msize(), 8192);
    assert!(matches!(c.getattr(1), Err(Error::Protocol(_))));
    let mut buf = [0u8; 10];
    assert!(matches!(c.read(1, 0, &mut buf), Err(Error::Protocol(_))));
    assert!(matches!(c.getattr(1), Err(Error::Protocol(_))));
    assert_eq!(c.getattr(1).unwrap_err().errno(), libc::EACCES);
    assert_eq!(c.walk(1, &[b"a"]).unwrap_err().errno(), libc::ENOENT);
    let e = c.clunk(1).unwrap_err();
    assert!(matches!(e, Error::Protocol(_)), "{e:?}");
    assert_eq!(e.errno(), libc::EIO);
    // Unusable from now on, without talking to the fake.
    assert!(matches!(c.getattr(1), Err(Error::Io(_))));
    drop(c);
    fake.join().unwrap();

    // An oversized reply frame.
    let (c, fake) = fake_gofer(vec![b"\xff\xff\xff\x7f\x19\x01\x00".to_vec()]);
    assert!(matches!(c.getattr(1), Err(Error::Protocol(_))));
    drop(c);
    fake.join().unwrap();

    // The gofer hanging up mid-reply.
    let (c, fake) = fake_gofer(vec![b"\x20\x00\x00\x00\x19".to_vec()]);
    // The fake stops after its last reply, closing its end.
    assert!(matches!(c.getattr(1), Err(Error::Io(_))));
    fake.join().unwrap();
}

#[test]
fn client_rejects_a_bad_version_reply() {
    for reply in [
        Message::Rversion {
            msize: 100,
            version: p9::VERSION.to_vec(),
        },
        Message::Rversion {
            msize: u32::MAX,
            version: p9::VERSION.to_vec(),
        },
        Message::Rversion {
            msize: 8192,
            version: b"unknown".to_vec(),
        },
        Message::Rclunk,
    ] {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let fake = std::thread::spawn(move || {
            let _ = recv(&mut theirs);
            theirs.write_all(&frame(p9::NOTAG, &reply)).unwrap();
        });
        assert!(matches!(Client::connect(ours), Err(Error::Protocol(_))));
        fake.join().unwrap();
    }
}

/// Sends `frame` with `fd` attached, as the server's FD donation does.
fn send_with_fd(sock: &UnixStream, frame: &[u8], fd: &std::os::fd::OwnedFd) {
    use nix::sys::socket::{sendmsg, ControlMessage, MsgFlags};
    let fds = [fd.as_raw_fd()];
    let n = sendmsg::<()>(
        sock.as_raw_fd(),
        &[std::io::IoSlice::new(frame)],
        &[ControlMessage::ScmRights(&fds)],
        MsgFlags::empty(),
        None,
    )
    .unwrap();
    assert_eq!(n, frame.len());
}

#[test]
fn client_keeps_donated_fds_and_closes_unexpected_ones() {
    let (ours, mut theirs) = UnixStream::pair().unwrap();
    let (r1, w1) = nix::unistd::pipe().unwrap();
    let (r2, w2) = nix::unistd::pipe().unwrap();
    let fake = std::thread::spawn(move || {
        let _ = recv(&mut theirs);
        let version = Message::Rversion {
            msize: 8192,
            version: p9::VERSION.to_vec(),
        };
        theirs.write_all(&frame(p9::NOTAG, &version)).unwrap();
        // An fd riding on an Rclunk is not wanted.
        let _ = recv(&mut theirs);
        send_with_fd(&theirs, &frame(1, &Message::Rclunk), &w1);
        // One riding on an Rlopen is the donated file.
        let _ = recv(&mut theirs);
        let qid = p9::Qid::default();
        send_with_fd(&theirs, &frame(2, &Message::Rlopen { qid, iounit: 0 }), &w2);
        // An Rlerror carrying an fd: the fd is dropped with the error.
        let _ = recv(&mut theirs);
        send_with_fd(&theirs, &frame(3, &Message::Rlerror { ecode: 13 }), &w1);
    });
    let c = Client::connect(ours).unwrap();
    c.clunk(7).unwrap();
    let opened = c.lopen(8, 0).unwrap();
    assert_eq!(c.lopen(9, 0).unwrap_err().errno(), 13);
    fake.join().unwrap(); // the fake's copies of w1 and w2 are closed now
                          // Every copy of w1 is closed: its pipe reads EOF.
    let mut buf = [0u8; 8];
    assert_eq!(nix::unistd::read(r1.as_raw_fd(), &mut buf).unwrap(), 0);
    // The donated w2 works.
    let w2 = std::fs::File::from(opened.host_fd.expect("donated fd"));
    (&w2).write_all(b"hi").unwrap();
    assert_eq!(nix::unistd::read(r2.as_raw_fd(), &mut buf).unwrap(), 2);
}
