"""newsportal's versions of three Scrapy commands (``COMMANDS_MODULE`` in settings.py).

- ``scrapy crawl`` exits with status 1 when the run did not do its job (a closing check failed,
  articles were lost), as cron and CI expect; Scrapy's own exits 0 unless the crawl failed to
  start.
- ``scrapy parse`` runs no closing checks: a one-page parse is not a crawl, and must neither
  raise an alarm nor post to the webhook.
- ``scrapy settings --get NAME`` shows what a crawl would use: the environment, ``NAME_FILE``
  and the ``NEWSPORTAL_*`` aliases applied, as the add-on does for a crawl.
"""
