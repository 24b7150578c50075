"""The shared frontier's parts against a real ``redis-server`` (tests/redis_fixtures.py)."""

from __future__ import annotations

import pickle
import time

import pytest
import redis
from itemadapter import ItemAdapter
from scrapy import FormRequest, Request
from scrapy import signals as scrapy_signals
from scrapy.exceptions import DropItem
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newsportal.frontier.addon import FrontierAddon
from newsportal.frontier.connection import (
    FrontierUnavailable,
    frontier_namespace,
    redact_redis_url,
    redis_from_settings,
)
from newsportal.frontier.dedupe import RedisDedupeState, SharedDedupePipeline
from newsportal.frontier.dupefilter import RedisDupeFilter
from newsportal.frontier.fingerprints import FingerprintSet, fingerprint, memory_usage
from newsportal.frontier.queue import Frontier
from newsportal.frontier.serialize import (
    LEASE_META,
    decode_request,
    encode_request,
    request_to_dict,
)
from newsportal.items import NewsArticle
from newsportal.pipelines import dedupe_keys
from newsportal.signals import article_alias
from newsportal.spiders.jiulong import JiulongSpider
from newsportal.storage.mongo import MongoPipeline, items_stored

pytest_plugins = ["tests.redis_fixtures"]


@pytest.fixture
def server(redis_url) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


# -- connection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:s3cret@db:6379/0", "redis://:***@db:6379/0"),
        ("redis://crawler:s3cret@db:6379/2", "redis://crawler:***@db:6379/2"),
        ("rediss://db:6380/1?password=s3cret&x=1", "rediss://db:6380/1?password=***&x=1"),
        ("redis://db:6379/0", "redis://db:6379/0"),
        ("unix:///run/redis.sock?db=3", "unix:///run/redis.sock?db=3"),
    ],
)
def test_redis_url_is_redacted(url, shown):
    assert redact_redis_url(url) == shown


def test_the_db_in_the_url_is_honoured(redis_server):
    crawler = get_crawler(settings_dict={"NEWSPORTAL_REDIS_URL": redis_server.url(7)})
    client = redis_from_settings(crawler.settings)
    client.set("marker", "x")
    assert redis_server.client(7).get("marker") == b"x"
    assert redis_server.client(0).get("marker") is None
    redis_server.client(7).flushdb()


def test_unreachable_redis_is_one_redacted_error_and_exit_1(closed_redis_url, caplog):
    crawler = get_crawler(settings_dict={"NEWSPORTAL_REDIS_URL": closed_redis_url})
    with pytest.raises(FrontierUnavailable) as raised:
        redis_from_settings(crawler.settings)
    assert raised.value.code == 1
    assert "Redis is unreachable at redis://:***@127.0.0.1:" in str(raised.value)
    assert "S3cret" not in caplog.text + str(raised.value)
    assert [r.levelname for r in caplog.records] == ["ERROR"]


def test_namespace_names_spider_and_portal():
    crawler = get_crawler(JiulongSpider)
    spider = JiulongSpider.from_crawler(crawler)
    other = JiulongSpider.from_crawler(get_crawler(JiulongSpider))
    other.allowed_domains = ["example.cn"]
    ns = frontier_namespace(spider, crawler.settings)
    assert ns.startswith("newsportal:jiulong:jiulong:")
    assert ns == frontier_namespace(JiulongSpider.from_crawler(crawler), crawler.settings)
    assert ns != frontier_namespace(other, crawler.settings)


def project_settings(**values: str) -> Settings:
    settings = Settings()
    settings.setmodule("newsportal.settings", priority="project")
    settings.update(values, priority="cmdline")
    return settings


def test_addon_changes_nothing_without_a_url_and_swaps_components_with_one():
    plain = project_settings()
    before = {name: plain.getdict(name) for name in ("SPIDER_MIDDLEWARES", "ITEM_PIPELINES")}
    FrontierAddon().update_settings(plain)
    assert plain.get("SCHEDULER") == "scrapy.core.scheduler.Scheduler"
    assert {name: plain.getdict(name) for name in before} == before
    settings = project_settings(NEWSPORTAL_REDIS_URL="redis://127.0.0.1:1/0")
    FrontierAddon().update_settings(settings)
    assert settings.get("SCHEDULER") == "newsportal.frontier.scheduler.FrontierScheduler"
    names = {getattr(c, "__name__", c) for c in settings.getdict("SPIDER_MIDDLEWARES")}
    assert {"LeaseTracker", "RedisDeltaFetch"} <= names
    assert "newsportal.storage.deltafetch.DeltaFetch" not in names
    pipelines = {getattr(c, "__name__", c) for c in settings.getdict("ITEM_PIPELINES")}
    assert "SharedDedupePipeline" in pipelines
    assert "newsportal.pipelines.DedupePipeline" not in pipelines


# -- fingerprint sets ------------------------------------------------------------------------


def test_fingerprint_set_is_exact_across_bucket_splits(server):
    fps = FingerprintSet(server, "t:fp:", load=4)
    urls = [f"http://news.jiulongw.cn/china/2024-06-05/{n}.html" for n in range(3000)]
    assert all(fps.add([fingerprint(u) for u in urls]))
    assert len(fps) == 3000
    assert all(fps.contains([fingerprint(u) for u in urls]))
    assert not any(fps.contains([fingerprint(u + "?x") for u in urls]))
    assert not any(fps.add([fingerprint(u) for u in urls[:50]]))
    buckets = list(fps.keys())[1:]
    assert len(buckets) > 500  # it split, and every bucket holds what it should
    assert sum(server.scard(b) for b in buckets) == 3000
    fps.clear()
    assert server.dbsize() == 0


def test_fingerprint_set_stays_compact(server):
    fps = FingerprintSet(server, "t:fp:")
    fps.add([fingerprint(f"http://a.cn/{n}.html") for n in range(20000)])
    kinds = {server.object("encoding", key) for key in list(fps.keys())[1:]}
    assert kinds == {b"intset"}
    assert fps.memory_usage() / len(fps) < 12


def test_the_shared_dupefilter_refuses_hit_counters_and_counts_redirect_loops(server):
    crawler = get_crawler(JiulongSpider)
    crawler.stats.open_spider()
    df = RedisDupeFilter(
        FingerprintSet(server, "t:df:"), crawler.request_fingerprinter, False, crawler
    )
    counter = Request("http://news.jiulongw.cn/api.php?op=count&id=142465&modelid=1")
    assert df.request_seen(counter)  # never requested
    a, b = "http://news.jiulongw.cn/a.html", "http://news.jiulongw.cn/b.html"
    assert not df.request_seen(Request(a))
    assert not df.request_seen(Request(b))
    assert df.request_seen(Request(b, meta={"redirect_urls": [a]}))  # a -> b
    assert df.request_seen(Request(a, meta={"redirect_urls": [b]}))  # b -> a: a loop
    assert crawler.stats.get_value("newsportal/counters/skipped") == 1
    assert crawler.stats.get_value("newsportal/errors/redirect_loop") == 1
    assert len(df) == 2


# -- the leased queue ------------------------------------------------------------------------


def test_a_lease_is_not_a_pop_an_expired_lease_comes_back(server):
    alive = Frontier(server, "t", "worker-a")
    other = Frontier(server, "t", "worker-b")
    alive.push(b"one", 0, held=False)
    rid, payload, _ = alive.lease(0.3)
    assert payload == b"one"
    assert other.lease(30)[0] is None  # leased, not available
    time.sleep(0.5)  # worker-a "died": no heartbeat
    again, payload, moved = other.lease(30)
    assert (payload, moved) == (b"one", 1)
    assert not alive.ack(rid)  # too late: the request went to worker-b
    assert other.ack(again)
    assert other.status().drained


def test_first_in_first_out_within_a_priority_and_an_expired_lease_goes_back_first(server):
    a, b = Frontier(server, "t", "a"), Frontier(server, "t", "b")
    for name in (b"one", b"two", b"three"):
        a.push(name, 0, held=False)
    first = a.lease(0.2)
    assert first[1] == b"one"
    time.sleep(0.4)  # a died holding "one": it is next again, before "two"
    assert [b.lease(30)[1] for _ in range(3)] == [b"one", b"two", b"three"]
    assert b.lease(30)[0] is None


def test_a_queued_request_costs_little_more_than_its_payload(server):
    # The queue's widest point is the frontier's largest structure: a list entry per request,
    # no id, hash entry or sorted-set entry until it is leased.
    frontier = Frontier(server, "t", "a")
    payload = b"x" * 62  # a compact link (docs/cluster.md)
    for n in range(10000):
        frontier.push(payload, n % 3, held=False)
    assert frontier.status().queued == 10000
    assert memory_usage(server, frontier.structure_keys()) / 10000 < 75


def test_a_new_url_is_marked_seen_and_queued_in_one_step(server):
    # Two steps would let a worker killed between them leave a URL seen that nobody queued:
    # the page that linked it, read again, would find it "seen" and the article would be lost.
    frontier, seen = Frontier(server, "t", "a"), FingerprintSet(server, "t:df:")
    fp = fingerprint("http://news.jiulongw.cn/china/2024-06-05/142465.html")
    assert frontier.push_new(b"article", 0, False, seen, fp)
    assert not frontier.push_new(b"article", 0, False, seen, fp)  # a duplicate: not queued
    assert fp in seen and len(seen) == 1
    assert frontier.status().queued == 1
    assert frontier.push_new(b"held", -100, True, seen, fp + 1)
    assert frontier.status().held == 1


def test_heartbeats_keep_a_lease(server):
    frontier = Frontier(server, "t", "worker-a")
    frontier.push(b"one", 0, held=False)
    rid, _, _ = frontier.lease(0.4)
    for _ in range(4):
        time.sleep(0.2)
        assert frontier.renew([rid], 0.4) == []
    assert Frontier(server, "t", "worker-b").lease(30)[0] is None


def test_priority_order_and_held_requests_wait_for_all_other_work(server):
    a, b = Frontier(server, "t", "a"), Frontier(server, "t", "b")
    a.push(b"low", -5, held=False)
    a.push(b"held", -100, held=True)
    a.push(b"high", 5, held=False)
    high = a.lease(30)
    assert high[1] == b"high"
    low = b.lease(30)
    assert low[1] == b"low"
    assert b.lease(30)[0] is None  # only the held one is left, and requests are in flight
    a.ack(high[0])
    assert a.lease(30)[0] is None  # b's page may still link to the article's better address
    b.settle(low[0])  # b's page has queued its links: it can add nothing more
    assert a.lease(30)[1] == b"held"


def test_a_run_is_seeded_once_and_ends_once(server):
    a, b = Frontier(server, "t", "a"), Frontier(server, "t", "b")
    run, seeds = a.join(30)
    assert seeds
    assert b.join(30) == (run, False)
    assert not b.status(run).run_over  # a is still seeding
    a.ack(a.seed_id)
    ended = [a.status(run).closed_now, b.status(run).closed_now]
    assert ended == [True, False]
    assert b.status(run).run_over
    assert a.join(30) == (str(int(run) + 1), True)  # the next run is a new one


def test_work_a_worker_keeps_for_its_idle_moment_keeps_the_run_open(server):
    # Worker b holds a held-back article in memory: a, idle, must not end the run before b
    # has queued it (at the hold priority), and held requests wait for it meanwhile.
    a, b = Frontier(server, "t", "a"), Frontier(server, "t", "b")
    run, _ = a.join(30)
    b.join(30)
    a.push(b"other held", -100, held=True)
    b.keep(30)
    a.ack(a.seed_id)
    assert not a.status(run).run_over
    assert a.lease(30)[0] is None  # b may still add a better address: held ones wait
    b.push(b"b's article", -100, held=True)
    assert b.ack(b.keep_id)
    assert a.lease(30)[1] == b"other held"
    assert not a.status(run).run_over


def test_kept_work_of_a_dead_worker_does_not_hold_the_run_for_ever(server):
    a, b = Frontier(server, "t", "a"), Frontier(server, "t", "b")
    run, _ = a.join(30)
    a.ack(a.seed_id)
    b.keep(0.3)  # b dies: no heartbeat
    assert not a.status(run).run_over
    time.sleep(0.5)
    assert a.status(run).closed_now


def test_release_gives_requests_back_at_once(server):
    a = Frontier(server, "t", "a")
    a.push(b"one", 0, held=False)
    rid, _, _ = a.lease(30)
    assert a.release([rid]) == 1
    assert Frontier(server, "t", "b").lease(30)[1] == b"one"


# -- requests in the queue -------------------------------------------------------------------


def test_a_held_back_article_with_its_links_survives_the_queue():
    spider = JiulongSpider.from_crawler(get_crawler(JiulongSpider))
    item = NewsArticle(url="http://news.jiulongw.cn/html/1.html", title="t", body="b")
    link = spider._request("http://news.jiulongw.cn/china/2024-06-05/1.html", via_related=True)
    carrier = Request(
        "data:,",
        callback=spider._release,
        cb_kwargs={"outputs": [item, link]},
        priority=-100,
        dont_filter=True,
        meta={"deltafetch_key": item["url"], LEASE_META: "r1"},
    )
    back = decode_request(encode_request(carrier, spider), spider)
    assert back.priority == -100 and back.dont_filter
    assert back.callback == spider._release
    assert LEASE_META not in back.meta
    restored_item, restored_link = back.cb_kwargs["outputs"]
    assert restored_item == item and isinstance(restored_item, NewsArticle)
    assert isinstance(restored_link, Request)
    assert restored_link.url == link.url and restored_link.callback == spider.parse
    assert restored_link.meta == {"via_related": True}


ARTICLE = "http://news.jiulongw.cn/china/2024-06-05/142435.html"


def _link(spider, **kwargs) -> Request:
    options = {"url": ARTICLE, "callback": spider.parse, "errback": spider.on_error,
               "meta": {"depth": 2}}  # fmt: skip
    return Request(**{**options, **kwargs})


# (what the request is, how to build it from the spider, the form it must be queued in)
ROUND_TRIPS = [
    ("a link from a list page", lambda s: s._request(ARTICLE, via_related=False), b"c"),
    ("a 推荐阅读 link, depth 2", lambda s: _link(s, meta={"via_related": True, "depth": 2}), b"c"),
    (
        "outside the sections, priority -1",
        lambda s: _link(
            s, priority=-1, meta={"via_related": True, "outside_sections": True, "depth": 255}
        ),
        b"c",
    ),
    (
        "outside_sections False, high priority",
        lambda s: _link(s, priority=32767, meta={"outside_sections": False}),
        b"c",
    ),
    ("lowest priority, no meta", lambda s: _link(s, priority=-32768, meta={}), b"c"),
    ("no errback, no callback", lambda s: Request(ARTICLE), b"c"),
    ("an errback alone", lambda s: Request(ARTICLE, errback=s.on_error), b"c"),
    (
        "a leased request: the lease id is not queued",
        lambda s: _link(s, meta={"depth": 0, LEASE_META: "r00000000002a"}),
        b"c",
    ),
    (
        "an IDN host and a Chinese path",
        lambda s: _link(s, url="http://新闻.中国/要闻/1.html"),
        b"c",
    ),
    # Scrapy's RefererMiddleware puts the page a link was found on in every request.
    (
        "the Referer of a list page",
        lambda s: _link(s, headers={"Referer": "http://news.jiulongw.cn/china/"}),
        b"c",
    ),
    ("a Referer on another host", lambda s: _link(s, headers={"Referer": "https://a.cn/x"}), b"c"),
    ("a Referer longer than the URL", lambda s: _link(s, headers={"Referer": ARTICLE * 6}), b"c"),
    ("the Referer is the URL", lambda s: _link(s, headers={"Referer": ARTICLE}), b"c"),
    ("an empty Referer", lambda s: _link(s, headers={"Referer": ""}), b"c"),
    (
        "a Referer with a Chinese path",
        lambda s: _link(
            s, url="http://新闻.中国/要闻/1.html", headers={"Referer": "http://新闻.中国/要闻/"}
        ),
        b"c",
    ),
    ("cb_kwargs", lambda s: _link(s, cb_kwargs={"page": 2}), b"p"),
    ("a multi-page article's next page", lambda s: _link(s, callback=s._parse_page), b"p"),
    ("a POST with a body", lambda s: _link(s, method="POST", body=b"id=1"), b"p"),
    ("another header", lambda s: _link(s, headers={"Accept": "text/html"}), b"p"),
    (
        "a Referer and another header",
        lambda s: _link(s, headers={"Referer": "http://news.jiulongw.cn/", "Accept": "*/*"}),
        b"p",
    ),
    (
        "two Referers",
        lambda s: _link(s, headers={"Referer": ["http://a.cn/", "http://b.cn/"]}),
        b"p",
    ),
    ("dont_filter", lambda s: _link(s, dont_filter=True), b"p"),
    ("another meta key", lambda s: _link(s, meta={"download_slot": "x", "depth": 1}), b"p"),
    (
        "a redirected request",
        lambda s: _link(s, meta={"redirect_urls": [ARTICLE + "?a=1"], "redirect_times": 1}),
        b"p",
    ),
    ("via_related not a bool", lambda s: _link(s, meta={"via_related": 1}), b"p"),
    ("depth past one byte", lambda s: _link(s, meta={"depth": 256}), b"p"),
    ("depth a bool", lambda s: _link(s, meta={"depth": True}), b"p"),
    ("priority past 16 bits", lambda s: _link(s, priority=40000), b"p"),
    ("a Request subclass", lambda s: FormRequest(ARTICLE, formdata={"q": "1"}), b"p"),
    ("the encoding", lambda s: _link(s, encoding="gbk"), b"p"),
    ("flags", lambda s: _link(s, flags=["seed"]), b"p"),
    ("cookies", lambda s: _link(s, cookies={"sid": "1"}), b"p"),
]


@pytest.mark.parametrize(("build", "form"), [(b, f) for _, b, f in ROUND_TRIPS],
                         ids=[name for name, _, _ in ROUND_TRIPS])  # fmt: skip
def test_a_request_comes_back_from_the_queue_exactly(build, form):
    spider = JiulongSpider.from_crawler(get_crawler(JiulongSpider))
    request = build(spider)
    payload = encode_request(request, spider)
    assert payload[:1] == form
    back = decode_request(payload, spider)
    expected = request.to_dict(spider=spider)
    expected["meta"].pop(LEASE_META, None)
    assert back.to_dict(spider=spider) == expected
    assert type(back) is type(request)
    assert back.callback == request.callback and back.errback == request.errback
    if form == b"c" and not request.headers:  # the header and the URL, nothing else
        assert len(payload) == 7 + len(request.url.encode())


def test_a_link_is_queued_in_less_than_half_the_pickled_size():
    spider = JiulongSpider.from_crawler(get_crawler(JiulongSpider))
    request = _link(spider, meta={"via_related": True, "depth": 3}, priority=-1)
    request.headers["Referer"] = "http://news.jiulongw.cn/china/"
    pickled = pickle.dumps(request_to_dict(request, spider), protocol=pickle.HIGHEST_PROTOCOL)
    assert len(encode_request(request, spider)) * 2 < len(pickled)


# -- the in-run dedupe -----------------------------------------------------------------------


def test_dedupe_keeps_one_address_and_lets_a_redelivery_through(server):
    one, two = RedisDedupeState(server, "t:dd:"), RedisDedupeState(server, "t:dd:")
    url = "http://news.jiulongw.cn/china/2024-06-05/1.html"
    mirror = "http://www.jiulongw.cn/china/2024-06-05/1.html"
    assert one.claim(url, url, None, 7) == "new"
    assert two.claim(url, url, None, 7) == "again"  # the same page again: a re-delivery
    assert two.claim(mirror, mirror, None, 7) == "content"  # same content, another address
    assert one.claim(mirror, mirror, None, 7) == "content"  # ... and so when re-delivered
    one.stored([one.pair(url, url)])  # in MongoDB now: its pair is no longer kept
    assert server.scard("t:dd:pairs") == 0
    assert two.claim(url, url, None, 7) == "content"  # re-delivered now: what is stored wins


def test_dedupe_a_canonical_link_claims_the_url_it_names(server):
    one, two = RedisDedupeState(server, "t:dd:"), RedisDedupeState(server, "t:dd:")
    url = "http://news.jiulongw.cn/china/2024-06-05/2.html"
    mobile = "http://m.jiulongw.cn/2.html"
    assert one.claim(url, mobile, None, 8) == "new"  # the mobile page names url canonical
    assert two.claim(url, url, None, 9) == "url"  # the page at url itself is then a duplicate
    assert one.claim(url, mobile, None, 8) == "again"


def test_dedupe_by_article_id_keeps_the_preferred_address_whoever_comes_first(server):
    one, two = RedisDedupeState(server, "t:dd:"), RedisDedupeState(server, "t:dd:")
    static = "http://www.example.cn/news/2024-06-05/142435.html"
    dynamic = "http://www.example.cn/index.php?m=content&c=index&a=show&catid=11&id=142435"
    other = "http://www.example.cn/index.php?m=content&c=index&a=show&catid=12&id=142435"
    identity = 142435 << 10
    assert one.claim(dynamic, dynamic, identity, 1) == "new"
    assert two.claim(static, static, identity, 2) == "better"  # takes over
    assert one.claim(other, other, identity, 3) == "identity"  # worse than the kept one
    assert two.claim(static, static, identity, 2) == "again"
    assert one.claim(dynamic, dynamic, identity, 1) == "again"  # kept once: re-delivered


def test_dedupe_content_merges_pages_with_no_id_never_two_ids(server):
    state = RedisDedupeState(server, "t:dd:")
    a = "http://www.example.cn/news/2024-06-05/1.html"
    b = "http://www.example.cn/news/2024-06-05/2.html"
    plain = "http://www.example.cn/special/story.html"
    assert state.claim(a, a, 1 << 20, 5) == "new"
    assert state.claim(b, b, 2 << 20, 5) == "new"  # another id: never merged on content
    assert state.claim(plain, plain, None, 5) == "content"  # no id: the same story
    assert state.claim(plain + "?x", plain + "?x", None, 6) == "new"
    assert state.claim(b + "#", b + "#", 3 << 20, 6) == "content"  # an id meets no-id content


def test_dedupe_state_keeps_no_url_a_few_bytes_per_article(server):
    state = RedisDedupeState(server, "t:dd:")
    for n in range(3000):
        url = f"http://news.jiulongw.cn/china/2024-06-05/{100000 + n}.html"
        identity, content = fingerprint(url) >> 2, fingerprint(url + "body")
        assert state.claim(url, url, identity, content) == "new"
        state.stored([state.pair(url, url)])
    size = sum(structure.memory_usage() for structure in state.structures)
    # Identity and content: two 8-byte members an article (a URL in a hash: ~115 bytes each).
    assert size / 3000 < 21, size / 3000


@pytest.mark.parametrize("stored_by", ["MongoDB", "the feed"])
def test_shared_dedupe_forgets_a_pair_once_its_article_is_had(server, stored_by):
    # A pair is kept only while its article is in flight: Redis holds no URL per article.
    settings = {}
    if stored_by == "MongoDB":
        settings = {"MONGO_URI": "mongodb://127.0.0.1:9", "ITEM_PIPELINES": {MongoPipeline: 300}}
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    pipeline = SharedDedupePipeline.from_crawler(crawler)
    pipeline.state = RedisDedupeState(server, "t:dd:")
    aliases = []
    crawler.signals.connect(lambda **kw: aliases.append(kw), signal=article_alias, weak=False)
    url = "http://news.jiulongw.cn/china/2024-06-05/142470.html"
    item = NewsArticle(url=url, title="标题", body="正文")
    assert pipeline.process_item(item) is item
    assert server.scard("t:dd:pairs") == 1
    if stored_by == "MongoDB":
        crawler.signals.send_catch_log(items_stored, items=[item], urls=[url])
    else:
        crawler.signals.send_catch_log(scrapy_signals.item_scraped, item=item, response=None)
    assert server.scard("t:dd:pairs") == 0
    twin = NewsArticle(url=url.replace("news.", "www."), title="标题", body="正文")
    with pytest.raises(DropItem):
        pipeline.process_item(twin)
    # The same id and title: an alias of the stored article, named by its identity number.
    identity = dedupe_keys(ItemAdapter(item))[0]
    assert [(a["url"], a["alias"], a["key"]) for a in aliases] == [(None, twin["url"], identity)]
    assert crawler.stats.get_value("newsportal/dropped/duplicate_content") == 1
