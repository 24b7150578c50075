"""FrontierAddon: ``NEWSPORTAL_REDIS_URL`` switches a crawl to the shared frontier.

An add-on, because it must see the job's final settings (project, environment, ``-s``,
scrapyd's ``setting=``) before the components are built. With the URL empty it changes
nothing: a single-machine crawl stays exactly as it was. With it, it puts in:

* ``SCHEDULER``: :class:`~newsportal.frontier.scheduler.FrontierScheduler`;
* spider middleware :class:`~newsportal.frontier.leases.LeaseTracker` (acks, seeding);
* :class:`~newsportal.frontier.seen.RedisDeltaFetch` for ``DeltaFetch`` (seen-store in Redis);
* :class:`~newsportal.frontier.dedupe.SharedDedupePipeline` for ``DedupePipeline``.

Everything else -- ``USER_AGENT``, ``NEWSPORTAL_STATS_FILE``, ``NEWSPORTAL_DATA_DIR``, storage
-- stays per worker.
"""

from __future__ import annotations

import logging

from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

LEASE_TRACKER_ORDER = 10  # last to see a callback's output, first to see start()


class FrontierAddon:
    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("NEWSPORTAL_REDIS_URL"):
            return
        from newsportal.frontier.dedupe import SharedDedupePipeline
        from newsportal.frontier.leases import LeaseTracker
        from newsportal.frontier.seen import RedisDeltaFetch
        from newsportal.pipelines import DedupePipeline
        from newsportal.storage.deltafetch import DeltaFetch

        settings.set("SCHEDULER", "newsportal.frontier.scheduler.FrontierScheduler", "addon")
        settings.set_in_component_priority_dict(
            "SPIDER_MIDDLEWARES", LeaseTracker, LEASE_TRACKER_ORDER
        )
        for name, old, new in (
            ("SPIDER_MIDDLEWARES", DeltaFetch, RedisDeltaFetch),
            ("ITEM_PIPELINES", DedupePipeline, SharedDedupePipeline),
        ):
            try:
                settings.replace_in_component_priority_dict(name, old, new)
            except KeyError:
                logger.info("%s has no %s: its shared version is not used", name, old.__name__)
