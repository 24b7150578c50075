"""Deploying to a real scrapyd and running jobs there, as a user does (docs/deploy.md).

A real scrapyd on 127.0.0.1 gets the egg from ``scrapyd-deploy`` (committed setup.py and
scrapy.cfg), its jobs crawl the replica through ``http_proxy`` and store into the MongoDB wire
server; the host's environment gives MONGO_URI and the data dir, per-job ``setting=`` the rest.
"""

from __future__ import annotations

import configparser
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.mongo_fixtures import make_server
from tests.scrapyd_fixtures import (
    BIN,
    ROOT,
    ScrapydServer,
    copy_project,
    scrapyd_deploy,
)

# Per-job settings, exactly as scrapyd passes them: strings at command-line priority.
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "DOWNLOAD_TIMEOUT": "2",
    "RETRY_TIMES": "1",
}


# --- the egg -------------------------------------------------------------------------------------


def build_egg(project: Path, egg: Path) -> None:
    result = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "--build-egg", str(egg)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_egg_has_the_settings_entry_point_and_every_data_file(tmp_path):
    project = copy_project(tmp_path / "project")
    # A data file added to the package later must reach the egg without touching setup.py.
    data_file = project / "newsportal" / "sites" / "extra.json"
    data_file.parent.mkdir(exist_ok=True)
    data_file.write_text('{"portal": "jiulong"}', "utf-8")
    build_egg(project, tmp_path / "newsportal.egg")
    with zipfile.ZipFile(tmp_path / "newsportal.egg") as egg:
        names = set(egg.namelist())
        entry_points = egg.read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]\nsettings = newsportal.settings" in entry_points
    package_files = {
        path.relative_to(project).as_posix()
        for path in (project / "newsportal").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert "newsportal/sites/extra.json" in package_files
    assert package_files - names == set()
    assert not any(name.startswith("tests/") for name in names)


def test_deploy_targets_have_no_trailing_slash():
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "scrapy.cfg")
    targets = [section for section in config.sections() if section.startswith("deploy")]
    assert targets == ["deploy", "deploy:remote"]
    for section in targets:
        assert not config[section]["url"].endswith("/"), section
        assert config[section]["project"] == "newsportal"
    assert config["deploy:remote"]["url"] == "${SCRAPYD_URL}"


# --- jobs on a real scrapyd ----------------------------------------------------------------------


class Deployment:
    def __init__(self, scrapyd: ScrapydServer, data_dir: Path, tmp: Path) -> None:
        self.scrapyd = scrapyd
        self.data_dir = data_dir
        self.tmp = tmp

    def run(self, database: str, **settings: str) -> tuple[dict, str]:
        """Schedules jiulong, waits for it; returns its closing stats and its scrapyd log."""
        stats_file = self.tmp / f"stats-{database}-{len(list(self.tmp.glob('stats-*')))}.json"
        jobid = self.scrapyd.schedule(
            "jiulong",
            settings={
                **FAST,
                "MONGO_DATABASE": database,
                "NEWSPORTAL_STATS_FILE": str(stats_file),
                **settings,
            },
        )
        self.scrapyd.wait_finished(jobid, timeout=180)
        log = self.scrapyd.job_log("jiulong", jobid)
        assert stats_file.exists(), log[-3000:]
        return json.loads(stats_file.read_text("utf-8")), log


@pytest.fixture(scope="module")
def mongo(tmp_path_factory):
    """The MongoDB wire server the scrapyd host's MONGO_URI points at."""
    server = make_server(tmp_path_factory.mktemp("deploy-mongo"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def deployment(replica, mongo, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deploy")
    data_dir = tmp / "data"  # absolute, shared by every job of this scrapyd
    scrapyd = ScrapydServer(
        tmp / "scrapyd",
        env={
            "http_proxy": replica.server.proxy_url,
            "MONGO_URI": mongo.uri,
            "NEWSPORTAL_DATA_DIR": str(data_dir),
        },
    ).start()
    try:
        deployed = scrapyd_deploy(copy_project(tmp / "project"), scrapyd.url)
        assert deployed.returncode == 0, deployed.stderr
        assert '"status": "ok"' in deployed.stdout
        yield Deployment(scrapyd, data_dir, tmp)
    finally:
        scrapyd.stop()


def test_deployed_project_lists_the_spider(deployment):
    spiders = deployment.scrapyd.api("listspiders.json", project="newsportal")
    assert spiders["spiders"] == ["jiulong", "portal"]


def test_scheduled_job_stores_every_article_and_finishes_cleanly(deployment, replica, mongo):
    stats, log = deployment.run("deploy_first")
    assert "'finish_reason': 'finished'" in log
    assert "start_error" not in log
    assert "Traceback" not in log
    assert stats["newsportal/monitor/failed"] == 0, log[-3000:]
    client = mongo.client()
    try:
        stored = {doc["_id"] for doc in client["deploy_first"]["articles"].find({}, {"_id": 1})}
    finally:
        client.close()
    assert stored == {article["url"] for article in replica.truth["articles"]}
    # The incremental state and the monitor's baseline live in the shared absolute data dir.
    assert (deployment.data_dir / "monitor" / "jiulong.json").exists()
    assert any((deployment.data_dir / "deltafetch").iterdir())


def test_next_job_finds_nothing_new_and_still_passes_the_monitor(deployment, replica):
    """Incremental: the second job skips what the first stored, and that is not an alarm."""
    # A data dir of its own, given per job: the other test's jobs already stored everything.
    data_dir = str(deployment.tmp / "incremental-data")
    first, _ = deployment.run("deploy_incremental", NEWSPORTAL_DATA_DIR=data_dir)
    second, log = deployment.run("deploy_incremental", NEWSPORTAL_DATA_DIR=data_dir)
    assert first.get("item_scraped_count", 0) >= len(replica.truth["articles"])
    assert second.get("deltafetch/skipped", 0) > 0
    assert second.get("item_scraped_count", 0) < first["item_scraped_count"]
    assert second["finish_reason"] == "finished"
    assert second["newsportal/monitor/failed"] == 0, log[-3000:]
    assert "Unable to find 'item_scraped_count'" not in log
