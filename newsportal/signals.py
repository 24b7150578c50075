"""Signals newsportal components send each other (Scrapy-style sentinels)."""

# The same article was met again under another URL: sent with ``url`` (the kept canonical URL)
# and ``alias`` (the other one), so storage can record the alias on the kept document.
article_alias = object()
