"""Spider-close checks on fake stats: each check passes on a healthy run and fails on its fault."""

from __future__ import annotations

import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler
from spidermon.contrib.scrapy.extensions import Spidermon

from newsportal import settings as project_settings
from newsportal.ops.monitors import (
    DEFAULT_FIELD_COVERAGE,
    Thresholds,
    check_articles_seen,
    check_dropped,
    check_errors,
    check_field_coverage,
    check_finish_reason,
    check_related_reached,
    evaluate,
    read_previous_seen,
    state_path,
    write_seen,
)
from tests.crawling import run_crawl
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site

THRESHOLDS = Thresholds()


def healthy_stats(**overrides: Any) -> dict[str, Any]:
    """A full first crawl of a portal: 200 articles, some reached via 推荐阅读 only."""
    stats: dict[str, Any] = {
        "finish_reason": "finished",
        "item_scraped_count": 198,
        "item_dropped_count": 2,
        "newsportal/dropped/duplicate_content": 2,
        "newsportal/missing/source": 10,
        "newsportal/missing/published_at": 1,
        "newsportal/articles/via_related": 25,
        "downloader/request_count": 260,
        "downloader/exception_count": 1,
        "log_count/WARNING": 3,
    }
    stats.update(overrides)
    return {key: value for key, value in stats.items() if value is not None}


def empty_incremental_stats() -> dict[str, Any]:
    """A run after which nothing is new: every article link was skipped as already stored.

    Scrapy never creates item_scraped_count when no item passes: stock spidermon fails here.
    """
    return {
        "finish_reason": "finished",
        "deltafetch/skipped": 180,
        "downloader/request_count": 12,
        "log_count/INFO": 10,
    }


def by_name(results):
    return {result.name: result for result in results}


# --- pure checks ---------------------------------------------------------------------------------


def test_healthy_run_passes_every_check():
    results = evaluate(healthy_stats(), THRESHOLDS, previous=190)
    assert [r.name for r in results if not r.passed] == []
    assert [r.name for r in results] == [
        "lost",
        "finish_reason",
        "articles_seen",
        "field_coverage",
        "errors",
        "dropped_items",
        "related_reached",
    ]


def test_empty_incremental_run_passes_every_check():
    results = by_name(evaluate(empty_incremental_stats(), THRESHOLDS, previous=200))
    assert {name for name, r in results.items() if not r.passed} == set()
    assert results["articles_seen"].numbers["seen"] == 180
    assert results["field_coverage"].message == "no article extracted: nothing to judge"


@pytest.mark.parametrize("reason", ["shutdown", "closespider_timeout", None])
def test_finish_reason_fails_unless_finished(reason):
    result = check_finish_reason(healthy_stats(finish_reason=reason))
    assert not result.passed
    assert repr(reason) in result.message


def test_articles_seen_fails_on_nothing_seen():
    result = check_articles_seen({"finish_reason": "finished"}, THRESHOLDS, previous=None)
    assert not result.passed
    assert result.message.startswith("no article seen")


def test_articles_seen_counts_new_plus_already_stored():
    stats = {"item_scraped_count": 30, "deltafetch/skipped": 70}
    result = check_articles_seen(stats, THRESHOLDS, previous=200)
    assert result.passed
    assert result.numbers["seen"] == 100  # exactly half of 200 is still fine


def test_articles_seen_fails_below_half_of_previous_run():
    stats = {"item_scraped_count": 30, "deltafetch/skipped": 69}
    result = check_articles_seen(stats, THRESHOLDS, previous=200)
    assert not result.passed
    assert "99 articles seen (30 new + 69 already stored)" in result.message
    assert "previous run's 200" in result.message


def test_articles_seen_prefers_the_distinct_skip_count():
    """deltafetch/skipped counts requests: one stored article linked from 5 pages counts 5."""
    stats = {"deltafetch/skipped": 900, "deltafetch/skipped_articles": 180}
    assert check_articles_seen(stats, THRESHOLDS, previous=None).numbers["seen"] == 180
    assert check_articles_seen({"deltafetch/skipped": 900}, THRESHOLDS, None).numbers["seen"] == 900


def test_articles_seen_skipped_stats_are_configurable():
    stats = {"item_scraped_count": 5, "newsportal/storage/already_stored": 95}
    thresholds = Thresholds(skipped_stats=("newsportal/storage/already_stored",))
    assert check_articles_seen(stats, thresholds, previous=100).passed
    assert not check_articles_seen(stats, THRESHOLDS, previous=100).passed


@pytest.mark.parametrize(
    ("field", "missing", "passes"),
    [
        ("title", 1, False),  # 100% required
        ("body", 1, False),
        ("published_at", 2, True),  # 99% of 200 = 198
        ("published_at", 3, False),
        ("source", 20, True),  # 90% of 200 = 180
        ("source", 21, False),
    ],
)
def test_field_coverage_thresholds(field, missing, passes):
    stats = healthy_stats(**{"newsportal/missing/source": 0, "newsportal/missing/published_at": 0})
    stats[f"newsportal/missing/{field}"] = missing
    result = check_field_coverage(stats, THRESHOLDS)
    assert result.passed is passes
    if not passes:
        assert result.message.startswith(f"{field} ")
        assert f"({200 - missing}/200)" in result.message


def test_field_coverage_counts_dropped_articles():
    """An article dropped for a missing body is still an article whose body was not found."""
    stats = healthy_stats(
        item_scraped_count=100,
        item_dropped_count=100,
        **{"newsportal/missing/body": 100, "newsportal/dropped/missing_body": 100},
    )
    result = check_field_coverage(stats, THRESHOLDS)
    assert not result.passed
    assert "body 50.0% (100/200) < 100%" in result.message


def test_field_coverage_thresholds_come_from_settings_and_merge_over_defaults():
    crawler = get_crawler(Spider, {"NEWSPORTAL_MONITOR_FIELD_COVERAGE": '{"source": 0.5}'})
    thresholds = Thresholds.from_settings(crawler.settings)
    assert thresholds.field_coverage == {**DEFAULT_FIELD_COVERAGE, "source": 0.5}
    stats = healthy_stats(**{"newsportal/missing/source": 90})
    assert check_field_coverage(stats, thresholds).passed
    assert not check_field_coverage(stats, THRESHOLDS).passed


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"log_count/ERROR": 1}, "1 ERROR log lines (besides 0 retry give-ups) > 0"),
        (
            {"log_count/ERROR": 3, "retry/max_reached": 2},
            "1 ERROR log lines (besides 2 retry give-ups) > 0",
        ),
        (
            {"newsportal/errors/http_404": 10, "newsportal/errors/http_500": 4},
            "14 failed pages in 260 pages wanted (5.4% > 5%)",
        ),
        ({"spider_exceptions/count": 2}, "2 spider exceptions > 0"),
        (
            {"downloader/exception_count": 30},
            "30 download exceptions in 260 pages wanted (11.5% > 5%)",
        ),
    ],
)
def test_errors_fail_above_thresholds(overrides, expected):
    result = check_errors(healthy_stats(**overrides), THRESHOLDS)
    assert not result.passed
    assert result.message == expected


def test_failed_pages_are_judged_against_skipped_pages_too():
    """An incremental run downloads few pages but meets the same broken links."""
    stats = {"downloader/request_count": 80, "newsportal/errors/http_404": 5}
    assert not check_errors(stats, THRESHOLDS).passed
    assert check_errors({**stats, "deltafetch/skipped": 220}, THRESHOLDS).passed


def test_retry_give_ups_are_failed_pages_not_errors():
    stats = healthy_stats(
        **{"log_count/ERROR": 2, "retry/max_reached": 2, "newsportal/errors/http_500": 2}
    )
    assert check_errors(stats, THRESHOLDS).passed


def test_errors_threshold_is_a_setting():
    crawler = get_crawler(Spider, {"NEWSPORTAL_MONITOR_MAX_ERRORS": "3"})
    thresholds = Thresholds.from_settings(crawler.settings)
    assert check_errors(healthy_stats(**{"log_count/ERROR": 3}), thresholds).passed
    assert not check_errors(healthy_stats(**{"log_count/ERROR": 4}), thresholds).passed


def test_dropped_ignores_duplicates_but_not_invalid_articles():
    assert check_dropped(
        healthy_stats(**{"newsportal/dropped/duplicate_url": 50}), THRESHOLDS
    ).passed
    result = check_dropped(healthy_stats(**{"newsportal/dropped/missing_title": 11}), THRESHOLDS)
    assert not result.passed
    assert result.message == "11 of 200 articles dropped (5.5% > 5%): missing_title=11"


def test_related_fails_when_no_article_came_through_related_links():
    result = check_related_reached(
        healthy_stats(**{"newsportal/articles/via_related": 0}), THRESHOLDS
    )
    assert not result.passed
    assert "among 200 extracted" in result.message


def test_related_is_not_expected_from_a_handful_of_new_articles():
    stats = {"item_scraped_count": 3, "deltafetch/skipped": 150}
    assert check_related_reached(stats, THRESHOLDS).passed


# --- previous run's count ------------------------------------------------------------------------


def test_state_lives_in_the_data_dir(tmp_path):
    crawler = get_crawler(Spider, {"NEWSPORTAL_DATA_DIR": str(tmp_path)})
    path = state_path(crawler.settings, "jiulong")
    assert path == tmp_path / "monitor" / "jiulong.json"
    assert read_previous_seen(path) is None
    write_seen(path, "jiulong", 123)
    assert read_previous_seen(path) == 123


def test_unreadable_state_is_ignored(tmp_path, caplog):
    path = tmp_path / "jiulong.json"
    path.write_text("{not json", "utf-8")
    with caplog.at_level(logging.WARNING):
        assert read_previous_seen(path) is None
    assert "Ignoring unreadable monitor state" in caplog.text


# --- the spidermon suite, as registered in settings ----------------------------------------------


class Webhook:
    """A real HTTP endpoint on 127.0.0.1 that records what it was sent."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    hook = Webhook()
    yield hook
    hook.close()


def project_crawler(tmp_path, **settings: Any):
    """A crawler with the project's own monitoring settings, its state in a temp data dir."""
    names = [name for name in dir(project_settings) if name.isupper()]
    values = {name: getattr(project_settings, name) for name in names}
    values.update(NEWSPORTAL_DATA_DIR=str(tmp_path), **settings)
    crawler = get_crawler(Spider, values)
    crawler.spider = crawler._create_spider("jiulong")
    return crawler


def close_with_stats(crawler, stats: dict[str, Any]) -> Spidermon:
    extension = Spidermon.from_crawler(crawler)
    crawler.stats.open_spider()
    crawler.stats.set_stats(dict(stats))
    extension.spider_opened(crawler.spider)
    extension.spider_closed(crawler.spider)
    return extension


def test_project_settings_register_the_suite():
    assert project_settings.SPIDERMON_ENABLED is True
    assert project_settings.EXTENSIONS["spidermon.contrib.scrapy.extensions.Spidermon"] == 500
    assert project_settings.SPIDERMON_SPIDER_CLOSE_MONITORS == (
        "newsportal.ops.monitors.SpiderCloseMonitorSuite",
    )


def test_settings_defaults_agree_with_thresholds(tmp_path):
    crawler = project_crawler(tmp_path)
    assert Thresholds.from_settings(crawler.settings) == Thresholds()


def test_failing_run_logs_error_sets_stats_and_posts_webhook(tmp_path, caplog, webhook):
    crawler = project_crawler(tmp_path, NEWSPORTAL_MONITOR_WEBHOOK=webhook.url)
    stats = healthy_stats(**{"newsportal/missing/published_at": 200})
    with caplog.at_level(logging.INFO):
        close_with_stats(crawler, stats)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    failed_lines = [line for line in errors if line.startswith("Monitor check")]
    assert len(failed_lines) == 1
    assert failed_lines[0].startswith(
        "Monitor check field_coverage FAILED for jiulong: published_at 0.0% (0/200) < 99%"
    )
    assert crawler.stats.get_value("newsportal/monitor/failed") == 1
    assert crawler.stats.get_value("newsportal/monitor/failed/field_coverage") == 1
    assert crawler.stats.get_value("newsportal/monitor/failed/errors") is None
    [payload] = webhook.received
    assert payload["spider"] == "jiulong"
    assert [check["name"] for check in payload["failed"]] == ["field_coverage"]
    assert payload["failed"][0]["numbers"]["coverage"]["published_at"] == 0.0


def test_passing_run_sets_zero_and_records_baseline(tmp_path, webhook):
    crawler = project_crawler(tmp_path, NEWSPORTAL_MONITOR_WEBHOOK=webhook.url)
    close_with_stats(crawler, healthy_stats())
    assert crawler.stats.get_value("newsportal/monitor/failed") == 0
    assert webhook.received == []
    assert read_previous_seen(tmp_path / "monitor" / "jiulong.json") == 198


def test_shrunken_run_fails_against_recorded_baseline_and_keeps_it(tmp_path, caplog):
    write_seen(tmp_path / "monitor" / "jiulong.json", "jiulong", 400)
    crawler = project_crawler(tmp_path)
    with caplog.at_level(logging.ERROR):
        close_with_stats(crawler, healthy_stats())
    assert crawler.stats.get_value("newsportal/monitor/failed/articles_seen") == 1
    assert "less than 0.5 x the previous run's 400" in caplog.text
    # A broken run must not become the next run's reference.
    assert read_previous_seen(tmp_path / "monitor" / "jiulong.json") == 400


def test_empty_incremental_run_passes_the_registered_suite(tmp_path, caplog):
    write_seen(tmp_path / "monitor" / "jiulong.json", "jiulong", 200)
    crawler = project_crawler(tmp_path)
    with caplog.at_level(logging.INFO):
        close_with_stats(crawler, empty_incremental_stats())
    assert crawler.stats.get_value("newsportal/monitor/failed") == 0
    assert "Unable to find 'item_scraped_count'" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_crashing_check_still_raises_the_alarm(tmp_path, caplog):
    crawler = project_crawler(tmp_path, NEWSPORTAL_MONITOR_FIELD_COVERAGE='{"source": "high"}')
    with caplog.at_level(logging.ERROR):
        close_with_stats(crawler, healthy_stats())
    assert crawler.stats.get_value("newsportal/monitor/failed/field_coverage") == 1
    assert "Monitor check field_coverage FAILED for jiulong: check crashed: ValueError" in (
        caplog.text
    )


def test_unreachable_webhook_is_logged_without_its_token(tmp_path, caplog, monkeypatch):
    dead = Webhook()
    dead.close()  # the port is now closed: connection refused
    url = dead.url + "/T0KEN-abc123?key=S3CRET-key"
    crawler = project_crawler(tmp_path, NEWSPORTAL_MONITOR_WEBHOOK=url)
    with caplog.at_level(logging.ERROR):
        close_with_stats(crawler, healthy_stats(finish_reason="closespider_timeout"))
    assert crawler.stats.get_value("newsportal/monitor/failed/finish_reason") == 1
    host = dead.url.split("/hook")[0]
    assert f"Monitor webhook {host}/*** failed" in caplog.text
    assert "T0KEN" not in caplog.text and "S3CRET" not in caplog.text
    assert "/hook" not in caplog.text


def test_webhook_is_posted_directly_never_through_the_crawls_proxy(tmp_path, webhook, monkeypatch):
    """The crawl's http_proxy (here one that answers nothing) is not the webhook's way out."""
    dead_proxy = Webhook()
    dead_proxy.close()
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("http_proxy", dead_proxy.url.rsplit("/", 1)[0])
    crawler = project_crawler(tmp_path, NEWSPORTAL_MONITOR_WEBHOOK=webhook.url)
    close_with_stats(crawler, healthy_stats(finish_reason="closespider_timeout"))
    assert [payload["finish_reason"] for payload in webhook.received] == ["closespider_timeout"]


@pytest.mark.parametrize("reason", ["shutdown", "cancelled"])
def test_a_deliberate_stop_raises_no_alarm(tmp_path, caplog, webhook, reason):
    crawler = project_crawler(tmp_path, NEWSPORTAL_MONITOR_WEBHOOK=webhook.url)
    with caplog.at_level(logging.INFO):
        close_with_stats(crawler, healthy_stats(finish_reason=reason, item_scraped_count=3))
    assert webhook.received == []
    assert crawler.stats.get_value("newsportal/monitor/failed") == 0
    assert "FAILED for" not in caplog.text
    assert f"Monitor checks skipped for jiulong: stopped on purpose ({reason})" in caplog.text
    assert read_previous_seen(tmp_path / "monitor" / "jiulong.json") is None


def test_lost_articles_fail_even_a_deliberate_stop(tmp_path, caplog, webhook):
    crawler = project_crawler(tmp_path, NEWSPORTAL_MONITOR_WEBHOOK=webhook.url)
    stats = healthy_stats(finish_reason="shutdown", **{"newsportal/mongo/lost": 7})
    with caplog.at_level(logging.ERROR):
        close_with_stats(crawler, stats)
    assert crawler.stats.get_value("newsportal/monitor/failed/lost") == 1
    assert "Monitor check lost FAILED for jiulong: 7 articles lost" in caplog.text
    [payload] = webhook.received
    assert [check["name"] for check in payload["failed"]] == ["lost"]


def test_a_shared_crawl_can_be_judged_once_through_the_scope_hook(tmp_path, caplog, webhook):
    crawler = project_crawler(
        tmp_path,
        NEWSPORTAL_MONITOR_WEBHOOK=webhook.url,
        NEWSPORTAL_MONITOR_SCOPE="tests.test_monitors.not_this_worker",
    )
    with caplog.at_level(logging.INFO):
        close_with_stats(crawler, {"finish_reason": "finished"})  # would fail every check
    assert webhook.received == []
    assert "judged for the whole shared crawl elsewhere" in caplog.text


def not_this_worker(crawler):
    return None


# --- a real crawl of a replica whose markup broke ------------------------------------------------

# Dates as the portal prints them, but not inside URLs (article URLs carry a date too).
DATE_TEXT = re.compile(
    r"(?<![/\w])(\d{4}-\d{1,2}-\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日)(?![/\d])(\s*\d{1,2}:\d{2}(:\d{2})?)?"
)
BREAKAGES = {
    # The date line vanished from every page.
    "no_dates": lambda html: DATE_TEXT.sub("", html),
    # Paragraphs are gone: the body text moved where the extraction no longer finds it.
    "no_paragraphs": lambda html: re.sub(r"<p[ >].*?</p>", "", html, flags=re.S | re.I),
    # The 推荐阅读 box got another heading: its links are followed as ordinary links, so every
    # article is still found, but the related-articles extraction no longer works.
    "related_renamed": lambda html: html.replace("推荐阅读", "更多内容"),
}


def break_replica(root: Path, breakage: str) -> int:
    """Rewrites every page of a built replica, keeping each page's own encoding."""
    changed = 0
    for path in root.rglob("*.htm*"):
        raw = path.read_bytes()
        encoding = "utf-8"
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            encoding = "gb18030"
            text = raw.decode(encoding)
        broken = BREAKAGES[breakage](text)
        if broken != text:
            path.write_bytes(broken.encode(encoding))
            changed += 1
    return changed


@pytest.mark.parametrize(
    ("breakage", "failing"),
    [
        # Articles whose URL carries their day keep a date (the day, from the URL): the others
        # lose theirs, and the coverage check trips.
        ("no_dates", {"field_coverage": "published_at "}),
        (
            "no_paragraphs",
            {"field_coverage": "body ", "dropped_items": "articles dropped"},
        ),
        ("related_renamed", {"related_reached": "no article reached through 推荐阅读 links"}),
    ],
)
def test_layout_change_trips_the_right_check(tmp_path, webhook, breakage, failing):
    root = tmp_path / "site"
    build_site(root)
    assert break_replica(root, breakage) > 200
    with ReplicaServer(root) as server:
        result = run_crawl(
            server,
            tmp_path / "run",
            env={"NEWSPORTAL_MONITOR_WEBHOOK": webhook.url, "NO_PROXY": "127.0.0.1"},
        )
    # A run whose checks failed did not do its job: cron and CI see a non-zero exit.
    assert result.returncode == 1, result.stderr[-3000:]
    assert f"ERROR: Exit status 1: {len(failing)} closing checks failed" in result.stderr
    assert result.stats["finish_reason"] == "finished"
    assert result.stats["newsportal/monitor/failed"] == len(failing)
    lines = [line for line in result.stderr.splitlines() if "Monitor check" in line]
    assert len(lines) == len(failing)
    for line, (check, message) in zip(lines, failing.items(), strict=True):
        assert result.stats[f"newsportal/monitor/failed/{check}"] == 1
        assert f"ERROR: Monitor check {check} FAILED for jiulong: " in line
        assert message in line.split(" FAILED for jiulong: ", 1)[1]
    [payload] = webhook.received
    assert [check["name"] for check in payload["failed"]] == list(failing)


def test_exit_status_reasons_follow_failed_checks_and_lost_articles(tmp_path):
    from newsportal.ops.monitors import run_failures

    settings = project_crawler(tmp_path).settings
    assert run_failures(healthy_stats(**{"newsportal/monitor/failed": 0}), settings) == []
    failed = {"newsportal/monitor/failed": 2, "newsportal/monitor/failed/errors": 1}
    failed["newsportal/monitor/failed/lost"] = 1
    assert run_failures(failed, settings) == ["2 closing checks failed (errors, lost)"]
    # Checks switched off: lost articles still fail the run.
    assert run_failures({"newsportal/dropped/lost": 3}, settings) == ["3 articles lost"]
