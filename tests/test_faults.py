"""Storage faults, as a user meets them: real ``scrapy`` processes, a real server, real signals.

The crawls here run a tiny spider (:class:`GatedSpider`, in this file) through the project's
settings and pipelines against a loopback site whose article pages are served only when the
test opens their gate, so each fault strikes at a known point without any sleeps or timing.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import scrapy

from newsportal.items import NewsArticle
from newsportal.processors import canonicalize_url
from tests.crawling import FAST_SETTINGS, assert_refused_at_start, run_crawl
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site

pytest_plugins = ["tests.mongo_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60.0  # upper bound for anything awaited below; never an assertion about speed

# Until the project settings register them, the crawls here enable storage and deltafetch
# themselves, after the lead's validation (100) and dedupe (200) pipelines.
PIPELINES = {
    "newsportal.pipelines.ValidationPipeline": 100,
    "newsportal.pipelines.DedupePipeline": 200,
    "newsportal.storage.mongo.MongoPipeline": 300,
}
SPIDER_MIDDLEWARES = {"newsportal.storage.deltafetch.DeltaFetch": 100}


class GatedSpider(scrapy.Spider):
    """Home page -> N article pages, one NewsArticle each."""

    name = "gated"
    custom_settings: ClassVar[dict[str, Any]] = {
        "ITEM_PIPELINES": PIPELINES,
        "SPIDER_MIDDLEWARES": SPIDER_MIDDLEWARES,
    }

    async def start(self):
        yield scrapy.Request(self.base + "/", callback=self.parse)

    def parse(self, response):
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_article)

    def parse_article(self, response):
        yield NewsArticle(
            url=canonicalize_url(response.url),
            site="gated",
            section="测试",
            title=response.css("h1::text").get(),
            body=response.css("p::text").get(),
            published_at=None,
            crawled_at=datetime.now(UTC),
        )


ID = 100  # article k has id ID + k in its addresses (a CMS id, as article_key reads it)


class GatedSite:
    """A loopback site whose article ``k`` is served once ``open(k)`` was called.

    Each article has a static address (``/a/<id>.html``) and a dynamic one
    (``/index.php?m=content&c=index&a=show&catid=1&id=<id>``), as PHPCMS serves them; the
    home page links the addresses named in ``links``.
    """

    def __init__(self, articles: int) -> None:
        self.articles = articles
        self.gates = {k: threading.Event() for k in range(1, articles + 1)}
        self.requests: list[str] = []
        self.links = ("static",)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                site.requests.append(self.path)
                match = re.fullmatch(r"/a/(\d+)\.html|/index\.php\?.*&id=(\d+)", self.path)
                if self.path == "/":
                    links = "".join(
                        f'<a href="{site.path(k, kind)}">{k}</a>'
                        for kind in site.links
                        for k in site.gates
                    )
                    body = f"<html><body>{links}</body></html>"
                elif match and int(match[1] or match[2]) - ID in site.gates:
                    k = int(match[1] or match[2]) - ID
                    site.gates[k].wait(WAIT)
                    body = f"<html><body><h1>文章 {k}</h1><p>正文 {k}</p></body></html>"
                else:
                    self.send_error(404)
                    return
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def path(self, k: int, kind: str = "static") -> str:
        if kind == "dynamic":
            return f"/index.php?m=content&c=index&a=show&catid=1&id={ID + k}"
        return f"/a/{ID + k}.html"

    def url(self, k: int, kind: str = "static") -> str:
        return canonicalize_url(self.base + self.path(k, kind))

    def open(self, *ks: int) -> None:
        for k in ks or self.gates:
            self.gates[k].set()

    def article_requests(self) -> list[str]:
        return [path for path in self.requests if path.startswith(("/a/", "/index.php"))]

    def close(self) -> None:
        self.open()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[GatedSite]:
    gated = GatedSite(articles=12)
    yield gated
    gated.close()


class Crawl:
    """``scrapy crawl gated`` (:class:`GatedSpider`, found through ``SPIDER_MODULES``) in the
    project, watched from outside: the project's own ``crawl`` command, exit status included.
    The closing checks are off: they judge a portal crawl, not this tiny site."""

    def __init__(self, tmp: Path, site: GatedSite, server, database: str, **env: str) -> None:
        self.server, self.database = server, database
        self.stderr_path = tmp / f"crawl-{time.monotonic_ns()}.log"
        self.stats_path = tmp / "stats.json"
        self.stats_path.unlink(missing_ok=True)
        full_env = {
            **os.environ,
            "NEWSPORTAL_LOG_LEVEL": "DEBUG",
            "NEWSPORTAL_MONITOR_ENABLED": "0",
            "NEWSPORTAL_AUTOTHROTTLE": "0",
            "NEWSPORTAL_DOWNLOAD_DELAY": "0",
            "NEWSPORTAL_ROBOTSTXT_OBEY": "0",
            "NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN": "16",
            "NEWSPORTAL_DOWNLOAD_TIMEOUT": str(int(WAIT) + 30),
            "NEWSPORTAL_DATA_DIR": str(tmp / "data"),
            "NEWSPORTAL_STATS_FILE": str(self.stats_path),
            "NEWSPORTAL_FEED": "",
            "MONGO_URI": server.uri,
            "MONGO_DATABASE": database,
            "MONGO_TIMEOUT_MS": "500",
            "MONGO_RETRY_BACKOFF": "0.05",
            **env,
        }
        for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            full_env.pop(proxy, None)
        self.log = open(self.stderr_path, "wb")  # noqa: SIM115 - closed in wait()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "gated",
                "-s",
                f"SPIDER_MODULES={__name__}",
                "-a",
                f"base={site.base}",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def output(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def scraped(self) -> list[str]:
        return re.findall(r"Scraped from <200 (\S+)>", self.output())

    def wait_until(self, condition, what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(f"crawl ended while waiting for {what}:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {what}:\n{self.output()[-3000:]}")
            time.sleep(0.05)

    def wait(self) -> int:
        try:
            return self.process.wait(WAIT)
        finally:
            self.log.close()

    def ids(self) -> list[str]:
        """The ids stored in the crawl's collection, read from outside."""
        client = self.server.client()
        try:
            return [doc["_id"] for doc in client[self.database].articles.find({}, {"_id": 1})]
        finally:
            client.close()

    def stats(self) -> dict[str, Any]:
        return json.loads(self.stats_path.read_text(encoding="utf-8"))


def test_unreachable_at_start_stops_at_once_with_one_redacted_error(tmp_path, closed_port):
    uri = f"mongodb://crawler:Pa55w0rd-secret@127.0.0.1:{closed_port}/news?authSource=admin"
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "jiulong",
            "-s",
            "ITEM_PIPELINES=" + json.dumps(PIPELINES),
        ],
        cwd=ROOT,
        env={
            **env,
            "MONGO_URI": uri,
            "MONGO_TIMEOUT_MS": "300",
            "NEWSPORTAL_DATA_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    assert_refused_at_start(
        process, "MongoDB is unreachable at mongodb://crawler:***@127.0.0.1:", "Pa55w0rd-secret"
    )


def test_outage_mid_crawl_spools_then_replays_in_the_same_run(
    tmp_path, site, private_mongo_server, mongo_database
):
    server = private_mongo_server
    crawl = Crawl(
        tmp_path, site, server, mongo_database, MONGO_BATCH_SIZE="4", MONGO_MAX_DELAY="60"
    )
    site.open(1, 2, 3, 4)
    crawl.wait_until(lambda: len(crawl.ids()) == 4, "the first batch in MongoDB")
    server.stop()
    site.open(5, 6, 7, 8)
    spool_dir = tmp_path / "data" / "spool"
    crawl.wait_until(lambda: list(spool_dir.glob("*.jsonl")), "the second batch in the spool")
    server.start()
    site.open()
    assert crawl.wait() == 0, crawl.output()[-3000:]
    stored = crawl.ids()
    assert sorted(stored) == sorted(site.url(k) for k in range(1, 13))
    stats = crawl.stats()
    assert stats["newsportal/mongo/spooled"] == 4
    assert stats["newsportal/mongo/replayed"] == 4
    assert stats["newsportal/mongo/inserted"] == 12
    assert stats["newsportal/mongo/retries"] == 3
    assert not [p for p in spool_dir.glob("*.jsonl") if p.stat().st_size]


def test_kill_9_mid_crawl_then_rerun_stores_every_article_once(
    tmp_path, site, private_mongo_server, mongo_database
):
    server = private_mongo_server
    crawl = Crawl(
        tmp_path, site, server, mongo_database, MONGO_BATCH_SIZE="5", MONGO_MAX_DELAY="60"
    )
    site.open(*range(1, 8))
    crawl.wait_until(lambda: len(crawl.scraped()) == 7, "7 articles through the pipelines")
    assert len(crawl.ids()) == 5  # articles 6 and 7 are still in the pending batch
    crawl.process.send_signal(signal.SIGKILL)
    assert crawl.wait() == -signal.SIGKILL
    stored_before = set(crawl.ids())
    assert len(stored_before) == 5

    site.requests.clear()
    site.open()
    rerun = Crawl(
        tmp_path, site, server, mongo_database, MONGO_BATCH_SIZE="5", MONGO_MAX_DELAY="60"
    )
    assert rerun.wait() == 0, rerun.output()[-3000:]
    stored = crawl.ids()
    assert len(stored) == len(set(stored)) == 12
    assert set(stored) == {site.url(k) for k in range(1, 13)}
    # The rerun downloads exactly the articles that were not stored: the two lost in flight
    # (stock deltafetch had marked them seen already) and the five never reached.
    fetched = {site.base + path for path in site.article_requests()}
    assert fetched == {site.url(k) for k in range(1, 13)} - stored_before
    assert rerun.stats()["deltafetch/skipped"] == 5


def test_sigterm_flushes_the_pending_batch(tmp_path, site, private_mongo_server, mongo_database):
    server = private_mongo_server
    crawl = Crawl(
        tmp_path, site, server, mongo_database, MONGO_BATCH_SIZE="100", MONGO_MAX_DELAY="60"
    )
    site.open(1, 2, 3)
    crawl.wait_until(lambda: len(crawl.scraped()) == 3, "3 articles through the pipelines")
    assert crawl.ids() == []  # all three wait in the batch
    crawl.process.send_signal(signal.SIGTERM)
    crawl.wait_until(lambda: "shutting down gracefully" in crawl.output(), "the shutdown")
    site.open()  # let the downloads in flight finish, as a real site would
    assert crawl.wait() == 0, crawl.output()[-3000:]
    scraped = set(crawl.scraped())
    assert {site.url(k) for k in (1, 2, 3)} <= scraped
    assert set(crawl.ids()) == scraped
    assert crawl.stats()["finish_reason"] == "shutdown"


def test_a_new_database_or_collection_gets_a_full_crawl(
    tmp_path, site, mongo_server, mongo_database
):
    """docs/deploy.md's own `setting=MONGO_DATABASE=news_test` used to give an empty database."""
    site.open()
    assert Crawl(tmp_path, site, mongo_server, mongo_database).wait() == 0
    for env in ({"MONGO_DATABASE": mongo_database + "_test"}, {"MONGO_COLLECTION": "copy"}):
        crawl = Crawl(tmp_path, site, mongo_server, mongo_database, **env)
        assert crawl.wait() == 0, crawl.output()[-3000:]
        client = mongo_server.client()
        try:
            database = client[env.get("MONGO_DATABASE", mongo_database)]
            collection = database[env.get("MONGO_COLLECTION", "articles")]
            assert collection.count_documents({}) == 12
        finally:
            client.drop_database(mongo_database + "_test")
            client.close()
        assert "deltafetch/skipped" not in crawl.stats()


def test_outage_with_an_unwritable_spool_is_one_error_and_exit_code_1(
    tmp_path, site, private_mongo_server, mongo_database
):
    """The exit status comes from the project's `crawl` command (newsportal.ops.commands),
    which fails a run whose stats count lost articles (newsportal/mongo/lost)."""
    server = private_mongo_server
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    crawl = Crawl(
        tmp_path,
        site,
        server,
        mongo_database,
        MONGO_BATCH_SIZE="4",
        MONGO_MAX_DELAY="60",
        MONGO_RETRY_TIMES="0",
        NEWSPORTAL_SPOOL_DIR=str(blocker / "spool"),
    )
    site.open(1, 2, 3, 4)
    crawl.wait_until(lambda: len(crawl.ids()) == 4, "the first batch in MongoDB")
    server.stop()
    site.open()
    assert crawl.wait() == 1, crawl.output()[-3000:]
    output = crawl.output()
    errors = [line for line in output.splitlines() if " ERROR: " in line]
    # One ERROR for the loss, and the crawl command's closing line naming the exit status.
    assert len(errors) == 2, output[-3000:]
    assert "4 articles are LOST" in errors[0] and "exit with code 1" in errors[0]
    assert "Exit status 1: 8 articles lost" in errors[1]
    assert "Traceback" not in output
    assert crawl.stats()["newsportal/mongo/lost"] == 8


def test_a_pending_spool_that_cannot_be_cleared_is_kept_and_the_crawl_goes_on(
    tmp_path, site, private_mongo_server, mongo_database
):
    server = private_mongo_server
    crawl = Crawl(
        tmp_path, site, server, mongo_database, MONGO_BATCH_SIZE="4", MONGO_MAX_DELAY="60"
    )
    site.open(1, 2, 3, 4)
    crawl.wait_until(lambda: len(crawl.ids()) == 4, "the first batch in MongoDB")
    server.stop()
    site.open()
    assert crawl.wait() == 0, crawl.output()[-3000:]  # spooled, nothing lost
    spool_dir = tmp_path / "data" / "spool"
    (spool,) = [p for p in spool_dir.glob("*.jsonl") if p.stat().st_size]
    # A directory we may not write to (as root, chmod alone would not stop us).
    lock = spool.with_name(spool.name + ".lock")
    lock.unlink()
    lock.mkdir()
    spool_dir.chmod(0o555)
    try:
        server.start()
        rerun = Crawl(tmp_path, site, server, mongo_database)
        assert rerun.wait() == 0, rerun.output()[-3000:]
    finally:
        spool_dir.chmod(0o755)
    output = rerun.output()
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and "is kept as it is" in errors[0], output[-3000:]
    assert spool.stat().st_size  # kept for an operator
    # Its articles were never marked stored: fetched again and stored by the rerun.
    assert sorted(rerun.ids()) == sorted(site.url(k) for k in range(1, 13))


def test_static_and_dynamic_addresses_are_one_document_across_a_kill_9(
    tmp_path, site, private_mongo_server, mongo_database
):
    """A PHPCMS article under /a/<id>.html and index.php?...&id=<id> is kept once, static."""
    server = private_mongo_server
    site.links = ("dynamic",)  # the first run meets the dynamic addresses only
    env = {"MONGO_BATCH_SIZE": "5", "MONGO_MAX_DELAY": "60"}
    crawl = Crawl(tmp_path, site, server, mongo_database, **env)
    site.open(*range(1, 8))
    crawl.wait_until(lambda: len(crawl.scraped()) == 7, "7 articles through the pipelines")
    crawl.process.send_signal(signal.SIGKILL)
    assert crawl.wait() == -signal.SIGKILL
    first = {doc["_id"] for doc in stored_docs(server, mongo_database)}
    assert len(first) == 5 and first <= {site.url(k, "dynamic") for k in range(1, 13)}

    site.links = ("dynamic", "static")  # the rerun meets both, dynamic first
    site.open()
    for _ in range(2):  # the rerun, then one more run that must fetch no article again
        site.requests.clear()
        rerun = Crawl(tmp_path, site, server, mongo_database, **env)
        assert rerun.wait() == 0, rerun.output()[-3000:]
        docs = stored_docs(server, mongo_database)
        assert sorted(doc["_id"] for doc in docs) == sorted(site.url(k) for k in range(1, 13))
        for doc in docs:
            k = int(doc["_id"].rsplit("/", 1)[1].split(".")[0]) - ID
            assert site.url(k, "dynamic") in doc["aliases"]
    assert site.article_requests() == []  # both addresses count as seen


# -- the real spider against the portal replica ----------------------------------------------------

REPLICA_ARGS = (
    "-s",
    "ITEM_PIPELINES=" + json.dumps(PIPELINES),
    "-s",
    "SPIDER_MIDDLEWARES=" + json.dumps(SPIDER_MIDDLEWARES),
)


@pytest.fixture
def small_replica(tmp_path) -> Iterator[tuple[Path, ReplicaServer, dict[str, Any]]]:
    """A replica of our own: these tests publish new articles on it."""
    root = tmp_path / "site"
    truth = build_site(root, articles=60)
    with ReplicaServer(root) as server:
        yield root, server, truth


def replica_env(server: ReplicaServer, tmp: Path, mongo, database: str, **extra: str) -> dict:
    env = {
        **os.environ,
        **FAST_SETTINGS,
        "http_proxy": server.proxy_url,
        "NEWSPORTAL_FEED": "",
        "NEWSPORTAL_DATA_DIR": str(tmp / "data"),
        "NEWSPORTAL_STATS_FILE": str(tmp / "stats.json"),
        "MONGO_URI": mongo.uri,
        "MONGO_DATABASE": database,
        **extra,
    }
    env.pop("https_proxy", None)
    return env


def stored_docs(mongo, database: str) -> list[dict[str, Any]]:
    client = mongo.client()
    try:
        return list(client[database].articles.find())
    finally:
        client.close()


def article_urls(truth: dict[str, Any]) -> set[str]:
    return {article["url"] for article in truth["articles"]}


def test_replica_rerun_stores_only_new_articles_and_refetches_none(
    tmp_path, small_replica, mongo_server, mongo_database, seed_expected
):
    root, server, truth = small_replica
    first = run_crawl(
        server,
        tmp_path,
        *REPLICA_ARGS,
        # Small batches: articles are stored (and marked seen) while the run still meets them.
        env=replica_env(server, tmp_path, mongo_server, mongo_database, MONGO_BATCH_SIZE="5"),
    )
    assert first.returncode == 0, first.stderr[-3000:]
    # A first run on an empty store skips nothing (it used to report hundreds of "skips":
    # its own articles met again through lists and 推荐阅读).
    assert "deltafetch/skipped" not in first.stats
    docs = stored_docs(mongo_server, mongo_database)
    assert sorted(doc["_id"] for doc in docs) == sorted(article_urls(truth))
    seed = next(doc for doc in docs if doc["_id"] == truth["seed_url"])
    for field, value in seed_expected.items():
        if field == "published_at":
            value = datetime.fromisoformat(value).astimezone(UTC)
        assert seed[field] == value, field
    assert seed["published_at_raw"] and seed["revision"] == 1
    aliased = {alias for doc in docs for alias in doc["aliases"]}
    expected_aliases = {a for article in truth["articles"] for a in article.get("aliases", [])}
    assert aliased and aliased <= expected_aliases

    new_truth = build_site(root, articles=60, extra=5)  # five articles published since
    new = article_urls(new_truth) - article_urls(truth)
    assert len(new) == 5
    server.reset_log()
    rerun = run_crawl(
        server,
        tmp_path,
        *REPLICA_ARGS,
        env=replica_env(server, tmp_path, mongo_server, mongo_database),
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    refetched = {url for _, url, _ in server.requests} & (article_urls(truth) | aliased)
    assert refetched == set()
    docs = stored_docs(mongo_server, mongo_database)
    assert sorted(doc["_id"] for doc in docs) == sorted(article_urls(new_truth))
    assert rerun.stats["newsportal/mongo/inserted"] == 5
    assert "newsportal/mongo/updated" not in rerun.stats


def test_replica_kill_9_mid_crawl_then_rerun_stores_every_article_once(
    tmp_path, small_replica, private_mongo_server, mongo_database
):
    _, server, truth = small_replica
    mongo = private_mongo_server
    env = replica_env(
        server, tmp_path, mongo, mongo_database, MONGO_BATCH_SIZE="10", MONGO_MAX_DELAY="60"
    )
    log = tmp_path / "killed.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "jiulong", *REPLICA_ARGS],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + WAIT
        while len(stored_docs(mongo, mongo_database)) < 10:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "no batch was ever written"
            time.sleep(0.02)
        process.kill()
        assert process.wait(WAIT) == -signal.SIGKILL
    stored_before = {doc["_id"] for doc in stored_docs(mongo, mongo_database)}
    assert 10 <= len(stored_before) < len(truth["articles"])

    server.reset_log()
    rerun = run_crawl(server, tmp_path, *REPLICA_ARGS, env=env)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    ids = [doc["_id"] for doc in stored_docs(mongo, mongo_database)]
    assert len(ids) == len(set(ids))
    assert set(ids) == article_urls(truth)
    refetched = {url for _, url, _ in server.requests} & stored_before
    assert refetched == set()
