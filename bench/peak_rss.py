"""Peak RSS of one ``scrapy crawl jiulong`` subprocess, shared by the memory benchmarks.

The crawl runs under a tiny wrapper process that reports its child's ``ru_maxrss``, so two
crawls measured one after the other never mix their peaks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.crawling import FAST_SETTINGS  # noqa: E402

WRAPPER = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def crawl_peak_rss(
    proxy: str, tmp: Path, name: str, *args: str, env: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    """Crawls through ``proxy``; returns the peak RSS in KiB and the crawl's closing stats."""
    stats_file = tmp / f"{name}.json"
    full_env = {
        **os.environ,
        **FAST_SETTINGS,
        **env,
        "http_proxy": proxy,
        "NEWSPORTAL_DATA_DIR": str(tmp / name),
        "NEWSPORTAL_STATS_FILE": str(stats_file),
        "NEWSPORTAL_FEED": "",
        "NEWSPORTAL_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "jiulong", *args]
    out = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if out[0] != "0":
        raise SystemExit(f"crawl {name} failed with exit code {out[0]}")
    return int(out[1]), json.loads(stats_file.read_text(encoding="utf-8"))
