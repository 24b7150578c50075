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
import difflib
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
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests
from croniter import croniter

from newsportal.ops.redact import redact_url

logger = logging.getLogger("newsportal.ops.scheduler")

DEFAULT_URL = "http://127.0.0.1:6800"


class ConfigError(ValueError):
    """The schedules file is wrong: reported before anything is scheduled."""


class ScrapydUnavailable(Exception):
    """scrapyd could not be asked: connection refused, timeout, 5xx, not JSON."""


class ScrapydRefused(Exception):
    """scrapyd answered but said no (unknown project or spider, bad credentials)."""


@dataclass(frozen=True)
class Node:
    """One scrapyd. Its credentials come from the environment or a file, never from the
    schedules file, and never appear in a repr or a log line."""

    name: str
    url: str
    auth: tuple[str, str] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Job:
    """One timetable entry: which spider to start, when, on which nodes, and with what."""

    name: str
    spider: str
    cron: str
    project: str
    nodes: tuple[Node, ...]
    settings: dict[str, str] = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)
    workers: int = 1
    redis_url: str = ""

    @property
    def url(self) -> str:
        """The first node's URL (the only one for a single-node set-up)."""
        return self.nodes[0].url


@dataclass(frozen=True)
class Config:
    jobs: list[Job]
    timezone: dt.tzinfo
    retry_seconds: float = 30.0
    timeout: float = 10.0
    nodes: tuple[Node, ...] = ()

    @property
    def auth(self) -> tuple[str, str] | None:
        return self.nodes[0].auth if self.nodes else None


# Every key each table may hold: anything else is a typo, reported with the closest key.
SCHEDULER_KEYS = {"timezone", "retry_seconds", "timeout"}
SCRAPYD_KEYS = {
    "url",
    "url_env",
    "project",
    "username_env",
    "password_env",
    "username_file",
    "password_file",
}
NODE_KEYS = {"url", "url_env", "username_env", "password_env", "username_file", "password_file"}
SPIDER_KEYS = {
    "cron",
    "spider",
    "project",
    "settings",
    "args",
    "url",
    "url_env",
    "nodes",
    "workers",
    "redis_url",
}
TOP_KEYS = {"scheduler", "scrapyd", "nodes", "spiders"}
SECRET_KEYS = {"password", "username", "token"}


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


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key in allowed:
            continue
        if key in SECRET_KEYS:
            raise ConfigError(
                f"{where}: no {key} in the schedules file: use {key}_env (an environment "
                f"variable) or {key}_file (a file readable by the scheduler only)"
            )
        guess = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
        hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        raise ConfigError(
            f"{where}: unknown key {key!r}{hint}; allowed: {', '.join(sorted(allowed))}"
        )


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table")
    return value


def _number(table: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{where} {key} must be a number of seconds > 0, got {value!r}")
    return float(value)


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
    if urlsplit(url).password or "@" in urlsplit(url).netloc:
        raise ConfigError(
            f"{where}: url {redact_url(url)} holds credentials: give them with "
            "username_env/password_env or username_file/password_file"
        )
    # A trailing slash would make every API URL "//listjobs.json".
    return url.rstrip("/")


def _secret(
    table: Mapping[str, Any],
    fallback: Mapping[str, Any],
    what: str,
    default_env: str,
    env: Mapping[str, str],
    where: str,
) -> str:
    """A credential from ``<what>_file`` or ``<what>_env`` (the table's, else the fallback's)."""
    path = table.get(f"{what}_file", fallback.get(f"{what}_file"))
    if path:
        try:
            return Path(os.path.expanduser(str(path))).read_text("utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read {what}_file {path}: {exc.strerror}") from None
    name = table.get(f"{what}_env", fallback.get(f"{what}_env", default_env))
    return env.get(str(name), "")


def _node(
    name: str,
    table: Mapping[str, Any],
    defaults: Mapping[str, Any],
    default_url: str,
    env: Mapping[str, str],
    where: str,
) -> Node:
    url = _url(table, default_url, env, where)
    username = _secret(table, defaults, "username", "SCRAPYD_USERNAME", env, where)
    password = _secret(table, defaults, "password", "SCRAPYD_PASSWORD", env, where)
    return Node(name, url, (username, password) if username else None)


def parse_config(data: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Config:
    """Validates the whole file up front, so a typo stops the scheduler at start, not at 3 am:
    an unknown key, a value of the wrong type or a secret in the file is one clear error."""
    env = os.environ if env is None else env
    _check_keys(data, TOP_KEYS, "the schedules file")
    scheduler = _table(data, "scheduler", "[scheduler]")
    scrapyd = _table(data, "scrapyd", "[scrapyd]")
    _check_keys(scheduler, SCHEDULER_KEYS, "[scheduler]")
    _check_keys(scrapyd, SCRAPYD_KEYS, "[scrapyd]")
    tz_name = scheduler.get("timezone")
    try:
        timezone = ZoneInfo(tz_name) if tz_name else dt.datetime.now().astimezone().tzinfo
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError(f"[scheduler]: unknown timezone {tz_name!r}") from exc
    retry_seconds = _number(scheduler, "retry_seconds", 30, "[scheduler]")
    timeout = _number(scheduler, "timeout", 10, "[scheduler]")
    default_project = scrapyd.get("project", "newsportal")
    if not isinstance(default_project, str):
        raise ConfigError(f"[scrapyd] project must be a string, got {default_project!r}")

    node_tables = _table(data, "nodes", "[nodes]")
    nodes: dict[str, Node] = {}
    for name, table in node_tables.items():
        where = f"[nodes.{name}]"
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where} must be a table")
        _check_keys(table, NODE_KEYS, where)
        if "url" not in table and not (table.get("url_env") and env.get(table["url_env"])):
            raise ConfigError(f"{where}: url is missing")
        nodes[name] = _node(name, table, scrapyd, DEFAULT_URL, env, where)
    if not nodes:  # the single scrapyd of [scrapyd]
        nodes["scrapyd"] = _node("scrapyd", scrapyd, {}, DEFAULT_URL, env, "[scrapyd]")

    spiders = data.get("spiders")
    if not isinstance(spiders, Mapping) or not spiders:
        raise ConfigError("no [spiders.<name>] table: nothing to schedule")
    jobs = []
    for name, table in spiders.items():
        where = f"[spiders.{name}]"
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where} must be a table")
        _check_keys(table, SPIDER_KEYS, where)
        cron = table.get("cron")
        if not isinstance(cron, str) or not croniter.is_valid(cron):
            raise ConfigError(f"{where}: invalid cron expression {cron!r}")
        for key in ("spider", "project"):
            if key in table and not isinstance(table[key], str):
                raise ConfigError(f"{where} {key} must be a string, got {table[key]!r}")
        workers = table.get("workers", 1)
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ConfigError(f"{where} workers must be a whole number >= 1, got {workers!r}")
        redis_url = table.get("redis_url", "")
        if not isinstance(redis_url, str):
            raise ConfigError(f"{where} redis_url must be a string, got {redis_url!r}")
        if redis_url:
            if not redis_url.startswith(("redis://", "rediss://", "unix://")):
                raise ConfigError(f"{where} redis_url must be a redis:// URL, got {redis_url!r}")
            if urlsplit(redis_url).password:
                raise ConfigError(
                    f"{where}: redis_url {redact_url(redis_url)} holds a password: leave "
                    "redis_url out and give each node NEWSPORTAL_REDIS_URL_FILE instead "
                    '(settings = { NEWSPORTAL_REDIS_URL_FILE = "/etc/newsportal/redis.url" })'
                )
        shared_by_file = "NEWSPORTAL_REDIS_URL_FILE" in (table.get("settings") or {})
        if workers > 1 and not (redis_url or shared_by_file):
            raise ConfigError(
                f"{where}: workers = {workers} needs redis_url (or the setting "
                "NEWSPORTAL_REDIS_URL_FILE) for the shared frontier: without it every worker "
                "would crawl the whole site on its own"
            )
        if "url" in table or "url_env" in table:
            if "nodes" in table:
                raise ConfigError(f"{where}: give url or nodes, not both")
            job_nodes: tuple[Node, ...] = (_node(name, table, scrapyd, DEFAULT_URL, env, where),)
        elif "nodes" in table:
            names = table["nodes"]
            if not isinstance(names, list) or not names:
                raise ConfigError(f"{where} nodes must be a list of node names")
            unknown = [n for n in names if n not in nodes]
            if unknown:
                raise ConfigError(f"{where}: unknown nodes {unknown}; [nodes] has {sorted(nodes)}")
            job_nodes = tuple(nodes[n] for n in names)
        else:
            job_nodes = tuple(nodes.values())
        settings = _string_table(table.get("settings"), f"{where} settings")
        if redis_url:
            settings["NEWSPORTAL_REDIS_URL"] = redis_url
        jobs.append(
            Job(
                name=name,
                spider=table.get("spider", name),
                cron=cron,
                project=table.get("project", default_project),
                nodes=job_nodes,
                settings=settings,
                args=_string_table(table.get("args"), f"{where} args"),
                workers=workers,
                redis_url=redis_url,
            )
        )
    return Config(
        jobs=jobs,
        timezone=timezone,
        retry_seconds=retry_seconds,
        timeout=timeout,
        nodes=tuple(nodes.values()),
    )


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> Config:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return parse_config(data, env)


class ScrapydClient:
    """The scrapyd API calls the scheduler needs, with errors sorted into transient or not."""

    def __init__(
        self, url: str, auth: tuple[str, str] | None = None, timeout: float = 10.0
    ) -> None:
        self.url = url
        self.session = requests.Session()
        # Straight to the node: a proxy in the scheduler's environment (meant for crawls, which
        # take NEWSPORTAL_HTTP_PROXY per job instead) never sees these calls or credentials.
        self.session.trust_env = False
        self.session.auth = auth
        self.timeout = timeout

    def _call(self, method: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self.url}/{endpoint}"
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise ScrapydUnavailable(f"{url}: {exc.__class__.__name__}: {exc}") from None
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

    def busy(self) -> int:
        """Jobs running or waiting on this node, all projects (``daemonstatus.json``)."""
        payload = self._call("GET", "daemonstatus.json")
        return int(payload.get("running", 0)) + int(payload.get("pending", 0))

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

    def client(self, node: Node) -> ScrapydClient:
        key = f"{node.url}|{id(node.auth) if node.auth else ''}"
        if key not in self.clients:
            self.clients[key] = ScrapydClient(node.url, node.auth, self.config.timeout)
        return self.clients[key]

    def next_cron_time(self, job: Job, after: float) -> float:
        start = dt.datetime.fromtimestamp(after, self.config.timezone)
        return croniter(job.cron, start).get_next(dt.datetime).timestamp()

    def _when(self, timestamp: float) -> str:
        moment = dt.datetime.fromtimestamp(timestamp, self.config.timezone)
        return moment.isoformat(timespec="seconds")

    def survey(self, job: Job) -> tuple[list[tuple[Node, int]], list[tuple[Node, dict]], str]:
        """Asks every node of the job: (nodes up with their load, active jobs of the spider
        with their node, outcome if no node can take the job). A node that is down or refuses
        is logged and left out."""
        up: list[tuple[Node, int]] = []
        active: list[tuple[Node, dict[str, Any]]] = []
        refused = unavailable = 0
        for node in job.nodes:
            client = self.client(node)
            try:
                busy = client.busy()
                active += [(node, found) for found in client.active_jobs(job.project, job.spider)]
            except ScrapydUnavailable as exc:
                unavailable += 1
                logger.warning("%s: node %s is down, skipped: %s", job.name, node.name, exc)
                continue
            except ScrapydRefused as exc:
                refused += 1
                logger.error("%s: node %s refused, skipped: %s", job.name, node.name, exc)
                continue
            up.append((node, busy))
        outcome = ""
        if not up:
            outcome = "unavailable" if unavailable else "refused"
        return up, active, outcome

    def evaluate(self, job: Job) -> str:
        """Starts the job's workers on the least-busy nodes that are up, unless the spider's
        previous run is still active on any node. Returns the outcome: ``scheduled``,
        ``skipped``, ``unavailable`` (no node up: retry soon) or ``refused`` (wait)."""
        up, active, outcome = self.survey(job)
        if active:
            node, previous = active[0]
            logger.info(
                "%s: skip: previous job still running (job %s is %s on node %s%s)",
                job.name,
                previous.get("id"),
                previous["state"],
                node.name,
                f" since {previous['start_time']}" if previous.get("start_time") else "",
            )
            return "skipped"
        if outcome:
            logger.warning("%s: no node can take the job, not scheduled", job.name)
            return outcome
        # Least busy first; the file's order breaks ties. One worker per node.
        ranked = sorted(up, key=lambda pair: pair[1])
        chosen = ranked[: job.workers]
        if len(chosen) < job.workers:
            logger.warning(
                "%s: only %d of %d workers can start: %d nodes up",
                job.name,
                len(chosen),
                job.workers,
                len(up),
            )
        started = []
        for node, _busy in chosen:
            try:
                jobid = self.client(node).schedule(job)
            except ScrapydUnavailable as exc:
                logger.warning("%s: node %s went down, not scheduled: %s", job.name, node.name, exc)
                continue
            except ScrapydRefused as exc:
                logger.error("%s: node %s refused, not scheduled: %s", job.name, node.name, exc)
                continue
            started.append(jobid)
            logger.info(
                "%s: scheduled spider %s of project %s on %s (node %s): job %s",
                job.name,
                job.spider,
                job.project,
                node.url,
                node.name,
                jobid,
            )
        if not started:
            return "unavailable"
        if job.workers > 1:
            logger.info(
                "%s: %d workers share the frontier %s: jobs %s",
                job.name,
                len(started),
                redact_url(job.redis_url),
                ", ".join(started),
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
    if options.log_level.upper() not in ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"):
        parser.error(f"--log-level {options.log_level!r}: one of DEBUG, INFO, WARNING, ERROR")
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
