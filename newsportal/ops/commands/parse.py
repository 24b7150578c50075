"""``scrapy parse``: one page through a callback, without the closing checks of a crawl."""

from __future__ import annotations

import argparse

from scrapy.commands.parse import Command as ScrapyParseCommand


class Command(ScrapyParseCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        for name in ("SPIDERMON_ENABLED", "NEWSPORTAL_MONITOR_ENABLED"):
            self.settings.set(name, False, priority="cmdline")
