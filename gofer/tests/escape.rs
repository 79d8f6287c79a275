//! A hostile client must not reach anything outside the served root.

mod common;

use std::fs;
use std::os::unix::fs::MetadataExt;

use common::{errno, Session, Tree};
use gofer::p9::{self, SetAttr};

const O_RDONLY: u32 = libc::O_RDONLY as u32;
const O_RDWR: u32 = libc::O_RDWR as u32;

#[test]
fn bad_names_are_refused() {
    let tree = Tree::sample("names");
    let s = Session::start(&tree, false);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();
    for name in [
        &b".."[..],
        b".",
        b"",
        b"a/b",
        b"dir/nested.txt",
        b"/",
        b"nul\0name",
    ] {
        assert_eq!(errno(c.walk(root, &[name])), libc::EINVAL, "walk {name:?}");
        assert_eq!(
            errno(c.mkdir(root, name, 0o755, 0)),
            libc::EINVAL,
            "mkdir {name:?}"
        );
        assert_eq!(
            errno(c.unlinkat(root, name, 0)),
            libc::EINVAL,
            "unlink {name:?}"
        );
        assert_eq!(
            errno(c.symlink(root, name, b"x", 0)),
            libc::EINVAL,
            "symlink {name:?}"
        );
        assert_eq!(
            errno(c.renameat(root, b"file.txt", root, name)),
            libc::EINVAL
        );
        assert_eq!(errno(c.renameat(root, name, root, b"x")), libc::EINVAL);
        let (file, _) = c.walk(root, &[b"file.txt"]).unwrap();
        assert_eq!(
            errno(c.link(root, file, name)),
            libc::EINVAL,
            "link {name:?}"
        );
        let (dir, _) = c.walk(root, &[]).unwrap();
        assert_eq!(errno(c.lcreate(dir, name, O_RDWR, 0o644, 0)), libc::EINVAL);
        c.clunk(dir).unwrap();
        c.clunk(file).unwrap();
    }
    // ".." after a good name is refused too (a partial walk, so ENOENT).
    assert_eq!(errno(c.walk(root, &[b"dir", b".."])), libc::ENOENT);
    assert_eq!(errno(c.walk(root, &[b"dir", b"..", b".."])), libc::ENOENT);
    // From a subdirectory, ".." is still refused.
    let (dir, _) = c.walk(root, &[b"dir"]).unwrap();
    assert_eq!(errno(c.walk(dir, &[b".."])), libc::EINVAL);
    assert_eq!(
        fs::read(tree.outside.join("secret.txt")).unwrap(),
        b"secret"
    );
    s.finish();
}

#[test]
fn symlinks_are_never_followed_by_walk() {
    let tree = Tree::sample("symwalk");
    let s = Session::start(&tree, true);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();
    for link in [
        &b"link_root"[..],
        b"link_up",
        b"link_upup",
        b"link_outdir",
        b"link_secret",
    ] {
        // Walking the name gives the link itself.
        let (fid, qids) = c.walk(root, &[link]).unwrap();
        assert_eq!(qids[0].ty, p9::QTSYMLINK, "{link:?}");
        let attr = c.getattr(fid).unwrap();
        assert_eq!(attr.mode & libc::S_IFMT, libc::S_IFLNK);
        let host =
            fs::symlink_metadata(tree.root.join(std::str::from_utf8(link).unwrap())).unwrap();
        assert_eq!(attr.qid.path, host.ino());
        // Walking below it fails, from the link's fid and in one walk.
        for below in [
            &b"etc"[..],
            b"secret.txt",
            b"root",
            b"outside",
            b"file.txt",
            b"tmp",
        ] {
            let e = errno(c.walk(fid, &[below]));
            assert!(
                e == libc::ENOTDIR || e == libc::ELOOP,
                "{link:?}/{below:?}: errno {e}"
            );
            assert!(c.walk(root, &[link, below]).is_err(), "{link:?}/{below:?}");
        }
        // Opening it does not open the target.
        let e = errno(c.lopen(fid, O_RDONLY));
        assert!(e == libc::ELOOP, "lopen {link:?}: errno {e}");
        c.clunk(fid).unwrap();
    }
    s.finish();
}

#[test]
fn mutations_through_symlinks_stay_inside() {
    let tree = Tree::sample("symmut");
    let secret = tree.outside.join("secret.txt");
    let before = fs::metadata(&secret).unwrap();
    let s = Session::start(&tree, false);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();

    let (link, _) = c.walk(root, &[b"link_secret"]).unwrap();
    // chmod of a symlink is not supported, and never reaches the target.
    let chmod = SetAttr {
        valid: p9::P9_SETATTR_MODE,
        mode: 0o777,
        ..SetAttr::default()
    };
    assert_eq!(errno(c.setattr(link, &chmod)), libc::EOPNOTSUPP);
    // Truncating a symlink is refused.
    let trunc = SetAttr {
        valid: p9::P9_SETATTR_SIZE,
        size: 0,
        ..SetAttr::default()
    };
    assert_eq!(errno(c.setattr(link, &trunc)), libc::EINVAL);
    // utimes applies to the link itself.
    let times = SetAttr {
        valid: p9::P9_SETATTR_MTIME | p9::P9_SETATTR_MTIME_SET,
        mtime_sec: 1_000_000_000,
        ..SetAttr::default()
    };
    c.setattr(link, &times).unwrap();
    assert_eq!(
        fs::symlink_metadata(tree.path("link_secret"))
            .unwrap()
            .mtime(),
        1_000_000_000
    );
    // chown applies to the link itself (to its current owner: tests may not be root).
    let host = fs::symlink_metadata(tree.path("link_secret")).unwrap();
    let chown = SetAttr {
        valid: p9::P9_SETATTR_UID | p9::P9_SETATTR_GID,
        uid: host.uid(),
        gid: host.gid(),
        ..SetAttr::default()
    };
    c.setattr(link, &chown).unwrap();
    // A hard link of a symlink links the symlink, not its target.
    c.link(root, link, b"hardlink_of_link").unwrap();
    let hl = fs::symlink_metadata(tree.path("hardlink_of_link")).unwrap();
    assert!(hl.file_type().is_symlink());

    // lcreate on a symlink's name neither follows it nor creates its target.
    symlink_in(&tree, "dangling", &tree.outside.join("created-by-gofer"));
    for name in [&b"dangling"[..], b"link_secret"] {
        let (dir, _) = c.walk(root, &[]).unwrap();
        let e = errno(c.lcreate(dir, name, O_RDWR | libc::O_TRUNC as u32, 0o666, 0));
        assert!(
            e == libc::ELOOP || e == libc::EEXIST,
            "lcreate {name:?}: errno {e}"
        );
        c.clunk(dir).unwrap();
    }
    assert!(!tree.outside.join("created-by-gofer").exists());

    // mkdir/symlink/unlink/rename of a symlink's name act on the link.
    assert_eq!(errno(c.mkdir(root, b"link_outdir", 0o755, 0)), libc::EEXIST);
    c.renameat(root, b"link_outdir", root, b"renamed_link")
        .unwrap();
    assert!(fs::symlink_metadata(tree.path("renamed_link"))
        .unwrap()
        .file_type()
        .is_symlink());
    c.unlinkat(root, b"renamed_link", 0).unwrap();
    assert!(tree.outside.exists());

    let after = fs::metadata(&secret).unwrap();
    assert_eq!(after.mode(), before.mode());
    assert_eq!(after.len(), before.len());
    assert_eq!(after.mtime(), before.mtime());
    assert_eq!(after.nlink(), 1);
    assert_eq!(fs::read(&secret).unwrap(), b"secret");
    s.finish();
}

fn symlink_in(tree: &Tree, name: &str, target: &std::path::Path) {
    std::os::unix::fs::symlink(target, tree.path(name)).unwrap();
}

#[test]
fn swapped_names_are_stale_not_followed() {
    let tree = Tree::sample("swap");
    let secret = tree.outside.join("secret.txt");
    let s = Session::start(&tree, false);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();
    let (file, _) = c.walk(root, &[b"file.txt"]).unwrap();
    // Behind the server's back, the name becomes a symlink to a file outside.
    fs::remove_file(tree.path("file.txt")).unwrap();
    std::os::unix::fs::symlink(&secret, tree.path("file.txt")).unwrap();
    let chmod = SetAttr {
        valid: p9::P9_SETATTR_MODE,
        mode: 0o777,
        ..SetAttr::default()
    };
    assert_eq!(errno(c.setattr(file, &chmod)), libc::ESTALE);
    let trunc = SetAttr {
        valid: p9::P9_SETATTR_SIZE,
        size: 0,
        ..SetAttr::default()
    };
    assert_eq!(errno(c.setattr(file, &trunc)), libc::ESTALE);
    let times = SetAttr {
        valid: p9::P9_SETATTR_MTIME,
        ..SetAttr::default()
    };
    assert_eq!(errno(c.setattr(file, &times)), libc::ESTALE);
    assert_eq!(errno(c.lopen(file, O_RDWR)), libc::ESTALE);
    assert_eq!(errno(c.link(root, file, b"hard")), libc::ESTALE);
    assert_eq!(fs::read(&secret).unwrap(), b"secret");
    assert_ne!(fs::metadata(&secret).unwrap().mode() & 0o777, 0o777);
    s.finish();
}

#[test]
fn fifos_never_block_the_server() {
    let tree = Tree::sample("dev");
    // A FIFO with no writer: opening it must not block the server.
    nix::unistd::mkfifo(
        &tree.path("fifo"),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .unwrap();
    let s = Session::start(&tree, false);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();
    // Writing to a FIFO without a reader fails instead of blocking.
    let (fifo_w, _) = c.walk(root, &[b"fifo"]).unwrap();
    assert_eq!(errno(c.lopen(fifo_w, libc::O_WRONLY as u32)), libc::ENXIO);
    let (fifo, _) = c.walk(root, &[b"fifo"]).unwrap();
    let opened = c.lopen(fifo, O_RDONLY).unwrap();
    assert!(opened.host_fd.is_none(), "only regular files are donated");
    let mut buf = [0u8; 8];
    assert_eq!(c.read(fifo, 0, &mut buf).unwrap(), 0);
    // With the read side open, the write side opens, and data flows (offsets ignored).
    c.lopen(fifo_w, libc::O_WRONLY as u32).unwrap();
    assert_eq!(c.write(fifo_w, 12345, b"piped").unwrap(), 5);
    assert_eq!(c.read(fifo, 0, &mut buf).unwrap(), 5);
    assert_eq!(&buf[..5], b"piped");
    // No data, but a writer: EAGAIN rather than a blocked server.
    assert_eq!(errno(c.read(fifo, 0, &mut buf)), libc::EAGAIN);
    let (dir, _) = c.walk(root, &[]).unwrap();
    assert_eq!(
        errno(c.lcreate(dir, b"fifo", O_RDWR, 0o644, 0)),
        libc::EPERM
    );
    s.finish();
}

#[test]
fn devices_and_sockets_are_not_opened() {
    let tree = Tree::sample("dev");
    let _listener = std::os::unix::net::UnixListener::bind(tree.path("sock")).unwrap();
    // Needs CAP_MKNOD; without it only the socket is checked.
    let have_dev = nix::sys::stat::mknod(
        &tree.path("null"),
        nix::sys::stat::SFlag::S_IFCHR,
        nix::sys::stat::Mode::from_bits_truncate(0o666),
        nix::sys::stat::makedev(1, 3),
    )
    .is_ok();
    let s = Session::start(&tree, false);
    let c = &s.client;
    let (root, _) = c.attach().unwrap();
    let mut names = vec![&b"sock"[..]];
    if have_dev {
        names.push(b"null");
    }
    for name in names {
        let (fid, _) = c.walk(root, &[name]).unwrap();
        assert_eq!(errno(c.lopen(fid, O_RDONLY)), libc::EPERM, "{name:?}");
        let (dir, _) = c.walk(root, &[]).unwrap();
        assert_eq!(
            errno(c.lcreate(dir, name, O_RDWR, 0o644, 0)),
            libc::EPERM,
            "{name:?}"
        );
    }
    s.finish();
}
