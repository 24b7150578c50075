"""End to end: ``scrapy crawl jiulong`` as a user runs it, against the replica on 127.0.0.1.

The replica server is also the HTTP proxy, so the spider crawls the portal's real URLs,
unmodified. Ground truth comes from the replica generator (truth.json).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.crawling import COMPARED_FIELDS, run_crawl


@pytest.fixture(scope="module")
def crawl(replica, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crawl")
    replica.server.reset_log()
    result = run_crawl(replica.server, tmp)
    return result, list(replica.server.requests)


def test_crawl_exits_cleanly(crawl):
    result, _ = crawl
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stats["finish_reason"] == "finished"


def test_every_article_exactly_once(crawl, replica):
    result, _ = crawl
    urls = [item["url"] for item in result.items]
    expected = {article["url"] for article in replica.truth["articles"]}
    assert len(urls) == len(set(urls)), "an article was emitted twice"
    assert set(urls) - expected == set(), "items that are not articles of the replica"
    assert expected - set(urls) == set(), "articles of the replica that were not found"


def test_fields_equal_ground_truth(crawl, replica):
    result, _ = crawl
    by_url = {item["url"]: item for item in result.items}
    mismatches = []
    for article in replica.truth["articles"]:
        item = by_url.get(article["url"])
        if item is None:
            continue
        for field in COMPARED_FIELDS:
            if item.get(field) != article[field]:
                mismatches.append((article["url"], field, item.get(field), article[field]))
    assert mismatches == [], f"{len(mismatches)} mismatches, first: {mismatches[:5]}"


def test_seed_article_as_in_the_seed(crawl, replica, seed_expected):
    result, _ = crawl
    item = next(item for item in result.items if item["url"] == replica.truth["seed_url"])
    for field, value in seed_expected.items():
        assert item[field] == value, field


def test_no_request_off_site_or_to_disallowed_paths(crawl, replica):
    _, requests = crawl
    hosts = {urlsplit(url).hostname for _, url, _ in requests}
    assert hosts and all(host.endswith("jiulongw.cn") for host in hosts), hosts
    requested = {url for _, url, _ in requests}
    assert requested & set(replica.truth["disallowed_urls"]) == set()


def test_errors_are_counted_not_fatal(crawl):
    result, _ = crawl
    stats = result.stats
    assert stats.get("newsportal/errors/http_404", 0) >= 1
    assert stats.get("newsportal/errors/http_500", 0) >= 1
    assert stats.get("newsportal/errors/redirect_loop", 0) >= 1
    assert stats.get("newsportal/errors/timeout", 0) >= 1  # the slow page, past the 2 s timeout
    assert stats.get("log_count/CRITICAL", 0) == 0
    assert stats.get("spider_exceptions", 0) == 0


def test_closing_stats_tell_what_happened(crawl, replica):
    result, _ = crawl
    stats = result.stats
    articles = len(replica.truth["articles"])
    assert stats["newsportal/pages/article"] >= articles
    assert stats["newsportal/pages/list"] > 0
    per_section = {k: v for k, v in stats.items() if k.startswith("newsportal/articles/section/")}
    assert sum(per_section.values()) >= articles
    assert stats["newsportal/articles/via_related"] >= 1
    assert stats.get("newsportal/dropped/duplicate_content", 0) >= 1


def test_feed_is_json_lines_with_aware_dates(crawl):
    result, _ = crawl
    lines = result.feed.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert first["published_at"].endswith("+08:00")


def test_crawler_traps_are_walked_a_bounded_way(crawl, replica):
    _, requests = crawl
    for trap in replica.truth["traps"]:
        hits = [url for _, url, _ in requests if url.startswith(trap["url_prefix"])]
        # The calendar is endless; the depth limit (30) and the per-parameter cap end it.
        assert len(hits) <= 100, (trap["kind"], len(hits))
    session_variants = {url for _, url, _ in requests if "sid=" in url}
    assert session_variants == set(), "session ids are stripped, so one list page, one request"
