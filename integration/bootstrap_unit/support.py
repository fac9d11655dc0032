"""Shared set-up for the bootstrap unit tests: the fake `_irongate`, the
`bootstrap/` package on sys.path with the enrichment installed, a local HTTP
server and a recorder of socket connections."""

import os
import socket
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BOOTSTRAP = os.path.join(ROOT, "bootstrap")

for _p in (BOOTSTRAP, HERE):
    if _p in sys.path:
        sys.path.remove(_p)
    sys.path.insert(0, _p)

import _irongate  # noqa: E402  (the fake, from this folder)

assert _irongate.__file__.startswith(HERE), _irongate.__file__

import irongate._enrich  # noqa: E402

irongate._enrich.install()

import http.server  # noqa: E402

# --------------------------------------------------------------------------
# Every socket.connect of this process, as seen by an audit hook.

connects = []


def _audit(event, args):
    if event == "socket.connect":
        connects.append(args[1])


sys.addaudithook(_audit)


def connects_to(port):
    return [a for a in list(connects) if isinstance(a, tuple) and len(a) >= 2 and a[1] == port]


# --------------------------------------------------------------------------
# A local HTTP server counting the requests it receives.


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self):
        self.server.seen.append((self.command, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _answer


class _HTTPServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # Clients closing keep-alive connections are not test failures.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Server:
    def __init__(self):
        self.httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.seen = []
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def seen(self):
        return list(self.httpd.seen)

    def url(self, path="/ok"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port():
    """A local port nobody listens on (connections are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def block_http(layer, action):
    if action.get("type") == "network":
        return ("block", "test_denies_network")
    return "allow"
