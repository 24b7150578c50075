"""One small module per portal; the shared crawl flow lives in :mod:`.base`."""
