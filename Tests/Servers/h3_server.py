#!/usr/bin/env python3
"""An HTTP/3 (and HTTP/1.1 + HTTP/2 over TLS) server for Curlew's tests, on 127.0.0.1 only.

Started by `Sources/CurlewTestSupport/HTTP3Server.swift` as
`python3 h3_server.py --port N --cert F --key K [--no-quic]`. One process: a small ASGI app
served by hypercorn 0.18.0 (`hypercorn.asyncio.serve`), with aioquic 1.7.2 for QUIC, both from
PyPI; `make test` installs them.

Listeners, both on port N:
  TCP N   TLS with ALPN `h2`, `http/1.1` (hypercorn's `bind`).
  UDP N   QUIC, ALPN `h3` (hypercorn's `quic_bind`); left out with --no-quic, for fallback tests.
With QUIC on, hypercorn adds `alt-svc: h3=":N"; ma=3600` to every response, over TCP and
over HTTP/3 alike (Config.response_headers: one entry per aioquic H3_ALPN value, which is
only `h3` in aioquic 1.7.2). With --no-quic there is no alt-svc header.

Readiness: hypercorn binds the UDP socket before it listens on TCP, but starts reading it only
after the TCP listener is up. So once serving, this script makes one HTTP/3 request to itself
(GET /version over QUIC, certificate not checked) and then prints the line
`h3_server ready` to stdout (with --no-quic: after a TCP connect succeeds). A launcher waits
for that line.

Paths:
  GET  /hello      200, body `hello`, header `x-http-version`: the request's HTTP version as the
                   ASGI scope has it (`1.1`, `2` or `3`).
  POST /echo       200, the request body streamed back as it arrives (each chunk sent when
                   received; Content-Length copied from the request when it had one). Tested
                   with 10 MiB.
  GET  /bytes?n=N  200, N bytes (byte i is i % 251) with Content-Length N, sent in 64 KiB
                   chunks, each after the previous was taken: over HTTP/1.1 hypercorn waits on
                   the socket's write buffer (drain), over HTTP/2 on the stream's flow-control
                   window; over HTTP/3 aioquic buffers what flow control does not let out yet.
  GET  /version    200, body: the request's HTTP version (`1.1`, `2` or `3`).
Anything else is a 404; a known path with another method is a 405.
Logs: hypercorn's warnings and errors only, to stderr; no access log.
"""

import argparse
import asyncio
import logging
import ssl
import sys
import time
import urllib.parse

from hypercorn.asyncio import serve
from hypercorn.config import Config

CHUNK = 64 * 1024
READY_LINE = "h3_server ready"


def pattern(start, count):
    """`count` bytes of the i % 251 pattern, starting at offset `start`."""
    block = bytes(range(251))
    offset = start % 251
    return (block * ((offset + count) // 251 + 1))[offset:offset + count]


# MARK: - The app


async def respond(send, status, body, headers=()):
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body)), *headers],
    })
    await send({"type": "http.response.body", "body": body})


async def hello(scope, receive, send):
    await respond(send, 200, b"hello", [(b"x-http-version", scope["http_version"].encode("ascii"))])


async def version(scope, receive, send):
    await respond(send, 200, scope["http_version"].encode("ascii"))


async def echo(scope, receive, send):
    headers = [(b"content-type", b"application/octet-stream")]
    length = dict(scope["headers"]).get(b"content-length")
    if length is not None:
        headers.append((b"content-length", length))
    started = False
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        if not started:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            started = True
        more = message.get("more_body", False)
        await send({"type": "http.response.body", "body": message.get("body", b""), "more_body": more})
        if not more:
            return


async def byte_stream(scope, receive, send):
    query = urllib.parse.parse_qs(scope["query_string"].decode("latin-1"))
    try:
        count = int(query.get("n", ["0"])[0])
        if count < 0:
            raise ValueError
    except ValueError:
        await respond(send, 400, b"n must be a non-negative integer")
        return
    await send({
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/octet-stream"), (b"content-length", b"%d" % count)],
    })
    sent = 0
    while True:
        size = min(CHUNK, count - sent)
        await send({"type": "http.response.body", "body": pattern(sent, size), "more_body": sent + size < count})
        sent += size
        if sent >= count:
            return


async def hang_head(scope, receive, send):
    """Never answers: waits until the client goes."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def hang_mid_body(scope, receive, send):
    """Content-Length 100000, 10000 bytes, then nothing more until the client goes."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/octet-stream"), (b"content-length", b"100000")]})
    await send({"type": "http.response.body", "body": pattern(0, 10000), "more_body": True})
    while (await receive())["type"] != "http.disconnect":
        pass


ROUTES = {
    "/hang-head": ("GET", hang_head),
    "/hang-mid-body": ("GET", hang_mid_body),
    "/hello": ("GET", hello),
    "/version": ("GET", version),
    "/echo": ("POST", echo),
    "/bytes": ("GET", byte_stream),
}


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    route = ROUTES.get(scope["path"])
    if route is None:
        await respond(send, 404, b"not found")
    elif scope["method"] != route[0]:
        await respond(send, 405, b"method not allowed", [(b"allow", route[0].encode("ascii"))])
    else:
        await route[1](scope, receive, send)


# MARK: - Readiness


async def quic_answers(port):
    """Whether an HTTP/3 GET /version to 127.0.0.1:port gets a 200 `3`."""
    from aioquic.asyncio.client import connect
    from aioquic.asyncio.protocol import QuicConnectionProtocol
    from aioquic.h3.connection import H3_ALPN, H3Connection
    from aioquic.h3.events import DataReceived, HeadersReceived
    from aioquic.quic.configuration import QuicConfiguration

    class Probe(QuicConnectionProtocol):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.h3 = H3Connection(self._quic)
            self.status, self.body = None, b""
            self.done = asyncio.get_running_loop().create_future()

        def quic_event_received(self, event):
            for h3_event in self.h3.handle_event(event):
                if isinstance(h3_event, HeadersReceived):
                    self.status = dict(h3_event.headers).get(b":status")
                elif isinstance(h3_event, DataReceived):
                    self.body += h3_event.data
                if getattr(h3_event, "stream_ended", False) and not self.done.done():
                    self.done.set_result(None)

    configuration = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN, verify_mode=ssl.CERT_NONE)
    configuration.server_name = "localhost"
    try:
        async with asyncio.timeout(2):
            async with connect("127.0.0.1", port, configuration=configuration, create_protocol=Probe) as client:
                stream = client._quic.get_next_available_stream_id()
                client.h3.send_headers(stream, [
                    (b":method", b"GET"), (b":scheme", b"https"),
                    (b":authority", b"localhost:%d" % port), (b":path", b"/version"),
                ], end_stream=True)
                client.transmit()
                await client.done
                return client.status == b"200" and client.body == b"3"
    except (TimeoutError, ConnectionError, OSError):
        return False


async def tcp_accepts(port):
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


async def announce_when_ready(port, quic, server):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not server.done():
        if await tcp_accepts(port) and (not quic or await quic_answers(port)):
            print(READY_LINE, flush=True)
            return
        await asyncio.sleep(0.05)
    logging.error("h3_server: not ready within 30 s")


# MARK: - Start-up


async def run(arguments):
    config = Config()
    config.bind = [f"127.0.0.1:{arguments.port}"]
    if not arguments.no_quic:
        config.quic_bind = [f"127.0.0.1:{arguments.port}"]
    config.certfile = arguments.cert
    config.keyfile = arguments.key
    config.alpn_protocols = ["h2", "http/1.1"]
    config.loglevel = "WARNING"
    config.accesslog = None
    config.errorlog = "-"
    # Stops within ServerProcess's two seconds instead of hypercorn's default 3.
    config.graceful_timeout = 1
    server = asyncio.ensure_future(serve(app, config))
    await announce_when_ready(arguments.port, not arguments.no_quic, server)
    await server


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--no-quic", action="store_true", help="TCP (HTTP/1.1, HTTP/2) only, no HTTP/3")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    asyncio.run(run(arguments))


if __name__ == "__main__":
    main()
