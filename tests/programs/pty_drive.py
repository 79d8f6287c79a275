"""Drives a program through a pseudo-terminal, as a person at a terminal
would: it opens a pty of the given window size, starts the program on its
slave as the controlling terminal of a new session, then for each step
sends the keys and waits until the given text has come back. Prints one
JSON object: the transcript (everything the program wrote to the
terminal, echoes included), the wait status, and whether the terminal's
settings after the program are the ones it had before.

Usage: pty_drive.py SPEC_JSON
SPEC: {"argv": [...], "rows": R, "cols": C,
       "steps": [{"pause": seconds, "winsize": [rows, cols], "send": "keys",
                  "expect": "text"}, ...]}
"""
import json
import os
import select
import signal
import struct
import sys
import termios
import fcntl
import time

TIMEOUT = 5.0


def main():
    spec = json.loads(sys.argv[1])
    m, s = os.openpty()
    fcntl.ioctl(m, termios.TIOCSWINSZ, struct.pack("HHHH", spec["rows"], spec["cols"], 0, 0))
    name = os.ttyname(s)
    before = termios.tcgetattr(s)
    pid = os.fork()
    if pid == 0:
        os.close(m)
        os.login_tty(s)
        os.execvp(spec["argv"][0], spec["argv"])
    os.close(s)
    out = bytearray()
    done = False

    def read_some(deadline):
        nonlocal done
        while not done:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([m], [], [], left)
            if not r:
                return False
            try:
                data = os.read(m, 65536)
            except OSError:
                data = b""
            if not data:
                done = True
                return True
            out.extend(data)
            return True
        return True

    ok = True
    for step in spec["steps"]:
        if step.get("pause"):
            time.sleep(step["pause"])
        start = len(out)
        if "winsize" in step:
            rows, cols = step["winsize"]
            fcntl.ioctl(m, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        if "send" in step:
            os.write(m, step["send"].encode())
        want = step.get("expect", "").encode()
        deadline = time.monotonic() + TIMEOUT
        while want and want not in out[start:]:
            if not read_some(deadline) or done:
                if want not in out[start:]:
                    ok = False
                break
        if not ok:
            break
    # The rest, until the program is gone and the terminal hung up.
    deadline = time.monotonic() + (TIMEOUT if ok else 1.0)
    while not done and read_some(deadline):
        pass
    if not done:
        # A stalled session: end it (its whole process group).
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    _, status = os.waitpid(pid, 0)
    fd = os.open(name, os.O_RDWR | os.O_NOCTTY)
    after = termios.tcgetattr(fd)
    os.close(fd)
    os.close(m)
    print(json.dumps({
        "transcript": out.decode("utf-8", "replace"),
        "status": status,
        "complete": ok,
        "termios_same": before == after,
    }))


main()
