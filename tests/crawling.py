"""Runs ``scrapy crawl`` in a subprocess against the replica, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# The item fields a replica's ground truth (truth.json) states for every article.
COMPARED_FIELDS = (
    "site",
    "section",
    "title",
    "published_at",
    "source",
    "editor",
    "keywords",
    "body",
    "images",
    "related",
)

# Fast and deterministic against loopback: no throttling, short timeouts for the slow page.
FAST_SETTINGS = {
    "NEWSPORTAL_AUTOTHROTTLE": "0",
    "NEWSPORTAL_DOWNLOAD_DELAY": "0",
    "NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "NEWSPORTAL_DOWNLOAD_TIMEOUT": "2",
    "NEWSPORTAL_RETRY_TIMES": "1",
}


@dataclass
class CrawlResult:
    returncode: int
    stdout: str
    stderr: str
    feed: Path
    stats: dict[str, Any] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)


def run_crawl(
    server: Any,
    tmp: Path,
    *args: str,
    env: dict[str, str] | None = None,
    spider: str = "jiulong",
    timeout: float = 300,
) -> CrawlResult:
    feed = tmp / "items.jsonl"
    stats_file = tmp / "stats.json"
    full_env = {
        **os.environ,
        **FAST_SETTINGS,
        "http_proxy": server.proxy_url,
        "NEWSPORTAL_FEED": str(feed),
        "NEWSPORTAL_STATS_FILE": str(stats_file),
        "NEWSPORTAL_DATA_DIR": str(tmp / "data"),
        **(env or {}),
    }
    if "MONGO_URI" not in (env or {}):
        full_env.pop("MONGO_URI", None)  # the feed, not a developer's own database
    process = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", spider, *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    result = CrawlResult(process.returncode, process.stdout, process.stderr, feed)
    if stats_file.exists():
        result.stats = json.loads(stats_file.read_text(encoding="utf-8"))
    if feed.exists():
        lines = feed.read_text(encoding="utf-8").splitlines()
        result.items = [json.loads(line) for line in lines if line.strip()]
    return result


def assert_refused_at_start(
    process: subprocess.CompletedProcess[str], message: str, secret: str
) -> None:
    """A crawl whose storage or frontier is unreachable stops before its first request: exit 1,
    one ERROR line saying ``message`` (the URL redacted), no traceback, the secret nowhere."""
    output = process.stdout + process.stderr
    assert process.returncode == 1, output[-3000:]
    errors = [line for line in output.splitlines() if " ERROR: " in line]
    assert len(errors) == 1, output[-3000:]
    assert message in errors[0]
    assert secret not in output
    assert "Traceback" not in output
    assert "Spider opened" not in output
