"""A real MongoDB wire-protocol server on 127.0.0.1 for the storage tests.

By default each server is an ``nx-27017`` process (SQLite-backed, pymongo-compatible) started on
a free port with its own data dir. ``MONGO_TEST_URI=mongodb://...`` points the same tests at a
real mongod instead; tests that need an outage then reach it through a loopback TCP relay that
the fixture cuts and restores, since a shared mongod cannot be stopped by a test.

The server is started with ``scripts/mongo_dev_server.py``, the documented command for trying
newsportal with MongoDB: nx-27017 plus its one fix (dates kept on updates; see that script).

Register with ``pytest_plugins = ["tests.mongo_fixtures"]`` (or import the fixtures).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV_SERVER = ROOT / "scripts" / "mongo_dev_server.py"

READY_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_ping(uri: str, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        client: pymongo.MongoClient = pymongo.MongoClient(uri, serverSelectionTimeoutMS=300)
        try:
            client.admin.command("ping")
            return
        except pymongo.errors.PyMongoError as exc:
            last = exc
            time.sleep(0.1)
        finally:
            client.close()
    raise RuntimeError(f"MongoDB test server at {uri} did not answer: {last}")


class NxServer:
    """An nx-27017 process on a fixed free port, which tests may stop, kill and restart."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = root
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        root.mkdir(parents=True, exist_ok=True)

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        log = open(self.root / "server.out", "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(DEV_SERVER),
                "--data-dir",
                str(self.root / "data"),
                "--host",
                "127.0.0.1",
                "-p",
                str(self.port),
                "--log-file",
                str(self.root / "server.log"),
                "--pid-file",
                str(self.root / "server.pid"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        try:
            wait_for_ping(self.uri)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def client(self) -> pymongo.MongoClient:
        return pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=5000, tz_aware=True)


class TcpRelay:
    """Forwards a loopback port to a MongoDB server; ``stop`` is an outage as clients see it."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class ExternalServer:
    """A real mongod from ``MONGO_TEST_URI``, reached through a relay that tests can cut."""

    def __init__(self, uri: str) -> None:
        match = re.match(r"^mongodb://(?P<auth>[^@/]*@)?(?P<host>[^/?,:]+)(:(?P<port>\d+))?", uri)
        if not match:
            raise ValueError("MONGO_TEST_URI must be a single-host mongodb:// URI")
        self.auth = match["auth"] or ""
        self.relay = TcpRelay((match["host"], int(match["port"] or 27017)))
        self.port = self.relay.port

    @property
    def uri(self) -> str:
        return f"mongodb://{self.auth}127.0.0.1:{self.port}/?directConnection=true"

    def start(self) -> None:
        self.relay.start()
        wait_for_ping(self.uri)

    def stop(self) -> None:
        self.relay.stop()

    def client(self) -> pymongo.MongoClient:
        return pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=5000, tz_aware=True)


MongoTestServer = NxServer | ExternalServer


def make_server(root: Path) -> MongoTestServer:
    external = os.environ.get("MONGO_TEST_URI")
    return ExternalServer(external) if external else NxServer(root)


def running(server: Any) -> Iterator[Any]:
    """Starts a test server (anything with start/stop), yields it, always stops it."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


def running_server(root: Path) -> Iterator[MongoTestServer]:
    yield from running(make_server(root))


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory) -> Iterator[MongoTestServer]:
    """One server for the session; tests keep apart by using their own database."""
    yield from running_server(tmp_path_factory.mktemp("mongo"))


@pytest.fixture
def private_mongo_server(tmp_path_factory) -> Iterator[MongoTestServer]:
    """A server of the test's own, for tests that stop and restart it."""
    yield from running_server(tmp_path_factory.mktemp("mongo-private"))


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: MongoDB "unreachable"."""
    return free_port()


@pytest.fixture
def mongo_database(mongo_server) -> Iterator[str]:
    """A fresh database name on the session server, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    client = mongo_server.client()
    try:
        with contextlib.suppress(pymongo.errors.PyMongoError):
            client.drop_database(name)
    finally:
        client.close()
