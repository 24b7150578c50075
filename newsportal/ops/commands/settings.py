"""``scrapy settings --get NAME``: the value a crawl would run with, environment included."""

from __future__ import annotations

import argparse

from scrapy.commands.settings import Command as ScrapySettingsCommand

from newsportal.addons import apply_settings_sources


class Command(ScrapySettingsCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        apply_settings_sources(self.settings)
        super().run(args, opts)
