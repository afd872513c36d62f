"""`wfm db backup` and `wfm db restore` as a user runs them (real processes), on SQLite and on
PostgreSQL: round trips that give back every row, a backup taken while imports commit that
restores to exactly the source as of one moment, and one-line errors (exit code 2) for what a
restore must refuse."""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from wfm.cli import app
from wfm.db import migrate
from wfm.db.models import Base, IntervalHistoryRow
from wfm.db.session import make_engine

API_TESTS = str(Path(__file__).resolve().parents[1] / "api")
if API_TESTS not in sys.path:
    sys.path.insert(0, API_TESTS)

from apikit import SITE, ApiServer, history_csv, ok, seed_centre, start_uvicorn  # noqa: E402

POSTGRES_URL_ENV = "WFM_TEST_DATABASE_URL"
ROWS_PER_IMPORT = 2 * 96  # one UTC day of two queues
MAX_IMPORTS = 80


def run_wfm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wfm", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def wfm_here(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command run in this process (quicker than a new one), its outcome as a process's."""
    result = CliRunner(env=env).invoke(app, list(args))
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def succeed(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.fixture
def restore_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database to restore into, of the same kind as `database_url`: a new SQLite file,
    or a new PostgreSQL database (dropped afterwards) whose search_path names the same schema."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    base = make_url(os.environ[POSTGRES_URL_ENV])
    name = f"wfm_restore_{uuid.uuid4().hex[:12]}"
    server = make_engine(base.render_as_string(hide_password=False))
    admin = server.execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    options = make_url(database_url).query["options"]
    target = base.set(database=name, query={**base.query, "options": options})
    try:
        yield target.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def table_contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the schema, sorted."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def status_lines(url: str) -> list[str]:
    """`wfm db status` without its first line (the URL, which differs by design)."""
    result = CliRunner().invoke(app, ["db", "status", "--database-url", url])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("database: ")
    return lines[1:]


def test_round_trip_gives_back_every_row(
    database_url: str, restore_url: str, tmp_path: Path
) -> None:
    succeed(wfm_here("db", "upgrade", "--database-url", database_url))
    succeed(wfm_here("demo-data", "--database-url", database_url, "--weeks", "1", "--agents", "6"))
    backup = tmp_path / "wfm.backup"
    said = succeed(run_wfm("db", "backup", str(backup), "--database-url", database_url))
    assert f"backup written to {backup}" in said and "schema revision" in said
    assert backup.stat().st_size > 0

    said = succeed(run_wfm("db", "restore", str(backup), "--database-url", restore_url))
    assert "interval_history: " in said and f"restored from {backup}" in said
    source = table_contents(database_url)
    assert source["interval_history"] and source["agents"]
    assert table_contents(restore_url) == source
    assert status_lines(restore_url) == status_lines(database_url)

    # a database that holds tables is replaced only when asked, and then all of it
    assert_one_line_error(
        wfm_here("db", "restore", str(backup), "--database-url", restore_url),
        "not empty",
        "--force",
    )
    engine = make_engine(restore_url)
    with engine.begin() as conn:
        conn.execute(IntervalHistoryRow.__table__.delete())
    engine.dispose()
    succeed(run_wfm("db", "restore", str(backup), "--database-url", restore_url, "--force"))
    assert table_contents(restore_url) == source


def test_a_backup_is_not_written_over_without_force(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    backup = tmp_path / "wfm.backup"
    backup.write_text("keep me")
    assert_one_line_error(wfm_here("db", "backup", str(backup), "--database-url", url), "exists")
    assert backup.read_text() == "keep me"
    assert_one_line_error(
        wfm_here("db", "backup", str(tmp_path / "no" / "b"), "--database-url", url),
        "does not exist",
    )
    succeed(wfm_here("db", "backup", str(backup), "--database-url", url, "--force"))
    assert backup.read_bytes()[:5] in (b"SQLit", b"PGDMP")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


# --- a backup while imports commit --------------------------------------------------------------


@contextmanager
def serving(url: str) -> Iterator[str]:
    from api.app import create_app
    from api.settings import ApiSettings

    application = create_app(ApiSettings(database_url=url, api_kpi_cache_seconds=0))
    base, server, thread = start_uvicorn(application)
    try:
        yield base
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        application.state.engine.dispose()


def kpi_answers(base_url: str, token: str, first: date, last: date) -> list[Any]:
    """What the KPI endpoints answer over the whole window, by day and by week."""
    import httpx

    window = {"site": SITE, "start": first.isoformat(), "end": last.isoformat()}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        return [
            ok(client.get("/v1/kpis", params={**window, "granularity": "day"})),
            ok(client.get("/v1/kpis", params={**window, "granularity": "week"})),
            ok(client.get("/v1/kpis/contact-reasons", params=window)),
        ]


class Importer(threading.Thread):
    """Imports one UTC day of history per request, day after day, and after each import (while
    nothing else writes) records what `wfm db status` and the KPI endpoints read: `states[k]` is
    the source as it is with exactly k imports committed."""

    def __init__(self, api: ApiServer, first_day: datetime, window: tuple[date, date]) -> None:
        super().__init__(daemon=True)
        self.api, self.first_day, self.window = api, first_day, window
        self.states: list[tuple[list[str], list[Any]]] = []
        self.stop = threading.Event()
        self.failure: BaseException | None = None

    def snapshot(self) -> None:
        answers = kpi_answers(self.api.url, self.api.tokens["executive"], *self.window)
        self.states.append((status_lines(self.api.database_url), answers))
        gc.collect()  # the status command's engine: close its connection now

    def run(self) -> None:
        try:
            self.snapshot()
            with self.api.client("planner") as planner:
                for day in range(MAX_IMPORTS):
                    if self.stop.is_set():
                        return
                    body = history_csv(1, start=self.first_day + timedelta(days=day))
                    ok(
                        planner.post(
                            "/v1/history/import",
                            content=body,
                            headers={"Content-Type": "text/csv"},
                        )
                    )
                    self.snapshot()
        except BaseException as exc:  # reported by the test
            self.failure = exc

    def committed(self) -> int:
        return max(len(self.states) - 1, 0)

    def wait_for(self, imports: int) -> None:
        while self.committed() < imports and self.is_alive():
            self.stop.wait(0.05)
        assert self.failure is None, self.failure
        assert self.committed() >= imports, "the importer stopped early"


def test_a_backup_taken_while_imports_commit_restores_the_source_of_one_moment(
    engine: Engine, database_url: str, restore_url: str, tmp_path: Path
) -> None:
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday() + 7 * 20)  # well inside any date window
    first_day = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    window = (monday - timedelta(days=7), monday + timedelta(days=MAX_IMPORTS + 7))
    with serving(database_url) as url:
        api = ApiServer(url=url, database_url=database_url, engine=engine)
        for role in ("admin", "planner", "executive"):
            api.tokens[role] = api.add_token(role)
        with api.client("planner") as planner:
            seed_centre(planner)
        importer = Importer(api, first_day, window)
        importer.start()
        try:
            importer.wait_for(2)
            before = importer.committed()
            backup = tmp_path / "wfm.backup"
            succeed(run_wfm("db", "backup", str(backup), "--database-url", database_url))
            after = importer.committed()
            importer.wait_for(after + 1)  # and imports went on after it
        finally:
            importer.stop.set()
            importer.join(timeout=120)
        assert importer.failure is None, importer.failure
    assert after > before, "no import committed while the backup ran"

    succeed(run_wfm("db", "restore", str(backup), "--database-url", restore_url))
    restored = make_engine(restore_url)
    with restored.connect() as conn:
        rows, first, last = conn.execute(
            select(
                func.count(),
                func.min(IntervalHistoryRow.interval_start_utc),
                func.max(IntervalHistoryRow.interval_start_utc),
            )
        ).one()
    restored.dispose()
    # whole imports only, the first n of them: the source as of one moment
    assert rows % ROWS_PER_IMPORT == 0
    imports = rows // ROWS_PER_IMPORT
    assert before <= imports <= after + 1  # +1: committed, its answer not yet read
    if imports:
        assert first.replace(tzinfo=UTC) == first_day
        assert last.replace(tzinfo=UTC) == first_day + timedelta(days=imports, minutes=-15)
    expected_status, expected_kpis = importer.states[imports]
    assert status_lines(restore_url) == expected_status
    with serving(restore_url) as url:  # the backup holds the source's tokens
        assert kpi_answers(url, api.tokens["executive"], *window) == expected_kpis


# --- what a restore refuses ---------------------------------------------------------------------


@pytest.fixture
def sqlite_backup(tmp_path: Path) -> Path:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    engine = make_engine(source)
    migrate.upgrade(engine)
    engine.dispose()
    backup = tmp_path / "source.backup"
    succeed(wfm_here("db", "backup", str(backup), "--database-url", source))
    return backup


def test_restore_refuses_what_it_cannot_restore(sqlite_backup: Path, tmp_path: Path) -> None:
    target = tmp_path / "target.db"
    url = f"sqlite:///{target}"
    assert_one_line_error(
        wfm_here("db", "restore", str(tmp_path / "nothing"), "--database-url", url), "no backup at"
    )
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello\n")
    assert_one_line_error(
        wfm_here("db", "restore", str(text_file), "--database-url", url), "not a wfm backup"
    )
    pg_like = tmp_path / "pg.dump"
    pg_like.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
    assert_one_line_error(
        wfm_here("db", "restore", str(pg_like), "--database-url", url),
        "PostgreSQL (pg_dump) backup",
        "SQLite database",
    )
    pg_url = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # refused before any connection
    assert_one_line_error(
        wfm_here("db", "restore", str(sqlite_backup), "--database-url", pg_url),
        "SQLite backup",
        "PostgreSQL database",
    )
    with sqlite3.connect(sqlite_backup) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00dfacef00d'")
    conn.close()
    assert_one_line_error(
        wfm_here("db", "restore", str(sqlite_backup), "--database-url", url),
        "f00dfacef00d",
        "does not know",
    )
    assert not target.exists()


def test_a_database_without_schema_is_not_backed_up(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert_one_line_error(
        wfm_here("db", "backup", str(tmp_path / "b"), "--database-url", f"sqlite:///{empty}"),
        "no WFM schema",
    )
    assert_one_line_error(
        wfm_here("db", "backup", str(tmp_path / "b"), "--database-url", "sqlite://"), "in-memory"
    )


def test_postgresql_without_its_client_programs_says_so(tmp_path: Path) -> None:
    bare = tmp_path / "bin"  # a PATH with neither pg_dump nor pg_restore
    bare.mkdir()
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    assert_one_line_error(
        wfm_here(
            "db", "backup", str(tmp_path / "b"), "--database-url", url, env={"PATH": str(bare)}
        ),
        "pg_dump is not installed",
    )
    dump = tmp_path / "pg.dump"
    dump.write_bytes(b"PGDMP" + b"\x00" * 64)
    assert_one_line_error(
        wfm_here("db", "restore", str(dump), "--database-url", url, env={"PATH": str(bare)}),
        "pg_restore is not installed",
    )


def test_a_postgresql_backup_goes_back_to_its_own_schema_only(
    engine: Engine, database_url: str, restore_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite") or shutil.which("pg_dump") is None:
        pytest.skip("PostgreSQL and its client programs only")
    backup = tmp_path / "wfm.backup"
    succeed(wfm_here("db", "backup", str(backup), "--database-url", database_url))
    other = make_url(restore_url)
    elsewhere = other.set(query={**other.query, "options": "-csearch_path=public"})
    assert_one_line_error(
        wfm_here(
            "db", "restore", str(backup), "--database-url",
            elsewhere.render_as_string(hide_password=False),
        ),
        "holds the schema",
    )  # fmt: skip
