"""List pagers that exist only as a script call.

TRS WCM list templates print no page links; a script draws them from
``createPageHTML(countPage, currentPage, "index", "html")``: ``index.html`` is the first page,
``index_1.html`` ... ``index_{countPage-1}.html`` the others, in the list's directory. Newer
templates put a container id first and a record count last
(``createPageHTML('page_div', 12, 1, 'index', 'html', 207)``), and many pass variables declared
just above (``var countPage = 12``). The pages are requested like any linked page; every other
family's pager (``/{catdir}/2.html``, ``list_{tid}_{page}.html``, ``index_2.html``,
``?page=N``, ``/page/2/``) is ordinary links.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

_CALL = re.compile(r"createPageHTML\s*\(([^()]{1,200})\)")
# countPage = 12; or var countPage = 12//共多少页 (a comment right after the number)
_VAR = re.compile(r"([A-Za-z_$][\w$]*)\s*=\s*['\"]?(\d{1,6})(?![\d.\w])")
_EXTENSIONS = ("html", "htm", "shtml", "jsp", "php", "asp", "aspx")
# A pager drawn for more pages than this is a broken template or a trap; the crawl's own
# guards (depth, per-parameter variants) do not see script-made pages, so cap them here.
MAX_SCRIPT_PAGES = 500


def script_pager_urls(html: str, page_url: str, limit: int = MAX_SCRIPT_PAGES) -> list[str]:
    """The list pages a ``createPageHTML(...)`` call on this page stands for, in order."""
    if "createPageHTML" not in html:
        return []
    variables: dict[str, int] | None = None
    urls: list[str] = []
    for call in _CALL.finditer(html):
        args = [arg.strip() for arg in call.group(1).split(",")]
        names = [i for i, arg in enumerate(args) if arg[:1] in "'\"" and arg[-1:] == arg[:1]]
        stem_ext = next(
            (
                (args[i][1:-1], args[i + 1][1:-1])
                for i in names
                if i + 1 in names and args[i + 1][1:-1].lower() in _EXTENSIONS
            ),
            None,
        )
        if stem_ext is None or not re.fullmatch(r"[\w.-]+", stem_ext[0]):
            continue
        first = args[0] if args[0][:1] not in "'\"" else (args[1] if len(args) > 1 else "")
        if first.isdigit():
            count = int(first)
        else:
            if variables is None:
                variables = {name: int(value) for name, value in _VAR.findall(html)}
            count = variables.get(first, 0)
        stem, ext = stem_ext
        for index in range(min(count, limit)):
            name = f"{stem}.{ext}" if index == 0 else f"{stem}_{index}.{ext}"
            url = urljoin(page_url, name)
            if url not in urls:
                urls.append(url)
    return urls
