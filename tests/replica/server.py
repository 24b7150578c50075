"""Serve a generated replica on 127.0.0.1, as a web server and as a forward HTTP proxy.

Scrapy's HttpProxyMiddleware sends absolute-URI requests (``GET http://news.jiulongw.cn/ HTTP/1.1``)
to ``http_proxy``, so the spider crawls its real URLs unmodified; origin-form requests are routed
by their Host header. Pages are read from disk on every request, so rebuilding the site (e.g. with
``extra=N``) while the server runs publishes new articles. Every request is logged, so tests can
assert what the crawler asked for, including anything outside the replica (answered with 502).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit

from tests.replica.site import render_calendar

_HOST_RE = re.compile(r"^[a-z0-9.-]+$")
_TYPES = {".txt": "text/plain; charset=utf-8", ".jpg": "image/jpeg", ".png": "image/png"}


def query_file(root: Path, url: str) -> Path:
    """Where a page is stored: ``root/<host>/<path>``, plus ``@<sorted query>`` for a query.

    A page at ``list.php?catid=3&page=2`` is the file ``list.php@catid=3&page=2``: the server
    answers any order of the same parameters with it, as a PHP page would.
    """
    rest = url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    path = path.split("#")[0]
    path, _, query = path.partition("?")
    path = unquote(path)
    if not path or path.endswith("/"):
        path += "index.html"
    file = Path(root) / host / path
    if query:
        file = file.with_name(file.name + "@" + urlencode(sorted(parse_qsl(query))))
    return file


def _page(text: str) -> bytes:
    return f"<html><head><title>{text}</title></head><body><h1>{text}</h1></body></html>".encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections end on their own
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._serve(head=False)

    def do_CONNECT(self) -> None:
        self.server.replica.log("CONNECT", f"https://{self.path}", 502)
        self._send(502, _page("502 HTTPS is outside the replica"), "text/html", head=False)
        self.close_connection = True

    def _serve(self, head: bool) -> None:
        target = self.path
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            host = (parts.hostname or "").lower()
        else:
            parts = urlsplit(target)
            host = (self.headers.get("Host") or "").split(":")[0].lower()
        path, query = parts.path or "/", parts.query
        url = f"http://{host}{path}" + (f"?{query}" if query else "")
        with self.server.replica.in_flight(host):
            status, body, ctype, extra = self.server.replica.respond(host, path, query)
        self.server.replica.log(self.command, url, status)
        self._send(status, body, ctype, head=head, extra=extra)

    def _send(
        self, status: int, body: bytes, ctype: str, head: bool, extra: dict | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, addr: tuple[str, int], replica: ReplicaServer) -> None:
        self.replica = replica
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(addr, _Handler)

    def track(self, conn: socket.socket, add: bool) -> None:
        with self._conns_lock:
            (self._conns.add if add else self._conns.discard)(conn)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A crawler closing a keep-alive connection is routine, not a traceback on stderr.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._conns_lock:
            conns, self._conns = list(self._conns), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class ReplicaServer:
    """The replica over HTTP: ``with ReplicaServer(root) as srv: ... srv.proxy_url``."""

    def __init__(
        self, root: Path, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0
    ) -> None:
        self.root = Path(root)
        self.host = host
        self._port = port
        # Seconds every request takes, like a real network and server; the request counts as
        # in flight meanwhile (``max_in_flight``: what politeness across workers must bound).
        self.latency = latency
        self._in_flight: dict[str, int] = {}
        self._max_in_flight: dict[str, int] = {}
        self._arrivals: dict[str, list[float]] = {}
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._log: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._meta: dict[str, tuple[int, dict]] = {}

    # lifecycle --------------------------------------------------------------
    def start(self) -> ReplicaServer:
        self._httpd = _HTTPServer((self.host, self._port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread:
            self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("ReplicaServer is not started")
        return self._httpd.server_address[1]

    @property
    def proxy_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # request log ------------------------------------------------------------
    @property
    def requests(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return list(self._log)

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()
            self._max_in_flight.clear()
            self._arrivals.clear()

    @property
    def arrivals(self) -> dict[str, list[float]]:
        """Per host, when each request arrived (``time.monotonic()``) since the last reset."""
        with self._lock:
            return {host: list(times) for host, times in self._arrivals.items()}

    @property
    def max_in_flight(self) -> dict[str, int]:
        """Per host, the most requests the server was answering at once since the last reset."""
        with self._lock:
            return dict(self._max_in_flight)

    @contextlib.contextmanager
    def in_flight(self, host: str) -> Iterator[None]:
        with self._lock:
            now = self._in_flight[host] = self._in_flight.get(host, 0) + 1
            self._max_in_flight[host] = max(self._max_in_flight.get(host, 0), now)
            self._arrivals.setdefault(host, []).append(time.monotonic())
        try:
            if self.latency:
                time.sleep(self.latency)
            yield
        finally:
            with self._lock:
                self._in_flight[host] -= 1

    def log(self, method: str, url: str, status: int) -> None:
        with self._lock:
            self._log.append((method, url, status))

    # responses ---------------------------------------------------------------
    def _host_meta(self, host: str) -> dict:
        path = self.root / host / "_meta.json"
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return {"default_content_type": "text/html; charset=utf-8", "paths": {}}
        cached = self._meta.get(host)
        if cached is None or cached[0] != mtime:
            cached = (mtime, json.loads(path.read_bytes()))
            self._meta[host] = cached
        return cached[1]

    def respond(self, host: str, path: str, query: str) -> tuple[int, bytes, str, dict]:
        """(status, body, content type, extra headers) for one request."""
        if not host or not _HOST_RE.match(host) or not (self.root / host).is_dir():
            return 502, _page("502 host outside the replica"), "text/html", {}
        meta = self._host_meta(host)
        html_type = meta["default_content_type"]
        rule = meta["paths"].get(path)
        if rule:
            if rule.get("dynamic") == "calendar":
                date = parse_qs(query).get("date", [""])[0]
                return 200, render_calendar(date).encode(), html_type, {}
            if "location" in rule:
                return (
                    rule["status"],
                    _page("302 Found"),
                    "text/html",
                    {"Location": rule["location"]},
                )
            if rule.get("slow"):
                time.sleep(float(os.environ.get("REPLICA_SLOW_SECONDS", "3")))
                return 200, rule["body"].encode(), html_type, {}
            if rule.get("status"):
                return rule["status"], _page(f"{rule['status']} Server Error"), "text/html", {}
            html_type = rule.get("content_type", html_type)
        if query:  # a page stored for this query (any parameter order), else the plain file
            file = query_file(self.root, f"http://{host}{path}?{query}")
            if file.is_file():
                return 200, file.read_bytes(), html_type, {}
        rel = unquote(path).lstrip("/")
        if not rel or rel.endswith("/"):
            rel += "index.html"
        if any(part.startswith((".", "_")) for part in rel.split("/")):
            return 404, _page("404 Not Found"), "text/html", {}
        file = self.root / host / rel
        try:
            body = file.read_bytes()
        except OSError:
            return 404, _page("404 Not Found"), "text/html", {}
        if b"__SID__" in body:  # the session-id trap: a new sid on every render
            body = body.replace(b"__SID__", secrets.token_hex(6).encode())
        return 200, body, _TYPES.get(file.suffix, html_type), {}
