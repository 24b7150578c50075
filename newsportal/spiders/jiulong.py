"""九龙网 is a catalogue entry (catalogue.toml); this name stays importable for existing code."""

from newsportal.spiders.catalogue import SPIDERS

JiulongSpider = SPIDERS["jiulong"]
