"""Crawl throughput against the loopback replica, beside ``scrapy bench`` in the same run.

Target (issue 2): our pages/min with throttling off >= 50% of ``scrapy bench``'s pages/min on
the same machine at the same moment. Both numbers come from the crawlers' own stats.

    python bench/bench_crawl.py [--articles 2000]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.crawling import run_crawl  # noqa: E402
from tests.replica.server import ReplicaServer  # noqa: E402
from tests.replica.site import build_site  # noqa: E402


def scrapy_bench_pages_per_minute(seconds: int) -> float:
    """Stock ``scrapy bench`` (run outside the project, so our settings do not apply)."""
    with tempfile.TemporaryDirectory() as tmp:
        process = subprocess.run(
            [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"],
            cwd=tmp,
            capture_output=True,
            text=True,
            check=True,
        )
    received = int(re.search(r"'response_received_count': (\d+)", process.stderr).group(1))
    elapsed = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", process.stderr).group(1))
    return received / elapsed * 60


def our_pages_per_minute(articles: int) -> tuple[float, int, int]:
    os.environ["REPLICA_SLOW_SECONDS"] = "0"  # read by the in-process replica server
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "replica"
        build_site(root, articles=articles)
        with ReplicaServer(root) as server:
            env = {
                "NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN": "16",
                "NEWSPORTAL_LOG_LEVEL": "WARNING",
            }
            result = run_crawl(server, Path(tmp), env=env, timeout=1800)
    stats = result.stats
    received = stats["response_received_count"]
    return received / stats["elapsed_time_seconds"] * 60, received, len(result.items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--bench-seconds", type=int, default=15)
    args = parser.parse_args()
    stock = scrapy_bench_pages_per_minute(args.bench_seconds)
    ours, pages, items = our_pages_per_minute(args.articles)
    stock_after = scrapy_bench_pages_per_minute(args.bench_seconds)
    reference = (stock + stock_after) / 2
    print(f"{'crawler':<36}{'pages/min':>12}")
    print(f"{'scrapy bench (before, after)':<36}{stock:>12.0f} {stock_after:.0f}")
    label = "newsportal jiulong on the replica"
    print(f"{label:<36}{ours:>12.0f}   ({pages} pages, {items} items)")
    ratio = ours / reference
    verdict = "meets" if ratio >= 0.5 else "MISSES"
    print(f"ratio newsportal / scrapy bench: {ratio:.2f} ({verdict} the 0.50 target)")


if __name__ == "__main__":
    main()
