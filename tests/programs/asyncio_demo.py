"""An event loop's day: a pipe reader, timers, a subprocess, and streams
over asyncio's own socketpair. Prints the same lines natively and in the
sandbox."""

import asyncio
import os
import socket


async def pipe_round_trip(loop):
    r, w = os.pipe()
    got = loop.create_future()

    def on_readable():
        loop.remove_reader(r)
        got.set_result(os.read(r, 100))

    loop.add_reader(r, on_readable)
    loop.call_later(0.05, os.write, w, b"ping")
    data = await asyncio.wait_for(got, 5)
    os.close(r)
    os.close(w)
    return data.decode()


async def timers(loop):
    order = []
    for delay, name in [(0.06, "c"), (0.02, "a"), (0.04, "b")]:
        loop.call_later(delay, order.append, name)
    t0 = loop.time()
    await asyncio.sleep(0.1)
    return "".join(order), loop.time() - t0 >= 0.09


async def child():
    p = await asyncio.create_subprocess_exec(
        "/bin/sh", "-c", "read x; echo got $x; exit 3",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    out, _ = await p.communicate(b"hello\n")
    return out.decode().strip(), p.returncode


async def streams():
    a, b = socket.socketpair()
    ra, wa = await asyncio.open_connection(sock=a)
    rb, wb = await asyncio.open_connection(sock=b)
    wa.write(b"line one\nline two\n")
    await wa.drain()
    lines = [await rb.readline(), await rb.readline()]
    wb.write(b"reply\n")
    await wb.drain()
    reply = await ra.readline()
    for w in (wa, wb):
        w.close()
        await w.wait_closed()
    return [x.decode().strip() for x in lines + [reply]]


async def timeout():
    try:
        await asyncio.wait_for(asyncio.sleep(10), 0.05)
    except asyncio.TimeoutError:
        return "timed out"
    return "no timeout"


async def main():
    loop = asyncio.get_running_loop()
    print("pipe:", await pipe_round_trip(loop))
    print("timers:", *await timers(loop))
    print("child:", *await child())
    print("streams:", *await streams())
    print("wait_for:", await timeout())
    results = await asyncio.gather(*(asyncio.sleep(0.01, result=i) for i in range(50)))
    print("gather:", sum(results))


asyncio.run(main())
