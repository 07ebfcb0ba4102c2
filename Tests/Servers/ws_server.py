#!/usr/bin/env python3
"""A WebSocket server for Curlew's tests: one behaviour per path, on 127.0.0.1 only.

Started by `Sources/CurlewTestSupport/WebSocketServer.swift` as
`python3 ws_server.py --port N [--tls-port M --cert F --key K]`: plain ws on N, and wss on M
(same paths) when given. Built on websockets 17.4's asyncio API
(`websockets.asyncio.server.serve`), from PyPI; `make test` installs it.

Every connection: no permessage-deflate (frames on the wire are exactly what the paths say),
messages up to 64 MiB in (`max_size`), pings from the client answered by websockets itself,
and no keepalive pings from the server (`ping_interval=None`: a slow reader is not closed with
1011 after 20 s, and the only pings sent are /ping's). A handshake that fails gets an HTTP
error answer and no upgrade.

Paths:
  /echo                       every message echoed as it came: text as text, binary as binary.
  /fragmented?size=N&fragment=F
                              on connect, ONE binary message of N bytes (byte i is i % 251) in
                              frames of F bytes (the last one shorter when F does not divide N;
                              FIN on the last data frame, no empty trailing frame); then /echo.
  /close?code=C&reason=R      on connect, a close frame with code C and reason R (UTF-8, at
                              most 123 bytes); then waits for the client's close (10 s at most).
                              Without `code`, a close frame with no payload (the client sees
                              1005). A code websockets may not send (1005, 1006, 1015, < 1000,
                              1016-2999, >= 5000) is a 400 at the handshake.
  /abrupt                     after the handshake, 14 raw bytes: a binary frame header
                              announcing 1000 payload bytes (82 7E 03 E8) and 10 of them
                              (00..09); then the TCP connection is aborted (transport.abort():
                              FIN, no close frame, no TLS close_notify).
  /bad-utf8                   after the handshake, a raw text frame whose payload is not UTF-8
                              (81 02 C3 28), then waits for the client's close (10 s at most)
                              and logs its code to stderr as `bad-utf8 close code N`.
  /subprotocol                selects `chat.v2` when the client offers it (among others);
                              a client offering no `chat.v2` (or none at all) gets a 400 and no
                              upgrade; then /echo.
  /ping                       on connect, a ping with payload `curlew`; when the first pong comes,
                              a text message `pong:<that pong's payload>` (UTF-8, bad bytes as
                              \\x escapes); then /echo.
  /headers                    on connect, one text message: the handshake request's headers as
                              a JSON object, names lower-cased, repeated names joined by ", ";
                              then /echo.
  /flood?count=N&size=S       N binary messages of S bytes (byte i is i % 251) as fast as the
                              connection takes them (each send waits while more than 32 KiB is
                              buffered), then a text message `done`; then /echo.
Anything else is a 404 at the handshake; bad query values are a 400.
"""

import argparse
import asyncio
import json
import logging
import resource
import ssl
import urllib.parse

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed, NegotiationError
from websockets.frames import Close, Opcode

MAX_MESSAGE = 64 * 1024 * 1024
SUBPROTOCOL = "chat.v2"


def pattern(count):
    """`count` bytes, byte i being i % 251."""
    block = bytes(range(251))
    return (block * (count // 251 + 1))[:count]


class TestConnection(ServerConnection):
    """A connection that keeps the payload of every pong it receives, for /ping."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pongs = asyncio.Queue()
        self.parameters = {}
        self.route = None

    def process_event(self, event):
        # The first event is the handshake request; frames come after it.
        if self.request is not None and getattr(event, "opcode", None) is Opcode.PONG:
            self.pongs.put_nowait(bytes(event.data))
        super().process_event(event)


# MARK: - Handshake


def integer(query, name, default=None, minimum=0):
    values = query.get(name)
    if not values:
        if default is None:
            raise ValueError(f"{name} is required")
        return default
    value = int(values[0])
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}")
    return value


def parse_parameters(path, query):
    """The path's parameters, checked; raises ValueError for bad ones."""
    if path == "/fragmented":
        return {"size": integer(query, "size"), "fragment": integer(query, "fragment", minimum=1)}
    if path == "/flood":
        return {"count": integer(query, "count"), "size": integer(query, "size")}
    if path == "/close":
        reason = query.get("reason", [""])[0]
        if "code" not in query:
            if reason:
                raise ValueError("a reason needs a code")
            return {"code": None, "reason": ""}
        code = integer(query, "code")
        try:
            Close(code, reason).serialize()  # websockets' own check of the code
        except Exception as error:
            raise ValueError(f"code {code}: {error}")
        if len(reason.encode("utf-8")) > 123:
            raise ValueError("the reason is longer than 123 bytes")
        return {"code": code, "reason": reason}
    return {}


def process_request(connection, request):
    """Routes by path: 404 for unknown paths, 400 for bad parameters, else the handshake goes on."""
    url = urllib.parse.urlsplit(request.path)
    if url.path not in ROUTES:
        return connection.respond(404, f"no such path: {url.path}\n")
    try:
        connection.parameters = parse_parameters(url.path, urllib.parse.parse_qs(url.query))
    except ValueError as error:
        return connection.respond(400, f"bad parameters: {error}\n")
    connection.route = url.path
    return None


def select_subprotocol(connection, offered):
    """`chat.v2` on /subprotocol (or a 400: NegotiationError is an InvalidHandshake); none elsewhere."""
    if connection.route != "/subprotocol":
        return None
    if SUBPROTOCOL in offered:
        return SUBPROTOCOL
    raise NegotiationError(f"subprotocol {SUBPROTOCOL} was not offered")


# MARK: - Behaviours


async def echo(connection):
    async for message in connection:  # str for text, bytes for binary
        await connection.send(message)


async def fragmented(connection):
    size, fragment = connection.parameters["size"], connection.parameters["fragment"]
    data = pattern(size)
    pieces = [data[i:i + fragment] for i in range(0, size, fragment)] or [b""]
    # Frame by frame through the protocol, so the last data frame carries FIN: send() with an
    # iterable would end the message with an extra empty continuation frame.
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        async with connection.send_context():
            if index == 0:
                connection.protocol.send_binary(piece, fin=last)
            else:
                connection.protocol.send_continuation(piece, fin=last)
    await echo(connection)


async def close(connection):
    code, reason = connection.parameters["code"], connection.parameters["reason"]
    if code is None:
        async with connection.send_context():
            connection.protocol.send_close()  # no payload
        await connection.wait_closed()
    else:
        await connection.close(code, reason)  # waits for the client's close


async def abrupt(connection):
    transport = connection.transport
    transport.write(b"\x82\x7e\x03\xe8" + bytes(range(10)))
    while transport.get_write_buffer_size() > 0:
        await asyncio.sleep(0.005)
    transport.abort()
    await connection.wait_closed()


async def bad_utf8(connection):
    connection.transport.write(b"\x81\x02\xc3\x28")
    try:
        await asyncio.wait_for(connection.wait_closed(), 10)
    except asyncio.TimeoutError:
        pass
    logging.warning("bad-utf8 close code %s", connection.close_code)


async def ping(connection):
    await connection.ping(b"curlew")
    payload = await connection.pongs.get()
    await connection.send("pong:" + payload.decode("utf-8", "backslashreplace"))
    await echo(connection)


async def headers(connection):
    found = {}
    for name, value in connection.request.headers.raw_items():
        name = name.lower()
        found[name] = f"{found[name]}, {value}" if name in found else value
    await connection.send(json.dumps(found))
    await echo(connection)


async def flood(connection):
    message = pattern(connection.parameters["size"])
    for _ in range(connection.parameters["count"]):
        await connection.send(message)  # waits while the write buffer is over write_limit
    await connection.send("done")
    await echo(connection)


ROUTES = {
    "/echo": echo,
    "/fragmented": fragmented,
    "/close": close,
    "/abrupt": abrupt,
    "/bad-utf8": bad_utf8,
    "/subprotocol": echo,
    "/ping": ping,
    "/headers": headers,
    "/flood": flood,
}


async def handler(connection):
    try:
        await ROUTES[connection.route](connection)
    except ConnectionClosed:
        pass


# MARK: - Start-up


def raise_file_limit():
    """Soft limit on open files up to the hard limit, for 1,000+ connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as error:
            logging.warning("cannot raise the open-file limit from %d: %s", soft, error)


async def run(arguments):
    options = dict(
        process_request=process_request,
        select_subprotocol=select_subprotocol,
        create_connection=TestConnection,
        compression=None,
        max_size=MAX_MESSAGE,
        ping_interval=None,
        # The default 10 s can pass for a handshake when 1,000 clients start at once on a
        # loaded 2-core machine.
        open_timeout=30,
        backlog=4096,
    )
    servers = [await serve(handler, "127.0.0.1", arguments.port, **options)]
    if arguments.tls_port is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(arguments.cert, arguments.key)
        context.set_alpn_protocols(["http/1.1"])
        servers.append(await serve(handler, "127.0.0.1", arguments.tls_port, ssl=context, **options))
    await asyncio.gather(*(server.serve_forever() for server in servers))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls-port", type=int)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    arguments = parser.parse_args()
    if arguments.tls_port is not None and not (arguments.cert and arguments.key):
        parser.error("--tls-port needs --cert and --key")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    raise_file_limit()
    try:
        asyncio.run(run(arguments))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
