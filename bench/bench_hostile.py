"""Peak memory of a crawl of the hostile replica beside a healthy crawl of the same site.

The hostile replica (tests/replica/hostile.py) serves a gzip bomb (260 KB inflating to
256 MB), 50 MB pages with and without a Content-Length, hanging and resetting pages and login
walls. Before the size caps, such a site took a crawl to 4 GB. Target: the hostile crawl's
peak RSS <= 300 MB. Both crawls are ``scrapy crawl jiulong`` subprocesses storing into an
nx-27017 wire server on 127.0.0.1 with the project's default caps (DOWNLOAD_MAXSIZE,
DOWNLOAD_WARNSIZE); peak RSS is the child's ``ru_maxrss``, read by a wrapper per crawl.

    python bench/bench_hostile.py [ARTICLES]
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
from tests.replica.hostile import HostileServer, build_hostile_site  # noqa: E402

TARGET_MIB = 300


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 220
    os.environ["REPLICA_SLOW_SECONDS"] = "0"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        site = build_hostile_site(tmp / "replica", articles=count)
        mongo = make_server(tmp / "mongo")
        mongo.start()
        try:
            with HostileServer(site) as server:
                env = {
                    "MONGO_URI": mongo.uri,
                    "MONGO_DATABASE": "bench_hostile",
                    "NEWSPORTAL_MONITOR_ENABLED": "0",
                }
                healthy_env = {**env, "MONGO_DATABASE": "bench_healthy"}
                server.hostile = False
                healthy_rss, healthy = crawl_peak_rss(
                    server.proxy_url, tmp, "healthy", env=healthy_env
                )
                server.hostile = True
                hostile_rss, hostile = crawl_peak_rss(server.proxy_url, tmp, "hostile", env=env)
        finally:
            mongo.stop()
    print(f"crawl of the replica with {count} articles, into MongoDB (nx-27017)")
    print(f"{'':18} {'peak RSS MiB':>13} {'stored':>8} {'errors':>8}")
    for name, rss, stats in (("healthy", healthy_rss, healthy), ("hostile", hostile_rss, hostile)):
        stored = stats.get("newsportal/mongo/inserted", 0)
        errors = sum(v for k, v in stats.items() if k.startswith("newsportal/errors/"))
        print(f"{name:18} {rss / 1024:13.0f} {stored:8d} {errors:8d}")
    print(f"ratio hostile / healthy: {hostile_rss / healthy_rss:.2f}")
    verdict = "ok" if hostile_rss / 1024 <= TARGET_MIB else "OVER"
    print(f"hostile peak RSS {hostile_rss / 1024:.0f} MiB, target <= {TARGET_MIB} MiB: {verdict}")


if __name__ == "__main__":
    main()
