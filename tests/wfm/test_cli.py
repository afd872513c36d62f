"""The CLI as a user meets it: real processes, one-line errors, nothing half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from wfm.db.models import AgentRow, IntervalHistoryRow, SiteRow
from wfm.db.session import make_engine, unit_of_work


def run_wfm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "wfm", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=full_env,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_help_lists_the_commands() -> None:
    result = run_wfm("--help")
    assert result.returncode == 0
    for command in ("db", "demo-data"):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("not a url", "not a valid SQLAlchemy URL"),
        ("nosuchdialect://x", "cannot use database URL"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot reach the database"),
    ],
)
def test_bad_database_urls_get_one_line_errors(url: str, fragment: str) -> None:
    assert_one_line_error(run_wfm("db", "upgrade", "--database-url", url), fragment)


def test_unwritable_sqlite_path_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    url = f"sqlite:///{blocker / 'sub' / 'wfm.db'}"
    assert_one_line_error(run_wfm("db", "upgrade", "--database-url", url), "cannot create")


def test_status_of_a_missing_database_says_what_to_do(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'absent.db'}"
    assert_one_line_error(run_wfm("db", "status", "--database-url", url), "wfm db upgrade")
    assert not (tmp_path / "absent.db").exists()


def test_database_url_comes_from_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "from-env.db"
    result = run_wfm("db", "upgrade", env={"WFM_DATABASE_URL": f"sqlite:///{db}"})
    assert result.returncode == 0, result.stderr
    assert db.exists()
    again = run_wfm("db", "upgrade", env={"WFM_DATABASE_URL": f"sqlite:///{db}"})
    assert again.returncode == 0
    assert "already at revision" in again.stderr


def test_demo_data_needs_a_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    (tmp_path / "empty.db").touch()
    result = run_wfm("demo-data", "--weeks", "1", "--agents", "5", "--database-url", url)
    assert_one_line_error(result, "no WFM schema", "wfm db upgrade")


def test_demo_data_writes_once_and_refuses_a_second_time(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert run_wfm("db", "upgrade", "--database-url", url).returncode == 0
    args = ("demo-data", "--weeks", "2", "--agents", "20", "--seed", "3", "--today", "2026-11-12")
    args = (*args, "--database-url", url)  # a fixed today: two weeks without a clock change
    first = run_wfm(*args)
    assert first.returncode == 0, first.stderr
    assert "20 agents" in first.stdout
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        counts = (
            session.scalar(select(func.count()).select_from(SiteRow)),
            session.scalar(select(func.count()).select_from(AgentRow)),
            session.scalar(select(func.count()).select_from(IntervalHistoryRow)),
        )
    assert counts[0] == 1 and counts[1] == 20
    assert counts[2] == 3 * 2 * 7 * 96  # 3 queues, 2 weeks of 15-min intervals
    second = run_wfm(*args)
    assert_one_line_error(second, "already holds the demo site")
    with unit_of_work(engine) as session:
        again = (
            session.scalar(select(func.count()).select_from(SiteRow)),
            session.scalar(select(func.count()).select_from(AgentRow)),
            session.scalar(select(func.count()).select_from(IntervalHistoryRow)),
        )
    assert again == counts
    engine.dispose()


def test_demo_data_rejects_bad_arguments(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = run_wfm("demo-data", "--weeks", "0", "--database-url", url)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--weeks" in result.stderr
