"""Extraction accuracy on hand-made Chinese news pages: newsportal vs trafilatura vs GNE.

The generic path (no site selectors) is scored on external Chinese news pages against GNE and
trafilatura (issue 2, item 10). We cannot fetch those, so ``bench/corpus/`` holds pages written
in the markup of many real site families (central media, portals, government TRS sites, DedeCMS,
PHPCMS, 帝国CMS, Discuz, WeChat, HTML5 noise), each with hand-written expected values in
``<name>.json``. This prints a side-by-side table per page, totals and CPU time per page.

    .venv/bin/python bench/bench_accuracy.py [--only NAME] [--details]

Field mapping for the other two (they have no source/editor notion of their own):
  * title, body: their ``title`` and text output (trafilatura ``text``, GNE ``content``).
  * date: trafilatura ``date`` (htmldate, asked for minutes), GNE ``publish_time``; both parsed
    with our ``parse_date`` so that only the extraction is compared, not date formats.
  * source: GNE ``author``; trafilatura ``author`` or ``sitename`` (whichever matches: the most
    generous reading, since neither is defined as 来源).
  * editor, is_article: ours only.
All three get the same decoded text (our ``decode_html``), so charset detection is not scored
here; comments are switched off for trafilatura (``include_comments=False``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "bench" / "corpus"
sys.path.insert(0, str(ROOT))

from newsportal.encoding import decode_html  # noqa: E402
from newsportal.extract import extract_page  # noqa: E402
from newsportal.processors import clean_text, parse_date  # noqa: E402

NOW = dt.datetime(2024, 6, 6, 12, 0, tzinfo=dt.UTC)  # crawl time for relative dates
TOOLS = ("ours", "traf", "gne")


@dataclass
class Result:
    title: str | None = None
    date: dt.datetime | None = None
    source: tuple[str, ...] = ()  # candidates: a match with any of them counts
    editor: str | None = None
    body: str | None = None
    is_article: bool | None = None
    error: str | None = None
    cpu_ms: float = 0.0


@dataclass
class Score:
    title: bool = False
    date: bool = False
    day: bool = False
    source: bool = False
    editor: bool = False
    f1: float = 0.0
    body_exact: bool = False
    is_article: bool = False


def norm_body(text: str | None) -> str:
    """Whitespace-normalised paragraphs, as the expected values are written."""
    if not text:
        return ""
    return "\n".join(line for line in (clean_text(x) for x in text.splitlines()) if line)


def char_f1(expected: str, got: str) -> float:
    """Character-level F1 over the longest matching blocks (whitespace ignored)."""
    a = "".join(expected.split())
    b = "".join(got.split())
    if not a or not b:
        return 1.0 if a == b else 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    if not same:
        return 0.0
    precision, recall = same / len(b), same / len(a)
    return 2 * precision * recall / (precision + recall)


def same_minute(a: dt.datetime | None, b: dt.datetime | None) -> bool:
    if a is None or b is None:
        return False
    if a.tzinfo is None or b.tzinfo is None:
        return False
    return a.astimezone(dt.UTC).replace(second=0, microsecond=0) == b.astimezone(dt.UTC).replace(
        second=0, microsecond=0
    )


def cpu_ms(fn: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    """Run ``fn`` ``repeat`` times; return its last value and the best CPU time in ms."""
    best = float("inf")
    value = None
    for _ in range(repeat):
        start = time.process_time()
        value = fn()
        best = min(best, time.process_time() - start)
    return value, best * 1000


# ----------------------------------------------------------------------------- extractors


def run_ours(body: bytes, url: str, repeat: int) -> Result:
    try:
        item, ms = cpu_ms(lambda: extract_page(body, url, now=NOW), repeat)
    except Exception as exc:  # a crash is a result worth printing, not a reason to stop
        return Result(error=f"{type(exc).__name__}: {exc}")
    return Result(
        title=item.get("title"),
        date=item.get("published_at"),
        source=(item.get("source") or "",),
        editor=item.get("editor"),
        body=item.get("body"),
        is_article=item.get("is_article"),
        cpu_ms=ms,
    )


def run_trafilatura(html: str, url: str, repeat: int) -> Result:
    import trafilatura

    def extract() -> str | None:
        return trafilatura.extract(
            html,
            url=url,
            output_format="json",
            with_metadata=True,
            include_comments=False,
            date_extraction_params={
                "extensive_search": True,
                "original_date": True,
                "outputformat": "%Y-%m-%d %H:%M:%S",
            },
        )

    try:
        out, ms = cpu_ms(extract, repeat)
    except Exception as exc:
        return Result(error=f"{type(exc).__name__}: {exc}")
    if not out:
        return Result(error="no output", cpu_ms=ms)
    doc = json.loads(out)
    return Result(
        title=doc.get("title"),
        date=parse_date(doc.get("date"), now=NOW),
        source=tuple(x for x in (doc.get("author"), doc.get("sitename")) if x),
        editor=doc.get("author"),
        body=doc.get("text") or doc.get("raw_text"),
        cpu_ms=ms,
    )


def run_gne(html: str, repeat: int) -> Result:
    from gne import GeneralNewsExtractor

    extractor = GeneralNewsExtractor()
    try:
        doc, ms = cpu_ms(lambda: extractor.extract(html), repeat)
    except Exception as exc:
        return Result(error=f"{type(exc).__name__}: {exc}")
    return Result(
        title=doc.get("title"),
        date=parse_date(doc.get("publish_time"), now=NOW),
        source=(doc.get("author") or "",),
        editor=doc.get("author") or None,
        body=doc.get("content"),
        cpu_ms=ms,
    )


# ----------------------------------------------------------------------------- scoring


def score(expected: dict[str, Any], got: Result) -> Score:
    s = Score()
    s.is_article = got.is_article is expected["is_article"]
    if not expected["is_article"]:
        return s
    exp_date = dt.datetime.fromisoformat(expected["published_at"])
    s.title = clean_text(got.title) == clean_text(expected["title"])
    s.date = same_minute(got.date, exp_date)
    s.day = got.date is not None and got.date.astimezone(exp_date.tzinfo).date() == exp_date.date()
    s.source = clean_text(expected["source"]) in {clean_text(x) for x in got.source}
    s.editor = clean_text(got.editor) == clean_text(expected["editor"])
    exp_body, got_body = norm_body(expected["body"]), norm_body(got.body)
    s.f1 = char_f1(exp_body, got_body)
    s.body_exact = exp_body == got_body
    return s


def body_diff(expected: str, got: str) -> list[str]:
    """Paragraph-level differences: what ours lost and what it added."""
    exp_lines, got_lines = expected.splitlines(), got.splitlines()
    missing = [x for x in exp_lines if x not in got_lines]
    extra = [x for x in got_lines if x not in exp_lines]
    out = [f"      - missing: {x[:70]}" for x in missing[:4]]
    out += [f"      + extra:   {x[:70]}" for x in extra[:4]]
    if len(missing) > 4 or len(extra) > 4:
        out.append(f"      ({len(missing)} missing, {len(extra)} extra paragraphs in all)")
    return out


def ours_failures(name: str, expected: dict[str, Any], got: Result, s: Score) -> list[str]:
    if got.error:
        return [f"  {name}: CRASH {got.error}"]
    lines = []
    if s.is_article is False:
        lines.append(f"    is_article: got {got.is_article!r}, expected {expected['is_article']!r}")
    if expected["is_article"]:
        if not s.title:
            lines.append(f"    title: got {got.title!r}, expected {expected['title']!r}")
        if not s.date:
            got_date = got.date.isoformat() if got.date else None
            lines.append(f"    date: got {got_date}, expected {expected['published_at']}")
        if not s.source:
            lines.append(
                f"    source: got {got.source[0] or None!r}, expected {expected['source']!r}"
            )
        if not s.editor:
            lines.append(f"    editor: got {got.editor!r}, expected {expected['editor']!r}")
        if not s.body_exact:
            lines.append(f"    body: F1 {s.f1:.3f}")
            lines += body_diff(norm_body(expected["body"]), norm_body(got.body))
    return [f"  {name}:", *lines] if lines else []


def mark(ok: bool) -> str:
    return "ok" if ok else "--"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run one corpus page (its file stem)")
    parser.add_argument("--repeat", type=int, default=3, help="timing repetitions per page")
    parser.add_argument("--details", action="store_true", help="show all three tools' values")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")

    pages = sorted(CORPUS.glob("*.json"))
    if args.only:
        pages = [p for p in pages if p.stem == args.only]
    if not pages:
        print(f"no corpus pages in {CORPUS}", file=sys.stderr)
        return 1

    header = (
        f"{'page':28} {'title':>8} {'date':>8} {'source':>8} {'editor':>6} "
        f"{'body F1 ours/traf/gne':>22} {'art':>4} {'ms ours/traf/gne':>17}"
    )
    print(header)
    print("-" * len(header))
    keys = ("title", "date", "day", "source", "editor", "exact")
    sums = {tool: dict.fromkeys(keys, 0) | {"f1": 0.0} for tool in TOOLS}
    times: dict[str, list[float]] = {tool: [] for tool in TOOLS}
    articles = is_article_ok = 0
    failures: list[str] = []
    for meta_path in pages:
        expected = json.loads(meta_path.read_text(encoding="utf-8"))
        body = meta_path.with_suffix(".html").read_bytes()
        url = expected["url"]
        html, _ = decode_html(body)
        results = {
            "ours": run_ours(body, url, args.repeat),
            "traf": run_trafilatura(html, url, args.repeat),
            "gne": run_gne(html, args.repeat),
        }
        scores = {tool: score(expected, results[tool]) for tool in TOOLS}
        for tool in TOOLS:
            if results[tool].cpu_ms:
                times[tool].append(results[tool].cpu_ms)
        is_article_ok += scores["ours"].is_article
        ms = "/".join(f"{results[t].cpu_ms:.1f}" for t in TOOLS)
        if expected["is_article"]:
            articles += 1
            for tool in TOOLS:
                sums[tool]["title"] += scores[tool].title
                sums[tool]["date"] += scores[tool].date
                sums[tool]["day"] += scores[tool].day
                sums[tool]["editor"] += scores[tool].editor
                sums[tool]["source"] += scores[tool].source
                sums[tool]["f1"] += scores[tool].f1
                sums[tool]["exact"] += scores[tool].body_exact

            def cols(attr: str, scores: dict[str, Score] = scores) -> str:
                return "".join("+" if getattr(scores[t], attr) else "." for t in TOOLS)

            f1s = "/".join(f"{scores[t].f1:.2f}" for t in TOOLS)
            print(
                f"{meta_path.stem[:28]:28} {cols('title'):>8} {cols('date'):>8} "
                f"{cols('source'):>8} {cols('editor'):>6} {f1s:>22} "
                f"{mark(scores['ours'].is_article):>4} {ms:>17}"
            )
        else:
            print(
                f"{meta_path.stem[:28]:28} {'(not an article)':>30} {'':>22} "
                f"{mark(scores['ours'].is_article):>4} {ms:>17}"
            )
        failures += ours_failures(meta_path.stem, expected, results["ours"], scores["ours"])
        if args.details:
            for tool in TOOLS:
                r = results[tool]
                print(
                    f"    {tool}: title={r.title!r} date={r.date} source={r.source} "
                    f"editor={r.editor!r} error={r.error}"
                )

    print("-" * len(header))
    print("title/date/source/editor columns: ours, trafilatura, GNE ('+' = correct)")
    print(
        f"\n{'totals over ' + str(articles) + ' articles':34} {'ours':>10} {'traf':>10} {'gne':>10}"
    )
    n = max(articles, 1)
    for label, key in (
        ("title exact", "title"),
        ("date (same minute)", "date"),
        ("date (same day)", "day"),
        ("source", "source"),
        ("editor (traf/gne: author)", "editor"),
        ("body exact", "exact"),
    ):
        row = "".join(f"{sums[t][key]:>7}/{articles:<2}" for t in TOOLS)
        print(f"{label:34} {row}")
    print(f"{'body mean char F1':34} " + "".join(f"{sums[t]['f1'] / n:>10.3f}" for t in TOOLS))
    print(f"{'is_article (ours only)':34} {is_article_ok:>7}/{len(pages):<2}")
    print(
        f"{'median CPU ms per page':34} "
        + "".join(
            f"{statistics.median(times[t]) if times[t] else float('nan'):>10.2f}" for t in TOOLS
        )
    )
    if failures:
        print("\nwhere ours differs from the expected values:")
        print("\n".join(failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
