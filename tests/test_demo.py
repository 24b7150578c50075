"""`make demo` (scripts/demo.py): the MongoDB path end to end, on the development server, and
never a trace in the user's own state or database."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.crawling import ROOT
from tests.mongo_fixtures import free_port


def test_demo_stores_shows_and_reruns_incrementally_without_touching_user_state(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    user_state = tmp_path / "user-state"
    env = {
        **os.environ,
        "HOME": str(home),
        "DEMO_DIR": str(tmp_path / "demo"),
        # The user's own settings: the demo must use none of them.
        "MONGO_URI": f"mongodb://127.0.0.1:{free_port()}/",
        "NEWSPORTAL_DATA_DIR": str(user_state),
        "NEWSPORTAL_STATS_FILE": str(user_state / "stats.json"),
    }
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, "scripts/demo.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    assert "220 articles in MongoDB newsportal.articles (220 on the replica)" in out
    assert "Indexes: _id_" in out and "published_at" in out.split("Indexes:")[1].splitlines()[0]
    assert '"title": "2023年山西破获电信网络诈骗案件1.7万余起"' in out
    rerun = out.split("The rerun is incremental: ")[1]
    skipped = int(rerun.split()[0])
    assert skipped > 200 and "0 downloaded again" in rerun
    assert not user_state.exists()
    assert not (home / ".local" / "share" / "newsportal").exists()
