"""Every documented setting works from the environment, from ``-s`` and per scrapyd job.

Table tests of the add-on on Settings objects, then real ``scrapy crawl`` subprocesses against
the replica: values from each source reach Scrapy's own settings (the crawl's "Overridden
settings" line), a misspelt name gets one warning naming the real one, a bad value stops the
crawl with one line and no traceback.
"""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from scrapy.settings import Settings

from newsportal import settings as project_settings
from newsportal.addons import apply_settings_sources, coerce
from tests.crawling import FAST_SETTINGS, ROOT, run_crawl
from tests.test_monitors import Webhook


def project(env: dict[str, str] | None = None, **cmdline: str) -> tuple[Settings, list, list]:
    """The project settings as `scrapy crawl` builds them: settings.py (+ the environment) at
    project priority, then -s at command-line priority, then the add-on."""
    values = {name: getattr(project_settings, name) for name in dir(project_settings)}
    values = {name: value for name, value in values.items() if name.isupper()}
    settings = Settings()
    settings.setdict(values, priority="project")
    settings.setdict(cmdline, priority="cmdline")
    errors, warnings = apply_settings_sources(settings, env or {})
    return settings, errors, warnings


@pytest.mark.parametrize(
    ("name", "target", "text", "value"),
    [
        ("NEWSPORTAL_DOWNLOAD_DELAY", "DOWNLOAD_DELAY", "0", 0.0),
        ("NEWSPORTAL_AUTOTHROTTLE", "AUTOTHROTTLE_ENABLED", "off", False),
        ("NEWSPORTAL_AUTOTHROTTLE", "AUTOTHROTTLE_ENABLED", "0", False),
        ("NEWSPORTAL_MONITOR_ENABLED", "SPIDERMON_ENABLED", "0", False),
        ("NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN", "CONCURRENT_REQUESTS_PER_DOMAIN", "8", 8),
        ("NEWSPORTAL_DEPTH_LIMIT", "DEPTH_LIMIT", "3", 3),
        ("NEWSPORTAL_RETRY_TIMES", "RETRY_TIMES", "5", 5),
        ("NEWSPORTAL_USER_AGENT", "USER_AGENT", "mybot/1", "mybot/1"),
        ("NEWSPORTAL_ROBOTSTXT_OBEY", "ROBOTSTXT_OBEY", "false", False),
        ("NEWSPORTAL_CHARSET_DETECT", "CHARSET_DETECT_ENABLED", "no", False),
        ("NEWSPORTAL_LOG_LEVEL", "LOG_LEVEL", "warning", "WARNING"),
        ("NEWSPORTAL_DOWNLOAD_TIMEOUT", "DOWNLOAD_TIMEOUT", "7", 7),
    ],
)
@pytest.mark.parametrize("source", ["environment", "-s"])
def test_each_alias_reaches_scrapys_setting_from_each_source(source, name, target, text, value):
    if source == "environment":
        settings, errors, warnings = project(env={name: text})
    else:
        settings, errors, warnings = project(**{name: text})
    assert (errors, warnings) == ([], [])
    assert settings[target] == value
    assert settings[name] == value


def test_a_value_set_in_code_beats_the_environment():
    settings = Settings()
    values = {name: getattr(project_settings, name) for name in dir(project_settings)}
    settings.setdict({k: v for k, v in values.items() if k.isupper()}, priority="project")
    settings.set("NEWSPORTAL_DATA_DIR", "/srv/mine", priority="project")
    apply_settings_sources(settings, {"NEWSPORTAL_DATA_DIR": "/env", "MONGO_DATABASE": "envdb"})
    assert settings["NEWSPORTAL_DATA_DIR"] == "/srv/mine"
    assert settings["MONGO_DATABASE"] == "envdb"


def test_the_command_line_beats_the_environment_and_scrapys_own_name_beats_the_alias_below_it():
    settings, _, _ = project(
        env={"NEWSPORTAL_DOWNLOAD_DELAY": "3", "NEWSPORTAL_RETRY_TIMES": "4"},
        NEWSPORTAL_DOWNLOAD_DELAY="0.25",
        RETRY_TIMES="1",
    )
    assert settings.getfloat("DOWNLOAD_DELAY") == 0.25
    assert settings.getint("RETRY_TIMES") == 1  # -s RETRY_TIMES wins over the env alias


def test_typed_values_for_components_that_read_them(tmp_path):
    settings, errors, _ = project(
        env={"MONGO_BATCH_SIZE": "7", "DELTAFETCH_ENABLED": "yes", "NEWSPORTAL_DATA_DIR": "rel"},
        NEWSPORTAL_MONITOR_FIELD_COVERAGE='{"source": 0.8}',
    )
    assert errors == []
    assert settings["MONGO_BATCH_SIZE"] == 7
    assert settings["DELTAFETCH_ENABLED"] is True
    assert settings["NEWSPORTAL_DATA_DIR"] == os.path.abspath("rel")  # never relative
    assert settings.getdict("NEWSPORTAL_MONITOR_FIELD_COVERAGE") == {"source": 0.8}


def test_secrets_come_from_files(tmp_path):
    uri = tmp_path / "mongo.uri"
    uri.write_text("mongodb://newsportal:pw@db.internal:27017/\n", "utf-8")
    hook = tmp_path / "hook.url"
    hook.write_text("https://hooks.example/T0/B1/XYZ\n", "utf-8")
    settings, errors, warnings = project(
        env={"MONGO_URI_FILE": str(uri)}, NEWSPORTAL_MONITOR_WEBHOOK_FILE=str(hook)
    )
    assert (errors, warnings) == ([], [])
    assert settings["MONGO_URI"] == "mongodb://newsportal:pw@db.internal:27017/"
    assert settings["NEWSPORTAL_MONITOR_WEBHOOK"] == "https://hooks.example/T0/B1/XYZ"
    # A per-job file beats the host's environment value.
    other = tmp_path / "job.uri"
    other.write_text("mongodb://job@db2/", "utf-8")
    settings, _, _ = project(env={"MONGO_URI": "mongodb://host/"}, MONGO_URI_FILE=str(other))
    assert settings["MONGO_URI"] == "mongodb://job@db2/"
    _, errors, _ = project(MONGO_URI_FILE=str(tmp_path / "missing"))
    assert errors == [f"MONGO_URI_FILE={tmp_path / 'missing'}: cannot read it (FileNotFoundError)"]


@pytest.mark.parametrize(
    ("env", "cmdline", "warning"),
    [
        (
            {"NEWSPORTAL_DOWNLAOD_DELAY": "1"},
            {},
            "Unknown environment NEWSPORTAL_DOWNLAOD_DELAY is ignored: "
            "did you mean NEWSPORTAL_DOWNLOAD_DELAY?",
        ),
        (
            {},
            {"MONGO_DATABSE": "x"},
            "Unknown setting MONGO_DATABSE is ignored: did you mean MONGO_DATABASE?",
        ),
        (
            {},
            {"NEWSPORTAL_MONITOR_WEBHOK": "x"},
            "Unknown setting NEWSPORTAL_MONITOR_WEBHOK is ignored: "
            "did you mean NEWSPORTAL_MONITOR_WEBHOOK?",
        ),
    ],
)
def test_a_misspelt_name_gets_one_warning_naming_the_real_one(env, cmdline, warning):
    _, errors, warnings = project(env=env, **cmdline)
    assert errors == []
    assert warnings == [warning]


def test_other_programs_mongo_variables_are_left_alone():
    _, _, warnings = project(env={"MONGO_INITDB_ROOT_USERNAME": "root", "MONGO_TEST_URI": "x"})
    assert warnings == []


@pytest.mark.parametrize(
    ("default", "text", "message"),
    [
        (0.5, "soon", "'soon' is not a number"),
        (2, "two", "'two' is not a whole number"),
        (True, "maybe", "'maybe' is not a yes/no value"),
    ],
)
def test_bad_values_are_explained(default, text, message):
    with pytest.raises(ValueError, match=message):
        coerce(text, default)


# --- real crawls ---------------------------------------------------------------------------------


def overridden(stderr: str) -> dict:
    """Scrapy's own "Overridden settings" log: the settings the crawl really ran with."""
    match = re.search(r"Overridden settings:\n(\{.*?\})\n", stderr, re.S)
    assert match, stderr[-3000:]
    return ast.literal_eval(match.group(1))


def test_a_real_crawl_takes_each_source_and_warns_once(replica, tmp_path):
    result = run_crawl(
        replica.server,
        tmp_path,
        "-s",
        "NEWSPORTAL_DOWNLOAD_DELAY=0.01",  # beats the environment's 3 below
        "-s",
        "NEWSPORTAL_DEPTH_LIMIT=1",
        "-s",
        "NEWSPORTAL_MONITOR_ENABLED=0",
        "-s",
        "MONGO_DATABSE=typo",
        env={
            "NEWSPORTAL_DOWNLOAD_DELAY": "3",
            "NEWSPORTAL_RETRY_TIMES": "4",
            "NEWSPORTAL_AUTOTHROTTLE": "off",
            "NEWSPORTAL_DOWNLAOD_DELAY": "1",
            "NEWSPORTAL_FEED": str(tmp_path / "%(name)s.jsonl"),
        },
    )
    assert result.returncode == 0, result.stderr[-3000:]
    used = overridden(result.stderr)
    assert used["DOWNLOAD_DELAY"] == 0.01
    assert used["DEPTH_LIMIT"] == 1
    assert used["RETRY_TIMES"] == 4
    assert "AUTOTHROTTLE_ENABLED" not in used  # Scrapy's default: off
    assert not any(key.startswith("newsportal/monitor") for key in result.stats)
    warnings = [line for line in result.stderr.splitlines() if "WARNING: Unknown" in line]
    assert len(warnings) == 2, warnings
    assert "NEWSPORTAL_DOWNLAOD_DELAY is ignored: did you mean NEWSPORTAL_DOWNLOAD_DELAY?" in (
        warnings[0] + warnings[1]
    )
    assert "MONGO_DATABSE is ignored: did you mean MONGO_DATABASE?" in warnings[0] + warnings[1]
    assert f"articles go to the JSON Lines file {tmp_path / 'jiulong.jsonl'}" in result.stderr
    assert "%(name)s" not in result.stderr
    assert "Telnet" not in result.stderr


def test_a_bad_value_stops_the_crawl_with_one_line_and_marks_the_stats_file(replica, tmp_path):
    stats_file = tmp_path / "stats.json"
    stats_file.write_text(json.dumps({"finish_reason": "finished"}), "utf-8")  # the last run
    result = run_crawl(replica.server, tmp_path, "-s", "NEWSPORTAL_DOWNLOAD_DELAY=soon")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if " ERROR: " in line]
    assert errors == [
        errors[0].split(" [")[0] + " [newsportal.addons] ERROR: Bad setting "
        "NEWSPORTAL_DOWNLOAD_DELAY (command line / scrapyd setting=): 'soon' is not a number"
    ]
    assert "Traceback" not in result.stderr
    assert result.stats["finish_reason"] is None
    assert result.stats["state"] == "start_error"


def test_a_failed_start_leaves_no_finished_stats_file_and_no_password(tmp_path, closed_port):
    """MongoDB unreachable at start, its URI (with a password) given as a file."""
    secret = "S3cretPW-41"
    uri = tmp_path / "mongo.uri"
    uri.write_text(f"mongodb://newsportal:{secret}@127.0.0.1:{closed_port}/\n", "utf-8")
    (tmp_path / "stats.json").write_text('{"finish_reason": "finished"}', "utf-8")

    class Nowhere:
        proxy_url = f"http://127.0.0.1:{closed_port}"

    result = run_crawl(
        Nowhere(),
        tmp_path,
        "-s",
        f"MONGO_URI_FILE={uri}",
        env={"NEWSPORTAL_MONGO_TIMEOUT_MS": "300", "MONGO_TIMEOUT_MS": "300"},
    )
    assert result.returncode == 1
    assert "MongoDB is unreachable at mongodb://newsportal:***@127.0.0.1" in result.stderr
    assert result.stats["state"] == "started" and result.stats["finish_reason"] is None
    for text in (result.stderr, result.stdout, json.dumps(result.stats)):
        assert secret not in text


def test_incremental_progress_shows_in_the_periodic_line(replica, tmp_path):
    # One destination for both runs: the seen-store belongs to it (a new feed is a full crawl).
    env = {"DELTAFETCH_ENABLED": "1", "NEWSPORTAL_FEED": str(tmp_path / "articles.jsonl")}
    first = run_crawl(replica.server, tmp_path / "one", env={**env})
    assert first.returncode == 0, first.stderr[-3000:]
    data = str(tmp_path / "one" / "data")
    second = run_crawl(
        replica.server,
        tmp_path / "two",
        "-s",
        "LOGSTATS_INTERVAL=0.2",
        env={**env, "NEWSPORTAL_DATA_DIR": data},
    )
    assert second.returncode == 0, second.stderr[-3000:]
    lines = [line for line in second.stderr.splitlines() if "articles already stored" in line]
    counts = [int(re.search(r"skipped (\d+) articles", line).group(1)) for line in lines]
    assert counts and max(counts) > 0, lines
    assert second.stats["deltafetch/skipped_articles"] >= max(counts)
    # Retry give-ups are said once, by the spider, not again by Scrapy.
    assert "Gave up retrying" not in first.stderr
    failed = [
        line.split("): ", 1)[1] for line in first.stderr.splitlines() if "Page failed" in line
    ]
    assert len(failed) == len(set(failed))


def test_scrapy_parse_raises_no_alarm(replica, tmp_path):
    hook = Webhook()
    try:
        env = {
            **FAST_SETTINGS,
            "http_proxy": replica.server.proxy_url,
            "NO_PROXY": "127.0.0.1",
            "NEWSPORTAL_DATA_DIR": str(tmp_path / "data"),
            "NEWSPORTAL_MONITOR_WEBHOOK": hook.url,
            "NEWSPORTAL_FEED": "",
        }
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "parse",
                "--spider",
                "jiulong",
                replica.truth["seed_url"],
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        hook.close()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Monitor check" not in result.stderr
    assert hook.received == []


def test_sigterm_is_a_deliberate_stop_no_alarm(replica, tmp_path):
    hook = Webhook()
    env = {
        **os.environ,
        **FAST_SETTINGS,
        "http_proxy": replica.server.proxy_url,
        "NO_PROXY": "127.0.0.1",
        "NEWSPORTAL_DOWNLOAD_DELAY": "0.5",
        "NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN": "1",
        "NEWSPORTAL_DATA_DIR": str(tmp_path / "data"),
        "NEWSPORTAL_FEED": str(tmp_path / "feed.jsonl"),
        "NEWSPORTAL_STATS_FILE": str(tmp_path / "stats.json"),
        "NEWSPORTAL_MONITOR_WEBHOOK": hook.url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "jiulong"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (tmp_path / "feed.jsonl").exists():
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        hook.close()
    stats = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    assert stats["finish_reason"] == "shutdown", output[-3000:]
    assert "stopped on purpose (shutdown): no alarm" in output
    assert "FAILED for" not in output
    assert hook.received == []
    assert process.returncode == 0


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({"NEWSPORTAL_DOWNLOAD_DELAY": "0.7"}, [], "0.7"),
        ({"NEWSPORTAL_DOWNLOAD_DELAY": "0.7"}, ["-s", "NEWSPORTAL_DOWNLOAD_DELAY=3"], "3.0"),
        ({}, ["-s", "DOWNLOAD_DELAY=2"], "2"),
    ],
)
def test_scrapy_settings_shows_what_a_crawl_would_use(env, args, expected):
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "settings", "--get", "DOWNLOAD_DELAY", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == expected, result.stderr
