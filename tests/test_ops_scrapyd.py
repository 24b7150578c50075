"""Secrets, per-job settings, per-job proxy and deliberate stops on a real scrapyd.

scrapyd's own log prints every job's arguments (``Process started: ... args=[...]``) and serves
job logs over HTTP: a secret must reach a job as a file (``setting=MONGO_URI_FILE=...``), and
no log line, stats file or argument may show it. The scrapyd here has no ``http_proxy``: jobs
reach the replica only through their own ``NEWSPORTAL_HTTP_PROXY``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.mongo_fixtures import free_port
from tests.scrapyd_fixtures import ScrapydServer, copy_project, scrapyd_deploy, wait_until
from tests.test_monitors import Webhook
from tests.test_settings_sources import overridden

TOKEN = "T0KEN-7f3a9c"
PASSWORD = "S3cretPW-9d1"


class Host:
    def __init__(self, scrapyd: ScrapydServer, tmp: Path, proxy: str) -> None:
        self.scrapyd = scrapyd
        self.tmp = tmp
        self.proxy = proxy
        self.count = 0

    def secret_file(self, name: str, text: str) -> Path:
        path = self.tmp / "secrets" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text + "\n", "utf-8")
        path.chmod(0o600)
        return path

    def schedule(self, **settings: str) -> tuple[str, Path]:
        self.count += 1
        stats = self.tmp / f"stats-{self.count}.json"
        jobid = self.scrapyd.schedule(
            "jiulong",
            settings={
                "NEWSPORTAL_HTTP_PROXY": self.proxy,
                "NEWSPORTAL_AUTOTHROTTLE": "0",
                "NEWSPORTAL_DOWNLOAD_DELAY": "0",
                "NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN": "8",
                "NEWSPORTAL_STATS_FILE": str(stats),
                "NEWSPORTAL_FEED": str(self.tmp / f"feed-{self.count}.jsonl"),
                **settings,
            },
        )
        return jobid, stats

    def run(self, **settings: str) -> tuple[dict, str]:
        jobid, stats = self.schedule(**settings)
        self.scrapyd.wait_finished(jobid, timeout=180)
        log = self.scrapyd.job_log("jiulong", jobid)
        return json.loads(stats.read_text("utf-8")), log

    def everything_written(self) -> str:
        """scrapyd's own log, every job log and every stats file."""
        texts = [self.scrapyd.log_path.read_text("utf-8", errors="replace")]
        texts += [p.read_text("utf-8") for p in (self.scrapyd.root / "logs").rglob("*.log")]
        texts += [p.read_text("utf-8") for p in self.tmp.glob("stats-*.json")]
        return "\n".join(texts)


@pytest.fixture(scope="module")
def host(replica, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ops-scrapyd")
    scrapyd = ScrapydServer(
        tmp / "scrapyd", env={"NEWSPORTAL_DATA_DIR": str(tmp / "data"), "NO_PROXY": "127.0.0.1"}
    )
    for name in ("http_proxy", "HTTP_PROXY", "MONGO_URI"):
        scrapyd.env[name] = ""
    scrapyd.start()
    try:
        deployed = scrapyd_deploy(copy_project(tmp / "project"), scrapyd.url)
        assert deployed.returncode == 0, deployed.stderr
        yield Host(scrapyd, tmp, replica.server.proxy_url)
    finally:
        scrapyd.stop()


def test_mongo_password_given_as_a_file_appears_nowhere(host, closed_port):
    uri = host.secret_file(
        "job1.uri", f"mongodb://newsportal:{PASSWORD}@127.0.0.1:{closed_port}/?authSource=admin"
    )
    stats, log = host.run(MONGO_URI_FILE=str(uri), MONGO_TIMEOUT_MS="300")
    assert "MongoDB is unreachable at mongodb://newsportal:***@127.0.0.1" in log
    assert stats["state"] == "started"  # never claims a finish it did not reach
    written = host.everything_written()
    assert f"MONGO_URI_FILE={uri}" in written  # scrapyd's "Process started ... args=[...]"
    assert PASSWORD not in written
    assert "Telnet" not in log


def test_per_job_settings_proxy_and_a_redacted_webhook(host):
    dead = f"http://127.0.0.1:{free_port()}/services/hook/{TOKEN}?key={TOKEN}"
    hook = host.secret_file("hook.url", dead)
    stats, log = host.run(
        NEWSPORTAL_DEPTH_LIMIT="1",  # too shallow for any article: the checks fail
        NEWSPORTAL_MONITOR_WEBHOOK_FILE=str(hook),
    )
    used = overridden(log)
    assert used["DEPTH_LIMIT"] == 1
    assert "DOWNLOAD_DELAY" not in used and "AUTOTHROTTLE_ENABLED" not in used  # both off
    # No http_proxy on this scrapyd: the pages came through the job's own proxy.
    assert stats["downloader/response_count"] > 0
    assert "Page requests of this job go through the proxy http://127.0.0.1:" in log
    assert stats["newsportal/monitor/failed"] >= 1
    assert "Monitor webhook http://127.0.0.1:" in log and "/*** failed" in log
    assert TOKEN not in host.everything_written()


def test_monitor_switched_off_per_job(host):
    stats, log = host.run(NEWSPORTAL_DEPTH_LIMIT="1", NEWSPORTAL_MONITOR_ENABLED="0")
    assert stats["finish_reason"] == "finished"
    assert not [key for key in stats if key.startswith("newsportal/monitor")]
    assert "Monitor check" not in log


def test_a_cancelled_job_raises_no_alarm(host):
    webhook = Webhook()
    try:
        hook = host.secret_file("live-hook.url", webhook.url)
        jobid, stats_path = host.schedule(
            NEWSPORTAL_DOWNLOAD_DELAY="0.5",
            NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN="1",
            NEWSPORTAL_MONITOR_WEBHOOK_FILE=str(hook),
        )
        log_path = host.scrapyd.root / "logs" / "newsportal" / "jiulong" / f"{jobid}.log"
        feed = host.tmp / f"feed-{host.count}.jsonl"
        wait_until(lambda: feed.exists() and feed.stat().st_size, 90, what="a first article")
        answer = host.scrapyd.session.post(
            f"{host.scrapyd.url}/cancel.json", data={"project": "newsportal", "job": jobid}
        ).json()
        assert answer["status"] == "ok", answer
        host.scrapyd.wait_finished(jobid, timeout=90)
    finally:
        webhook.close()
    log = log_path.read_text("utf-8")
    stats = json.loads(stats_path.read_text("utf-8"))
    assert stats["finish_reason"] == "shutdown"
    assert "Monitor checks skipped for jiulong: stopped on purpose (shutdown)" in log
    assert "FAILED for" not in log
    assert webhook.received == []
