"""Shared fixtures: the portal replica on 127.0.0.1 and what the seed page says."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.replica.server import ReplicaServer
from tests.replica.site import build_site

pytest_plugins = ["tests.mongo_fixtures"]

# A copy of shared/seed: the rendered text of the real article page (ASCII punctuation).
SEED_FILE = Path(__file__).resolve().parent / "seed" / "000_a8558de1dc3e2054.txt"
SEED_CAPTION = "新闻发布会现场。山西省政府新闻办供图"


@dataclass
class Replica:
    root: Path
    server: ReplicaServer
    truth: dict[str, Any]


@pytest.fixture(scope="session", autouse=True)
def _private_data_dir(tmp_path_factory):
    """No test run, nor any crawl it starts, may touch the user's own newsportal state."""
    patch = pytest.MonkeyPatch()
    patch.setenv("NEWSPORTAL_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    patch.delenv("MONGO_URI", raising=False)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def replica(tmp_path_factory) -> Replica:
    """The default replica (220 articles), served for the whole test session."""
    root = tmp_path_factory.mktemp("replica")
    truth = build_site(root)
    with ReplicaServer(root) as server:
        yield Replica(root, server, truth)


def seed_body() -> str:
    """The seed article's body as a reader sees it: between the date line and 关健词."""
    lines = [line.strip() for line in seed_text().splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("2024-06-05 16:33:17"))
    end = next(i for i, line in enumerate(lines) if line.startswith("关健词"))
    return "\n".join(line for line in lines[start + 1 : end] if line and line != SEED_CAPTION)


def seed_text() -> str:
    return SEED_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_expected() -> dict[str, Any]:
    """The seed article's fields, read off the seed text by hand-written rules."""
    return {
        "url": "http://news.jiulongw.cn/china/2024-06-05/142465.html",
        "site": "jiulong",
        "section": "国内新闻",
        "title": "2023年山西破获电信网络诈骗案件1.7万余起",
        "published_at": "2024-06-05T16:33:17+08:00",
        "source": "中国新闻网",
        "editor": "代平",
        "keywords": [],
        "body": seed_body(),
    }


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
