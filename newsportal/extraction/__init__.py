"""Find an article's parts by what a reader sees, whatever the markup.

The real 九龙网 markup is unknown and the same code must hold up on other Chinese news
sites, so nothing here relies on class names or ids. Instead it uses what every reader
relies on: the headline that repeats the page ``<title>``, the date/来源 line under it,
the labels 责任编辑 / 关健词 / 推荐阅读 / 当前位置, and the one block of the page that
is long, punctuated prose with few links (text density, as in readability and GNE).

Values are returned raw-ish (see :class:`RawArticle`); normalising them is the job of
:mod:`newsportal.processors` through the loaders. One lxml parse per page (of UTF-8 bytes),
lxml's tag filters or compiled XPath for the searches, libxml2's text serialiser for an
element's text, no re-serialisation of markup, and searches that stop once answered (the
elements below the headline are read one at a time). ``bench/bench_extraction.py`` measured a
median of 1.76 to 1.85 ms per page with loading (2.25 to 2.48 ms before this tuning, run right
before each), on a shared 2-core machine at a load average of 2 to 7: issue 7's 1.5 ms is not
met there yet.

Deliberate choices:

- ``<meta name="keywords">`` is never used for ``keywords_text``: on portals it is the
  same site-wide list on every page. Only a visible 关健词/关键词/标签 line counts.
- ``og:site_name`` is never used as the source: a reposted article's source is the
  outlet it came from (来源：中国新闻网), not the portal. Meta ``source`` tags are a
  fallback because CMSs fill them per article.
- Meta dates (``article:published_time``, ``PubDate`` ...) only stand in when no date
  line is visible; ``date_text`` is then the meta value itself, unless it names another
  day than the URL (``t20240605_``, ``/2024-06-05/``): a TRS template's stale default loses
  to the URL's day. A visible date without a time of day (发布日期：2024-06-05) takes the
  meta value when it names the same day. A visible date without its year (``10-08 12:00``,
  ``18-03-08 23:16``) stays as printed; ``date_hints`` (the URL's date, the meta date) give
  the loaders its year, only when they name the same day or month.
- Government meta tags are evidence, not truth: ``ArticleTitle`` counts like ``og:title``
  unless it is the site's own name (a template default); ``ContentSource`` is the last
  resort for 来源.
- Share widgets and promotion boxes (分享给朋友, 扫码下载, 客户端) never score as text;
  a date in a list entry or a header bar beside the site's name is not the date line; a
  summary box (摘要, 导读) does not count as the text before the date line; a 来源 slot
  holding a link to the site's own section names a section, not an outlet.
- Hidden elements (``display:none``) are dropped unless they hold a lot of prose: some
  pages hide the article until a script reveals it; a hidden tab of links is dropped.
- The section comes from what reads as a breadcrumb (a 当前位置 label, a short chain of
  links before the headline, a short list starting at 首页); failing that, from the link
  that closes its group and points to the page's own folder (/china/ for
  /china/2024-06-05/1.html), never from a menu entry in the middle of the menu.
- An outlet printed without a label beside the date ("新京报 2024-06-05 17:21") is
  recognised by how outlet names end (…报, …网, …社, …新闻, …客户端).
- A page is no article when its densest text is one of several boxes shaped alike, each
  with a headline link (search results, summary lists), or when the nearest headline
  above its date line is a link (a section's lead story).

Why a package: each part of a page is found by its own cues, so each has its own small module,
named for the part it finds; a fix to the date line is read and reviewed in ``dateline.py``
without the body scoring around it. Only :func:`extract_article` and :class:`RawArticle` are
public; the modules share private helpers among themselves, and import in one direction:
``patterns`` (compiled regexes, label and tag sets) <- ``dom`` (parsing, noise removal, meta
tags, text helpers) <- one module per part <- ``article`` (the entry point). Within the
parts, ``source`` reads around the headline as ``dateline`` does, and ``container``
checks pictures as ``body`` does; no module imports one that imports it.

- ``title``: the headline.
- ``dateline``: the date line and its date.
- ``source``: 来源, on or near the date line.
- ``labels``: 责任编辑 / 关健词.
- ``section``: the breadcrumb (当前位置) or the page's own folder.
- ``container``: the block of densest prose (text density).
- ``body``: paragraphs, pictures and captions read from that block.
- ``related``: 推荐阅读.
- ``article``: :func:`extract_article`, and whether the page is an article or a list.
"""

from newsportal.extraction.article import RawArticle, extract_article

__all__ = ["RawArticle", "extract_article"]
