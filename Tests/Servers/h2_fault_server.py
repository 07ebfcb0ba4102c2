#!/usr/bin/env python3
"""A misbehaving HTTP/2 server for Curlew's tests, on the `h2` package (PyPI, pinned), one fault
per path, on 127.0.0.1 only: h2c with prior knowledge on --port, and HTTP/2 over TLS (ALPN h2)
on --tls-port with --cert and --key.

Started by `Sources/CurlewTestSupport/H2FaultServer.swift`. One thread per connection.

Paths:
  /ok                 200, body `ok`.
  /slow-ok            200, body `ok`, after 300 ms (other streams are served meanwhile).
  /hang-head          never answers the stream (the connection goes on serving others).
  /hang-mid-body      Content-Length 100000, 10000 bytes, then nothing more on the stream.
  /rst-mid-body       Content-Length 100000, 10000 bytes, then RST_STREAM (INTERNAL_ERROR).
  /truncated          Content-Length 1000, 500 bytes, then END_STREAM.
  /goaway             GOAWAY (NO_ERROR, last stream id: the highest so far), then the
                      connection is closed 100 ms later with every other stream unanswered.
  /garbage            a frame HTTP/2 forbids (DATA on stream 0), then a close 500 ms later.
  /stall-upload       reads the request body without ever opening the window again (no
                      WINDOW_UPDATE), so an upload larger than the window stalls.
Anything else is a 404.
"""

import argparse
import socket
import ssl
import threading
import time

import h2.config
import h2.connection
import h2.errors
import h2.events


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.lock = threading.Lock()
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        self.paths = {}
        self.closed = False

    def flush(self):
        data = self.h2.data_to_send()
        if data:
            try:
                self.sock.sendall(data)
            except OSError:
                self.closed = True

    def respond(self, stream, body, status="200", length=None, end=True):
        with self.lock:
            if self.closed:
                return
            headers = [(":status", status), ("content-type", "text/plain"),
                       ("content-length", str(len(body) if length is None else length))]
            try:
                self.h2.send_headers(stream, headers, end_stream=end and not body)
                if body:
                    self.h2.send_data(stream, body, end_stream=end)
            except Exception:  # the stream or connection went away meanwhile
                return
            self.flush()

    def later(self, seconds, action):
        timer = threading.Timer(seconds, action)
        timer.daemon = True
        timer.start()

    def request(self, stream, path):
        if path == "/ok":
            self.respond(stream, b"ok")
        elif path == "/slow-ok":
            self.later(0.3, lambda: self.respond(stream, b"ok"))
        elif path == "/hang-head":
            pass
        elif path == "/hang-mid-body":
            self.respond(stream, bytes(i % 251 for i in range(10000)), length=100000, end=False)
        elif path == "/rst-mid-body":
            self.respond(stream, bytes(i % 251 for i in range(10000)), length=100000, end=False)
            with self.lock:
                try:
                    self.h2.reset_stream(stream, h2.errors.ErrorCodes.INTERNAL_ERROR)
                except Exception:
                    pass
                self.flush()
        elif path == "/truncated":
            self.respond(stream, bytes(i % 251 for i in range(500)), length=1000, end=True)
        elif path == "/goaway":
            with self.lock:
                self.h2.close_connection(error_code=h2.errors.ErrorCodes.NO_ERROR, last_stream_id=stream)
                self.flush()
            self.later(0.1, self.close)
        elif path == "/garbage":
            # A DATA frame on stream 0, which RFC 9113 makes a connection error (PROTOCOL_ERROR),
            # then the close half a second later.
            with self.lock:
                try:
                    self.sock.sendall(b"\x00\x00\x04\x00\x00\x00\x00\x00\x00junk")
                except OSError:
                    pass
            self.later(0.5, self.close)
        elif path == "/stall-upload":
            pass  # answered when its body ends, which it never does once the window is spent
        else:
            self.respond(stream, b"not found", status="404")

    def close(self):
        with self.lock:
            if self.closed:
                return
            self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def serve(self):
        with self.lock:
            self.h2.initiate_connection()
            self.flush()
        while not self.closed:
            try:
                data = self.sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            with self.lock:
                try:
                    events = self.h2.receive_data(data)
                except Exception:
                    self.closed = True
                    break
                self.flush()
            for event in events:
                if isinstance(event, h2.events.RequestReceived):
                    headers = dict(event.headers)
                    path = headers.get(":path", "/").split("?")[0]
                    self.paths[event.stream_id] = path
                    if path != "/stall-upload":
                        self.request(event.stream_id, path)
                elif isinstance(event, h2.events.DataReceived):
                    path = self.paths.get(event.stream_id)
                    if path != "/stall-upload":
                        with self.lock:
                            try:
                                self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                            except Exception:
                                pass
                            self.flush()
                elif isinstance(event, h2.events.StreamEnded):
                    if self.paths.get(event.stream_id) == "/stall-upload":
                        self.respond(event.stream_id, b"received")
        self.close()


def serve(listener, wrap):
    while True:
        try:
            sock, _ = listener.accept()
        except OSError:
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def run(sock=sock):
            try:
                connection = Connection(wrap(sock) if wrap else sock)
            except (OSError, ssl.SSLError):
                sock.close()
                return
            connection.serve()

        threading.Thread(target=run, daemon=True).start()


def listen(port):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    return listener


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls-port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    arguments = parser.parse_args()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(arguments.cert, arguments.key)
    context.set_alpn_protocols(["h2"])
    plain, secure = listen(arguments.port), listen(arguments.tls_port)
    threading.Thread(target=serve, args=(secure, lambda s: context.wrap_socket(s, server_side=True)), daemon=True).start()
    serve(plain, None)


if __name__ == "__main__":
    main()
