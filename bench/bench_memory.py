"""Peak memory of a crawl of the replica scaled to 10,000 articles: pipelines on beside off.

Both crawls are ``scrapy crawl jiulong`` subprocesses against the same replica; peak RSS is the
child's ``ru_maxrss``, read by a small wrapper process per crawl so the two never mix. "On" stores
into an nx-27017 wire server on 127.0.0.1 through validation, dedupe and MongoPipeline; "off"
sets ``ITEM_PIPELINES={}`` (items are built, then discarded).

    python bench/bench_memory.py [ARTICLES]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peak_rss import crawl_peak_rss  # noqa: E402
from tests.mongo_fixtures import make_server  # noqa: E402
from tests.replica.server import ReplicaServer  # noqa: E402
from tests.replica.site import build_site  # noqa: E402


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    os.environ["REPLICA_SLOW_SECONDS"] = "0"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        build_site(tmp / "replica", articles=count)
        mongo = make_server(tmp / "mongo")
        mongo.start()
        try:
            with ReplicaServer(tmp / "replica") as site:
                off_rss, off = crawl_peak_rss(
                    site.proxy_url, tmp, "off", "-s", "ITEM_PIPELINES={}", env={}
                )
                on_rss, on = crawl_peak_rss(site.proxy_url, tmp, "on", env={"MONGO_URI": mongo.uri})
        finally:
            mongo.stop()
    print(f"crawl of the replica with {count} articles")
    print(f"{'':28} {'peak RSS MiB':>13} {'items':>8} {'stored':>8}")
    print(
        f"{'pipelines off':28} {off_rss / 1024:13.0f} {off.get('item_scraped_count', 0):8d} {0:8d}"
    )
    stored = on.get("newsportal/mongo/inserted", 0)
    scraped = on.get("item_scraped_count", 0)
    print(f"{'pipelines on (MongoDB)':28} {on_rss / 1024:13.0f} {scraped:8d} {stored:8d}")
    print(f"ratio on / off: {on_rss / off_rss:.2f}")


if __name__ == "__main__":
    main()
