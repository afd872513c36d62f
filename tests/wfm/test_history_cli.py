"""`wfm history import` and `wfm history delete` as a user meets them (the command line's own
parsing and exit codes, on SQLite and PostgreSQL): implausible dates and dates at the ends of the
calendar are refused with exit 2, naming row and field, nothing stored; a range of history is
deleted and the day sums follow."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from wfm.cli import app
from wfm.db.models import IntervalHistoryDayRow, IntervalHistoryRow
from wfm.db.repositories import QueueRepository, SiteRepository
from wfm.db.session import unit_of_work
from wfm.domain import Queue, Site

HEADER = "queue,interval_start,interval_minutes,offered,answered,abandoned\n"
runner = CliRunner()
START = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=7)


@dataclass(frozen=True)
class _Run:
    returncode: int
    stdout: str
    stderr: str


def _wfm(*args: str) -> _Run:
    """The command run in this process (the settings' default history window)."""
    result = runner.invoke(app, list(args))
    return _Run(result.exit_code, result.stdout, result.stderr)


def _seed(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site(code="par", name="Paris", timezone="Europe/Paris"))
        QueueRepository(session).add(Queue(site_code="par", code="retail", name="Retail"))


def _counts(engine: Engine) -> tuple[int, int]:
    with unit_of_work(engine) as session:
        intervals = session.scalar(select(func.count()).select_from(IntervalHistoryRow)) or 0
        in_days = session.scalar(select(func.sum(IntervalHistoryDayRow.intervals))) or 0
    return intervals, int(in_days)


def _refused(result: _Run, rows: tuple[int, ...]) -> None:
    """Exit 2, a one-line summary, then exactly these rows, each naming interval_start."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    first, *listed = result.stderr.strip().splitlines()
    assert first.startswith("error: ") and "nothing was imported" in first
    assert [line.strip().split(":")[0] for line in listed] == [f"row {row}" for row in rows]
    assert all("interval_start" in line for line in listed), result.stderr


def test_import_refuses_implausible_and_extreme_dates(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    _seed(engine)
    good = f"retail,{START.isoformat()},15,10,9,1\n"
    counts = {"answered": 1, "abandoned": 0}
    cases = {  # the window is checked once the rows themselves are valid, as queues are
        "future.csv": (HEADER + good + "retail,2200-01-01T00:00:00Z,15,4,4,0\n", (3,)),
        "ends.csv": (
            HEADER
            + good
            + "retail,0001-01-01T00:00:00+14:00,15,1,1,0\n"
            + "retail,9999-12-31T00:00:00Z,15,1,1,0\n",
            (3, 4),
        ),
        "ends.json": (
            json.dumps(
                [
                    {"queue": "retail", "interval_start": START.isoformat(), **counts},
                    {"queue": "retail", "interval_start": "9999-12-31T23:45:00-05:00", **counts},
                ]
            ),
            (2,),
        ),
    }
    for name, (body, rows) in cases.items():
        path = tmp_path / name
        path.write_text(body)
        result = _wfm(
            "history",
            "import",
            str(path),
            "--interval-minutes",
            "15",
            "--database-url",
            database_url,
        )
        _refused(result, rows)
    assert _counts(engine) == (0, 0)  # nothing stored


def test_import_then_delete_a_range(engine: Engine, database_url: str, tmp_path: Path) -> None:
    _seed(engine)
    rows = [
        f"retail,{(START + timedelta(minutes=15 * i)).isoformat()},15,10,9,1" for i in range(192)
    ]
    path = tmp_path / "two-days.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    imported = _wfm("history", "import", str(path), "--database-url", database_url)
    assert imported.returncode == 0, imported.stderr
    assert "192 intervals stored" in imported.stdout
    assert _counts(engine) == (192, 192)

    day = ["--start", START.isoformat(), "--end", (START + timedelta(days=1)).isoformat()]
    base = ["history", "delete", "--queue", "retail", "--database-url", database_url]
    dry = _wfm(*base, *day, "--dry-run")
    assert dry.returncode == 0 and "would delete 96 intervals" in dry.stdout, dry.stderr
    assert _counts(engine) == (192, 192)
    done = _wfm(*base, *day)
    assert done.returncode == 0 and "deleted 96 intervals" in done.stdout, done.stderr
    assert _counts(engine) == (96, 96)  # the day sums follow the intervals
    again = _wfm(*base, *day)
    assert "deleted 0 intervals" in again.stdout

    for bad, fragment in (
        (["--start", "2025-03-03T00:00:00", "--end", day[3]], "has no offset"),
        (["--start", "0001-01-01T00:00:00+14:00", "--end", day[3]], "outside the calendar"),
        (["--start", day[3], "--end", day[1]], "must be after start"),
    ):
        result = _wfm(*base, *bad)
        assert result.returncode == 2 and fragment in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    unknown = _wfm("history", "delete", "--queue", "nowhere", *day, "--database-url", database_url)
    assert unknown.returncode == 2 and "no queue 'nowhere'" in unknown.stderr
    assert _counts(engine) == (96, 96)
