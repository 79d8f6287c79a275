# A unix listening socket on a path in a temporary directory served to a
# child process, socketpairs of each type, SO_PEERCRED and poll readiness.
import os
import select
import socket
import stat
import struct
import tempfile
import threading

d = tempfile.mkdtemp()
path = os.path.join(d, "srv.sock")
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(5)
print("bound:", os.path.basename(srv.getsockname()), "is socket:", stat.S_ISSOCK(os.stat(path).st_mode))

p = select.poll()
p.register(srv, select.POLLIN)
print("listener ready before connect:", p.poll(0))

pid = os.fork()
if pid == 0:
    ok = True
    for i in range(3):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path)
        c.sendall(f"hello {i}\n".encode())
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = c.recv(100)
            if not chunk:
                break
            reply += chunk
        ok = ok and reply == f"HELLO {i}\n".encode()
        c.close()
    os._exit(0 if ok else 1)

for i in range(3):
    conn, addr = srv.accept()
    cred = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    peer_pid, uid, gid = struct.unpack("3i", cred)
    data = b""
    while not data.endswith(b"\n"):
        data += conn.recv(100)
    print(f"server got {data.decode().strip()!r} from {addr!r}, peer is the child: {peer_pid == pid}")
    conn.sendall(data.upper())
    conn.close()
_, status = os.waitpid(pid, 0)
print("client exit", os.waitstatus_to_exitcode(status))
srv.close()
os.unlink(path)

# A megabyte through a stream socketpair, written by a thread.
a, b = socket.socketpair()
payload = bytes(range(256)) * 4096
t = threading.Thread(target=lambda: (a.sendall(payload), a.shutdown(socket.SHUT_WR)))
t.start()
got = bytearray()
while True:
    chunk = b.recv(65536)
    if not chunk:
        break
    got += chunk
t.join()
print("stream pair:", len(got), "bytes, intact:", bytes(got) == payload)

for kind in ("SOCK_DGRAM", "SOCK_SEQPACKET"):
    a, b = socket.socketpair(socket.AF_UNIX, getattr(socket, kind))
    a.send(b"first")
    a.send(b"second message")
    print(kind, b.recv(100), b.recv(3), "type", b.type == getattr(socket, kind))

# An abstract-namespace datagram server.
name = b"\0rvisor-e2e-" + str(os.getpid()).encode()
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(name)
c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
c.sendto(b"to the abstract name", name)
msg, addr = s.recvfrom(100)
print("abstract:", msg, "from", repr(addr), "name ok:", s.getsockname() == name)
