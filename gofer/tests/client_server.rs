//! The client driving a real server over a socketpair: lookups, reads and,
//! in read-write mode, every mutation.

mod common;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};
use std::sync::Arc;

use common::{errno, Session, Tree};
use gofer::client::Client;
use gofer::p9::{self, SetAttr};

const O_RDONLY: u32 = libc::O_RDONLY as u32;
const O_WRONLY: u32 = libc::O_WRONLY as u32;
const O_RDWR: u32 = libc::O_RDWR as u32;

fn is_send_sync<T: Send + Sync>() {}

#[test]
fn client_is_send_and_sync() {
    is_send_sync::<Client>();
}

#[test]
fn connect_negotiates_msize() {
    let tree = Tree::empty("msize");
    let s = Session::start(&tree, true);
    assert_eq!(s.client.msize(), 1024 * 1024 + 4096);
    s.finish();
}

#[test]
fn walk_and_getattr_match_the_host() {
    let tree = Tree::sample("walk");
    let s = Session::start(&tree, true);
    let c = &s.client;
    let (root, root_qid) = c.attach().unwrap();
    assert_eq!(root_qid.ty, p9::QTDIR);
    assert_eq!(root_qid.path, fs::metadata(&tree.root).unwrap().ino());

    let (nested, qids) = c.walk(root, &[b"dir", b"nested.txt"]).unwrap();
    assert_eq!(qids.len(), 2);
    assert_eq!(qids[0].ty, p9::QTDIR);
    assert_eq!(qids[1].ty, p9::QTFILE);
    let host = fs::metadata(tree.path("dir/nested.txt")).unwrap();
    assert_eq!(qids[1].path, host.ino());
    let attr = c.getattr(nested).unwrap();
    assert_eq!(attr.valid & p9::P9_GETATTR_BASIC, p9::P9_GETATTR_BASIC);
    assert_eq!(attr.qid, qids[1]);
    assert_eq!(attr.mode, host.mode());
    assert_eq!(attr.size, 6);
    assert_eq!(attr.uid, host.uid());
    assert_eq!(attr.gid, host.gid());
    assert_eq!(attr.nlink, host.nlink());
    assert_eq!(attr.blocks, host.blocks());
    assert_eq!(attr.blksize, host.blksize());
    assert_eq!(attr.mtime_sec as i64, host.mtime());
    assert_eq!(attr.mtime_nsec as i64, host.mtime_nsec());
    assert_eq!(attr.atime_sec as i64, host.atime());
    assert_eq!(attr.ctime_sec as i64, host.ctime());

    // An empty walk clones.
    let (clone, qids) = c.walk(nested, &[]).unwrap();
    assert!(qids.is_empty());
    assert_ne!(clone, nested);
    assert_eq!(c.getattr(clone).unwrap().qid, attr.qid);

    // A missing name fails with the host's errno; a missing later name with ENOENT.
    assert_eq!(errno(c.walk(root, &[b"nope"])), libc::ENOENT);
    assert_eq!(errno(c.walk(root, &[b"dir", b"nope"])), libc::ENOENT);
    // Only the first name's failure is reported as is (9P's partial walk).
    assert_eq!(errno(c.walk(root, &[b"file.txt", b"x"])), libc::ENOENT);
    assert_eq!(errno(c.walk(nested, &[b"x"])), libc::ENOTDIR);

    // Unknown fids.
    assert_eq!(errno(c.getattr(9999)), libc::EBADF);
    assert_eq!(errno(c.walk(9999, &[b"dir"])), libc::EBADF);

    let st = c.statfs(root).unwrap();
    assert!(st.bsize > 0);
    assert!(st.namelen > 0);

    for fid in [root, nested, clone] {
        c.clunk(fid).unwrap();
    }
    assert_eq!(errno(c.clunk(root)), libc::EBADF);
    s.finish();
}

#[test]
fn walk_of_more_than_sixteen_names() {
    let tree = Tree::empty("deep");
    let mut path = tree.root.clone();
    let names: Vec<String> = (0..20).map(|i| format!("d{i}")).collect();
    for n in &names {
        path.push(n);
    }
    fs::create_dir_all(&path).unwrap();
    fs::write(path.join("leaf"), b"x").unwrap();
    let s = Session::start(&tree, true);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();
    let mut walk: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
    walk.push(b"leaf");
    let (leaf, qids) = c.walk(root, &walk).unwrap();
    assert_eq!(qids.len(), 21);
    assert_eq!(c.getattr(leaf).unwrap().size, 1);
    // Failing in the second batch leaves no fid behind and reports ENOENT.
    walk[19] = b"missing";
    assert_eq!(errno(c.walk(root, &walk)), libc::ENOENT);
    s.finish();
}

/// Reads a whole directory through `readdir`, `count` bytes at a time.
fn read_dir_all(c: &Client, dir: u32, count: u32) -> BTreeMap<Vec<u8>, (u8, u8)> {
    let mut out = BTreeMap::new();
    let mut offset = 0;
    let mut calls = 0;
    loop {
        let entries = c.readdir(dir, offset, count).unwrap();
        calls += 1;
        assert!(calls < 1000, "readdir does not make progress");
        let Some(last) = entries.last() else { break };
        offset = last.offset;
        for e in entries {
            assert!(
                out.insert(e.name.clone(), (e.ty, e.qid.ty)).is_none(),
                "{:?} twice",
                e.name
            );
        }
    }
    out
}

#[test]
fn readdir_lists_names_and_types_and_resumes() {
    let tree = Tree::sample("readdir");
    for i in 0..50 {
        fs::write(tree.path(&format!("dir/many-{i:02}")), b"").unwrap();
    }
    let s = Session::start(&tree, true);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();
    let (dir, _) = c.walk(root, &[]).unwrap();
    let opened = c.lopen(dir, O_RDONLY).unwrap();
    assert_eq!(opened.qid.ty, p9::QTDIR);
    assert!(opened.host_fd.is_none(), "directories are not donated");

    let entries = read_dir_all(c, dir, 8192);
    let expect = [
        (&b"."[..], libc::DT_DIR, p9::QTDIR),
        (b"..", libc::DT_DIR, p9::QTDIR),
        (b"file.txt", libc::DT_REG, p9::QTFILE),
        (b"dir", libc::DT_DIR, p9::QTDIR),
        (b"empty", libc::DT_DIR, p9::QTDIR),
        (b"link_to_file", libc::DT_LNK, p9::QTSYMLINK),
        (b"link_root", libc::DT_LNK, p9::QTSYMLINK),
        (b"link_up", libc::DT_LNK, p9::QTSYMLINK),
        (b"link_upup", libc::DT_LNK, p9::QTSYMLINK),
        (b"link_secret", libc::DT_LNK, p9::QTSYMLINK),
        (b"link_outdir", libc::DT_LNK, p9::QTSYMLINK),
    ];
    let expect: BTreeMap<Vec<u8>, (u8, u8)> = expect
        .iter()
        .map(|(n, dt, qt)| (n.to_vec(), (*dt, *qt)))
        .collect();
    assert_eq!(entries, expect);

    // A big directory read a few entries at a time still lists each name once.
    let (sub, _) = c.walk(root, &[b"dir"]).unwrap();
    c.lopen(sub, O_RDONLY).unwrap();
    let small = read_dir_all(c, sub, 100);
    assert_eq!(small.len(), 2 + 2 + 50);
    assert_eq!(small, read_dir_all(c, sub, 64 * 1024));

    // readdir needs an open directory.
    let (closed, _) = c.walk(root, &[b"empty"]).unwrap();
    assert_eq!(errno(c.readdir(closed, 0, 4096)), libc::EBADF);
    s.finish();
}

#[test]
fn lopen_donates_regular_files_and_tread_works_too() {
    let tree = Tree::sample("read");
    let big: Vec<u8> = (0..3 * 1024 * 1024 + 123)
        .map(|i: u32| (i % 251) as u8)
        .collect();
    fs::write(tree.path("big"), &big).unwrap();
    let s = Session::start(&tree, true);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();

    let (file, _) = c.walk(root, &[b"file.txt"]).unwrap();
    let opened = c.lopen(file, O_RDONLY).unwrap();
    assert_eq!(opened.qid.ty, p9::QTFILE);
    assert!(opened.iounit > 0);
    let host = File::from(opened.host_fd.expect("regular file fd is donated"));
    let mut buf = [0u8; 64];
    let n = host.read_at(&mut buf, 0).unwrap();
    assert_eq!(&buf[..n], b"hello, gofer\n");
    // The same through Tread, including a read past EOF.
    let n = c.read(file, 0, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"hello, gofer\n");
    let n = c.read(file, 7, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"gofer\n");
    assert_eq!(c.read(file, 1000, &mut buf).unwrap(), 0);
    // Opening twice is refused; reading needs an open fid.
    assert_eq!(errno(c.lopen(file, O_RDONLY)), libc::EINVAL);
    let (unopened, _) = c.walk(root, &[b"file.txt"]).unwrap();
    assert_eq!(errno(c.read(unopened, 0, &mut buf)), libc::EBADF);

    // Larger than msize: split into several Treads.
    let (bigfid, _) = c.walk(root, &[b"big"]).unwrap();
    let opened = c.lopen(bigfid, O_RDONLY).unwrap();
    let mut got = vec![0u8; big.len() + 10];
    assert_eq!(c.read(bigfid, 0, &mut got).unwrap(), big.len());
    assert_eq!(&got[..big.len()], &big[..]);
    let host = File::from(opened.host_fd.unwrap());
    let mut tail = vec![0u8; 1000];
    host.read_at(&mut tail, big.len() as u64 - 1000).unwrap();
    assert_eq!(&tail[..], &big[big.len() - 1000..]);
    s.finish();
}

#[test]
fn concurrent_readers_share_one_client() {
    let tree = Tree::sample("threads");
    let s = Session::start(&tree, true);
    let client = Arc::new(s.client);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let c = client.clone();
            std::thread::spawn(move || {
                let (root, _) = c.attach().unwrap();
                for _ in 0..200 {
                    let (f, _) = c.walk(root, &[b"dir", b"nested.txt"]).unwrap();
                    c.lopen(f, O_RDONLY).unwrap();
                    let mut buf = [0u8; 16];
                    let n = c.read(f, 0, &mut buf).unwrap();
                    assert_eq!(&buf[..n], b"nested");
                    c.clunk(f).unwrap();
                }
                c.clunk(root).unwrap();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let s = Session {
        client: Arc::into_inner(client).unwrap(),
        ..s
    };
    s.finish();
}

#[test]
fn readlink_returns_the_target() {
    let tree = Tree::sample("readlink");
    let s = Session::start(&tree, true);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();
    let (link, qids) = c.walk(root, &[b"link_to_file"]).unwrap();
    assert_eq!(qids[0].ty, p9::QTSYMLINK);
    assert_eq!(c.getattr(link).unwrap().mode & libc::S_IFMT, libc::S_IFLNK);
    assert_eq!(c.readlink(link).unwrap(), b"file.txt");
    let (link, _) = c.walk(root, &[b"link_upup"]).unwrap();
    assert_eq!(c.readlink(link).unwrap(), b"../..");
    let (file, _) = c.walk(root, &[b"file.txt"]).unwrap();
    assert_eq!(errno(c.readlink(file)), libc::EINVAL);
    s.finish();
}

#[test]
fn read_only_refuses_every_mutation() {
    let tree = Tree::sample("ro");
    let s = Session::start(&tree, true);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();
    let (dir, _) = c.walk(root, &[]).unwrap();
    let (file, _) = c.walk(root, &[b"file.txt"]).unwrap();
    let erofs = libc::EROFS;

    assert_eq!(errno(c.lcreate(dir, b"new", O_RDWR, 0o644, 0)), erofs);
    assert_eq!(errno(c.mkdir(dir, b"newdir", 0o755, 0)), erofs);
    assert_eq!(errno(c.symlink(dir, b"sl", b"file.txt", 0)), erofs);
    assert_eq!(errno(c.link(dir, file, b"hard")), erofs);
    assert_eq!(errno(c.unlinkat(dir, b"file.txt", 0)), erofs);
    assert_eq!(errno(c.renameat(dir, b"file.txt", dir, b"moved")), erofs);
    let chmod = SetAttr {
        valid: p9::P9_SETATTR_MODE,
        mode: 0o600,
        ..SetAttr::default()
    };
    assert_eq!(errno(c.setattr(file, &chmod)), erofs);
    let trunc = SetAttr {
        valid: p9::P9_SETATTR_SIZE,
        size: 0,
        ..SetAttr::default()
    };
    assert_eq!(errno(c.setattr(file, &trunc)), erofs);
    assert_eq!(errno(c.lopen(file, O_WRONLY)), erofs);
    assert_eq!(errno(c.lopen(file, O_RDWR)), erofs);
    assert_eq!(errno(c.lopen(file, O_RDONLY | libc::O_TRUNC as u32)), erofs);
    c.lopen(file, O_RDONLY).unwrap();
    assert_eq!(errno(c.write(file, 0, b"x")), erofs);

    assert_eq!(fs::read(tree.path("file.txt")).unwrap(), b"hello, gofer\n");
    let mode = fs::metadata(tree.path("file.txt")).unwrap().mode();
    assert_ne!(mode & 0o777, 0o600);
    let names: Vec<_> = fs::read_dir(&tree.root)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 9);
    s.finish();
}

#[test]
fn read_write_mutations_reach_the_host() {
    let tree = Tree::sample("rw");
    let s = Session::start(&tree, false);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();

    // lcreate: the fid becomes the new open file, and its fd is donated.
    let (newfile, _) = c.walk(root, &[]).unwrap();
    let opened = c
        .lcreate(
            newfile,
            b"new.txt",
            O_RDWR | libc::O_EXCL as u32,
            0o640,
            u32::MAX,
        )
        .unwrap();
    assert_eq!(opened.qid.ty, p9::QTFILE);
    assert_eq!(
        opened.qid.path,
        fs::metadata(tree.path("new.txt")).unwrap().ino()
    );
    assert_eq!(
        c.getattr(newfile).unwrap().mode & libc::S_IFMT,
        libc::S_IFREG
    );
    assert_eq!(
        fs::metadata(tree.path("new.txt")).unwrap().mode() & 0o777,
        0o640
    );
    assert_eq!(c.write(newfile, 0, b"via twrite").unwrap(), 10);
    let host = File::from(opened.host_fd.expect("created file fd is donated"));
    host.write_at(b" and fd", 10).unwrap();
    c.fsync(newfile).unwrap();
    assert_eq!(
        fs::read(tree.path("new.txt")).unwrap(),
        b"via twrite and fd"
    );
    let mut buf = [0u8; 32];
    let n = c.read(newfile, 4, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"twrite and fd");
    // A big write is split into several Twrites.
    let big = vec![7u8; 2 * 1024 * 1024 + 5];
    assert_eq!(c.write(newfile, 0, &big).unwrap(), big.len());
    assert_eq!(fs::read(tree.path("new.txt")).unwrap(), big);

    let (dir, _) = c.walk(root, &[]).unwrap();
    assert_eq!(
        errno(c.lcreate(dir, b"file.txt", O_RDWR | libc::O_EXCL as u32, 0o644, 0)),
        libc::EEXIST
    );
    // Without O_EXCL an existing file is opened (and O_TRUNC honoured).
    let (again, _) = c.walk(root, &[]).unwrap();
    c.lcreate(
        again,
        b"file.txt",
        O_RDWR | libc::O_TRUNC as u32,
        0o644,
        u32::MAX,
    )
    .unwrap();
    assert_eq!(fs::read(tree.path("file.txt")).unwrap(), b"");
    c.clunk(again).unwrap();

    // lopen for writing, with O_TRUNC.
    let (nested, _) = c.walk(root, &[b"dir", b"nested.txt"]).unwrap();
    let opened = c.lopen(nested, O_WRONLY | libc::O_TRUNC as u32).unwrap();
    assert!(opened.host_fd.is_some());
    assert_eq!(fs::read(tree.path("dir/nested.txt")).unwrap(), b"");
    c.write(nested, 0, b"rewritten").unwrap();
    assert_eq!(fs::read(tree.path("dir/nested.txt")).unwrap(), b"rewritten");

    // mkdir, symlink, link.
    let qid = c.mkdir(dir, b"newdir", 0o710, u32::MAX).unwrap();
    assert_eq!(qid.ty, p9::QTDIR);
    let meta = fs::metadata(tree.path("newdir")).unwrap();
    assert!(meta.is_dir());
    assert_eq!(meta.mode() & 0o777, 0o710);
    assert_eq!(qid.path, meta.ino());
    let qid = c.symlink(dir, b"sl", b"some/target", u32::MAX).unwrap();
    assert_eq!(qid.ty, p9::QTSYMLINK);
    assert_eq!(
        fs::read_link(tree.path("sl")).unwrap().as_os_str(),
        "some/target"
    );
    let (target, _) = c.walk(root, &[b"new.txt"]).unwrap();
    c.link(dir, target, b"hard").unwrap();
    let a = fs::metadata(tree.path("new.txt")).unwrap();
    let b = fs::metadata(tree.path("hard")).unwrap();
    assert_eq!(a.ino(), b.ino());
    assert_eq!(a.nlink(), 2);
    assert_eq!(errno(c.mkdir(dir, b"newdir", 0o755, 0)), libc::EEXIST);

    // renameat; a fid of the renamed file keeps working by its new name.
    c.renameat(dir, b"new.txt", dir, b"renamed.txt").unwrap();
    assert!(!tree.path("new.txt").exists());
    assert!(tree.path("renamed.txt").exists());
    let chmod = SetAttr {
        valid: p9::P9_SETATTR_MODE,
        mode: 0o600,
        ..SetAttr::default()
    };
    c.setattr(target, &chmod).unwrap();
    assert_eq!(
        fs::metadata(tree.path("renamed.txt")).unwrap().mode() & 0o7777,
        0o600
    );
    let (subdir, _) = c.walk(root, &[b"dir"]).unwrap();
    c.renameat(dir, b"renamed.txt", subdir, b"moved.txt")
        .unwrap();
    c.setattr(
        target,
        &SetAttr {
            mode: 0o644,
            ..chmod
        },
    )
    .unwrap();
    assert_eq!(
        fs::metadata(tree.path("dir/moved.txt")).unwrap().mode() & 0o7777,
        0o644
    );

    // setattr: chmod of a directory and of the root, truncate, utimes.
    let (newdir, _) = c.walk(root, &[b"newdir"]).unwrap();
    c.setattr(
        newdir,
        &SetAttr {
            mode: 0o755,
            ..chmod
        },
    )
    .unwrap();
    assert_eq!(
        fs::metadata(tree.path("newdir")).unwrap().mode() & 0o7777,
        0o755
    );
    let root_mode = fs::metadata(&tree.root).unwrap().mode() & 0o7777;
    c.setattr(
        root,
        &SetAttr {
            mode: 0o750,
            ..chmod
        },
    )
    .unwrap();
    assert_eq!(fs::metadata(&tree.root).unwrap().mode() & 0o7777, 0o750);
    fs::set_permissions(&tree.root, fs::Permissions::from_mode(root_mode)).unwrap();
    let trunc = SetAttr {
        valid: p9::P9_SETATTR_SIZE,
        size: 3,
        ..SetAttr::default()
    };
    c.setattr(target, &trunc).unwrap();
    assert_eq!(fs::read(tree.path("dir/moved.txt")).unwrap(), [7, 7, 7]);
    c.setattr(target, &SetAttr { size: 10, ..trunc }).unwrap();
    assert_eq!(fs::metadata(tree.path("dir/moved.txt")).unwrap().len(), 10);
    assert_eq!(errno(c.setattr(subdir, &trunc)), libc::EISDIR);
    let times = SetAttr {
        valid: p9::P9_SETATTR_ATIME
            | p9::P9_SETATTR_ATIME_SET
            | p9::P9_SETATTR_MTIME
            | p9::P9_SETATTR_MTIME_SET,
        atime_sec: 1_000_000_000,
        atime_nsec: 5,
        mtime_sec: 1_200_000_000,
        mtime_nsec: 7,
        ..SetAttr::default()
    };
    c.setattr(target, &times).unwrap();
    let meta = fs::metadata(tree.path("dir/moved.txt")).unwrap();
    assert_eq!((meta.atime(), meta.atime_nsec()), (1_000_000_000, 5));
    assert_eq!((meta.mtime(), meta.mtime_nsec()), (1_200_000_000, 7));
    let attr = c.getattr(target).unwrap();
    assert_eq!((attr.mtime_sec, attr.mtime_nsec), (1_200_000_000, 7));
    // MTIME without MTIME_SET means now; atime is left alone.
    c.setattr(
        target,
        &SetAttr {
            valid: p9::P9_SETATTR_MTIME,
            ..SetAttr::default()
        },
    )
    .unwrap();
    let meta = fs::metadata(tree.path("dir/moved.txt")).unwrap();
    assert!(meta.mtime() > 1_600_000_000);
    assert_eq!(meta.atime(), 1_000_000_000);
    // utimes of the root.
    c.setattr(root, &times).unwrap();
    assert_eq!(fs::metadata(&tree.root).unwrap().mtime(), 1_200_000_000);
    // chown to the owner it already has works (the tests may not run as root).
    let meta = fs::metadata(tree.path("dir/moved.txt")).unwrap();
    let chown = SetAttr {
        valid: p9::P9_SETATTR_UID | p9::P9_SETATTR_GID,
        uid: meta.uid(),
        gid: meta.gid(),
        ..SetAttr::default()
    };
    c.setattr(target, &chown).unwrap();

    // unlinkat of a file and of a directory.
    c.unlinkat(dir, b"hard", 0).unwrap();
    assert!(!tree.path("hard").exists());
    assert_eq!(errno(c.unlinkat(dir, b"newdir", 0)), libc::EISDIR);
    c.unlinkat(dir, b"newdir", libc::AT_REMOVEDIR as u32)
        .unwrap();
    assert!(!tree.path("newdir").exists());
    assert_eq!(
        errno(c.unlinkat(dir, b"dir", libc::AT_REMOVEDIR as u32)),
        libc::ENOTEMPTY
    );
    assert_eq!(errno(c.unlinkat(dir, b"file.txt", 0x1234)), libc::EINVAL);
    // A fid whose file was unlinked is stale rather than acting on a new file by that name.
    c.unlinkat(subdir, b"moved.txt", 0).unwrap();
    fs::write(tree.path("dir/moved.txt"), b"impostor").unwrap();
    assert_eq!(errno(c.setattr(target, &chmod)), libc::ESTALE);
    assert_ne!(
        fs::metadata(tree.path("dir/moved.txt")).unwrap().mode() & 0o7777,
        0o600
    );
    s.finish();
}

#[test]
fn fids_are_reused_after_clunk() {
    let tree = Tree::empty("fids");
    let s = Session::start(&tree, true);
    let c = &s.client;
    let (a, _) = c.attach().unwrap();
    let (b, _) = c.walk(a, &[]).unwrap();
    c.clunk(b).unwrap();
    let (b2, _) = c.walk(a, &[]).unwrap();
    assert_eq!(b, b2);
    // A failed walk gives its fid back too.
    assert!(c.walk(a, &[b"missing"]).is_err());
    let (b3, _) = c.walk(a, &[]).unwrap();
    assert_ne!(b3, b2);
    assert!(b3 <= 3);
    s.finish();
}

#[test]
fn xattrs_round_trip_to_the_host() {
    let tree = Tree::sample("xattr");
    let s = Session::start(&tree, false);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();
    let (file, _) = c.walk(root, &[b"file.txt"]).unwrap();
    let (dir, _) = c.walk(root, &[b"dir"]).unwrap();
    let (link, _) = c.walk(root, &[b"link_to_file"]).unwrap();

    c.setxattr(file, b"user.a", b"alpha", 0).unwrap();
    c.setxattr(dir, b"user.d", b"", 0).unwrap();
    let mut buf = [0u8; 16];
    let n = rustix::fs::getxattr(tree.path("file.txt"), "user.a", &mut buf[..]).unwrap();
    assert_eq!(&buf[..n], b"alpha");
    assert_eq!(c.getxattr(file, b"user.a").unwrap(), b"alpha");
    assert_eq!(c.getxattr(dir, b"user.d").unwrap(), b"");
    assert_eq!(c.getxattr(file, b"").unwrap(), b"user.a\0");

    // Flags, missing names, removal.
    assert_eq!(
        errno(c.setxattr(file, b"user.a", b"x", p9::XATTR_CREATE)),
        libc::EEXIST
    );
    assert_eq!(
        errno(c.setxattr(file, b"user.b", b"x", p9::XATTR_REPLACE)),
        libc::ENODATA
    );
    assert_eq!(errno(c.getxattr(file, b"user.b")), libc::ENODATA);
    c.removexattr(file, b"user.a").unwrap();
    assert_eq!(errno(c.removexattr(file, b"user.a")), libc::ENODATA);
    assert_eq!(c.getxattr(file, b"").unwrap(), b"");

    // Only user.*, and not on symlinks.
    assert_eq!(
        errno(c.setxattr(file, b"trusted.t", b"x", 0)),
        libc::EOPNOTSUPP
    );
    assert_eq!(errno(c.getxattr(file, b"security.s")), libc::EOPNOTSUPP);
    assert_eq!(errno(c.getxattr(link, b"user.a")), libc::ENODATA);
    assert_eq!(errno(c.setxattr(link, b"user.a", b"x", 0)), libc::EPERM);
    assert_eq!(c.getxattr(link, b"").unwrap(), b"");

    // A value of a few kilobytes (ext4 keeps at most a block per inode).
    let big = vec![7u8; 3000];
    c.setxattr(file, b"user.big", &big, 0).unwrap();
    assert_eq!(c.getxattr(file, b"user.big").unwrap(), big);
    s.finish();
}

#[test]
fn xattrcreate_is_refused_read_only() {
    let tree = Tree::sample("xattr-ro");
    rustix::fs::setxattr(
        tree.path("file.txt"),
        "user.k",
        b"v",
        rustix::fs::XattrFlags::empty(),
    )
    .unwrap();
    let s = Session::start(&tree, true);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();
    let (file, _) = c.walk(root, &[b"file.txt"]).unwrap();
    assert_eq!(c.getxattr(file, b"user.k").unwrap(), b"v");
    assert_eq!(errno(c.setxattr(file, b"user.k", b"w", 0)), libc::EROFS);
    assert_eq!(errno(c.removexattr(file, b"user.k")), libc::EROFS);
    s.finish();
}
