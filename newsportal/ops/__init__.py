"""Running unattended: the scrapyd scheduler, the closing checks, the stats file."""
