"""The replica made hostile: a server that hangs, resets, bombs and lies, for fault tests.

``HostileServer`` serves a normal replica (:func:`tests.replica.site.build_site`) plus, while
``hostile`` is true:

- on the portal home, links to fault pages on the portal's own host (they look like articles,
  so a crawler fetches them): a page that hangs before its headers, one that hangs in the
  middle of its body, one that resets the connection, a corrupt gzip, a gzip bomb (a small
  download that inflates far past any sane cap), a 50 MB page with a Content-Length and one
  streamed without, and a two-URL redirect loop;
- links a crawler must never request: private IPs, loopback, ``file:``;
- at some real article URLs, a login wall (用户登录) or a 系统繁忙 page instead of the
  article, the first time each is requested only ("for one run"): a later request gets the
  real article, as when a site's login wall or overload goes away.

With ``hostile = False`` it is the plain replica: no fault links on the home page, no walls.

    python -m tests.replica serve --root DIR --hostile    # the same, by hand
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.replica import content as C
from tests.replica.server import ReplicaServer, _Handler, _HTTPServer
from tests.replica.site import build_site

NEWS = C.HOSTS["news"]
MB = 1024 * 1024
BIG_PAGE_BYTES = 50 * MB
BOMB_INFLATED_BYTES = 256 * MB
HANG_SECONDS = 60.0  # longer than any crawl's download timeout; ends early when stopped

# path on the portal's news host -> what the server does there
FAULTS: dict[str, str] = {
    "/hostile/2024-06-01/900001.html": "hang_before_headers",
    "/hostile/2024-06-01/900002.html": "hang_in_body",
    "/hostile/2024-06-01/900003.html": "reset",
    "/hostile/2024-06-01/900004.html": "corrupt_gzip",
    "/hostile/2024-06-01/900005.html": "gzip_bomb",
    "/hostile/2024-06-01/900006.html": "big_page",
    "/hostile/2024-06-01/900007.html": "big_page_streamed",
    "/hostile/loop-a.html": "redirect_loop",
    "/hostile/loop-b.html": "redirect_loop",
}
LOOP = {
    "/hostile/loop-a.html": "/hostile/loop-b.html",
    "/hostile/loop-b.html": "/hostile/loop-a.html",
}
# Never to be requested: a crawler that follows these reaches into the operator's network.
FORBIDDEN_LINKS = (
    "http://192.168.1.1/admin/",
    "http://10.0.0.8/news/2024-06-01/1.html",
    "http://172.16.5.4:8080/",
    "http://127.0.0.1:9/",
    "http://[::1]/",
    "file:///etc/passwd",
    "http://169.254.169.254/latest/meta-data/",
)

# Pages with a headline and a readable paragraph or two: an extractor takes them for articles.
LOGIN_WALL = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>用户登录 - 九龙网</title></head>"
    "<body><div class='nav'><a href='/'>首页</a></div><div class='login'><h1>用户登录</h1>"
    "<div class='tip'><p>本文仅限注册会员阅读，请先登录。登录后即可阅读全文，并可参与评论、"
    "收藏文章。</p><p>还没有账号？立即注册，即可免费阅读九龙网全部新闻，享受更多会员服务。</p>"
    "</div><form action='/member/login.php' method='post'><p>用户名 <input name='u'></p>"
    "<p>密码 <input name='p' type='password'></p><p><a href='/member/forget.php'>忘记密码？</a> "
    "<a href='/member/reg.php'>立即注册</a></p></form></div></body></html>"
)
BUSY = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>系统繁忙</title></head>"
    "<body><div class='msg'><h1>系统繁忙</h1><p>系统繁忙，请稍后再试。当前访问人数过多，服务器"
    "正在努力处理您的请求，请您稍后刷新页面，或返回首页浏览其他新闻。</p>"
    "<p><a href='/'>返回首页</a></p></div></body></html>"
)


@dataclass
class HostileSite:
    """What the hostile replica holds: its truth, its faults and its walled articles."""

    root: Path
    truth: dict[str, Any]
    faults: dict[str, str] = field(default_factory=dict)  # URL -> fault kind
    walls: dict[str, str] = field(default_factory=dict)  # article URL -> "login_wall" | "busy"


def build_hostile_site(root: Path, *, articles: int = 60, seed: int = 7) -> HostileSite:
    """Build the replica under ``root`` and the hostile home page beside its own home."""
    root = Path(root)
    truth = build_site(root, articles=articles, seed=seed)
    candidates = [
        a["url"]
        for a in truth["articles"]
        if not a["only_via_related"]
        and a["url"] != truth["seed_url"]
        and a["url"] not in truth["special_urls"].values()
        and not a.get("aliases")
        and a["template"] == "div"
    ]
    walls = {url: "login_wall" for url in candidates[3:5]}
    walls.update({url: "busy" for url in candidates[5:7]})
    faults = {f"http://{NEWS}{path}": kind for path, kind in FAULTS.items()}
    links = "".join(
        f'<li><a href="{url}">突发新闻 {n}</a></li>' for n, url in enumerate(faults, start=1)
    )
    links += "".join(f'<li><a href="{url}">内部链接</a></li>' for url in FORBIDDEN_LINKS)
    home_file = root / NEWS / "index.html"
    home = home_file.read_text(encoding="utf-8")
    hostile_home = home.replace("</body>", f'<ul class="hostile">{links}</ul></body>', 1)
    (root / NEWS / "_hostile_home.html").write_text(hostile_home, encoding="utf-8")
    return HostileSite(root, truth, faults, walls)


@lru_cache(maxsize=1)
def gzip_bomb(inflated: int = BOMB_INFLATED_BYTES) -> bytes:
    """A gzip member of ``inflated`` zero bytes: about 1/1000 of that on the wire."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * MB
    parts = [packer.compress(chunk) for _ in range(inflated // MB)]
    parts.append(packer.flush())
    return b"".join(parts)


class _HostileHandler(_Handler):
    server: _HostileHTTPServer

    def _serve(self, head: bool) -> None:
        replica: HostileServer = self.server.replica  # type: ignore[assignment]
        target = self.path
        from urllib.parse import urlsplit

        parts = urlsplit(target)
        if target.startswith(("http://", "https://")):
            host = (parts.hostname or "").lower()
        else:
            host = (self.headers.get("Host") or "").split(":")[0].lower()
        url = f"http://{host}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
        action = replica.action(url)
        if action is None:
            super()._serve(head)
            return
        replica.log(self.command, url, 0)
        getattr(self, f"_fault_{action}")(parts.path)

    # -- faults ------------------------------------------------------------------------------

    def _headers(self, status: int, extra: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()

    def _hang(self) -> None:
        self.server.replica.stopping.wait(HANG_SECONDS)  # type: ignore[attr-defined]
        self.close_connection = True

    def _fault_hang_before_headers(self, path: str) -> None:
        self._hang()

    def _fault_hang_in_body(self, path: str) -> None:
        self._headers(200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": "20000"})
        self.wfile.write(b"<html><head><title>\xe6\x96\xb0\xe9\x97\xbb</title></head><body><p>")
        self.wfile.flush()
        self._hang()

    def _fault_reset(self, path: str) -> None:
        # SO_LINGER 0: close() sends a TCP RST instead of a FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()

    def _fault_corrupt_gzip(self, path: str) -> None:
        body = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(256)) * 4
        self._send_encoded(body)

    def _fault_gzip_bomb(self, path: str) -> None:
        self._send_encoded(gzip_bomb())

    def _send_encoded(self, body: bytes) -> None:
        self._headers(
            200,
            {
                "Content-Type": "text/html; charset=utf-8",
                "Content-Encoding": "gzip",
                "Content-Length": str(len(body)),
            },
        )
        self.wfile.write(body)

    def _fault_big_page(self, path: str) -> None:
        self._headers(
            200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(BIG_PAGE_BYTES)}
        )
        self._stream(BIG_PAGE_BYTES)

    def _fault_big_page_streamed(self, path: str) -> None:
        # No length: the body ends when the connection closes (HTTP/1.1 allows it).
        self._headers(200, {"Content-Type": "text/html; charset=utf-8", "Connection": "close"})
        self.close_connection = True
        self._stream(BIG_PAGE_BYTES)

    def _stream(self, size: int) -> None:
        paragraph = "<p>保山市融媒体中心消息，这是一段很长的新闻正文。</p>\n".encode()
        chunk = paragraph * (64 * 1024 // len(paragraph))
        sent = 0
        with contextlib.suppress(OSError):
            self.wfile.write(b"<html><head><title>\xe9\x95\xbf\xe6\x96\x87</title></head><body>")
            while sent < size and not self.server.replica.stopping.is_set():  # type: ignore[attr-defined]
                self.wfile.write(chunk)
                sent += len(chunk)

    def _fault_redirect_loop(self, path: str) -> None:
        self._headers(302, {"Location": f"http://{NEWS}{LOOP[path]}", "Content-Length": "0"})

    def _fault_login_wall(self, path: str) -> None:
        self._html(LOGIN_WALL)

    def _fault_busy(self, path: str) -> None:
        self._html(BUSY)

    def _html(self, text: str) -> None:
        body = text.encode("utf-8")
        self._headers(
            200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body))}
        )
        self.wfile.write(body)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()


class _HostileHTTPServer(_HTTPServer):
    def __init__(self, addr: tuple[str, int], replica: ReplicaServer) -> None:
        self.replica = replica
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        ThreadingHTTPServer.__init__(self, addr, _HostileHandler)


class HostileServer(ReplicaServer):
    """:class:`ReplicaServer` with a hostile mode (on by default); see the module docstring."""

    def __init__(self, site: HostileSite, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(site.root, host, port)
        self.site = site
        self.hostile = True
        self.stopping = threading.Event()
        self._walled: set[str] = set()
        self._walls_lock = threading.Lock()

    def start(self) -> HostileServer:
        self.stopping.clear()
        self._httpd = _HostileHTTPServer((self.host, self._port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        super().stop()

    def action(self, url: str) -> str | None:
        """The fault to play for this URL now, or None for the replica's own answer."""
        if not self.hostile:
            return None
        fault = self.site.faults.get(url)
        if fault:
            return fault
        wall = self.site.walls.get(url)
        if wall:
            with self._walls_lock:
                if url not in self._walled:  # the first request only: "for one run"
                    self._walled.add(url)
                    return wall
        return None

    def respond(self, host: str, path: str, query: str) -> tuple[int, bytes, str, dict]:
        if self.hostile and host == NEWS and path == "/":
            body = (self.root / NEWS / "_hostile_home.html").read_bytes()
            return 200, body, "text/html; charset=utf-8", {}
        return super().respond(host, path, query)
