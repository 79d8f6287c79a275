use super::*;

fn qid(n: u64) -> Qid {
    Qid {
        ty: QTDIR,
        version: n as u32 + 1,
        path: n * 7,
    }
}

/// One of every message, with fields that are all different so a swapped
/// field shows up in a round trip.
fn samples() -> Vec<Message> {
    use Message::*;
    let attr = Attr {
        valid: P9_GETATTR_ALL,
        qid: qid(1),
        mode: 0o100644,
        uid: 1000,
        gid: 1001,
        nlink: 2,
        rdev: 3,
        size: 4,
        blksize: 5,
        blocks: 6,
        atime_sec: 7,
        atime_nsec: 8,
        mtime_sec: 9,
        mtime_nsec: 10,
        ctime_sec: 11,
        ctime_nsec: 12,
        btime_sec: 13,
        btime_nsec: 14,
        gen: 15,
        data_version: 16,
    };
    let setattr = SetAttr {
        valid: P9_SETATTR_MODE | P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET,
        mode: 0o755,
        uid: 1,
        gid: 2,
        size: 3,
        atime_sec: 4,
        atime_nsec: 5,
        mtime_sec: 6,
        mtime_nsec: 7,
    };
    let statfs = StatFs {
        ty: 0xef53,
        bsize: 4096,
        blocks: 1,
        bfree: 2,
        bavail: 3,
        files: 4,
        ffree: 5,
        fsid: 6,
        namelen: 255,
    };
    vec![
        Tversion {
            msize: MAX_MSIZE,
            version: VERSION.to_vec(),
        },
        Rversion {
            msize: 8192,
            version: VERSION.to_vec(),
        },
        Tattach {
            fid: 1,
            afid: NOFID,
            uname: b"root".to_vec(),
            aname: b"/".to_vec(),
            n_uname: 0,
        },
        Rattach { qid: qid(2) },
        Rlerror { ecode: 2 },
        Twalk {
            fid: 1,
            newfid: 2,
            names: vec![],
        },
        Twalk {
            fid: 1,
            newfid: 2,
            names: vec![b"a".to_vec(), b"\xff\xfe".to_vec(), vec![]],
        },
        Twalk {
            fid: 1,
            newfid: 2,
            names: vec![b"x".to_vec(); 16],
        },
        Rwalk { qids: vec![] },
        Rwalk {
            qids: (0..16).map(qid).collect(),
        },
        Tlopen { fid: 3, flags: 0o2 },
        Rlopen {
            qid: qid(3),
            iounit: 4096,
        },
        Tlcreate {
            fid: 4,
            name: b"new".to_vec(),
            flags: 0o101,
            mode: 0o644,
            gid: 5,
        },
        Rlcreate {
            qid: qid(4),
            iounit: 0,
        },
        Tread {
            fid: 5,
            offset: 1 << 40,
            count: 100,
        },
        Rread { data: vec![] },
        Rread {
            data: (0..=255).collect(),
        },
        Twrite {
            fid: 6,
            offset: 7,
            data: b"hello".to_vec(),
        },
        Rwrite { count: 5 },
        Tgetattr {
            fid: 7,
            request_mask: P9_GETATTR_BASIC,
        },
        Rgetattr(attr),
        Tsetattr {
            fid: 8,
            attr: setattr,
        },
        Rsetattr,
        Treaddir {
            fid: 9,
            offset: 10,
            count: 11,
        },
        Rreaddir { entries: vec![] },
        Rreaddir {
            entries: vec![
                DirEntry {
                    qid: qid(5),
                    offset: 1,
                    ty: 4,
                    name: b".".to_vec(),
                },
                DirEntry {
                    qid: qid(6),
                    offset: u64::MAX,
                    ty: 8,
                    name: b"file".to_vec(),
                },
                DirEntry {
                    qid: qid(7),
                    offset: 3,
                    ty: 10,
                    name: vec![],
                },
            ],
        },
        Tmkdir {
            dfid: 10,
            name: b"d".to_vec(),
            mode: 0o700,
            gid: 11,
        },
        Rmkdir { qid: qid(8) },
        Tsymlink {
            dfid: 12,
            name: b"l".to_vec(),
            target: b"../../etc".to_vec(),
            gid: 13,
        },
        Rsymlink { qid: qid(9) },
        Tlink {
            dfid: 14,
            fid: 15,
            name: b"hard".to_vec(),
        },
        Rlink,
        Trenameat {
            olddirfid: 16,
            oldname: b"a".to_vec(),
            newdirfid: 17,
            newname: b"b".to_vec(),
        },
        Rrenameat,
        Tunlinkat {
            dirfid: 18,
            name: b"gone".to_vec(),
            flags: 0x200,
        },
        Runlinkat,
        Treadlink { fid: 19 },
        Rreadlink {
            target: b"/bin/sh".to_vec(),
        },
        Tfsync {
            fid: 20,
            datasync: 1,
        },
        Rfsync,
        Tstatfs { fid: 21 },
        Rstatfs(statfs),
        Tclunk { fid: 22 },
        Rclunk,
        Tflush { oldtag: 23 },
        Rflush,
        Txattrwalk {
            fid: 24,
            newfid: 25,
            name: b"user.x".to_vec(),
        },
        Rxattrwalk { size: 26 },
        Txattrcreate {
            fid: 27,
            name: b"user.y".to_vec(),
            attr_size: 28,
            flags: 1,
        },
        Rxattrcreate,
    ]
}

fn enc(tag: u16, msg: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    encode(tag, msg, &mut out).expect("sample encodes");
    out
}

#[test]
fn round_trip_every_message() {
    let samples = samples();
    // Every type number appears at least once.
    let mut types: Vec<u8> = samples.iter().map(Message::type_number).collect();
    types.sort_unstable();
    types.dedup();
    assert_eq!(types.len(), 45);
    for (i, msg) in samples.iter().enumerate() {
        let tag = i as u16 * 3 + 1;
        let frame = enc(tag, msg);
        assert_eq!(
            frame.len(),
            u32::from_le_bytes(frame[..4].try_into().unwrap()) as usize
        );
        assert_eq!(frame[4], msg.type_number());
        assert_eq!(decode(&frame), Ok((tag, msg.clone())), "{}", msg.name());
        assert_eq!(msg.is_reply(), msg.name().starts_with('R'));
    }
}

#[test]
fn encode_appends_and_rolls_back_on_error() {
    let mut out = b"prefix".to_vec();
    encode(1, &Message::Rclunk, &mut out).unwrap();
    assert_eq!(&out[..6], b"prefix");
    assert_eq!(decode(&out[6..]), Ok((1, Message::Rclunk)));

    let before = out.clone();
    let long = Message::Tunlinkat {
        dirfid: 1,
        name: vec![b'a'; 70_000],
        flags: 0,
    };
    assert_eq!(
        encode(2, &long, &mut out),
        Err(EncodeError::StringTooLong(70_000))
    );
    let walk = Message::Twalk {
        fid: 1,
        newfid: 2,
        names: vec![b"a".to_vec(); 17],
    };
    assert_eq!(
        encode(2, &walk, &mut out),
        Err(EncodeError::TooManyWalkElements(17))
    );
    let rwalk = Message::Rwalk {
        qids: vec![Qid::default(); 17],
    };
    assert_eq!(
        encode(2, &rwalk, &mut out),
        Err(EncodeError::TooManyWalkElements(17))
    );
    assert_eq!(out, before);
}

#[test]
fn decode_hand_written_requests() {
    // Tversion tag=NOTAG msize=8192 "9P2000.L"
    let f = b"\x15\x00\x00\x00\x64\xff\xff\x00\x20\x00\x00\x08\x009P2000.L";
    assert_eq!(
        decode(f),
        Ok((
            NOTAG,
            Message::Tversion {
                msize: 8192,
                version: b"9P2000.L".to_vec()
            }
        ))
    );
    // Twalk tag=1 fid=1 newfid=2 names=["a", "bc"]
    let f =
        b"\x18\x00\x00\x00\x6e\x01\x00\x01\x00\x00\x00\x02\x00\x00\x00\x02\x00\x01\x00a\x02\x00bc";
    assert_eq!(
        decode(f),
        Ok((
            1,
            Message::Twalk {
                fid: 1,
                newfid: 2,
                names: vec![b"a".to_vec(), b"bc".to_vec()]
            }
        ))
    );
    // Twrite tag=2 fid=3 offset=0x0102 count=3 "xyz"
    let f = b"\x1a\x00\x00\x00\x76\x02\x00\x03\x00\x00\x00\x02\x01\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00xyz";
    assert_eq!(
        decode(f),
        Ok((
            2,
            Message::Twrite {
                fid: 3,
                offset: 0x102,
                data: b"xyz".to_vec()
            }
        ))
    );
    // Tunlinkat tag=3 dirfid=4 name=[0xff] flags=AT_REMOVEDIR: names are bytes, not UTF-8.
    let f = b"\x12\x00\x00\x00\x4c\x03\x00\x04\x00\x00\x00\x01\x00\xff\x00\x02\x00\x00";
    assert_eq!(
        decode(f),
        Ok((
            3,
            Message::Tunlinkat {
                dirfid: 4,
                name: vec![0xff],
                flags: 0x200
            }
        ))
    );
    // Tfsync in both the old (fid only) and the Linux (fid, datasync) layout.
    let f = b"\x0b\x00\x00\x00\x32\x04\x00\x05\x00\x00\x00";
    assert_eq!(
        decode(f),
        Ok((
            4,
            Message::Tfsync {
                fid: 5,
                datasync: 0
            }
        ))
    );
    let f = b"\x0f\x00\x00\x00\x32\x04\x00\x05\x00\x00\x00\x01\x00\x00\x00";
    assert_eq!(
        decode(f),
        Ok((
            4,
            Message::Tfsync {
                fid: 5,
                datasync: 1
            }
        ))
    );
}

#[test]
fn decode_hand_written_replies() {
    // Rlerror tag=7 ENOENT
    let f = b"\x0b\x00\x00\x00\x07\x07\x00\x02\x00\x00\x00";
    assert_eq!(decode(f), Ok((7, Message::Rlerror { ecode: 2 })));
    // Rwalk tag=1 one qid {dir, version 1, path 0x0102030405060708}
    let f =
        b"\x16\x00\x00\x00\x6f\x01\x00\x01\x00\x80\x01\x00\x00\x00\x08\x07\x06\x05\x04\x03\x02\x01";
    let q = Qid {
        ty: QTDIR,
        version: 1,
        path: 0x0102_0304_0506_0708,
    };
    assert_eq!(decode(f), Ok((1, Message::Rwalk { qids: vec![q] })));
    // Rlopen tag=2 qid{file, 0, 9} iounit=0x1000
    let f = b"\x18\x00\x00\x00\x0d\x02\x00\x00\x00\x00\x00\x00\x09\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00";
    let q = Qid {
        ty: QTFILE,
        version: 0,
        path: 9,
    };
    assert_eq!(
        decode(f),
        Ok((
            2,
            Message::Rlopen {
                qid: q,
                iounit: 0x1000
            }
        ))
    );
    // Rreaddir tag=3 with one entry "ab" (qid{dir,0,1} offset=5 type=DT_DIR)
    let mut f = vec![0u8; 0];
    f.extend_from_slice(&(11u32 + 26).to_le_bytes());
    f.extend_from_slice(&[41, 3, 0]);
    f.extend_from_slice(&26u32.to_le_bytes());
    f.extend_from_slice(&[0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    f.extend_from_slice(&5u64.to_le_bytes());
    f.extend_from_slice(&[4, 2, 0, b'a', b'b']);
    let e = DirEntry {
        qid: Qid {
            ty: QTDIR,
            version: 0,
            path: 1,
        },
        offset: 5,
        ty: 4,
        name: b"ab".to_vec(),
    };
    assert_eq!(decode(&f), Ok((3, Message::Rreaddir { entries: vec![e] })));
    // Rclunk tag=4
    assert_eq!(
        decode(b"\x07\x00\x00\x00\x79\x04\x00"),
        Ok((4, Message::Rclunk))
    );
}

#[test]
fn encode_matches_hand_written_bytes() {
    let f = enc(
        NOTAG,
        &Message::Tversion {
            msize: 8192,
            version: VERSION.to_vec(),
        },
    );
    assert_eq!(
        f,
        b"\x15\x00\x00\x00\x64\xff\xff\x00\x20\x00\x00\x08\x009P2000.L"
    );
    let f = enc(7, &Message::Rlerror { ecode: 2 });
    assert_eq!(f, b"\x0b\x00\x00\x00\x07\x07\x00\x02\x00\x00\x00");
    let f = enc(
        5,
        &Message::Tgetattr {
            fid: 1,
            request_mask: P9_GETATTR_ALL,
        },
    );
    assert_eq!(
        f,
        b"\x13\x00\x00\x00\x18\x05\x00\x01\x00\x00\x00\xff\x3f\x00\x00\x00\x00\x00\x00"
    );
    let f = enc(6, &Message::Tflush { oldtag: 0x0102 });
    assert_eq!(f, b"\x09\x00\x00\x00\x6c\x06\x00\x02\x01");
    // A full Rgetattr is 160 bytes, as Linux expects.
    assert_eq!(enc(1, &Message::Rgetattr(Attr::default())).len(), 160);
    // Tsetattr is 67 bytes.
    assert_eq!(
        enc(
            1,
            &Message::Tsetattr {
                fid: 0,
                attr: SetAttr::default()
            }
        )
        .len(),
        67
    );
    // Rstatfs is 67 bytes.
    assert_eq!(enc(1, &Message::Rstatfs(StatFs::default())).len(), 67);
}

#[test]
fn decode_rejects_malformed_frames() {
    let good = enc(1, &Message::Tclunk { fid: 2 });
    assert_eq!(decode(&[]), Err(DecodeError::Truncated));
    assert_eq!(decode(&good[..6]), Err(DecodeError::Truncated));
    // Size field disagrees with the frame.
    assert!(matches!(
        decode(&good[..10]),
        Err(DecodeError::SizeMismatch { .. })
    ));
    let mut long = good.clone();
    long.push(0);
    assert!(matches!(
        decode(&long),
        Err(DecodeError::SizeMismatch { .. })
    ));
    // Trailing bytes inside a consistent size.
    let mut trailing = good.clone();
    trailing.push(0);
    trailing[0] += 1;
    assert_eq!(decode(&trailing), Err(DecodeError::TrailingBytes(1)));
    // Body too short for its fields.
    let mut short = good[..9].to_vec();
    short[0] = 9;
    assert_eq!(decode(&short), Err(DecodeError::Truncated));
    // Unknown types: Tlerror (6), Tauth (102), Tmknod (18), 0, 255.
    for ty in [6u8, 18, 102, 0, 255] {
        let mut f = good.clone();
        f[4] = ty;
        assert_eq!(decode(&f), Err(DecodeError::UnknownType(ty)));
    }
    // A string length past the end.
    let mut f = enc(1, &Message::Treadlink { fid: 0 });
    f[4] = 23; // Rreadlink: len[2] + bytes, here len = 0 and 2 bytes left over
    f.truncate(9);
    f[0] = 9;
    f[7] = 0xff;
    f[8] = 0xff;
    assert_eq!(decode(&f), Err(DecodeError::Truncated));
    // A data count larger than the frame.
    let mut f = enc(
        1,
        &Message::Rread {
            data: b"abc".to_vec(),
        },
    );
    f[7..11].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(decode(&f), Err(DecodeError::Truncated));
    // Seventeen walk elements.
    let mut f = enc(
        1,
        &Message::Twalk {
            fid: 1,
            newfid: 2,
            names: vec![vec![]; 16],
        },
    );
    f.extend_from_slice(&[0, 0]);
    let len = f.len() as u32;
    f[..4].copy_from_slice(&len.to_le_bytes());
    f[15..17].copy_from_slice(&17u16.to_le_bytes());
    assert_eq!(decode(&f), Err(DecodeError::TooManyWalkElements(17)));
    // An Rreaddir whose last entry is cut short inside the data.
    let mut f = enc(
        1,
        &Message::Rreaddir {
            entries: vec![DirEntry {
                qid: qid(1),
                offset: 1,
                ty: 4,
                name: b"abc".to_vec(),
            }],
        },
    );
    f.pop();
    let len = f.len() as u32;
    f[..4].copy_from_slice(&len.to_le_bytes());
    let count = u32::from_le_bytes(f[7..11].try_into().unwrap()) - 1;
    f[7..11].copy_from_slice(&count.to_le_bytes());
    assert_eq!(decode(&f), Err(DecodeError::Truncated));
}

#[test]
fn decode_header_reads_tag_of_bad_body() {
    let f = b"\x09\x00\x00\x00\xfe\x34\x12\x00\x00";
    assert_eq!(decode_header(f), Some((9, 0xfe, 0x1234)));
    assert_eq!(decode_header(&f[..6]), None);
}

/// xorshift64*: deterministic, no dependency, good enough to fuzz with.
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
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// Whatever decode accepts must be exactly what encode produces for the
/// result, so no field is silently dropped or invented.
fn check_no_panic(frame: &[u8]) -> bool {
    match decode(frame) {
        Ok((tag, msg)) => {
            let again = enc(tag, &msg);
            let short_fsync = matches!(msg, Message::Tfsync { .. }) && frame.len() == 11;
            assert!(
                short_fsync || again == frame,
                "{} re-encodes differently",
                msg.name()
            );
            true
        }
        Err(_) => false,
    }
}

#[test]
fn random_frames_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    let mut buf = Vec::new();
    for _ in 0..150_000 {
        buf.clear();
        let len = rng.below(48);
        buf.extend((0..len).map(|_| rng.byte()));
        // Half the time make the header plausible so the body parsers run.
        if len >= HEADER_LEN && rng.below(2) == 0 {
            buf[..4].copy_from_slice(&(len as u32).to_le_bytes());
        }
        if len >= HEADER_LEN && rng.below(2) == 0 {
            let types: [u8; 46] = [
                7, 8, 9, 12, 13, 14, 15, 16, 17, 22, 23, 24, 25, 26, 27, 30, 31, 32, 33, 40, 41,
                50, 51, 70, 71, 72, 73, 74, 75, 76, 77, 100, 101, 104, 105, 108, 109, 110, 111,
                116, 117, 118, 119, 120, 121, 18,
            ];
            buf[4] = types[rng.below(types.len())];
        }
        if check_no_panic(&buf) {
            accepted += 1;
        }
    }
    assert!(
        accepted > 100,
        "fuzzer too weak: {accepted} frames accepted"
    );
}

#[test]
fn mutated_frames_never_panic() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let frames: Vec<Vec<u8>> = samples().iter().map(|m| enc(9, m)).collect();
    let mut accepted = 0;
    let mut f = Vec::new();
    for i in 0..200_000 {
        f.clear();
        f.extend_from_slice(&frames[i % frames.len()]);
        for _ in 0..=rng.below(3) {
            match rng.below(6) {
                0 if !f.is_empty() => {
                    let at = rng.below(f.len());
                    f[at] = rng.byte();
                }
                1 if !f.is_empty() => {
                    let at = rng.below(f.len());
                    f[at] ^= 1 << rng.below(8);
                }
                2 => {
                    let at = rng.below(f.len() + 1);
                    f.truncate(at);
                }
                3 => {
                    for _ in 0..=rng.below(8) {
                        f.push(rng.byte());
                    }
                }
                4 if f.len() > HEADER_LEN + 4 => {
                    // Corrupt a count/length field near the start of the body.
                    let at = HEADER_LEN + rng.below(f.len() - HEADER_LEN - 3);
                    let v = [0u32, 1, 0xff, 0xffff, 0x1_0000, u32::MAX][rng.below(6)];
                    f[at..at + 4].copy_from_slice(&v.to_le_bytes());
                }
                _ => {}
            }
        }
        // Usually keep the size field honest so the body parsers are reached.
        if f.len() >= 4 && rng.below(4) != 0 {
            let len = f.len() as u32;
            f[..4].copy_from_slice(&len.to_le_bytes());
        }
        if check_no_panic(&f) {
            accepted += 1;
        }
    }
    assert!(
        accepted > 1000,
        "fuzzer too weak: {accepted} frames accepted"
    );
}
