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

from newsportal.encoding import binary_kind, decode_html
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


# The crawl's own cap (DOWNLOAD_MAXSIZE): no news page comes near it.
MAX_BYTES = 10 * 1024 * 1024


def read_page(path: Path, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of a file; raises ValueError (with the reason) for a non-page.

    Never reads more than the cap plus one byte, so ``/dev/zero`` or a huge file cannot grow
    memory.
    """
    with path.open("rb") as handle:
        body = handle.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise ValueError(f"larger than {max_bytes} bytes (--max-bytes): not a news page")
    kind = binary_kind(body)
    if kind is not None:
        raise ValueError(f"{kind}, not an HTML page")
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsportal.extract", description=__doc__)
    parser.add_argument("pages", nargs="+", type=Path, help="saved HTML pages (any charset)")
    parser.add_argument("--url", help="the URL the page came from (default: a file:// URL)")
    parser.add_argument("--site", default="", help="site id to put in the item")
    parser.add_argument(
        "--max-bytes", type=int, default=MAX_BYTES, help=f"largest page read (default {MAX_BYTES})"
    )
    args = parser.parse_args(argv)
    encoder = IsoJSONEncoder(ensure_ascii=False)
    status = 0
    for path in args.pages:
        try:
            body = read_page(path, args.max_bytes)
        except OSError as exc:
            print(f"{path}: cannot read: {exc.strerror}", file=sys.stderr)
            status = 1
            continue
        except ValueError as exc:
            print(f"{path}: refused: {exc}", file=sys.stderr)
            status = 1
            continue
        url = args.url or path.resolve().as_uri()
        print(encoder.encode(extract_page(body, url, site=args.site)))
    return status


if __name__ == "__main__":
    sys.exit(main())
