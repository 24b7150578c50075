"""Replicas of the CMS families regional portals run, built from their default templates.

``build_family(root, "phpcms")`` writes one family's portal under ``root`` (pages,
``_meta.json``, robots.txt) with its ground truth in ``root/truth.json``; serve it with
:class:`tests.replica.server.ReplicaServer` as an HTTP proxy and crawl its real URLs with
``scrapy crawl portal -a url=<truth["home"]> -a site=<truth["site"]>``. See
tests/replica/README.md for the families, their URLs and what the truth holds.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

from tests.replica.cms.common import Family, build

# family id -> (module, factory)
_FACTORIES = {
    "phpcms": ("phpcms", "family"),
    "dedecms": ("dedecms", "family"),
    "empirecms": ("empirecms", "family"),
    "trs_gov": ("trs", "family_gov"),
    "trs_media": ("trs", "family_media"),
    "wordpress": ("wordpress", "family"),
}
FAMILIES = tuple(_FACTORIES)


def family(name: str) -> Family:
    if name not in _FACTORIES:
        raise ValueError(f"unknown CMS family {name!r}; known: {', '.join(FAMILIES)}")
    module, factory = _FACTORIES[name]
    return getattr(import_module(f"tests.replica.cms.{module}"), factory)()


def build_family(
    root: Path, name: str, *, articles: int = 60, seed: int = 5, aliases_first: bool = False
) -> dict[str, Any]:
    """Write family `name` under `root`; return its truth (also in root/truth.json).

    ``aliases_first=True`` links articles that have a dynamic address only under it (see
    :func:`tests.replica.cms.common.build`).
    """
    return build(
        family(name), Path(root), articles=articles, seed=seed, aliases_first=aliases_first
    )
