#!/usr/bin/env python3
"""A misbehaving HTTP/1.1 server for Curlew's tests: one fault per path, on 127.0.0.1 only.

Started by `Sources/CurlewTestSupport/FaultServer.swift` as `python3 fault_server.py --port N`.
Standard library only. One thread per connection; a connection serves requests until a fault
ends it, the client closes it, or a request asks for `Connection: close`.

Paths:
  /ok                         200, body `ok`, keep-alive.
  /connections                200, body: how many TCP connections were accepted so far (the
                              asking one and the start-up probe included), keep-alive.
  /hang                       reads the request, never answers, holds the socket until the
                              client goes.
  /hang-mid-body              Content-Length: 100000, 10000 body bytes, then nothing more;
                              holds the socket until the client goes.
  CONNECT (any target)        200 Connection established, then a close: a proxy that drops
                              the tunnel it just opened.
  /reset-mid-body             Content-Length: 100000, 10000 body bytes, then a reset (RST,
                              from SO_LINGER 0).
  /truncated                  Content-Length: 1000, 500 body bytes, then a clean close (FIN).
  /bad-chunk                  Transfer-Encoding: chunked with a chunk-size line that is not hex.
  /garbage                    bytes that are not HTTP, then a clean close.
  /slow-headers               a valid head sent one byte every 50 ms, then the body `hello`.
  /headers                    200, body: the request's header lines as received, one per line,
                              after its body was read whole; keep-alive.
  /slow-body?bytes=N&delay_ms=M
                              a valid response whose N-byte body (byte i is i % 251) is sent one
                              byte every M ms, keep-alive.
  /echo                       200, the request as JSON: method, header lines, framing, body, and
                              whether a `100 Continue` was sent for an `Expect: 100-continue`.
  /refuse-body                with `Expect: 100-continue`: 413 at once, the body never read,
                              then a close; without it, 413 after reading the body.
  /flaky?key=K&fails=N&mode=M&retry_after=S
                              the first N requests with key K fail, then the next answers 200
                              with JSON: the attempt's number, method and body. Modes: `reset`
                              (the connection reset before any response byte), `close` (closed
                              cleanly before any response byte), `503` and `429` (with
                              `Retry-After: S` when given, keep-alive).
  /redirect?status=S&to=P     the body read whole, then status S (a 3xx) with `Location: P`.
  /bytes?n=N                  200, an N-byte body (byte i is i % 251), sent at once, keep-alive.
  /flaky-count?key=K          200, body: how many requests key K has had.
  /ntlm?user=U                NTLM's handshake on one connection: 401 `WWW-Authenticate: NTLM`,
                              then a type-2 challenge for the client's type-1 message, then 200
                              (JSON: the user name, method and body) for a type-3 message from user U on the same
                              connection, 401 otherwise. The response hashes are not verified
                              (that is libcurl's half); the messages' form and order are.
Anything else is a 404, keep-alive.
"""

import argparse
import base64
import socket
import json
import socketserver
import struct
import threading
import time
import urllib.parse

MAX_HEAD = 64 * 1024


class Request:
    """A request head: its path, query, header lines and whether the connection stays open."""

    def __init__(self, method, path, query, keep_alive, header_lines, body, framing, continued=False, headers=None):
        self.method = method
        # Whether a `100 Continue` was sent before the body.
        self.continued = continued
        self.headers = headers or {}
        self.body = body
        # How the body was framed: "content-length", "chunked" or "none".
        self.framing = framing
        self.path = path
        self.query = query
        self.keep_alive = keep_alive
        self.header_lines = header_lines


class FaultServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port):
        self.flaky = {}
        self.flaky_lock = threading.Lock()
        self.accepted = 0
        self.accepted_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), FaultHandler)

    def process_request(self, request, client_address):
        # Counted on the accepting thread, before the connection's own thread starts, so a
        # `/connections` answer includes every connection accepted before it.
        with self.accepted_lock:
            self.accepted += 1
        super().process_request(request, client_address)


class FaultHandler(socketserver.BaseRequestHandler):
    def setup(self):
        self.buffer = b""
        # NTLM's state on this connection: None, or "challenged" after a type-2 message.
        self.ntlm = None
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self):
        while True:
            request = self.read_request()
            if request is None:
                return
            if request.method == "CONNECT":
                self.send(b"HTTP/1.1 200 Connection established\r\n\r\n")
                return
            behaviour = ROUTES.get(request.path, FaultHandler.not_found)
            if not behaviour(self, request) or not request.keep_alive:
                return

    # MARK: - Reading

    def read_request(self):
        """Reads one request head and its body; None when the client went away."""
        head = self.read_until(b"\r\n\r\n")
        if head is None:
            return None
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return None
        target, version = parts[1], parts[2]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        url = urllib.parse.urlsplit(target)
        continued = False
        if headers.get("expect", "").lower() == "100-continue":
            if url.path == "/refuse-body":
                # Refused on the head alone: the body is never read, so the connection closes.
                self.send(self.head("413 Content Too Large", [("Content-Length", 0), ("Connection", "close")]))
                return None
            continued = self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        if headers.get("transfer-encoding", "").lower() == "chunked":
            framing, body = "chunked", self.read_chunked()
            if body is None:
                return None
        else:
            framing = "content-length" if "content-length" in headers else "none"
            length = int(headers.get("content-length", "0") or "0")
            body = self.read_exactly(length)
            if body is None:
                return None
        connection = headers.get("connection", "").lower()
        keep_alive = version == "HTTP/1.1" and connection != "close"
        return Request(parts[0], url.path, urllib.parse.parse_qs(url.query), keep_alive, lines[1:], body, framing,
                       continued=continued, headers=headers)

    def read_exactly(self, count):
        while len(self.buffer) < count:
            chunk = self.receive()
            if not chunk:
                return None
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def read_until(self, separator):
        """The bytes before `separator`, which is consumed; None past MAX_HEAD or at the end."""
        while separator not in self.buffer:
            if len(self.buffer) > MAX_HEAD:
                return None
            chunk = self.receive()
            if not chunk:
                return None
            self.buffer += chunk
        part, self.buffer = self.buffer.split(separator, 1)
        return part

    def read_line(self):
        return self.read_until(b"\r\n")

    def read_chunked(self):
        """A chunked body, decoded; None when it does not parse or the client went away."""
        body = b""
        while True:
            line = self.read_line()
            try:
                size = int(line.split(b";")[0], 16) if line is not None else None
            except ValueError:
                return None
            if size is None:
                return None
            if size == 0:
                while True:  # trailer fields, up to the empty line
                    trailer = self.read_line()
                    if trailer is None:
                        return None
                    if trailer == b"":
                        return body
            data = self.read_exactly(size + 2)
            if data is None or data[-2:] != b"\r\n":
                return None
            body += data[:-2]

    def receive(self):
        try:
            return self.request.recv(65536)
        except OSError:
            return b""

    # MARK: - Writing

    def send(self, data):
        """Sends everything; False when the client went away."""
        try:
            self.request.sendall(data)
            return True
        except OSError:
            return False

    @staticmethod
    def head(status, headers):
        lines = ["HTTP/1.1 %s" % status] + ["%s: %s" % pair for pair in headers] + ["", ""]
        return "\r\n".join(lines).encode("latin-1")

    def respond(self, body, status="200 OK"):
        head = self.head(status, [("Content-Type", "text/plain"), ("Content-Length", len(body))])
        return self.send(head + body)

    # MARK: - Behaviours (each returns whether the connection may serve another request)

    def ok(self, request):
        return self.respond(b"ok")

    def connections(self, request):
        with self.server.accepted_lock:
            accepted = self.server.accepted
        return self.respond(str(accepted).encode("ascii"))

    def headers(self, request):
        return self.respond("\n".join(request.header_lines).encode("latin-1"))

    def echo(self, request):
        """The request as received: method, header lines, framing and body (latin-1), as JSON."""
        report = {
            "method": request.method,
            "headers": request.header_lines,
            "framing": request.framing,
            "body": request.body.decode("latin-1"),
            "continued": request.continued,
        }
        body = json.dumps(report).encode("utf-8")
        if request.method == "HEAD":  # the head alone, with the length a GET would get
            return self.send(self.head("200 OK", [("Content-Type", "application/json"), ("Content-Length", len(body))]))
        return self.respond(body)

    def refuse_body(self, request):
        self.send(self.head("413 Content Too Large", [("Content-Length", 0), ("Connection", "close")]))
        return False

    def flaky(self, request):
        key = request.query.get("key", [""])[0]
        try:
            fails = int(request.query.get("fails", ["1"])[0])
        except ValueError:
            return self.respond(b"fails must be an integer", status="400 Bad Request")
        mode = request.query.get("mode", ["reset"])[0]
        with self.server.flaky_lock:
            self.server.flaky[key] = self.server.flaky.get(key, 0) + 1
            attempt = self.server.flaky[key]
        if attempt > fails:
            report = {"attempt": attempt, "method": request.method, "body": request.body.decode("latin-1")}
            body = json.dumps(report).encode("utf-8")
            return self.send(self.head("200 OK", [("Content-Type", "application/json"), ("Content-Length", len(body))]) + body)
        if mode == "reset":
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.request.close()
            return False
        if mode == "close":
            self.request.shutdown(socket.SHUT_RDWR)
            return False
        status = "503 Service Unavailable" if mode == "503" else "429 Too Many Requests"
        headers = [("Content-Type", "text/plain"), ("Content-Length", 4)]
        if "retry_after" in request.query:
            headers.append(("Retry-After", request.query["retry_after"][0]))
        return self.send(self.head(status, headers) + b"busy")

    def bytes_body(self, request):
        try:
            count = int(request.query.get("n", ["0"])[0])
        except ValueError:
            return self.respond(b"n must be an integer", status="400 Bad Request")
        head = self.head("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", count)])
        return self.send(head + bytes(i % 251 for i in range(count)))

    def redirect(self, request):
        status = request.query.get("status", ["302"])[0]
        location = request.query.get("to", ["/ok"])[0]
        return self.send(self.head("%s Redirect" % status, [("Location", location), ("Content-Length", 0)]))

    def flaky_count(self, request):
        key = request.query.get("key", [""])[0]
        with self.server.flaky_lock:
            count = self.server.flaky.get(key, 0)
        return self.respond(str(count).encode("ascii"))

    def ntlm(self, request):
        user = request.query.get("user", [""])[0]
        authorization = request.headers.get("authorization", "")
        challenge = [("WWW-Authenticate", "NTLM"), ("Content-Length", 0)]
        if not authorization.startswith("NTLM "):
            self.ntlm = None
            return self.send(self.head("401 Unauthorized", challenge))
        try:
            message = base64.b64decode(authorization[5:])
        except ValueError:
            return self.send(self.head("400 Bad Request", [("Content-Length", 0)]))
        if message[:8] != b"NTLMSSP\0" or len(message) < 12:
            return self.send(self.head("400 Bad Request", [("Content-Length", 0)]))
        kind = struct.unpack("<I", message[8:12])[0]
        if kind == 1:
            self.ntlm = "challenged"
            # Type 2: signature, type, empty target name, flags (Unicode, NTLM), the challenge,
            # reserved, empty target information.
            flags = 0x00000001 | 0x00000200
            type2 = (b"NTLMSSP\0" + struct.pack("<I", 2) + struct.pack("<HHI", 0, 0, 48) + struct.pack("<I", flags)
                     + b"\x01\x23\x45\x67\x89\xab\xcd\xef" + b"\0" * 8 + struct.pack("<HHI", 0, 0, 48))
            value = "NTLM " + base64.b64encode(type2).decode("ascii")
            return self.send(self.head("401 Unauthorized", [("WWW-Authenticate", value), ("Content-Length", 0)]))
        if kind == 3 and self.ntlm == "challenged" and len(message) >= 44:
            self.ntlm = None
            length, _, offset = struct.unpack("<HHI", message[36:44])
            name = message[offset:offset + length].decode("utf-16-le", errors="replace")
            if name == user:
                body = json.dumps({"user": name, "method": request.method, "body": request.body.decode("latin-1")}).encode("utf-8")
                return self.send(self.head("200 OK", [("Content-Type", "application/json"), ("Content-Length", len(body))]) + body)
        self.ntlm = None
        return self.send(self.head("401 Unauthorized", challenge))

    def not_found(self, request):
        return self.respond(b"not found", status="404 Not Found")

    def hang(self, request):
        # Never answers; returns when the client closes (recv gives b"") or resets.
        while self.receive():
            pass
        return False

    def hang_mid_body(self, request):
        head = self.head("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", 100000)])
        self.send(head + bytes(i % 251 for i in range(10000)))
        while self.receive():
            pass
        return False

    def reset_mid_body(self, request):
        head = self.head("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", 100000)])
        self.send(head + bytes(i % 251 for i in range(10000)))
        # Linger on, with a zero timeout: close() sends RST instead of FIN.
        # Closed here, not by socketserver, whose shutdown(SHUT_WR) would send a FIN first.
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.request.close()
        return False

    def truncated(self, request):
        head = self.head("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", 1000)])
        if self.send(head + bytes(i % 251 for i in range(500))):
            self.request.shutdown(socket.SHUT_WR)
        return False

    def bad_chunk(self, request):
        head = self.head("200 OK", [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")])
        if self.send(head + b"zz\r\nhello\r\n0\r\n\r\n"):
            self.request.shutdown(socket.SHUT_WR)
        return False

    def garbage(self, request):
        if self.send(b"\x00\x01\x02 this is not HTTP \xff\xfe\r\n\r\n"):
            self.request.shutdown(socket.SHUT_WR)
        return False

    def slow_headers(self, request):
        head = self.head("200 OK", [("Content-Type", "text/plain"), ("Content-Length", 5)])
        for byte in head:
            if not self.send(bytes([byte])):
                return False
            time.sleep(0.05)
        return self.send(b"hello")

    def slow_body(self, request):
        try:
            count = int(request.query.get("bytes", ["10"])[0])
            delay = int(request.query.get("delay_ms", ["100"])[0]) / 1000
        except ValueError:
            return self.respond(b"bytes and delay_ms must be integers", status="400 Bad Request")
        head = self.head("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", count)])
        if not self.send(head):
            return False
        for i in range(count):
            time.sleep(delay)
            if not self.send(bytes([i % 251])):
                return False
        return True


ROUTES = {
    "/ok": FaultHandler.ok,
    "/connections": FaultHandler.connections,
    "/headers": FaultHandler.headers,
    "/echo": FaultHandler.echo,
    "/hang": FaultHandler.hang,
    "/reset-mid-body": FaultHandler.reset_mid_body,
    "/hang-mid-body": FaultHandler.hang_mid_body,
    "/truncated": FaultHandler.truncated,
    "/bad-chunk": FaultHandler.bad_chunk,
    "/garbage": FaultHandler.garbage,
    "/slow-headers": FaultHandler.slow_headers,
    "/slow-body": FaultHandler.slow_body,
    "/refuse-body": FaultHandler.refuse_body,
    "/flaky": FaultHandler.flaky,
    "/flaky-count": FaultHandler.flaky_count,
    "/redirect": FaultHandler.redirect,
    "/bytes": FaultHandler.bytes_body,
    "/ntlm": FaultHandler.ntlm,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    with FaultServer(arguments.port) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
