"""A real HTTP server on 127.0.0.1 (a thread), serving folders and misbehaving on purpose.

`serve(root)` starts `http.server.ThreadingHTTPServer` on a free loopback
port serving `root`, with a few extra routes that misbehave the way real
servers do: a redirect loop, an HTML page instead of a file, a Content-Length
far over the file's size, a connection cut halfway, a slow transfer.
"""

import contextlib
import functools
import http.server
import os
import threading
import time
import urllib.parse


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves `directory`; paths under `/_/<behaviour>/` misbehave."""

    def log_message(self, *args):  # keep test output clean
        pass

    def _file(self, rest):
        path = os.path.join(self.directory, urllib.parse.unquote(rest))
        with open(path, "rb") as f:
            return f.read()

    def do_GET(self):  # noqa: N802 (http.server's name)
        parts = self.path.split("/", 3)
        if len(parts) < 4 or parts[1] != "_":
            return super().do_GET()
        behaviour, rest = parts[2], parts[3]
        if behaviour == "loop":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.end_headers()
            return None
        if behaviour == "html":
            body = b"<html><body>Please log in</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        data = self._file(rest)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if behaviour == "huge" and rest.endswith(".keras"):
            self.send_header("Content-Length", str(10**10))
            self.end_headers()
            self.wfile.write(data[:1024])
            return None
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if behaviour == "cut" and rest.endswith(".keras"):
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return None
        if behaviour == "slow":
            for start in range(0, len(data), 4096):
                self.wfile.write(data[start:start + 4096])
                self.wfile.flush()
                time.sleep(0.002)
            return None
        self.wfile.write(data)
        return None


@contextlib.contextmanager
def serve(root):
    """Serves `root` on 127.0.0.1; yields the base URL (`http://127.0.0.1:PORT`)."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Handler, directory=os.fspath(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def free_port():
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cache_files(cache):
    """Every file under a cache folder (relative paths), hidden ones included."""
    found = []
    for folder, _, names in os.walk(cache):
        found += [os.path.relpath(os.path.join(folder, n), cache) for n in names]
    return sorted(found)
