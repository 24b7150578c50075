"""A real ``redis-server`` on 127.0.0.1 for the shared-frontier tests.

Never the machine's Redis on 6379: each server is a ``redis-server`` process of the test
session's own, on a free port, without persistence (nothing written to disk), which tests may
stop and start again on the same port (a Redis outage). Tests keep apart by database index.

Register with ``pytest_plugins = ["tests.redis_fixtures"]`` (or import the fixtures).
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.mongo_fixtures import free_port, running

READY_TIMEOUT = 20.0
DATABASES = 64


class RedisServer:
    """A ``redis-server`` process on a fixed free loopback port."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = root
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        root.mkdir(parents=True, exist_ok=True)

    def url(self, db: int = 0, password: str | None = None) -> str:
        auth = f":{password}@" if password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=10)

    def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.process = subprocess.Popen(
            [
                executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.root),
                "--save",
                "",
                "--appendonly",
                "no",
                "--databases",
                str(DATABASES),
                "--protected-mode",
                "yes",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            with contextlib.suppress(redis.RedisError):
                if self.client().ping():
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (its data is gone: no persistence), e.g. for an outage."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def running_redis(root: Path) -> Iterator[RedisServer]:
    yield from running(RedisServer(root))


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    """One redis-server for the session; tests keep apart by database (``redis_url``)."""
    yield from running_redis(tmp_path_factory.mktemp("redis"))


@pytest.fixture
def private_redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    """A redis-server of the test's own, for tests that stop and restart it."""
    yield from running_redis(tmp_path_factory.mktemp("redis-private"))


_databases = itertools.cycle(range(1, DATABASES))


@pytest.fixture
def redis_url(redis_server) -> Iterator[str]:
    """A URL of an empty database on the session server (``/db`` in the URL), flushed after."""
    db = next(_databases)
    client = redis_server.client(db)
    client.flushdb()
    yield redis_server.url(db)
    with contextlib.suppress(redis.RedisError):
        client.flushdb()
    client.close()


@pytest.fixture
def closed_redis_url() -> str:
    """A Redis URL (with a password, to check redaction) where nothing listens."""
    return f"redis://:S3cret-redis-pw@127.0.0.1:{free_port()}/3"
