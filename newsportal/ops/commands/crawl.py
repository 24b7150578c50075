"""``scrapy crawl``, with an exit status that says whether the run did its job."""

from __future__ import annotations

import argparse
import logging

from scrapy import Spider
from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler

from newsportal.ops.monitors import run_failures

logger = logging.getLogger("newsportal.ops.crawl")


class Command(ScrapyCrawlCommand):
    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        crawler = super()._create_crawler(spidercls)
        self.crawlers_run = [*getattr(self, "crawlers_run", []), crawler]
        return crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        if self.exitcode:
            return
        for crawler in getattr(self, "crawlers_run", []):
            if not hasattr(crawler, "stats") or crawler.spider is None:
                continue
            reasons = run_failures(crawler.stats.get_stats(), crawler.settings)
            if reasons:
                logger.error("Exit status 1: %s", "; ".join(reasons))
                self.exitcode = 1
