"""Add-ons that finish the settings once every source has spoken.

:class:`SettingsAddon` makes every documented setting work the same three ways: from the
environment, from ``scrapy crawl -s NAME=VALUE`` and from scrapyd's per-job ``setting=NAME=VALUE``.
``newsportal/settings.py`` holds only defaults; this add-on

1. reads an environment variable of the same name for each of them, in place of the
   settings.py default, at project priority: below the command line, so a job's
   ``-s``/``setting=`` always wins;
2. reads ``NAME_FILE`` (environment or setting) as the value of ``NAME``: secrets such as
   ``MONGO_URI_FILE`` then never appear in a process's arguments or in scrapyd's log;
3. turns the values into their default's type (``"0"``, ``"off"`` -> False) and maps the
   ``NEWSPORTAL_*`` aliases onto Scrapy's own settings (``NEWSPORTAL_DOWNLOAD_DELAY`` ->
   ``DOWNLOAD_DELAY``) at the priority they were given with;
4. warns once about a ``NEWSPORTAL_*``/``MONGO_*`` name nobody reads, naming the closest real one;
   a value that cannot be read (``NEWSPORTAL_DOWNLOAD_DELAY=soon``) stops the crawl with one line.

It runs twice: before the crawler exists (``update_pre_crawler_settings``, so ``LOG_LEVEL``
reaches the log handler) and on the crawler's own settings (``update_settings``), which also
reports. :class:`OutputAddon` then decides where the articles go.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

logger = logging.getLogger(__name__)

PREFIXES = ("NEWSPORTAL_", "MONGO_", "DELTAFETCH_")
FILE_SUFFIX = "_FILE"
# newsportal name -> the Scrapy (or spidermon, or component) setting it stands for.
ALIASES = {
    "NEWSPORTAL_USER_AGENT": "USER_AGENT",
    "NEWSPORTAL_ROBOTSTXT_OBEY": "ROBOTSTXT_OBEY",
    "NEWSPORTAL_CONCURRENT_REQUESTS": "CONCURRENT_REQUESTS",
    "NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN": "CONCURRENT_REQUESTS_PER_DOMAIN",
    "NEWSPORTAL_DOWNLOAD_DELAY": "DOWNLOAD_DELAY",
    "NEWSPORTAL_AUTOTHROTTLE": "AUTOTHROTTLE_ENABLED",
    "NEWSPORTAL_DOWNLOAD_TIMEOUT": "DOWNLOAD_TIMEOUT",
    "NEWSPORTAL_DOWNLOAD_MAXSIZE": "DOWNLOAD_MAXSIZE",
    "NEWSPORTAL_DOWNLOAD_WARNSIZE": "DOWNLOAD_WARNSIZE",
    "NEWSPORTAL_RETRY_TIMES": "RETRY_TIMES",
    "NEWSPORTAL_DEPTH_LIMIT": "DEPTH_LIMIT",
    "NEWSPORTAL_CHARSET_DETECT": "CHARSET_DETECT_ENABLED",
    "NEWSPORTAL_LOG_LEVEL": "LOG_LEVEL",
    "NEWSPORTAL_MONITOR_ENABLED": "SPIDERMON_ENABLED",
}
# Environment variables with our prefixes that are not settings (test tooling, other programs).
NOT_SETTINGS = frozenset({"MONGO_TEST_URI", "NEWSPORTAL_TEST_REDIS"})
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off", ""})
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class SettingsError(SystemExit):
    """A setting's value cannot be used. A ``SystemExit`` (status 2) on purpose, so that Scrapy
    ends the crawl before it starts with our one ERROR line instead of a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


def declared_settings() -> dict[str, Any]:
    """Every documented name and its default: the ``NEWSPORTAL_*``/``MONGO_*``/``DELTAFETCH_*``
    names of newsportal/settings.py."""
    from newsportal import settings as module

    return {name: getattr(module, name) for name in vars(module) if name.startswith(PREFIXES)}


def apply_environment(
    settings: BaseSettings, env: Mapping[str, str], declared: Mapping[str, Any]
) -> None:
    """Step 1: the environment's value for each documented name (and its ``NAME_FILE``).

    It replaces settings.py's default, at project priority, and nothing given explicitly: a
    value from the command line, scrapyd, the spider, or code that set another value at project
    priority (a test's or a script's settings dict) wins over the environment."""
    project = SETTINGS_PRIORITIES["project"]
    for name in [*declared, *(name + FILE_SUFFIX for name in declared)]:
        if name not in env:
            continue
        priority = settings.getpriority(name)
        if priority is not None and priority > project:
            continue
        if priority == project and settings[name] != declared.get(name):
            continue  # set explicitly at project priority
        settings.set(name, env[name], priority="project")


def coerce(value: Any, default: Any) -> Any:
    """A value given as text (environment, ``-s``, scrapyd) in the type of its default.

    Raises ValueError with a reader's message. Lists and tables stay as given: Scrapy's
    ``getlist``/``getdict`` read JSON and comma lists themselves."""
    if not isinstance(value, str):
        if isinstance(default, bool) and isinstance(value, int):
            return bool(value)
        return value
    text = value.strip()
    if default is None or isinstance(default, bool):
        if default is None and not text:
            return None
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise ValueError(f"{value!r} is not a yes/no value (1/0, true/false, yes/no, on/off)")
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
    if isinstance(default, float):
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if isinstance(default, list | dict | tuple) and text[:1] in "[{":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not valid JSON ({exc})") from None
    return value


def closest(name: str, known: list[str]) -> str | None:
    matches = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _source(settings: BaseSettings, name: str, env: Mapping[str, str]) -> str:
    priority = settings.getpriority(name) or 0
    if priority >= 40:
        return "command line / scrapyd setting="
    if name in env:
        return "environment"
    return "settings"


def apply_settings_sources(
    settings: BaseSettings, env: Mapping[str, str] | None = None
) -> tuple[list[str], list[str]]:
    """Steps 1-3 of the module docstring on ``settings``.

    Returns (errors, warnings), each a list of one-line messages; nothing is logged here."""
    env = os.environ if env is None else env
    declared = declared_settings()
    known = {**declared, **{name + FILE_SUFFIX: "" for name in declared}}
    errors: list[str] = []
    apply_environment(settings, env, declared)

    # 2. NAME_FILE: the value is the file's content
    for name in declared:
        file_name = name + FILE_SUFFIX
        path = settings.get(file_name)
        if not path:
            continue
        file_priority = settings.getpriority(file_name) or 0
        if file_priority < (settings.getpriority(name) or 0):
            continue  # NAME itself was given with a higher priority
        try:
            value = Path(os.path.expanduser(str(path))).read_text("utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{file_name}={path}: cannot read it ({exc.__class__.__name__})")
            continue
        settings.set(name, value, priority=file_priority)

    # 3. types, then aliases
    for name, default in declared.items():
        priority = settings.getpriority(name)
        if priority is None:
            continue
        try:
            value = coerce(settings[name], default)
        except ValueError as exc:
            errors.append(f"{name} ({_source(settings, name, env)}): {exc}")
            continue
        if name == "NEWSPORTAL_LOG_LEVEL":
            value = str(value).upper()
            if value not in LOG_LEVELS:
                errors.append(f"{name}: {settings[name]!r} is not one of {', '.join(LOG_LEVELS)}")
                continue
        if name == "NEWSPORTAL_DATA_DIR" and value:
            value = os.path.abspath(os.path.expanduser(str(value)))
        settings.set(name, value, priority=priority)
        target = ALIASES.get(name)
        if target and priority >= (settings.getpriority(target) or 0):
            settings.set(target, value, priority=priority)

    warnings = []
    names = {name for name in settings if isinstance(name, str) and name.startswith(PREFIXES)}
    env_names = {name for name in env if name.startswith(PREFIXES)}
    candidates = sorted(known)
    for name in sorted(names | env_names):
        if name in known or name in NOT_SETTINGS:
            continue
        where = "environment" if name in env_names and name not in names else "setting"
        guess = closest(name, candidates)
        if guess is None and where == "environment" and name.startswith("MONGO_"):
            continue  # another program's variable (e.g. the mongo image's MONGO_INITDB_*)
        hint = f"did you mean {guess}?" if guess else "no setting has a similar name"
        warnings.append(f"Unknown {where} {name} is ignored: {hint}")
    return errors, warnings


class SettingsAddon:
    """See the module docstring."""

    @classmethod
    def update_pre_crawler_settings(cls, settings: BaseSettings) -> None:
        apply_settings_sources(settings)  # reported by update_settings, once logging is set up

    def update_settings(self, settings: BaseSettings) -> None:
        errors, warnings = apply_settings_sources(settings)
        for message in warnings:
            logger.warning(message)
        if errors:
            for message in errors:
                logger.error("Bad setting %s", message)
            self._mark_stats_file(settings)
            raise SettingsError("Stopping: " + "; ".join(errors))

    def __init__(self, spider_name: str = "") -> None:
        self.spider_name = spider_name

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SettingsAddon:
        return cls(getattr(crawler.spidercls, "name", "") or "")

    def _mark_stats_file(self, settings: BaseSettings) -> None:
        """The run never started: its stats file must not keep the last run's ``finished``."""
        template = settings.get("NEWSPORTAL_STATS_FILE")
        if not template:
            return
        try:
            path = Path(str(template) % {"name": self.spider_name})
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps(
                    {"state": "start_error", "finish_reason": None, "error": "bad settings"}
                ),
                "utf-8",
            )
        except (OSError, KeyError, ValueError, TypeError) as exc:
            logger.error("Cannot write the stats file %s: %s", template, exc)


class OutputAddon:
    """Where a run's articles go: MongoDB with ``MONGO_URI``, else the JSON Lines feed. Runs after
    :class:`SettingsAddon`, so the choice follows what the job was actually given, and so does
    whether reruns skip stored articles (only when there is a store to trust)."""

    def __init__(self, spider_name: str = "") -> None:
        self.spider_name = spider_name

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutputAddon:
        return cls(getattr(crawler.spidercls, "name", "") or "")

    def update_settings(self, settings: BaseSettings) -> None:
        if settings.get("DELTAFETCH_ENABLED") is None:
            priority = settings.getpriority("DELTAFETCH_ENABLED") or 0
            settings.set("DELTAFETCH_ENABLED", bool(settings.get("MONGO_URI")), priority=priority)
        feed = settings.get("NEWSPORTAL_FEED")
        if settings.get("MONGO_URI") or not feed or settings.getdict("FEEDS"):
            return
        settings.set(
            "FEEDS",
            {feed: {"format": "jsonlines", "encoding": "utf-8", "overwrite": False}},
            priority="addon",
        )
        shown = feed
        if self.spider_name:
            try:
                shown = feed % {"name": self.spider_name}
            except (KeyError, ValueError, TypeError):
                shown = feed
        logger.info("MONGO_URI is not set: articles go to the JSON Lines file %s", shown)
