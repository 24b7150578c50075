"""Storage cost: batched upserts beside per-item ``insert_one``; an incremental rerun beside a
first run.

Runs against an nx-27017 wire server it starts on 127.0.0.1 (or ``MONGO_TEST_URI``) and prints,
side by side:

1. write commands per 100 articles (pymongo command monitoring) and articles/s of MongoPipeline
   (first run: all inserts; rerun: all unchanged) and of plain per-item ``insert_one``;
2. ``scrapy crawl jiulong`` of the portal replica into MongoDB, then a rerun after 5 new
   articles were published: requests made as a share of the first run's, and article pages
   downloaded again (target: zero).

    .venv/bin/python bench/bench_storage.py [ARTICLES]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from pymongo import monitoring
from scrapy.utils.test import get_crawler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsportal.items import NewsArticle
from newsportal.storage.mongo import MongoPipeline, article_record
from tests.crawling import run_crawl
from tests.mongo_fixtures import make_server
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site

CST = timezone(timedelta(hours=8))
WRITE_COMMANDS = {"insert", "update", "delete"}


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.counts[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def writes(self) -> int:
        return sum(n for name, n in self.counts.items() if name in WRITE_COMMANDS)


def articles(count: int) -> list[NewsArticle]:
    published = datetime(2024, 6, 5, 16, 33, 17, tzinfo=CST)
    return [
        NewsArticle(
            url=f"http://news.jiulongw.cn/china/2024-06-05/{n}.html",
            site="jiulong",
            section="国内新闻",
            title=f"山西破获电信网络诈骗案件 {n}",
            published_at=published + timedelta(minutes=n),
            published_at_raw="2024-06-05 16:33:17",
            source="中国新闻网",
            editor="代平",
            keywords=["山西", "诈骗"],
            body="中新网太原6月5日电 " * 40 + str(n),
            images=[{"url": f"http://img.jiulongw.cn/{n}.jpg", "caption": None}],
            related=[],
            crawled_at=datetime.now(UTC),
        )
        for n in range(count)
    ]


def run_pipeline(uri: str, database: str, items: list[NewsArticle], data: Path) -> float:
    crawler = get_crawler(
        settings_dict={
            "MONGO_URI": uri,
            "MONGO_DATABASE": database,
            "MONGO_BATCH_SIZE": 100,
            "NEWSPORTAL_DATA_DIR": str(data),
        }
    )
    crawler.stats.open_spider()
    pipeline = MongoPipeline.from_crawler(crawler)

    async def go() -> float:
        await pipeline.open_spider()
        start = time.perf_counter()
        for item in items:
            await pipeline.process_item(item)
        await pipeline.close_spider()
        return time.perf_counter() - start

    return asyncio.run(go())


def run_insert_one(server, database: str, items: list[NewsArticle]) -> float:
    client = server.client()
    collection = client[database]["articles"]
    start = time.perf_counter()
    for item in items:
        record = article_record(item, datetime.now(UTC))
        collection.insert_one({"_id": record["_id"], **record["doc"]})
    elapsed = time.perf_counter() - start
    client.close()
    return elapsed


def measure(label: str, func) -> tuple[str, int, float]:
    listener = Commands()
    monitoring.register(listener)
    try:
        elapsed = func()
    finally:
        monitoring._LISTENERS.command_listeners.remove(listener)
    return label, listener.writes(), elapsed


CRAWL_ARGS = (
    "-s",
    'ITEM_PIPELINES={"newsportal.pipelines.ValidationPipeline": 100, '
    '"newsportal.pipelines.DedupePipeline": 200, "newsportal.storage.mongo.MongoPipeline": 300}',
    "-s",
    'SPIDER_MIDDLEWARES={"newsportal.storage.deltafetch.DeltaFetch": 100}',
)


def incremental(mongo, tmp: Path) -> None:
    root = tmp / "site"
    truth = build_site(root, articles=220)
    env = {"MONGO_URI": mongo.uri, "MONGO_DATABASE": "bench_crawl"}
    with ReplicaServer(root) as site:
        first = run_crawl(site, tmp / "crawl", *CRAWL_ARGS, env=env)
        first_requests = list(site.requests)
        build_site(root, articles=220, extra=5)
        site.reset_log()
        rerun = run_crawl(site, tmp / "crawl", *CRAWL_ARGS, env=env)
        rerun_requests = list(site.requests)
    if first.returncode or rerun.returncode:
        raise SystemExit(f"crawl failed:\n{first.stderr[-2000:]}\n{rerun.stderr[-2000:]}")
    stored = {a["url"] for a in truth["articles"]}
    again = {url for _, url, _ in rerun_requests} & stored
    print()
    print("replica crawl into MongoDB, then a rerun after 5 new articles")
    print(f"{'':38} {'requests':>15} {'share':>12} {'articles re-downloaded':>24}")
    print(f"{'first run':38} {len(first_requests):15d} {1:12.0%} {'-':>24}")
    share = len(rerun_requests) / len(first_requests)
    print(f"{'rerun (deltafetch)':38} {len(rerun_requests):15d} {share:12.0%} {len(again):24d}")
    print(f"new articles stored by the rerun: {rerun.stats.get('newsportal/mongo/inserted', 0)}")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    items = articles(count)
    with tempfile.TemporaryDirectory() as tmp:
        server = make_server(Path(tmp) / "mongo")
        server.start()
        try:
            rows = [
                measure(
                    "MongoPipeline, first run (inserts)",
                    lambda: run_pipeline(server.uri, "bench_a", items, Path(tmp)),
                ),
                measure(
                    "MongoPipeline, rerun (unchanged)",
                    lambda: run_pipeline(server.uri, "bench_a", items, Path(tmp)),
                ),
                measure(
                    "per-item insert_one",
                    lambda: run_insert_one(server, "bench_b", items),
                ),
            ]
            print(f"{count} articles into {type(server).__name__} (batch size 100)")
            print(f"{'':38} {'write cmds/100':>15} {'articles/s':>12} {'vs insert_one':>14}")
            baseline = count / rows[-1][2]
            for label, writes, elapsed in rows:
                rate = count / elapsed
                print(
                    f"{label:38} {writes * 100 / count:15.2f} {rate:12.0f} {rate / baseline:13.1f}x"
                )
            incremental(server, Path(tmp))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
