"""``python -m newsportal.extract``: what a user runs to check saved pages of a portal."""

import json
import subprocess
import sys
from pathlib import Path

PAGES = Path(__file__).parent / "pages"
ROOT = Path(__file__).parent.parent
SEED_URL = "http://news.jiulongw.cn/china/2024-06-05/142465.html"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsportal.extract", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_one_json_object_per_page_with_charset_detected():
    pages = [PAGES / "jiulong_table_gbk.html", PAGES / "jiulong_div.html"]
    result = run(*map(str, pages), "--url", SEED_URL, "--site", "jiulong")
    assert result.returncode == 0, result.stderr
    gbk, utf8 = (json.loads(line) for line in result.stdout.splitlines())
    assert gbk["encoding"] == "gb18030" and utf8["encoding"] == "utf-8"
    for article in (gbk, utf8):
        assert article["title"] == "2023年山西破获电信网络诈骗案件1.7万余起"
        assert article["source"] == "中国新闻网"
        assert article["editor"] == "代平"
        assert article["published_at"].startswith("2024-06-05T16:33")
        assert article["is_article"] is True


def test_list_page_is_reported_as_not_an_article():
    result = run(str(PAGES / "jiulong_list.html"), "--url", "http://news.jiulongw.cn/china/")
    assert json.loads(result.stdout)["is_article"] is False


def test_unreadable_file_is_named_and_the_rest_still_printed(tmp_path):
    result = run(str(tmp_path / "missing.html"), str(PAGES / "jiulong_div.html"))
    assert result.returncode == 1
    assert "missing.html: cannot read" in result.stderr
    assert len(result.stdout.splitlines()) == 1
