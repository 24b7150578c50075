"""Charset detection for Chinese portals, and the downloader middleware that applies it.

Regional portals are often GBK/GB2312 (declared only in a ``<meta>``, or not at all), and
their servers often send a default ``charset=utf-8`` or ``iso-8859-1`` header that is
simply wrong. Scrapy trusts the header, and for undeclared bytes falls back to a generic
guess, so a GBK page can come out as mojibake that no extractor can recover. Here a
declaration only counts if the bytes actually decode with it; otherwise the bytes decide.
"""

from __future__ import annotations

import codecs
import logging
import re
from typing import TYPE_CHECKING, Self

from charset_normalizer import from_bytes
from scrapy.exceptions import NotConfigured
from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["CharsetMiddleware", "binary_kind", "decode_html", "normalize_encoding"]

logger = logging.getLogger(__name__)

# Supersets to decode with: a page labelled gb2312 routinely uses GBK/GB18030 characters,
# and Big5 pages use HKSCS ones. Latin labels are listed so their canonical names compare.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
}
# Encodings in which (nearly) every byte sequence is valid: that the bytes decode with them
# proves nothing, so a header naming one does not outrank a <meta> or the bytes themselves.
_WEAK = frozenset({"cp1252", "latin-1", "iso8859-1", "ascii"}) | {
    f"iso8859-{n}" for n in range(2, 17)
}
# What an undeclared or misdeclared Chinese page can be, besides UTF-8.
_CJK_CANDIDATES = ("gb18030", "big5hkscs")
_DETECT_BYTES = 64 * 1024
_DOUBLE_BYTE = re.compile(rb"[\x81-\xfe][\x40-\xfe]")
# What a body that is no page at all starts with (files served at page URLs, undecoded
# compression), and the control bytes no text page contains (tab, newlines, form feed and
# escape aside).
_MAGIC = (
    (b"\x1f\x8b", "gzip data"),
    (b"\x28\xb5\x2f\xfd", "zstd data"),
    (b"PK\x03\x04", "a zip archive"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "an executable"),
)
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_SNIFF_BYTES = 8 * 1024


def binary_kind(body: bytes) -> str | None:
    """What a body is when it is not text (``"gzip data"``, ``"binary data"``), else None.

    Decoding such bytes "succeeds" with a lenient charset and gives a garbage article; a NUL
    byte or a run of control bytes never occurs in an HTML page in any charset we read.
    """
    head = body[:_SNIFF_BYTES]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 BOMs: text
        return None
    if b"\x00" in head:
        return "binary data"
    if len(_CONTROL.findall(head)) > len(head) // 20:
        return "binary data"
    return None


def normalize_encoding(name: str | None) -> str | None:
    """Canonical codec name (``codecs.lookup``) with the superset applied, or None if unknown."""
    if not name:
        return None
    try:
        canonical = codecs.lookup(name.strip()).name
    except LookupError:
        return None
    canonical = _SUPERSETS.get(canonical, canonical)
    return None if canonical == "utf-7" else canonical


def _ascii_compatible(encoding: str) -> bool:
    try:
        return "<a>".encode(encoding) == b"<a>"
    except (LookupError, UnicodeError):
        return False


def _decodes(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_utf8(body: bytes) -> str | None:
    """A UTF-8 page with a few broken bytes (a truncated snippet) is still UTF-8.

    Mis-declared GBK read as UTF-8 fails on nearly every Chinese character and almost
    never forms a valid multi-byte sequence, so many good non-ASCII characters per bad
    one tells the two apart.
    """
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad
    return text if good >= 10 * bad else None


def _gb2312_share(body: bytes) -> float:
    """Share of double-byte pairs inside the GB2312 area (both bytes 0xA1-0xFE).

    Mainland text lives there almost entirely; Big5 puts about 40% of its characters on
    trail bytes 0x40-0x7E, outside it. Decisive where the detector is weakest: short texts.
    """
    pairs = _DOUBLE_BYTE.findall(body)
    if not pairs:
        return 0.0
    return sum(1 for pair in pairs if pair[0] >= 0xA1 and pair[1] >= 0xA1) / len(pairs)


def _detect_cjk(body: bytes, extra: str | None) -> tuple[str, str] | None:
    """Strict decoders first; then the GB2312 byte share; charset_normalizer last.

    Big5 bytes nearly always also decode as GB18030 (into rare characters), so "decodes"
    alone cannot choose between them.
    """
    candidates = [*_CJK_CANDIDATES, *([extra] if extra and extra not in _CJK_CANDIDATES else [])]
    decoded = {enc: text for enc in candidates if (text := _decodes(body, enc)) is not None}
    if len(decoded) == 1:
        return next(iter(decoded.items()))[::-1]
    if not decoded:
        return None
    if "gb18030" in decoded and _gb2312_share(body) >= 0.95:
        return decoded["gb18030"], "gb18030"
    best = from_bytes(body[:_DETECT_BYTES], cp_isolation=list(decoded)).best()
    chosen = normalize_encoding(best.encoding) if best is not None else None
    if chosen not in decoded:
        chosen = next(iter(decoded))  # gb18030 first: the common case on mainland portals
    return decoded[chosen], chosen


def _least_damaged(body: bytes, candidates: list[str]) -> tuple[str, str]:
    """Nothing decodes cleanly: keep the reading with the fewest replacement characters."""
    best: tuple[int, str, str] | None = None
    for enc in dict.fromkeys(candidates):
        text = body.decode(enc, errors="replace")
        damage = text.count("\ufffd")
        if best is None or damage < best[0]:
            best = (damage, text, enc)
    assert best is not None
    return best[1], best[2]


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML page, returning ``(text, encoding)``.

    Order: BOM; the HTTP header's charset if the bytes decode strictly with it (a header
    naming a single-byte Latin charset is only a last resort: those decode anything);
    ``<meta charset>`` / ``http-equiv`` / XML declaration in the first 4 KB, likewise
    checked; UTF-8 (also when only a few bytes are broken); GB18030 or Big5 (the detector
    decides only when several fit); finally whichever of the declared charsets, UTF-8 and
    GB18030 leaves the fewest U+FFFD. GB2312/GBK map to GB18030, their superset. A page
    whose declaration is right costs one decode.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom is not None:
        encoding = normalize_encoding(bom_encoding) or bom_encoding
        return body[len(bom) :].decode(encoding, errors="replace"), encoding

    header = normalize_encoding(http_content_type_encoding(content_type))
    if body.isascii():
        # Every ASCII-compatible charset reads ASCII alike: keep the declared name.
        meta = normalize_encoding(html_body_declared_encoding(body))
        for encoding in (header, meta):
            if encoding and _ascii_compatible(encoding):
                return body.decode("ascii"), encoding
        return body.decode("ascii"), "utf-8"

    weak_header = header if header in _WEAK else None
    if header and not weak_header and (text := _decodes(body, header)) is not None:
        return text, header

    meta = normalize_encoding(html_body_declared_encoding(body))
    if meta and meta != header and meta not in _WEAK and (text := _decodes(body, meta)) is not None:
        return text, meta

    if (text := _decodes(body, "utf-8")) is not None:
        return text, "utf-8"

    if (text := _mostly_utf8(body)) is not None:
        return text, "utf-8"

    if weak_header or meta in _WEAK:
        # A Latin charset is declared and the bytes are not UTF-8: still let a Chinese
        # reading compete, since such headers are mostly server defaults.
        detected = _detect_cjk(body, weak_header or meta)
    else:
        detected = _detect_cjk(body, None)
    if detected is not None:
        return detected

    # Ties go to the earlier candidate: a strong declaration first, Latin ones last.
    strong = [enc for enc in (header, meta) if enc and enc not in _WEAK]
    weak = [enc for enc in (header, meta) if enc in _WEAK]
    return _least_damaged(body, [*strong, "utf-8", "gb18030", *weak])


class CharsetMiddleware:
    """Re-decode text responses whose Scrapy-chosen encoding is not what the bytes say.

    Scrapy picks the header charset even when it is wrong and guesses generically when
    nothing is declared; the fix is ``response.replace(encoding=...)``, after which
    ``response.text`` and selectors see the right characters. Switched off with
    ``CHARSET_DETECT_ENABLED = False``, per request with ``meta["charset_detect"] = False``.
    Stats: ``newsportal/charset/<encoding>`` for every checked response and
    ``newsportal/charset/redetected`` for each one corrected.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("CHARSET_DETECT_ENABLED", True):
            raise NotConfigured("CHARSET_DETECT_ENABLED is off")
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or not request.meta.get("charset_detect", True):
            return response
        if not response.body:
            return response
        kind = binary_kind(response.body)
        if kind is not None:
            # Never decoded into a garbage article: a plain Response, counted once.
            self.stats.inc_value("newsportal/errors/binary_body")
            logger.warning("Page failed (binary_body: %s): %s", kind, response.url)
            return Response(
                response.url,
                status=response.status,
                headers=response.headers,
                body=response.body,
                flags=response.flags,
                request=response.request,
                ip_address=response.ip_address,
                protocol=response.protocol,
            )
        content_type_bytes = response.headers.get(b"Content-Type")
        content_type = content_type_bytes.decode("latin-1") if content_type_bytes else None
        _, encoding = decode_html(response.body, content_type)
        self.stats.inc_value(f"newsportal/charset/{encoding}")
        if self._scrapy_declared(response, content_type) is None:
            # Nothing declared: Scrapy would guess on first access to .text (a costly
            # unrestricted detection); pin the encoding instead of asking for its guess.
            # Only a non-UTF-8 result is a correction worth counting.
            if encoding != "utf-8":
                self._count_redetected(response, "undeclared", encoding)
            return response.replace(encoding=encoding)
        if normalize_encoding(response.encoding) == encoding:
            return response
        self._count_redetected(response, response.encoding, encoding)
        return response.replace(encoding=encoding)

    @staticmethod
    def _scrapy_declared(response: TextResponse, content_type: str | None) -> str | None:
        """What TextResponse treats as declared (BOM, header, meta), via the same w3lib calls."""
        return (
            read_bom(response.body)[0]
            or http_content_type_encoding(content_type)
            or html_body_declared_encoding(response.body)
        )

    def _count_redetected(self, response: TextResponse, old: str, new: str) -> None:
        self.stats.inc_value("newsportal/charset/redetected")
        logger.debug("Charset of %s re-detected: %s -> %s", response.url, old, new)
