"""`wfm forecast` and `wfm schedule` on the command line use the Dask cluster that
WFM_DASK_SCHEDULER names, as the worker's jobs do: the same forecast as in the process, a roster
solved in parts there, and a fallback that says why."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.server import reserve_port
from wfm.cli import app
from wfm.db import migrate
from wfm.db.repositories import ForecastRepository
from wfm.db.session import make_engine, unit_of_work
from wfm.services.centre import CentreData, load_centre
from wfm.settings import get_settings
from wfm.tools.demo import generate_demo_centre


@pytest.fixture(scope="module")
def centre_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A small demo centre on a SQLite file (copied per test)."""
    path = tmp_path_factory.mktemp("cli-dask") / "wfm.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    demo = generate_demo_centre(weeks=4, agents=10, seed=11)
    with unit_of_work(engine) as session:
        load_centre(session, CentreData.of_demo(demo))
    engine.dispose()
    return path, demo.sites[0].code


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Environment for the command; the process-wide settings are read afresh around it."""
    get_settings.cache_clear()
    monkeypatch.setenv("WFM_DASK_LOCAL_PROCESSES", "false")
    monkeypatch.setenv("WFM_DASK_LOCAL_WORKERS", "2")
    try:
        yield monkeypatch
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def _copy(centre_file: tuple[Path, str], folder: Path, name: str) -> str:
    target = folder / name
    shutil.copy(centre_file[0], target)
    return f"sqlite:///{target}"


def _forecast(url: str) -> tuple[str, list[tuple[object, ...]]]:
    result = CliRunner().invoke(app, ["forecast", "--weeks", "1", "--database-url", url])
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        repo = ForecastRepository(session)
        run = repo.runs(repo.run(1).site_code)[-1]
        assert run.id is not None
        values: list[tuple[object, ...]] = [
            (v.queue_code, v.interval_start_utc, v.offered, v.aht_seconds, v.offered_hi80)
            for v in repo.values(run.id)
        ]
    engine.dispose()
    return result.stderr, values


def test_forecast_on_the_cluster_equals_the_forecast_in_process(
    centre_file: tuple[Path, str], tmp_path: Path, env: pytest.MonkeyPatch
) -> None:
    _, here = _forecast(_copy(centre_file, tmp_path, "here.db"))
    env.setenv("WFM_DASK_SCHEDULER", "local")
    get_settings.cache_clear()
    said, there = _forecast(_copy(centre_file, tmp_path, "there.db"))
    assert "running on the local Dask cluster" in said
    assert there and there == here


def test_schedule_on_the_cluster_is_solved_in_parts_there(
    centre_file: tuple[Path, str], tmp_path: Path, env: pytest.MonkeyPatch
) -> None:
    url = _copy(centre_file, tmp_path, "roster.db")
    assert (
        CliRunner().invoke(app, ["forecast", "--weeks", "2", "--database-url", url]).exit_code == 0
    )
    env.setenv("WFM_DASK_SCHEDULER", "local")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["schedule", "--time-limit", "20", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "running on the local Dask cluster" in result.stderr
    assert "independent parts solved on the local Dask cluster" in result.stderr
    assert "0 hard violations" in result.output + result.stderr


def test_an_unreachable_scheduler_falls_back_and_says_so_or_is_a_one_line_error(
    centre_file: tuple[Path, str], tmp_path: Path, env: pytest.MonkeyPatch
) -> None:
    closed = reserve_port("127.0.0.1", 0)  # nothing listens there
    env.setenv("WFM_DASK_SCHEDULER", f"tcp://127.0.0.1:{closed}")
    env.setenv("WFM_DASK_CONNECT_TIMEOUT_SECONDS", "1.5")
    get_settings.cache_clear()
    said, values = _forecast(_copy(centre_file, tmp_path, "fallback.db"))
    assert "scale-out unavailable" in said and values

    env.setenv("WFM_DASK_FALLBACK_LOCAL", "false")
    get_settings.cache_clear()
    result = CliRunner().invoke(
        app,
        ["forecast", "--database-url", _copy(centre_file, tmp_path, "strict.db")],
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
