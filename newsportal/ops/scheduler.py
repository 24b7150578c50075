"""Starts spiders on scrapyd at cron times: ``python -m newsportal.ops.scheduler schedules.toml``.

scrapyd itself has no timetable, and a plain crontab + curl starts a new job even while the last
one is still crawling: two jobs of one spider then share the incremental-crawl state and store the
same articles twice. This loop asks scrapyd (``listjobs.json``) before every start and skips a
spider whose previous job is still pending or running. Cron expressions are parsed by croniter
(5 fields, or 6 with seconds last). A scrapyd that is down is retried every ``retry_seconds``
until the next cron time; nothing here crashes on a network error. Every decision is logged.

See ``schedules.example.toml`` and docs/deploy.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import signal
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from croniter import croniter

logger = logging.getLogger("newsportal.ops.scheduler")

DEFAULT_URL = "http://127.0.0.1:6800"


class ConfigError(ValueError):
    """The schedules file is wrong: reported before anything is scheduled."""


class ScrapydUnavailable(Exception):
    """scrapyd could not be asked: connection refused, timeout, 5xx, not JSON."""


class ScrapydRefused(Exception):
    """scrapyd answered but said no (unknown project or spider, bad credentials)."""


@dataclass(frozen=True)
class Job:
    """One timetable entry: which spider to start where, when, and with what."""

    name: str
    spider: str
    cron: str
    url: str
    project: str
    settings: dict[str, str] = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    jobs: list[Job]
    timezone: dt.tzinfo
    retry_seconds: float = 30.0
    timeout: float = 10.0
    auth: tuple[str, str] | None = None


def _as_form_value(value: Any) -> str:
    """scrapyd passes everything to Scrapy as strings; lists and tables go as JSON, which
    Scrapy's getlist/getdict read back."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _string_table(raw: Any, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a table")
    return {str(key): _as_form_value(value) for key, value in raw.items()}


def _url(table: Mapping[str, Any], default: str, env: Mapping[str, str], where: str) -> str:
    url = table.get("url", default)
    url_env = table.get("url_env")
    if url_env and env.get(url_env):
        url = env[url_env]
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: url must be an http(s) URL, got {url!r}")
    # A trailing slash would make every API URL "//listjobs.json".
    return url.rstrip("/")


def parse_config(data: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Config:
    """Validates the whole file up front, so a typo stops the scheduler at start, not at 3 am."""
    env = os.environ if env is None else env
    scheduler = data.get("scheduler", {})
    scrapyd = data.get("scrapyd", {})
    tz_name = scheduler.get("timezone")
    try:
        timezone = ZoneInfo(tz_name) if tz_name else dt.datetime.now().astimezone().tzinfo
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"unknown timezone {tz_name!r}") from exc
    default_url = _url(scrapyd, DEFAULT_URL, env, "[scrapyd]")
    default_project = scrapyd.get("project", "newsportal")
    username = env.get(scrapyd.get("username_env", "SCRAPYD_USERNAME"), "")
    password = env.get(scrapyd.get("password_env", "SCRAPYD_PASSWORD"), "")
    spiders = data.get("spiders")
    if not isinstance(spiders, Mapping) or not spiders:
        raise ConfigError("no [spiders.<name>] table: nothing to schedule")
    jobs = []
    for name, table in spiders.items():
        where = f"[spiders.{name}]"
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where} must be a table")
        cron = table.get("cron")
        if not isinstance(cron, str) or not croniter.is_valid(cron):
            raise ConfigError(f"{where}: invalid cron expression {cron!r}")
        jobs.append(
            Job(
                name=name,
                spider=table.get("spider", name),
                cron=cron,
                url=_url(table, default_url, env, where),
                project=table.get("project", default_project),
                settings=_string_table(table.get("settings"), f"{where} settings"),
                args=_string_table(table.get("args"), f"{where} args"),
            )
        )
    return Config(
        jobs=jobs,
        timezone=timezone,
        retry_seconds=float(scheduler.get("retry_seconds", 30)),
        timeout=float(scheduler.get("timeout", 10)),
        auth=(username, password) if username else None,
    )


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> Config:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return parse_config(data, env)


class ScrapydClient:
    """The two scrapyd API calls the scheduler needs, with errors sorted into transient or not."""

    def __init__(
        self, url: str, auth: tuple[str, str] | None = None, timeout: float = 10.0
    ) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.auth = auth
        self.timeout = timeout

    def _call(self, method: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self.url}/{endpoint}"
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise ScrapydUnavailable(f"{url}: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code in (401, 403):
            raise ScrapydRefused(f"{url}: HTTP {response.status_code} (check the credentials)")
        if response.status_code >= 500:
            raise ScrapydUnavailable(f"{url}: HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError as exc:
            raise ScrapydUnavailable(f"{url}: HTTP {response.status_code}, not JSON") from exc
        if not isinstance(payload, dict):
            raise ScrapydUnavailable(f"{url}: HTTP {response.status_code}, not a JSON object")
        if response.status_code >= 400 or payload.get("status") != "ok":
            raise ScrapydRefused(f"{url}: {payload.get('message') or payload}")
        return payload

    def active_jobs(self, project: str, spider: str) -> list[dict[str, Any]]:
        """The spider's pending and running jobs, each with its ``state``."""
        payload = self._call("GET", "listjobs.json", params={"project": project})
        return [
            {**job, "state": state}
            for state in ("pending", "running")
            for job in payload.get(state, [])
            if job.get("spider") == spider
        ]

    def schedule(self, job: Job) -> str:
        data: list[tuple[str, str]] = [("project", job.project), ("spider", job.spider)]
        data += [("setting", f"{key}={value}") for key, value in job.settings.items()]
        data += list(job.args.items())
        return str(self._call("POST", "schedule.json", data=data)["jobid"])


@dataclass
class _Slot:
    job: Job
    due: float
    retry_at: float | None = None


class Scheduler:
    """The loop. ``clock`` and ``stop`` are injectable so tests can drive and end it."""

    def __init__(
        self,
        config: Config,
        clock: Callable[[], float] = time.time,
        stop: threading.Event | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.stop_event = stop or threading.Event()
        self.clients: dict[str, ScrapydClient] = {}
        now = clock()
        self.slots = [_Slot(job, self.next_cron_time(job, now)) for job in config.jobs]

    def client(self, url: str) -> ScrapydClient:
        if url not in self.clients:
            self.clients[url] = ScrapydClient(url, self.config.auth, self.config.timeout)
        return self.clients[url]

    def next_cron_time(self, job: Job, after: float) -> float:
        start = dt.datetime.fromtimestamp(after, self.config.timezone)
        return croniter(job.cron, start).get_next(dt.datetime).timestamp()

    def _when(self, timestamp: float) -> str:
        moment = dt.datetime.fromtimestamp(timestamp, self.config.timezone)
        return moment.isoformat(timespec="seconds")

    def evaluate(self, job: Job) -> str:
        """Starts the job unless its previous one is still active. Returns the outcome:
        ``scheduled``, ``skipped``, ``unavailable`` (retry soon) or ``refused`` (wait)."""
        client = self.client(job.url)
        try:
            active = client.active_jobs(job.project, job.spider)
            if active:
                previous = active[0]
                logger.info(
                    "%s: skip: previous job still running (job %s is %s%s)",
                    job.name,
                    previous.get("id"),
                    previous["state"],
                    f" since {previous['start_time']}" if previous.get("start_time") else "",
                )
                return "skipped"
            jobid = client.schedule(job)
        except ScrapydUnavailable as exc:
            logger.warning("%s: scrapyd unavailable, not scheduled: %s", job.name, exc)
            return "unavailable"
        except ScrapydRefused as exc:
            logger.error("%s: scrapyd refused, not scheduled: %s", job.name, exc)
            return "refused"
        logger.info(
            "%s: scheduled spider %s of project %s on %s: job %s",
            job.name,
            job.spider,
            job.project,
            job.url,
            jobid,
        )
        return "scheduled"

    def run_once(self) -> dict[str, str]:
        """Evaluates every job now, whatever its cron says (``--once``, e.g. from crontab)."""
        return {job.name: self.evaluate(job) for job in self.config.jobs}

    def run(self, duration: float | None = None) -> None:
        """Until stopped (signal, ``stop`` event) or ``duration`` seconds have passed."""
        deadline = self.clock() + duration if duration is not None else None
        for slot in self.slots:
            logger.info(
                "%s: cron %r, first run at %s", slot.job.name, slot.job.cron, self._when(slot.due)
            )
        while not self.stop_event.is_set():
            now = self.clock()
            if deadline is not None and now >= deadline:
                logger.info("Scheduler stops: --duration reached")
                return
            for slot in self.slots:
                if now >= slot.due or (slot.retry_at is not None and now >= slot.retry_at):
                    self._tick(slot, now)
            wake = min(slot.retry_at or slot.due for slot in self.slots)
            if deadline is not None:
                wake = min(wake, deadline)
            self.stop_event.wait(max(0.0, wake - self.clock()))
        logger.info("Scheduler stopped")

    def _tick(self, slot: _Slot, now: float) -> None:
        cron_due = now >= slot.due
        if cron_due:
            logger.info("%s: due (cron %r)", slot.job.name, slot.job.cron)
        else:
            logger.info("%s: retrying after scrapyd was unavailable", slot.job.name)
        try:
            outcome = self.evaluate(slot.job)
        except Exception:  # a bug or an answer never seen before must not end the timetable
            logger.exception("%s: unexpected error, not scheduled", slot.job.name)
            outcome = "error"
        if cron_due:
            # Ticks missed while busy or asleep are not caught up one by one: one start covers
            # them all.
            slot.due = self.next_cron_time(slot.job, now)
        if outcome == "unavailable" and now + self.config.retry_seconds < slot.due:
            slot.retry_at = now + self.config.retry_seconds
            logger.info(
                "%s: retry at %s, next cron run at %s",
                slot.job.name,
                self._when(slot.retry_at),
                self._when(slot.due),
            )
        else:
            slot.retry_at = None
            logger.info("%s: next run at %s", slot.job.name, self._when(slot.due))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsportal.ops.scheduler",
        description="Start newsportal spiders on scrapyd at cron times, never two at once.",
    )
    parser.add_argument("config", help="schedules TOML file (see schedules.example.toml)")
    parser.add_argument(
        "--once",
        action="store_true",
        help="evaluate every spider once now and exit (status 1 if scrapyd failed)",
    )
    parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    parser.add_argument("--log-level", default=os.environ.get("NEWSPORTAL_LOG_LEVEL", "INFO"))
    options = parser.parse_args(argv)
    logging.basicConfig(
        level=options.log_level.upper(),
        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
    )
    try:
        config = load_config(options.config)
    except (OSError, ConfigError) as exc:
        logger.error("Cannot load %s: %s", options.config, exc)
        return 2
    scheduler = Scheduler(config)
    if options.once:
        outcomes = scheduler.run_once()
        return 0 if all(o in ("scheduled", "skipped") for o in outcomes.values()) else 1

    def _stop(signum: int, _frame: Any) -> None:
        logger.info("Signal %s received", signal.Signals(signum).name)
        scheduler.stop_event.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    scheduler.run(duration=options.duration)
    return 0


if __name__ == "__main__":
    sys.exit(main())
