# Passes an open file between two processes over a unix socket with
# SCM_RIGHTS (socket.send_fds / recv_fds): the receiver reads through the
# same open file description, so the two share its offset.
import os
import socket
import tempfile

d = tempfile.mkdtemp()
path = os.path.join(d, "data.txt")
with open(path, "wb") as f:
    f.write(b"line one\nline two\nline three\n")

parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
pid = os.fork()
if pid == 0:
    parent.close()
    msg, fds, flags, addr = socket.recv_fds(child, 100, 4)
    out = [f"child got {msg.decode()!r} with {len(fds)} fd(s), flags {flags}"]
    out.append(f"child reads {os.read(fds[0], 9)!r}")
    os.close(fds[0])
    child.sendall("\n".join(out).encode() + b"\n")
    child.close()
    os._exit(0)

child.close()
fd = os.open(path, os.O_RDONLY)
print("parent reads", os.read(fd, 9))
socket.send_fds(parent, [b"the file"], [fd])
got = b""
while True:
    chunk = parent.recv(4096)
    if not chunk:
        break
    got += chunk
print(got.decode(), end="")
print("parent then reads", os.read(fd, 100))
_, status = os.waitpid(pid, 0)
print("child exit", os.waitstatus_to_exitcode(status))

# A file descriptor passed twice in one message, and a pipe end.
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
r, w = os.pipe()
socket.send_fds(a, [b"pipe"], [w, w])
os.close(w)
msg, fds, flags, _ = socket.recv_fds(b, 10, 8)
print("dgram got", msg, len(fds), "fds")
os.write(fds[0], b"through the pipe")
for f in fds:
    os.close(f)
print("pipe says", os.read(r, 100), "then", os.read(r, 100))

# A short control buffer truncates: one of two descriptors arrives.
socket.send_fds(a, [b"two"], [r, r])
msg, fds, flags, _ = socket.recv_fds(b, 10, 1)
print("truncated:", len(fds), "fd(s), MSG_CTRUNC set:", bool(flags & socket.MSG_CTRUNC))

# multiprocessing's own descriptor passing (reduction.sendfds / recvfds).
from multiprocessing import reduction

s1, s2 = socket.socketpair()
r, w = os.pipe()
reduction.sendfds(s1, [w])
os.close(w)
(fd,) = reduction.recvfds(s2, 1)
os.write(fd, b"via multiprocessing.reduction")
os.close(fd)
print("reduction:", os.read(r, 100))
