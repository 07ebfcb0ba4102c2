#!/usr/bin/env python3
"""A slow HTTP/1.1 endpoint for the in-flight benchmark (python3 standard library only).

    slow_server.py [DELAY_SECONDS] [--port PORT] [--port-file PATH]

Listens on 127.0.0.1 (PORT, or a free port when 0 or absent) and answers every request, keep-alive,
with `200 OK`, `Content-Length: 5` and the body "hello" after DELAY_SECONDS (default 5). Writes the
port to PATH when given, else prints it on stdout. Built to hold 10,000+ connections at once: it
raises its own RLIMIT_NOFILE to the hard limit and listens with a large backlog (the kernel caps it
at net.core.somaxconn).
"""
import argparse
import asyncio
import os
import resource
import signal
import socket
import sys

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello"
MAX_HEAD = 64 * 1024


def raise_nofile():
    """Soft limit to 1 Mi descriptors when allowed (root with CAP_SYS_RESOURCE), else to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for limits in ((1 << 20, max(1 << 20, hard)), (hard, hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, limits)
            return
        except (ValueError, OSError):
            continue


def content_length(head):
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return int(value.strip())
            except ValueError:
                return -1
    return 0


class SlowProtocol(asyncio.Protocol):
    """One connection: requests are answered in order, each DELAY seconds after it arrived."""

    delay = 5.0
    open_connections = 0

    def connection_made(self, transport):
        SlowProtocol.open_connections += 1
        self.transport = transport
        self.buffer = b""
        self.pending = 0          # requests received, not yet answered
        self.closing = False
        self.timers = []

    def data_received(self, data):
        self.buffer += data
        loop = asyncio.get_running_loop()
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self.transport.close()
                return
            head = self.buffer[:end]
            length = content_length(head)
            if length < 0:
                self.transport.close()
                return
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            if b"connection: close" in head.lower():
                self.closing = True
            self.pending += 1
            # Pipelined requests arrive together, so their deadlines keep their order.
            self.timers.append(loop.call_later(SlowProtocol.delay, self.answer))

    def answer(self):
        self.timers.pop(0)
        if self.transport.is_closing():
            return
        self.transport.write(RESPONSE)
        self.pending -= 1
        if self.closing and self.pending == 0:
            self.transport.close()

    def connection_lost(self, exc):
        SlowProtocol.open_connections -= 1
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()


async def serve(delay, port, port_file):
    SlowProtocol.delay = delay
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    server = await loop.create_server(SlowProtocol, sock=sock, backlog=65535)
    bound = sock.getsockname()[1]
    if port_file:
        temporary = port_file + ".tmp"
        with open(temporary, "w") as f:
            f.write(f"{bound}\n")
        os.replace(temporary, port_file)
    else:
        print(bound, flush=True)
    stop = loop.create_future()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))
    async with server:
        await stop


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("delay", nargs="?", type=float, default=5.0, help="seconds before each answer (default 5)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--port-file", help="write the bound port here instead of stdout")
    arguments = parser.parse_args()
    raise_nofile()
    try:
        asyncio.run(serve(arguments.delay, arguments.port, arguments.port_file))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
