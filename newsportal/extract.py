"""Run the spider's extraction and loaders on saved pages: ``python -m newsportal.extract``.

This is how a user checks what newsportal makes of a portal before writing its spider module:
the same code path as a crawl, minus the network. One JSON object per page on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from newsportal.encoding import decode_html
from newsportal.exporters import IsoJSONEncoder
from newsportal.extraction import extract_article
from newsportal.loaders import load_article


def extract_page(
    body: bytes,
    url: str,
    *,
    site: str = "",
    content_type: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Decode, extract and load one page, as the spider would.

    ``now`` is the crawl time relative dates (3小时前) count back from; default: now.
    """
    text, encoding = decode_html(body, content_type)
    raw = extract_article(text, url)
    item, unparsed = load_article(raw, site=site, url=url, now=now or dt.datetime.now(dt.UTC))
    result = dict(item)
    result["is_article"] = raw.is_article
    result["encoding"] = encoding
    if unparsed:
        result["unparsed"] = unparsed
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsportal.extract", description=__doc__)
    parser.add_argument("pages", nargs="+", type=Path, help="saved HTML pages (any charset)")
    parser.add_argument("--url", help="the URL the page came from (default: a file:// URL)")
    parser.add_argument("--site", default="", help="site id to put in the item")
    args = parser.parse_args(argv)
    encoder = IsoJSONEncoder(ensure_ascii=False)
    status = 0
    for path in args.pages:
        try:
            body = path.read_bytes()
        except OSError as exc:
            print(f"{path}: cannot read: {exc.strerror}", file=sys.stderr)
            status = 1
            continue
        url = args.url or path.resolve().as_uri()
        print(encoder.encode(extract_page(body, url, site=args.site)))
    return status


if __name__ == "__main__":
    sys.exit(main())
