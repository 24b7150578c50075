"""Crawl throughput on loopback replicas, beside ``scrapy bench`` in the same run.

Targets, both from the crawlers' own stats (responses received / elapsed seconds), on the same
machine at the same moment:

- issue 2: ``scrapy crawl jiulong`` on the 九龙网 replica, throttling off: >= 0.5 x scrapy bench;
- issue 7: ``scrapy crawl portal -a url=…`` on a CMS family replica (tests/replica/cms),
  throttling off: >= 0.9 x scrapy bench.

``scrapy bench`` runs before and after ours; the reference is their mean.

    python bench/bench_crawl.py [--articles 2000] [--family phpcms --family-articles 1500]
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
from tests.replica.cms import FAMILIES, build_family  # noqa: E402
from tests.replica.server import ReplicaServer  # noqa: E402
from tests.replica.site import build_site  # noqa: E402

# As fast as the crawler goes: no throttling, scrapy bench's own concurrency (16).
ENV = {"NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN": "16", "NEWSPORTAL_LOG_LEVEL": "WARNING"}


def scrapy_bench_pages_per_second(seconds: int) -> float:
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
    return received / elapsed


def _rate(result) -> tuple[float, int, int]:
    stats = result.stats
    if result.returncode != 0 or "response_received_count" not in stats:
        raise SystemExit(f"crawl failed:\n{result.stderr[-3000:]}")
    received = stats["response_received_count"]
    return received / stats["elapsed_time_seconds"], received, len(result.items)


def jiulong_pages_per_second(articles: int) -> tuple[float, int, int]:
    os.environ["REPLICA_SLOW_SECONDS"] = "0"  # read by the in-process replica server
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "replica"
        build_site(root, articles=articles)
        with ReplicaServer(root) as server:
            return _rate(run_crawl(server, Path(tmp), env=ENV, timeout=1800))


def portal_pages_per_second(family: str, articles: int) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "replica"
        truth = build_family(root, family, articles=articles)
        args = ("-a", f"url={truth['home']}", "-a", f"site={truth['site']}")
        with ReplicaServer(root) as server:
            result = run_crawl(server, Path(tmp), *args, env=ENV, spider="portal", timeout=1800)
    return _rate(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=2000, help="九龙网 replica size")
    parser.add_argument("--family", choices=FAMILIES, default="phpcms")
    parser.add_argument("--family-articles", type=int, default=1500)
    parser.add_argument("--bench-seconds", type=int, default=15)
    args = parser.parse_args()
    stock = scrapy_bench_pages_per_second(args.bench_seconds)
    jiulong = jiulong_pages_per_second(args.articles)
    portal = portal_pages_per_second(args.family, args.family_articles)
    stock_after = scrapy_bench_pages_per_second(args.bench_seconds)
    reference = (stock + stock_after) / 2
    print(f"{'crawler':<44}{'pages/s':>10}")
    print(f"{'scrapy bench (before, after)':<44}{stock:>10.1f} {stock_after:.1f}")
    for label, (rate, pages, items), target in (
        ("newsportal jiulong, 九龙网 replica", jiulong, 0.5),
        (f"newsportal portal, {args.family} replica", portal, 0.9),
    ):
        ratio = rate / reference
        verdict = "meets" if ratio >= target else "MISSES"
        print(f"{label:<44}{rate:>10.1f}   ({pages} pages, {items} items)")
        print(f"  ratio to scrapy bench: {ratio:.2f} ({verdict} the {target:.2f} target)")


if __name__ == "__main__":
    main()
