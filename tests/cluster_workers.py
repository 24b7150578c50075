"""Starts several ``scrapy crawl`` workers at once against a replica, as an operator would on
one machine, each with its own feed, stats file and data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.crawling import FAST_SETTINGS, ROOT


@dataclass
class Worker:
    index: int
    process: subprocess.Popen
    directory: Path
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def stats_file(self) -> Path:
        return self.directory / "stats.json"

    @property
    def feed(self) -> Path:
        return self.directory / "items.jsonl"


def start_workers(
    server: Any,
    tmp: Path,
    n: int,
    *args: str,
    env: dict[str, str] | None = None,
    spider: str = "jiulong",
    first: int = 0,
) -> list[Worker]:
    """``n`` workers started together; worker ``i`` keeps its files in ``tmp/worker<i>``."""
    workers = []
    for index in range(first, first + n):
        directory = tmp / f"worker{index}"
        directory.mkdir(parents=True, exist_ok=True)
        full_env = {
            **os.environ,
            **FAST_SETTINGS,
            "http_proxy": server.proxy_url,
            "NEWSPORTAL_FEED": str(directory / "items.jsonl"),
            "NEWSPORTAL_STATS_FILE": str(directory / "stats.json"),
            "NEWSPORTAL_DATA_DIR": str(directory / "data"),
            **(env or {}),
        }
        if "MONGO_URI" not in (env or {}):
            full_env.pop("MONGO_URI", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", spider, *args],
            cwd=ROOT,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        workers.append(Worker(index, process, directory))
    return workers


def wait_workers(workers: list[Worker], timeout: float = 300) -> list[Worker]:
    """Waits for every worker (killing the rest if one hangs) and reads what each wrote."""
    try:
        for worker in workers:
            worker.stdout, worker.stderr = worker.process.communicate(timeout=timeout)
            worker.returncode = worker.process.returncode
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.kill()
                worker.process.communicate()
    for worker in workers:
        if worker.stats_file.exists():
            worker.stats = json.loads(worker.stats_file.read_text(encoding="utf-8"))
        if worker.feed.exists():
            lines = worker.feed.read_text(encoding="utf-8").splitlines()
            worker.items = [json.loads(line) for line in lines if line.strip()]
    return workers
