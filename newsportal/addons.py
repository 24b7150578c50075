"""Decides where a run's articles go, after every settings source has spoken.

An add-on runs once all settings (project, env, ``-s``, scrapyd ``setting=``) are merged, so the
choice "MongoDB or the JSON Lines file" follows what the job was actually given, and so does
whether reruns skip stored articles (only when there is a store to trust).
"""

import logging

from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


class OutputAddon:
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
        logger.info("MONGO_URI is not set: articles go to the JSON Lines file %s", feed)
