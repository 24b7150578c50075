"""The scheduler: config validation, its decisions against scrapyd's answers, and a real run.

The decision tests talk HTTP to a small scrapyd stand-in on 127.0.0.1 (it answers what a test
tells it to and records what it was sent); the last test runs the scheduler against a real
scrapyd with a spider slower than its cron interval, and restarts scrapyd under it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from newsportal.ops.scheduler import (
    Config,
    ConfigError,
    Job,
    Node,
    Scheduler,
    load_config,
    main,
    parse_config,
)
from tests.scrapyd_fixtures import ROOT, ScrapydServer, free_port, scrapyd_deploy, wait_until

UTC = dt.UTC


# --- config --------------------------------------------------------------------------------------


def test_example_schedules_file_is_valid():
    config = load_config(ROOT / "schedules.example.toml", env={})
    [job] = config.jobs
    assert job.spider == "jiulong"
    assert job.url == "http://127.0.0.1:6800"
    assert job.project == "newsportal"
    assert str(config.timezone) == "Asia/Shanghai"


def test_config_values_become_scrapyd_form_strings():
    config = parse_config(
        {
            "scrapyd": {"url": "http://scrapyd.local:6800/", "project": "p"},
            "spiders": {
                "nightly": {
                    "spider": "jiulong",
                    "cron": "0 3 * * *",
                    "settings": {"DEPTH_LIMIT": 50, "ROBOTSTXT_OBEY": False, "X": [1, 2]},
                    "args": {"since": "2024-01-01"},
                }
            },
        },
        env={},
    )
    [job] = config.jobs
    assert job == Job(
        name="nightly",
        spider="jiulong",
        cron="0 3 * * *",
        nodes=(Node("scrapyd", "http://scrapyd.local:6800"),),  # trailing slash removed
        project="p",
        settings={"DEPTH_LIMIT": "50", "ROBOTSTXT_OBEY": "False", "X": "[1, 2]"},
        args={"since": "2024-01-01"},
    )
    assert config.auth is None


def test_shared_crawl_with_a_redis_password_file_needs_no_redis_url():
    """The documented way to give a password-protected Redis: a file named in the settings."""
    config = parse_config(
        {
            "spiders": {
                "j": {
                    "cron": "* * * * *",
                    "workers": 2,
                    "settings": {"NEWSPORTAL_REDIS_URL_FILE": "/etc/newsportal/redis.url"},
                }
            }
        },
        env={},
    )
    [job] = config.jobs
    assert job.settings == {"NEWSPORTAL_REDIS_URL_FILE": "/etc/newsportal/redis.url"}
    assert job.workers == 2


def test_url_and_credentials_come_from_the_environment():
    env = {"SCRAPYD_URL": "http://10.0.0.9:6800", "SCRAPYD_USERNAME": "u", "SCRAPYD_PASSWORD": "p"}
    config = parse_config(
        {"scrapyd": {"url_env": "SCRAPYD_URL"}, "spiders": {"jiulong": {"cron": "* * * * *"}}},
        env=env,
    )
    assert config.jobs[0].url == "http://10.0.0.9:6800"
    assert config.auth == ("u", "p")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "nothing to schedule"),
        ({"spiders": {"jiulong": {"cron": "every day"}}}, "invalid cron expression 'every day'"),
        ({"spiders": {"jiulong": {}}}, "invalid cron expression None"),
        (
            {"scrapyd": {"url": "127.0.0.1:6800"}, "spiders": {"j": {"cron": "* * * * *"}}},
            "url must be an http(s) URL",
        ),
        (
            {"scheduler": {"timezone": "Mars/Base"}, "spiders": {"j": {"cron": "* * * * *"}}},
            "unknown timezone 'Mars/Base'",
        ),
        ({"spiders": {"j": {"cron": "* * * * *", "settings": "x"}}}, "settings must be a table"),
    ],
)
def test_bad_config_is_rejected_up_front(data, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_config(data, env={})


def test_cli_reports_a_bad_file_and_exits_2(tmp_path, caplog):
    path = tmp_path / "bad.toml"
    path.write_text("[spiders.jiulong]\ncron = 'nope'\n", "utf-8")
    assert main([str(path)]) == 2
    assert "invalid cron expression 'nope'" in caplog.text


def test_cron_times_follow_the_configured_timezone():
    config = parse_config(
        {"scheduler": {"timezone": "Asia/Shanghai"}, "spiders": {"j": {"cron": "0 3 * * *"}}},
        env={},
    )
    start = dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC).timestamp()  # 20:00 in Shanghai
    scheduler = Scheduler(config, clock=lambda: start)
    due = dt.datetime.fromtimestamp(scheduler.slots[0].due, UTC)
    assert due == dt.datetime(2026, 1, 1, 19, 0, tzinfo=UTC)  # 03:00 next day in Shanghai


# --- decisions against a scrapyd stand-in -------------------------------------------------------


class FakeScrapyd:
    """Answers listjobs.json / schedule.json from ``self.jobs``; records scheduled forms."""

    def __init__(self) -> None:
        self.jobs: dict[str, list[dict[str, Any]]] = {"pending": [], "running": [], "finished": []}
        self.scheduled: list[dict[str, list[str]]] = []
        self.status = 200
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, payload: Any) -> None:
                body = json.dumps(payload).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                query = parse_qs(urlsplit(self.path).query)
                if urlsplit(self.path).path == "/daemonstatus.json":
                    running, pending = len(fake.jobs["running"] or []), len(fake.jobs["pending"])
                    return self._reply({"status": "ok", "running": running, "pending": pending})
                if urlsplit(self.path).path != "/listjobs.json":
                    return self._reply({"status": "error", "message": "no such resource"})
                if query.get("project") != ["newsportal"]:
                    return self._reply({"status": "error", "message": "project 'x' not found"})
                return self._reply({"status": "ok", **fake.jobs})

            def do_POST(self):
                length = int(self.headers["Content-Length"])
                form = parse_qs(self.rfile.read(length).decode())
                fake.scheduled.append(form)
                jobid = f"job{len(fake.scheduled)}"
                fake.jobs["pending"].append({"id": jobid, "spider": form["spider"][0]})
                return self._reply({"status": "ok", "jobid": jobid})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_scrapyd(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    fake = FakeScrapyd()
    yield fake
    fake.close()


def config_for(url: str, **job: Any) -> Config:
    table = {"cron": "*/5 * * * *", **job}
    return parse_config(
        {
            "scheduler": {"timezone": "UTC", "retry_seconds": 10, "timeout": 2},
            "scrapyd": {"url": url},
            "spiders": {"jiulong": table},
        },
        env={},
    )


def test_schedules_with_settings_and_args(fake_scrapyd, caplog):
    config = config_for(
        fake_scrapyd.url, settings={"DOWNLOAD_DELAY": 2}, args={"since": "2024-06-01"}
    )
    with caplog.at_level(logging.INFO, "newsportal.ops.scheduler"):
        assert Scheduler(config).run_once() == {"jiulong": "scheduled"}
    [form] = fake_scrapyd.scheduled
    assert form == {
        "project": ["newsportal"],
        "spider": ["jiulong"],
        "setting": ["DOWNLOAD_DELAY=2"],
        "since": ["2024-06-01"],
    }
    assert (
        f"jiulong: scheduled spider jiulong of project newsportal on {fake_scrapyd.url} "
        "(node scrapyd): job job1" in (caplog.text)
    )


@pytest.mark.parametrize("state", ["pending", "running"])
def test_never_starts_a_spider_whose_previous_job_is_active(fake_scrapyd, caplog, state):
    fake_scrapyd.jobs[state].append({"id": "old", "spider": "jiulong", "start_time": "t0"})
    fake_scrapyd.jobs["running"].append({"id": "other", "spider": "another_portal"})
    with caplog.at_level(logging.INFO, "newsportal.ops.scheduler"):
        assert Scheduler(config_for(fake_scrapyd.url)).run_once() == {"jiulong": "skipped"}
    assert fake_scrapyd.scheduled == []
    assert "jiulong: skip: previous job still running (job old is " + state in caplog.text


def test_a_second_evaluation_sees_the_first_job(fake_scrapyd):
    scheduler = Scheduler(config_for(fake_scrapyd.url))
    assert scheduler.run_once() == {"jiulong": "scheduled"}
    assert scheduler.run_once() == {"jiulong": "skipped"}
    assert len(fake_scrapyd.scheduled) == 1


def test_scrapyd_down_is_a_warning_not_a_crash(caplog):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with caplog.at_level(logging.INFO, "newsportal.ops.scheduler"):
        assert Scheduler(config_for(url)).run_once() == {"jiulong": "unavailable"}
    down, nowhere = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert down.startswith(f"jiulong: node scrapyd is down, skipped: {url}/daemonstatus.json")
    assert nowhere == "jiulong: no node can take the job, not scheduled"


def test_scrapyd_error_answers_are_logged_as_errors(fake_scrapyd, caplog):
    config = parse_config(
        {
            "scrapyd": {"url": fake_scrapyd.url, "project": "x"},
            "spiders": {"j": {"cron": "0 * * * *"}},
        },
        env={},
    )
    with caplog.at_level(logging.INFO, "newsportal.ops.scheduler"):
        assert Scheduler(config).run_once() == {"j": "refused"}
    assert "j: node scrapyd refused, skipped:" in caplog.text
    assert "project 'x' not found" in caplog.text


def test_scrapyd_5xx_counts_as_unavailable(fake_scrapyd):
    fake_scrapyd.status = 503
    assert Scheduler(config_for(fake_scrapyd.url)).run_once() == {"jiulong": "unavailable"}


def test_cli_once_exit_status(fake_scrapyd, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        f'[scrapyd]\nurl = "{fake_scrapyd.url}"\n[spiders.jiulong]\ncron = "0 * * * *"\n', "utf-8"
    )
    assert main([str(path), "--once"]) == 0
    fake_scrapyd.status = 503
    assert main([str(path), "--once"]) == 1


def test_cli_runs_until_sigterm(fake_scrapyd, tmp_path):
    """``python -m newsportal.ops.scheduler`` as a service manager runs and stops it."""
    path = tmp_path / "s.toml"
    path.write_text(
        f'[scrapyd]\nurl = "{fake_scrapyd.url}"\n[spiders.jiulong]\ncron = "* * * * * *"\n',
        "utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "newsportal.ops.scheduler", str(path)],
        cwd=ROOT,
        env={**os.environ, "NO_PROXY": "127.0.0.1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until(lambda: fake_scrapyd.scheduled, 30, what="a first scheduled job")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "jiulong: scheduled spider jiulong of project newsportal" in output
    assert "Signal SIGTERM received" in output
    assert output.rstrip().endswith("Scheduler stopped")


# --- timing decisions, on a fake clock -----------------------------------------------------------


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now


def test_unavailable_retries_soon_then_cron_resumes(caplog):
    url = f"http://127.0.0.1:{free_port()}"
    clock = Clock(dt.datetime(2026, 1, 1, 0, 4, 59, tzinfo=UTC))
    scheduler = Scheduler(config_for(url), clock=clock)
    [slot] = scheduler.slots
    assert slot.due == dt.datetime(2026, 1, 1, 0, 5, tzinfo=UTC).timestamp()
    clock.now = slot.due
    caplog.set_level(logging.INFO, "newsportal.ops.scheduler")
    scheduler._tick(slot, clock.now)
    assert slot.retry_at == clock.now + 10  # retry_seconds
    assert slot.due == dt.datetime(2026, 1, 1, 0, 10, tzinfo=UTC).timestamp()
    assert "jiulong: retry at 2026-01-01T00:05:10+00:00" in caplog.text
    # A retry does not move the cron time.
    clock.now = slot.retry_at
    scheduler._tick(slot, clock.now)
    assert slot.due == dt.datetime(2026, 1, 1, 0, 10, tzinfo=UTC).timestamp()
    assert "jiulong: retrying after scrapyd was unavailable" in caplog.text
    # No retry is planned past the next cron time: that run takes over.
    clock.now = dt.datetime(2026, 1, 1, 0, 9, 55, tzinfo=UTC).timestamp()
    scheduler._tick(slot, clock.now)
    assert slot.retry_at is None


def test_an_unexpected_error_is_logged_and_the_timetable_goes_on(fake_scrapyd, caplog):
    clock = Clock(dt.datetime(2026, 1, 1, 0, 4, 0, tzinfo=UTC))
    scheduler = Scheduler(config_for(fake_scrapyd.url), clock=clock)
    [slot] = scheduler.slots
    fake_scrapyd.jobs["running"] = None  # scrapyd answers something never seen before
    clock.now = slot.due
    caplog.set_level(logging.INFO, "newsportal.ops.scheduler")
    scheduler._tick(slot, clock.now)
    assert "jiulong: unexpected error, not scheduled" in caplog.text
    assert slot.due == dt.datetime(2026, 1, 1, 0, 10, tzinfo=UTC).timestamp()


def test_missed_ticks_are_coalesced_into_one_run(fake_scrapyd):
    clock = Clock(dt.datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC))
    scheduler = Scheduler(config_for(fake_scrapyd.url), clock=clock)
    [slot] = scheduler.slots
    clock.now = dt.datetime(2026, 1, 1, 0, 17, 0, tzinfo=UTC).timestamp()  # asleep 3 ticks
    scheduler._tick(slot, clock.now)
    assert len(fake_scrapyd.scheduled) == 1
    assert slot.due == dt.datetime(2026, 1, 1, 0, 20, tzinfo=UTC).timestamp()


# --- a real scrapyd ------------------------------------------------------------------------------

SLOW_SPIDER = '''
import asyncio

import scrapy


class SlowSpider(scrapy.Spider):
    """Takes longer than the test's cron interval, so the scheduler must skip ticks."""

    name = "slow"

    async def start(self):
        self.logger.info("frontier: %s", self.settings.get("NEWSPORTAL_REDIS_URL"))
        await asyncio.sleep(float(getattr(self, "seconds", "3")))
        return
        yield


class IdleSpider(SlowSpider):
    """Another spider, to keep a node busy."""

    name = "idle"
'''


def make_slow_project(root: Path) -> Path:
    """A tiny Scrapy project of its own: the scheduler does not care what the spider does."""
    package = root / "slowproject"
    (package / "spiders").mkdir(parents=True)
    (package / "__init__.py").write_text("", "utf-8")
    (package / "spiders" / "__init__.py").write_text("", "utf-8")
    (package / "spiders" / "slow.py").write_text(SLOW_SPIDER, "utf-8")
    (package / "settings.py").write_text(
        'SPIDER_MODULES = ["slowproject.spiders"]\n'
        'TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"\n'
        "TELNETCONSOLE_ENABLED = False\n",
        "utf-8",
    )
    (root / "setup.py").write_text(
        "from setuptools import setup\n"
        "setup(name='slowproject', version='1.0', "
        "packages=['slowproject', 'slowproject.spiders'], "
        "entry_points={'scrapy': ['settings = slowproject.settings']})\n",
        "utf-8",
    )
    (root / "scrapy.cfg").write_text(
        "[settings]\ndefault = slowproject.settings\n\n"
        "[deploy:remote]\nurl = ${SCRAPYD_URL}\nproject = slowproject\n",
        "utf-8",
    )
    return root


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")

    def index(self, text: str, start: int = 0) -> int | None:
        return next((i for i, line in enumerate(self.lines[start:], start) if text in line), None)


def test_real_scrapyd_no_overlap_and_recovery_after_restart(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    project = make_slow_project(tmp_path / "project")
    scrapyd = ScrapydServer(tmp_path / "scrapyd").start()
    recorder = Recorder()
    logger = logging.getLogger("newsportal.ops.scheduler")
    logger.addHandler(recorder)
    logger.setLevel(logging.INFO)
    stop = threading.Event()
    thread = None
    try:
        deployed = scrapyd_deploy(project, scrapyd.url)
        assert deployed.returncode == 0, deployed.stderr
        config = parse_config(
            {
                "scheduler": {"retry_seconds": 0.5, "timeout": 2},
                "scrapyd": {"url": scrapyd.url, "project": "slowproject"},
                # Every 2 seconds; each job takes 3 s of crawl plus process start-up.
                "spiders": {"slow": {"cron": "* * * * * */2", "args": {"seconds": "3"}}},
            },
            env={},
        )
        thread = threading.Thread(target=Scheduler(config, stop=stop).run, daemon=True)
        thread.start()

        def finished() -> list[dict[str, Any]]:
            return scrapyd.jobs("slowproject")["finished"]

        wait_until(lambda: len(finished()) >= 2, 90, what="two finished jobs")
        assert recorder.index("skip: previous job still running") is not None

        # scrapyd goes away: the scheduler warns and keeps going.
        scrapyd.stop()
        down = wait_until(
            lambda: recorder.index("is down, skipped"), 30, what="a 'node is down' warning"
        )
        assert thread.is_alive()

        scrapyd.start()
        after = wait_until(
            lambda: recorder.index("scheduled spider slow", down), 30, what="a run after restart"
        )
        jobid = recorder.lines[after].rsplit("job ", 1)[1]
        scrapyd.wait_finished(jobid, timeout=60, project="slowproject")
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=10)
        logger.removeHandler(recorder)
        scrapyd.stop()
    assert not thread.is_alive()

    # No two jobs of the spider ever ran at the same time (finished jobs survive the restart in
    # scrapyd's sqlite job storage).
    scrapyd.start()
    try:
        jobs = scrapyd.jobs("slowproject")
    finally:
        scrapyd.stop()
    runs = sorted(
        (dt.datetime.fromisoformat(job["start_time"]), dt.datetime.fromisoformat(job["end_time"]))
        for job in jobs["finished"]
    )
    assert len(runs) >= 3
    for (_, previous_end), (next_start, _) in itertools.pairwise(runs):
        assert next_start >= previous_end
    assert [line for line in recorder.lines if line.startswith("ERROR")] == []


# --- a pool of real scrapyd nodes ----------------------------------------------------------------


def test_bad_values_and_typos_are_one_clear_line(tmp_path, caplog):
    path = tmp_path / "s.toml"
    cases = {
        '[scheduler]\nretry_seconds = "soon"\n[spiders.j]\ncron = "* * * * *"\n': (
            "[scheduler] retry_seconds must be a number of seconds > 0, got 'soon'"
        ),
        '[scheduler]\nretry_second = 5\n[spiders.j]\ncron = "* * * * *"\n': (
            "[scheduler]: unknown key 'retry_second' (did you mean 'retry_seconds'?)"
        ),
        '[spiders.j]\ncron = "* * * * *"\nsetings = {}\n': (
            "[spiders.j]: unknown key 'setings' (did you mean 'settings'?)"
        ),
        '[spiders.j]\ncron = "* * * * *"\nworkers = "3"\n': (
            "[spiders.j] workers must be a whole number >= 1, got '3'"
        ),
        '[spiders.j]\ncron = "* * * * *"\nworkers = 3\n': "workers = 3 needs redis_url",
        '[nodes.a]\nurl = "http://h:6800"\npassword = "pw"\n[spiders.j]\ncron = "* * * * *"\n': (
            "[nodes.a]: no password in the schedules file: use password_env"
        ),
        '[nodes.a]\nurl = "http://u:pw@h:6800"\n[spiders.j]\ncron = "* * * * *"\n': (
            "[nodes.a]: url http://u:***@h:6800 holds credentials"
        ),
        '[spiders.j]\ncron = "* * * * *"\nredis_url = "redis://:pw@r:6379/0"\n': (
            "redis_url redis://:***@r:6379/0 holds a password"
        ),
        '[spiders.j]\ncron = "* * * * *"\nnodes = ["x"]\n': "[spiders.j]: unknown nodes ['x']",
    }
    for text, message in cases.items():
        path.write_text(text, "utf-8")
        caplog.clear()
        with caplog.at_level(logging.ERROR, "newsportal.ops.scheduler"):
            assert main([str(path), "--once"]) == 2
        [record] = caplog.records
        assert message in record.getMessage(), (text, record.getMessage())
        assert record.exc_info is None  # one line, no traceback
        assert "pw" not in record.getMessage().replace("password", "")


def test_node_credentials_come_from_env_or_file_never_the_file_itself(tmp_path):
    secret = tmp_path / "b.password"
    secret.write_text("s3cret-b\n", "utf-8")
    config = parse_config(
        {
            "nodes": {
                "a": {"url": "http://a:6800", "username_env": "A_USER", "password_env": "A_PW"},
                "b": {
                    "url": "http://b:6800",
                    "username_env": "A_USER",
                    "password_file": str(secret),
                },
            },
            "spiders": {"j": {"cron": "* * * * *"}},
        },
        env={"A_USER": "ops", "A_PW": "s3cret-a"},
    )
    a, b = config.nodes
    assert (a.auth, b.auth) == (("ops", "s3cret-a"), ("ops", "s3cret-b"))
    assert "s3cret" not in repr(config)
    [job] = config.jobs
    assert [node.name for node in job.nodes] == ["a", "b"]


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    """Three real scrapyd nodes on loopback (the third needs basic auth) with the slow project
    deployed by `python -m newsportal.ops.deploy`, plus a fourth node that is down."""
    root = tmp_path_factory.mktemp("pool")
    project = make_slow_project(root / "project")
    nodes = [
        ScrapydServer(root / "a"),
        ScrapydServer(root / "b"),
        ScrapydServer(root / "c", auth=("ops", "c-pass-42")),
    ]
    (root / "c.password").write_text("c-pass-42\n", "utf-8")
    schedules = root / "schedules.toml"
    dead = f"http://127.0.0.1:{free_port()}"
    try:
        for node in nodes:
            node.start()
        a, b, c = nodes
        schedules.write_text(
            "[scheduler]\nretry_seconds = 1\ntimeout = 3\n"
            '[scrapyd]\nproject = "slowproject"\n'
            f'[nodes.a]\nurl = "{a.url}"\n'
            f'[nodes.b]\nurl = "{b.url}"\n'
            f'[nodes.c]\nurl = "{c.url}"\nusername_env = "NODE_C_USER"\n'
            f'password_file = "{root / "c.password"}"\n'
            f'[nodes.dead]\nurl = "{dead}"\n'
            '[spiders.slow]\ncron = "0 3 * * *"\nworkers = 2\n'
            'redis_url = "redis://127.0.0.1:6390/3"\nargs = { seconds = "6" }\n',
            "utf-8",
        )
        env = {**os.environ, "NODE_C_USER": "ops", "NO_PROXY": "127.0.0.1"}
        env.pop("PYTHONPATH", None)
        deployed = subprocess.run(
            [
                *(sys.executable, "-m", "newsportal.ops.deploy"),
                *(str(schedules), "--project-dir", str(project)),
            ],
            cwd=ROOT,
            env={**env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        yield nodes, schedules, deployed
    finally:
        for node in nodes:
            node.stop()


def test_one_command_deploys_to_every_node_and_reports_the_dead_one(pool):
    nodes, _, deployed = pool
    assert deployed.returncode == 1, deployed.stderr  # one node is down
    log = deployed.stderr
    for name in ("a", "b", "c"):
        assert f"Node {name} (" in log and "project slowproject version" in log
    assert "Node dead (http://127.0.0.1:" in log and "NOT deployed: ConnectionError" in log
    assert "Deployed to 3 of 4 nodes" in log
    assert "c-pass-42" not in log
    for node in nodes:
        assert node.api("listspiders.json", project="slowproject")["spiders"] == ["idle", "slow"]


def test_workers_start_on_the_least_busy_nodes_and_never_overlap(pool, monkeypatch, caplog):
    nodes, schedules, deployed = pool
    assert "Deployed to 3 of 4 nodes" in deployed.stderr
    a, b, c = nodes
    monkeypatch.setenv("NODE_C_USER", "ops")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    # Node a is busy with another spider.
    busy = a.schedule("idle", project="slowproject", seconds="20")
    wait_until(lambda: a.jobs("slowproject")["running"], 30, what="the idle job running")
    config = load_config(schedules)
    scheduler = Scheduler(config)
    with caplog.at_level(logging.INFO, "newsportal.ops.scheduler"):
        assert scheduler.run_once() == {"slow": "scheduled"}
        # Both workers are still running: the next tick skips, although node a would be free.
        assert scheduler.run_once() == {"slow": "skipped"}
    text = caplog.text
    assert "slow: node dead is down, skipped:" in text
    assert "(node b): job" in text and "(node c): job" in text and "(node a)" not in text
    assert "slow: 2 workers share the frontier redis://127.0.0.1:6390/3" in text
    assert "slow: skip: previous job still running" in text
    started = {}
    for node in (b, c):
        jobs = node.jobs("slowproject")
        [job] = jobs["pending"] + jobs["running"] + jobs["finished"]
        started[node] = job["id"]
    for node, jobid in started.items():
        node.wait_finished(jobid, timeout=90, project="slowproject")
        log = node.job_log("slow", jobid, project="slowproject")
        assert "frontier: redis://127.0.0.1:6390/3" in log
    a.session.post(f"{a.url}/cancel.json", data={"project": "slowproject", "job": busy})
    assert "c-pass-42" not in text
