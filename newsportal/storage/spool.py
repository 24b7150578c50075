"""A local, durable overflow for storage batches that MongoDB could not take.

When MongoDB goes away mid-crawl the articles already scraped must not be lost, and the crawl
should not stop either: the batch goes to a JSON Lines file (one record per line, fsync'd before
we move on) and is replayed when storage is back, later in the same run or at the next run's
open. Replay is idempotent because every write is an upsert keyed by ``_id``, so a replay that is
interrupted half-way can simply run again.

Several scrapyd jobs may share one spool: appends and replays take an exclusive ``flock``, so a
replay never truncates lines another process appended meanwhile.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

from bson import json_util
from bson.json_util import JSONMode, JSONOptions
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from scrapy.utils.conf import closest_scrapy_cfg
from scrapy.utils.project import project_data_dir

logger = logging.getLogger(__name__)

# Dates must come back as dates (BSON datetimes in UTC), not as ISO strings.
_JSON_OPTIONS = JSONOptions(json_mode=JSONMode.RELAXED, tz_aware=True, tzinfo=UTC)


def resolve_data_dir(settings: BaseSettings, value: str, name: str) -> Path:
    """Absolute directory for state that outlives a job (seen-store, spool).

    scrapyd starts each job in its own working directory without ``scrapy.cfg``, where a relative
    path silently points somewhere new (stock scrapy-deltafetch then disables itself with a mere
    warning). A relative path is therefore resolved against ``NEWSPORTAL_DATA_DIR``, else
    Scrapy's project data dir (``.scrapy`` beside ``scrapy.cfg``); with neither we refuse to
    guess and raise, which stops the crawl loudly.
    """
    path = Path(os.path.expanduser(value))
    if path.is_absolute():
        return path
    base = settings.get("NEWSPORTAL_DATA_DIR")
    if base:
        base_path = Path(os.path.expanduser(base))
        if base_path.is_absolute():
            return base_path / path
    if closest_scrapy_cfg():
        with contextlib.suppress(NotConfigured):
            return Path(project_data_dir()).resolve() / path
    raise ValueError(
        f"{name}={value!r} is a relative path and there is no data dir to resolve it against "
        "(NEWSPORTAL_DATA_DIR is not an absolute path and no scrapy.cfg was found): "
        f"set NEWSPORTAL_DATA_DIR or give {name} as an absolute path"
    )


class Spool:
    """Append-only JSON Lines file of storage records, replayed and then emptied."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the spool's exclusive lock (blocking) across processes."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def append(self, records: list[dict[str, Any]]) -> None:
        """Write records durably: once this returns they survive a crash or power loss."""
        if not records:
            return
        data = "".join(
            json_util.dumps(record, json_options=_JSON_OPTIONS, ensure_ascii=False) + "\n"
            for record in records
        ).encode("utf-8")
        with self.locked():
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            _fsync_dir(self.path.parent)

    def pending(self) -> bool:
        """Whether there is anything to replay (cheap: no parsing)."""
        try:
            return self.path.stat().st_size > 0
        except (FileNotFoundError, NotADirectoryError):
            return False

    def read(self) -> list[dict[str, Any]]:
        """All complete records, oldest first; call with the lock held when replaying.

        A line cut short by a kill in the middle of an append was never acknowledged to anyone
        (its items were not marked stored, so the next run fetches them again): it is skipped
        with a warning rather than blocking every later replay.
        """
        try:
            raw = self.path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return []
        records = []
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json_util.loads(line.decode("utf-8"), json_options=_JSON_OPTIONS))
            except ValueError:
                logger.warning("Skipping unreadable line %d of spool %s", number, self.path)
        return records

    def clear(self) -> None:
        """Empty the spool; only after every record in it was written to MongoDB."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
            _fsync_dir(self.path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make a file's creation or removal itself durable, not only its contents."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
