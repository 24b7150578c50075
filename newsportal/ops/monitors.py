"""Checks run at spider close, so an unattended run that went wrong cannot pass unnoticed.

A portal redesign rarely crashes a spider: it quietly yields fewer articles, or articles without
dates or bodies, and the job still ends "finished". These checks read the closing stats and fail
loudly: an ERROR naming the check and its numbers, the stat ``newsportal/monitor/failed`` (plus
``newsportal/monitor/failed/<check>``), and optionally a JSON POST to a webhook.

The checks are pure functions of the stats (tested on plain dicts); spidermon runs them as a
monitor suite at spider close. Stock spidermon monitors are not used: they fail an incremental run
that legitimately found nothing new (no ``item_scraped_count`` stat at all), and they only see
items that survived the pipelines, while a layout change shows in the items that were dropped.

A deliberate stop (finish reason ``shutdown``: Ctrl-C, SIGTERM, a cancelled scrapyd job) raises
no alarm: only the ``lost`` check runs then. ``scrapy parse`` runs no checks at all (see
:mod:`newsportal.ops.commands`). ``scrapy crawl`` exits with status 1 when a check failed or
articles were lost (:func:`run_failures`).

Hook for a crawl shared by several workers: ``NEWSPORTAL_MONITOR_SCOPE`` names a callable
``(crawler) -> stats | None`` that returns the stats to judge (the whole crawl's), or None when
this worker must not judge (another one does, once for the crawl). Empty: this run's own stats.

Register with (see the end of :mod:`newsportal.settings`)::

    SPIDERMON_ENABLED = True
    EXTENSIONS = {"spidermon.contrib.scrapy.extensions.Spidermon": 500}
    SPIDERMON_SPIDER_CLOSE_MONITORS = ("newsportal.ops.monitors.SpiderCloseMonitorSuite",)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object
from spidermon import Action, Monitor, MonitorSuite, monitors

from newsportal.ops.redact import redact_url, scrub

logger = logging.getLogger(__name__)

STAT_PREFIX = "newsportal/monitor"
DEFAULT_FIELD_COVERAGE = {"title": 1.0, "body": 1.0, "published_at": 0.99, "source": 0.9}
# Drops that are the pipelines doing their job, not lost articles.
DEFAULT_DROPPED_IGNORE = ("duplicate_url", "duplicate_content", "already_stored")
# Stats counting articles met but not stored again because an earlier run stored them; the
# first one present in a run's stats is used. "deltafetch/skipped" counts skipped *requests*
# (one article linked from five pages counts five times), so a distinct count is preferred.
DEFAULT_SKIPPED_STATS = ("deltafetch/skipped_articles", "deltafetch/skipped")
# Stats counting articles lost for good: neither stored nor kept in the spool.
DEFAULT_LOST_STATS = ("newsportal/mongo/lost", "newsportal/dropped/lost")
# Finish reasons of a stop someone asked for: no alarm.
DEFAULT_QUIET_REASONS = ("shutdown", "cancelled")


@dataclass(frozen=True)
class Thresholds:
    """What a healthy run looks like; every value is a setting (see :meth:`from_settings`)."""

    min_seen_ratio: float = 0.5
    field_coverage: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_FIELD_COVERAGE)
    )
    max_errors: int = 0
    max_spider_exceptions: int = 0
    max_download_error_ratio: float = 0.05
    max_dropped_ratio: float = 0.05
    dropped_ignore: tuple[str, ...] = DEFAULT_DROPPED_IGNORE
    skipped_stats: tuple[str, ...] = DEFAULT_SKIPPED_STATS
    related_min_articles: int = 10
    lost_stats: tuple[str, ...] = DEFAULT_LOST_STATS
    quiet_reasons: tuple[str, ...] = DEFAULT_QUIET_REASONS

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Thresholds:
        coverage = dict(DEFAULT_FIELD_COVERAGE)
        coverage.update(
            {
                name: float(value)
                for name, value in settings.getdict("NEWSPORTAL_MONITOR_FIELD_COVERAGE").items()
            }
        )
        default = cls()
        return cls(
            min_seen_ratio=settings.getfloat(
                "NEWSPORTAL_MONITOR_MIN_SEEN_RATIO", default.min_seen_ratio
            ),
            field_coverage=coverage,
            max_errors=settings.getint("NEWSPORTAL_MONITOR_MAX_ERRORS", default.max_errors),
            max_spider_exceptions=settings.getint(
                "NEWSPORTAL_MONITOR_MAX_SPIDER_EXCEPTIONS", default.max_spider_exceptions
            ),
            max_download_error_ratio=settings.getfloat(
                "NEWSPORTAL_MONITOR_MAX_DOWNLOAD_ERROR_RATIO", default.max_download_error_ratio
            ),
            max_dropped_ratio=settings.getfloat(
                "NEWSPORTAL_MONITOR_MAX_DROPPED_RATIO", default.max_dropped_ratio
            ),
            dropped_ignore=tuple(
                settings.getlist("NEWSPORTAL_MONITOR_DROPPED_IGNORE", list(default.dropped_ignore))
            ),
            skipped_stats=tuple(
                settings.getlist("NEWSPORTAL_MONITOR_SKIPPED_STATS", list(default.skipped_stats))
            ),
            related_min_articles=settings.getint(
                "NEWSPORTAL_MONITOR_RELATED_MIN_ARTICLES", default.related_min_articles
            ),
            lost_stats=tuple(
                settings.getlist("NEWSPORTAL_MONITOR_LOST_STATS", list(default.lost_stats))
            ),
            quiet_reasons=tuple(
                settings.getlist("NEWSPORTAL_MONITOR_QUIET_REASONS", list(default.quiet_reasons))
            ),
        )


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    message: str
    numbers: dict[str, Any] = field(default_factory=dict)


# --- numbers derived from the stats --------------------------------------------------------------


def _count(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key) or 0
    return int(value) if isinstance(value, int | float) else 0


def articles_extracted(stats: Mapping[str, Any]) -> int:
    """Articles the spider produced this run, kept or dropped by the pipelines.

    The spider counts ``newsportal/missing/<field>`` on every article it yields, before the
    pipelines, so coverage must be measured against the same set: an article dropped for a
    missing body is exactly what the body check must see.
    """
    return _count(stats, "item_scraped_count") + _count(stats, "item_dropped_count")


def articles_skipped(stats: Mapping[str, Any], skipped_stats: Iterable[str]) -> int:
    """Articles not fetched or stored again because an earlier run already stored them, from
    the first of ``skipped_stats`` that the run has."""
    return next((_count(stats, key) for key in skipped_stats if key in stats), 0)


def articles_seen(stats: Mapping[str, Any], skipped_stats: Iterable[str]) -> int:
    """Articles stored new plus articles skipped as already stored: the size of the portal
    this run saw, which stays stable from run to run even when nothing new appeared."""
    return _count(stats, "item_scraped_count") + articles_skipped(stats, skipped_stats)


def lost_drops(stats: Mapping[str, Any], ignore: Iterable[str]) -> dict[str, int]:
    """Dropped articles by reason, leaving out the reasons that are not a loss (duplicates)."""
    prefix = "newsportal/dropped/"
    ignored = set(ignore)
    return {
        key.removeprefix(prefix): _count(stats, key)
        for key in sorted(stats)
        if key.startswith(prefix) and key.removeprefix(prefix) not in ignored
    }


# --- the checks ----------------------------------------------------------------------------------


def check_finish_reason(stats: Mapping[str, Any]) -> CheckResult:
    reason = stats.get("finish_reason")
    return CheckResult(
        "finish_reason",
        reason == "finished",
        f"finish_reason is {reason!r}, expected 'finished'",
        {"finish_reason": reason},
    )


def check_articles_seen(
    stats: Mapping[str, Any], thresholds: Thresholds, previous: int | None
) -> CheckResult:
    seen = articles_seen(stats, thresholds.skipped_stats)
    numbers = {
        "seen": seen,
        "stored_new": _count(stats, "item_scraped_count"),
        "skipped_already_stored": articles_skipped(stats, thresholds.skipped_stats),
        "previous": previous,
        "min_ratio": thresholds.min_seen_ratio,
    }
    if seen <= 0:
        return CheckResult(
            "articles_seen",
            False,
            "no article seen: 0 stored new, 0 skipped as already stored",
            numbers,
        )
    if previous:
        minimum = previous * thresholds.min_seen_ratio
        numbers["minimum"] = minimum
        if seen < minimum:
            return CheckResult(
                "articles_seen",
                False,
                f"{seen} articles seen ({numbers['stored_new']} new + "
                f"{numbers['skipped_already_stored']} already stored), less than "
                f"{thresholds.min_seen_ratio:g} x the previous run's {previous}",
                numbers,
            )
    return CheckResult(
        "articles_seen",
        True,
        f"{seen} articles seen (previous run: {previous if previous else 'none recorded'})",
        numbers,
    )


def check_field_coverage(stats: Mapping[str, Any], thresholds: Thresholds) -> CheckResult:
    """Share of extracted articles that have each field; nothing extracted, nothing to judge."""
    extracted = articles_extracted(stats)
    coverage: dict[str, float] = {}
    failing = []
    for name, minimum in thresholds.field_coverage.items():
        if not extracted:
            continue
        missing = min(_count(stats, f"newsportal/missing/{name}"), extracted)
        coverage[name] = round((extracted - missing) / extracted, 4)
        if coverage[name] < minimum:
            failing.append(
                f"{name} {coverage[name]:.1%} ({extracted - missing}/{extracted}) < {minimum:.0%}"
            )
    numbers = {"extracted": extracted, "coverage": coverage}
    if failing:
        return CheckResult("field_coverage", False, "; ".join(failing), numbers)
    if not extracted:
        return CheckResult(
            "field_coverage", True, "no article extracted: nothing to judge", numbers
        )
    return CheckResult(
        "field_coverage", True, f"coverage over {extracted} articles: {coverage}", numbers
    )


def check_errors(stats: Mapping[str, Any], thresholds: Thresholds) -> CheckResult:
    """Errors in our code or storage must be zero; pages the portal failed to serve are judged
    as a share of the requests, since a live portal always has a few.

    Scrapy logs every retry give-up (a page that stayed 500 or timed out) as an ERROR line: those
    count as failed pages, not as errors. Failed pages are a share of the pages the crawl wanted,
    downloaded or skipped as already stored: an incremental run downloads few pages, yet meets
    the portal's permanently broken links as often as a full one.
    """
    retry_give_ups = _count(stats, "retry/max_reached")
    errors = max(0, _count(stats, "log_count/ERROR") - retry_give_ups)
    spider_exceptions = _count(stats, "spider_exceptions/count")
    requests_made = _count(stats, "downloader/request_count")
    pages_wanted = requests_made + articles_skipped(stats, thresholds.skipped_stats)
    download_errors = _count(stats, "downloader/exception_count")
    failed_pages = sum(_count(stats, key) for key in stats if key.startswith("newsportal/errors/"))
    numbers = {
        "errors": errors,
        "retry/max_reached": retry_give_ups,
        "spider_exceptions/count": spider_exceptions,
        "downloader/exception_count": download_errors,
        "failed_pages": failed_pages,
        "downloader/request_count": requests_made,
        "pages_wanted": pages_wanted,
    }
    problems = []
    if errors > thresholds.max_errors:
        problems.append(
            f"{errors} ERROR log lines (besides {retry_give_ups} retry give-ups) "
            f"> {thresholds.max_errors}"
        )
    if spider_exceptions > thresholds.max_spider_exceptions:
        problems.append(
            f"{spider_exceptions} spider exceptions > {thresholds.max_spider_exceptions}"
        )
    for count, what in ((download_errors, "download exceptions"), (failed_pages, "failed pages")):
        ratio = count / pages_wanted if pages_wanted else 0.0
        if ratio > thresholds.max_download_error_ratio:
            problems.append(
                f"{count} {what} in {pages_wanted} pages wanted "
                f"({ratio:.1%} > {thresholds.max_download_error_ratio:.0%})"
            )
    if problems:
        return CheckResult("errors", False, "; ".join(problems), numbers)
    return CheckResult("errors", True, "errors within thresholds", numbers)


def check_dropped(stats: Mapping[str, Any], thresholds: Thresholds) -> CheckResult:
    extracted = articles_extracted(stats)
    drops = lost_drops(stats, thresholds.dropped_ignore)
    dropped = sum(drops.values())
    ratio = dropped / extracted if extracted else 0.0
    numbers = {"dropped": dropped, "by_reason": drops, "extracted": extracted}
    if ratio > thresholds.max_dropped_ratio:
        reasons = ", ".join(f"{reason}={count}" for reason, count in drops.items() if count)
        return CheckResult(
            "dropped_items",
            False,
            f"{dropped} of {extracted} articles dropped ({ratio:.1%} > "
            f"{thresholds.max_dropped_ratio:.0%}): {reasons}",
            numbers,
        )
    return CheckResult("dropped_items", True, f"{dropped} of {extracted} dropped", numbers)


def check_related_reached(stats: Mapping[str, Any], thresholds: Thresholds) -> CheckResult:
    """Some articles are linked only from other articles' 推荐阅读 box: a crawl that no longer
    finds that box misses them while every other number looks normal."""
    extracted = articles_extracted(stats)
    via_related = _count(stats, "newsportal/articles/via_related")
    numbers = {"via_related": via_related, "extracted": extracted}
    if extracted < max(thresholds.related_min_articles, 1):
        return CheckResult(
            "related_reached",
            True,
            f"{extracted} articles extracted: too few to expect 推荐阅读 ones",
            numbers,
        )
    if via_related <= 0:
        return CheckResult(
            "related_reached",
            False,
            f"no article reached through 推荐阅读 links among {extracted} extracted",
            numbers,
        )
    return CheckResult("related_reached", True, f"{via_related} reached via 推荐阅读", numbers)


def articles_lost(stats: Mapping[str, Any], lost_stats: Iterable[str]) -> dict[str, int]:
    return {key: _count(stats, key) for key in lost_stats if _count(stats, key) > 0}


def check_lost(stats: Mapping[str, Any], thresholds: Thresholds) -> CheckResult:
    """Articles that were extracted but are neither stored nor spooled: a loss, whatever else
    the run did (and also after a deliberate stop)."""
    lost = articles_lost(stats, thresholds.lost_stats)
    total = sum(lost.values())
    if total:
        where = ", ".join(f"{key}={count}" for key, count in lost.items())
        return CheckResult("lost", False, f"{total} articles lost ({where})", {"lost": lost})
    return CheckResult("lost", True, "no article lost", {"lost": {}})


def is_quiet_stop(stats: Mapping[str, Any], thresholds: Thresholds) -> bool:
    """The run was stopped on purpose (Ctrl-C, SIGTERM, a cancelled scrapyd job)."""
    return stats.get("finish_reason") in thresholds.quiet_reasons


def evaluate(
    stats: Mapping[str, Any], thresholds: Thresholds, previous: int | None = None
) -> list[CheckResult]:
    """All checks, in the order they are reported; after a deliberate stop only ``lost``."""
    if is_quiet_stop(stats, thresholds):
        return [check_lost(stats, thresholds)]
    return [
        check_lost(stats, thresholds),
        check_finish_reason(stats),
        check_articles_seen(stats, thresholds, previous),
        check_field_coverage(stats, thresholds),
        check_errors(stats, thresholds),
        check_dropped(stats, thresholds),
        check_related_reached(stats, thresholds),
    ]


# --- the previous run's numbers ------------------------------------------------------------------


def state_path(settings: BaseSettings, spider_name: str) -> Path:
    """Where the previous run's article count is kept: beside the incremental-crawl state,
    in the persistent data directory that all jobs of the spider share."""
    directory = settings.get("NEWSPORTAL_MONITOR_STATE_DIR") or os.path.join(
        settings.get("NEWSPORTAL_DATA_DIR") or ".", "monitor"
    )
    return Path(os.path.abspath(directory)) / f"{spider_name}.json"


def read_previous_seen(path: Path) -> int | None:
    try:
        data = json.loads(path.read_text("utf-8"))
        return int(data["articles_seen"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("Ignoring unreadable monitor state %s: %s", path, exc)
        return None


def write_seen(path: Path, spider_name: str, seen: int) -> None:
    """Atomic write, so a job killed mid-write leaves the previous record intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "spider": spider_name,
        "articles_seen": seen,
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "job": os.environ.get("SCRAPY_JOB"),
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    os.replace(tmp, path)


# --- spidermon glue ------------------------------------------------------------------------------


def judged_stats(crawler: Any) -> Mapping[str, Any] | None:
    """The stats the checks judge: this run's, or what ``NEWSPORTAL_MONITOR_SCOPE`` returns for
    a shared crawl (None: not judged by this worker). Computed once per crawler."""
    cached = getattr(crawler, "_newsportal_judged_stats", _UNSET)
    if cached is not _UNSET:
        return cached
    scope = crawler.settings.get("NEWSPORTAL_MONITOR_SCOPE")
    stats = load_object(scope)(crawler) if scope else crawler.stats.get_stats()
    crawler._newsportal_judged_stats = stats
    return stats


_UNSET = object()


def crawl_baseline(crawler: Any) -> Any:
    """A shared crawl's baseline (``previous_seen()``, ``record_seen(spider, n)``), kept in
    Redis by the worker that judges it (:mod:`newsportal.frontier.stats`); None: the file."""
    return getattr(crawler, "newsportal_crawl_baseline", None)


class NewsportalMonitor(Monitor):
    """One spidermon test per check; each keeps its CheckResult for the actions to report."""

    longMessage = False

    def _judge(self, name: str, check: Callable[[Mapping[str, Any], Thresholds], CheckResult]):
        stats = judged_stats(self.data.crawler)
        if stats is None:
            self.skipTest("judged once for the whole shared crawl")
        thresholds = Thresholds.from_settings(self.data.crawler.settings)
        if name != "lost" and is_quiet_stop(stats, thresholds):
            self.skipTest(f"stopped on purpose ({stats.get('finish_reason')})")
        self.check = check(stats, thresholds)
        self.assertTrue(self.check.passed, f"{self.check.name}: {self.check.message}")

    @monitors.name("lost")
    @monitors.order(0)
    def test_lost(self) -> None:
        self._judge("lost", check_lost)

    @monitors.name("finish_reason")
    @monitors.order(1)
    def test_finish_reason(self) -> None:
        self._judge("finish_reason", lambda stats, _: check_finish_reason(stats))

    @monitors.name("articles_seen")
    @monitors.order(2)
    def test_articles_seen(self) -> None:
        path = state_path(self.data.crawler.settings, self.data.spider.name)

        def previous_seen() -> int | None:
            baseline = crawl_baseline(self.data.crawler)
            return baseline.previous_seen() if baseline else read_previous_seen(path)

        self._judge(
            "articles_seen",
            lambda stats, thresholds: check_articles_seen(stats, thresholds, previous_seen()),
        )

    @monitors.name("field_coverage")
    @monitors.order(3)
    def test_field_coverage(self) -> None:
        self._judge("field_coverage", check_field_coverage)

    @monitors.name("errors")
    @monitors.order(4)
    def test_errors(self) -> None:
        self._judge("errors", check_errors)

    @monitors.name("dropped_items")
    @monitors.order(5)
    def test_dropped(self) -> None:
        self._judge("dropped_items", check_dropped)

    @monitors.name("related_reached")
    @monitors.order(6)
    def test_related_reached(self) -> None:
        self._judge("related_reached", check_related_reached)


def _checks_run(result: Any) -> list[CheckResult]:
    """The outcome of every check that ran; a check that crashed (e.g. a malformed threshold
    setting) counts as failed, with the exception as its message, so it still raises the alarm."""
    checks = []
    for item in result.monitor_results:
        check = getattr(item.monitor, "check", None)
        if check is None and item.error:
            lines = str(item.error).strip().splitlines()
            check = CheckResult(
                item.monitor.method_name, False, f"check crashed: {lines[-1] if lines else '?'}"
            )
        if check is not None:
            checks.append(check)
    return checks


class RecordRunAction(Action):
    """Keeps this run's article count as the next run's baseline, but only from a run that
    finished and passed the count check: a broken run must not lower the bar for the next."""

    def run_action(self) -> None:
        checks = {check.name: check for check in _checks_run(self.result)}
        finish, seen = checks.get("finish_reason"), checks.get("articles_seen")
        if not (finish and finish.passed and seen and seen.passed):
            logger.info("Monitor baseline not updated: this run is not a healthy reference")
            return
        baseline = crawl_baseline(self.data.crawler)
        if baseline:
            baseline.record_seen(self.data.spider.name, int(seen.numbers["seen"]))
            return
        settings = self.data.crawler.settings
        spider_name = self.data.spider.name
        path = state_path(settings, spider_name)
        try:
            write_seen(path, spider_name, int(seen.numbers["seen"]))
        except OSError as exc:
            logger.error("Could not record the monitor baseline in %s: %s", path, exc)


class ReportFailureAction(Action):
    """The alarm: an ERROR per failing check, stats, and the webhook if one is configured."""

    def run_action(self) -> None:
        crawler = self.data.crawler
        spider = self.data.spider
        failed = [check for check in _checks_run(self.result) if not check.passed]
        for check in failed:
            logger.error(
                "Monitor check %s FAILED for %s: %s | %s",
                check.name,
                spider.name,
                check.message,
                json.dumps(check.numbers, ensure_ascii=False, default=str),
            )
            crawler.stats.set_value(f"{STAT_PREFIX}/failed/{check.name}", 1)
        crawler.stats.set_value(f"{STAT_PREFIX}/failed", len(failed))
        webhook = crawler.settings.get("NEWSPORTAL_MONITOR_WEBHOOK")
        if webhook and failed:
            post_webhook(
                webhook,
                failure_payload(spider.name, failed, judged_stats(crawler) or self.data.stats),
                timeout=crawler.settings.getfloat("NEWSPORTAL_MONITOR_WEBHOOK_TIMEOUT", 10.0),
            )


class ReportPassAction(Action):
    def run_action(self) -> None:
        self.data.crawler.stats.set_value(f"{STAT_PREFIX}/failed", 0)
        stats = judged_stats(self.data.crawler)
        thresholds = Thresholds.from_settings(self.data.crawler.settings)
        if stats is None or is_quiet_stop(stats, thresholds):
            why = (
                "judged for the whole shared crawl elsewhere"
                if stats is None
                else f"stopped on purpose ({stats.get('finish_reason')}): no alarm"
            )
            logger.info("Monitor checks skipped for %s: %s", self.data.spider.name, why)
            return
        logger.info("Monitor checks passed for %s", self.data.spider.name)


def run_failures(stats: Mapping[str, Any], settings: BaseSettings) -> list[str]:
    """Why a finished crawl did not do its job (empty: it did), for ``scrapy crawl``'s exit
    status: failed closing checks, or articles lost even when the checks are off."""
    reasons = []
    failed = _count(stats, f"{STAT_PREFIX}/failed")
    if failed:
        names = sorted(
            key.removeprefix(f"{STAT_PREFIX}/failed/")
            for key in stats
            if key.startswith(f"{STAT_PREFIX}/failed/")
        )
        reasons.append(f"{failed} closing checks failed ({', '.join(names)})")
    lost = articles_lost(stats, Thresholds.from_settings(settings).lost_stats)
    if lost and not _count(stats, f"{STAT_PREFIX}/failed/lost"):
        reasons.append(f"{sum(lost.values())} articles lost")
    return reasons


def failure_payload(
    spider_name: str, failed: list[CheckResult], stats: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "event": "newsportal.monitor.failed",
        "spider": spider_name,
        "job": os.environ.get("SCRAPY_JOB"),
        "project": os.environ.get("SCRAPY_PROJECT"),
        "failed": [asdict(check) for check in failed],
        "finish_reason": stats.get("finish_reason"),
        "item_scraped_count": stats.get("item_scraped_count", 0),
    }


def post_webhook(url: str, payload: dict[str, Any], timeout: float = 10.0) -> bool:
    """POST the failure as JSON; an unreachable webhook is logged, never raised (the run's
    own ERROR lines and stats still carry the alarm).

    The URL is a secret (services put the token in its path), so it is printed as
    ``scheme://host/***`` only, and the POST goes straight to it: never through the crawl's
    ``http_proxy`` (``trust_env`` off), which may belong to someone else."""
    shown = redact_url(url, keep_path=False)
    session = requests.Session()
    session.trust_env = False
    try:
        response = session.post(
            url,
            data=json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            timeout=timeout,
            allow_redirects=False,
        )
        response.raise_for_status()
    except requests.RequestException as exc:
        reason = scrub(f"{exc.__class__.__name__}: {exc}", url)
        logger.error("Monitor webhook %s failed: %s", shown, reason)
        return False
    finally:
        session.close()
    logger.info("Monitor failure posted to webhook %s (%s)", shown, response.status_code)
    return True


class SpiderCloseMonitorSuite(MonitorSuite):
    """The checks every newsportal spider gets at close."""

    monitors = [NewsportalMonitor]  # noqa: RUF012 (spidermon's declarative API)
    monitors_finished_actions = [RecordRunAction]  # noqa: RUF012
    monitors_passed_actions = [ReportPassAction]  # noqa: RUF012
    monitors_failed_actions = [ReportFailureAction]  # noqa: RUF012
