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
Anything else is a 404, keep-alive.
"""

import argparse
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

    def __init__(self, method, path, query, keep_alive, header_lines, body, framing):
        self.method = method
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
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self):
        while True:
            request = self.read_request()
            if request is None:
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
        url = urllib.parse.urlsplit(target)
        return Request(parts[0], url.path, urllib.parse.parse_qs(url.query), keep_alive, lines[1:], body, framing)

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
        }
        body = json.dumps(report).encode("utf-8")
        if request.method == "HEAD":  # the head alone, with the length a GET would get
            return self.send(self.head("200 OK", [("Content-Type", "application/json"), ("Content-Length", len(body))]))
        return self.respond(body)

    def not_found(self, request):
        return self.respond(b"not found", status="404 Not Found")

    def hang(self, request):
        # Never answers; returns when the client closes (recv gives b"") or resets.
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
    "/truncated": FaultHandler.truncated,
    "/bad-chunk": FaultHandler.bad_chunk,
    "/garbage": FaultHandler.garbage,
    "/slow-headers": FaultHandler.slow_headers,
    "/slow-body": FaultHandler.slow_body,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    with FaultServer(arguments.port) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
