"""`wfm site-rules` as a user meets it, on SQLite and PostgreSQL: the standard rules shown, a file
stored as a new version and shown for its weeks, bad rules refused with exit 2 naming the field
and nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from wfm.cli import app
from wfm.db.repositories import AgentRepository, SiteRepository
from wfm.db.session import unit_of_work
from wfm.domain import Agent, Contract, Site

runner = CliRunner()
MONDAY = "2026-12-07"


def _seed(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site(code="par", name="Paris", timezone="Europe/Paris"))
        AgentRepository(session).add_many(
            [Agent("par", "A1", "One", Contract("full", 30, 40, 4, 5, (480,)), (), ())]
        )


def _run(database_url: str, *args: str) -> Result:
    return runner.invoke(app, ["site-rules", "--database-url", database_url, *args])


def test_show_set_and_refuse(engine: Engine, database_url: str, tmp_path: Path) -> None:
    _seed(engine)
    shown = _run(database_url)
    assert shown.exit_code == 0, shown.output
    standard = json.loads(shown.output)
    assert standard["version"] is None and standard["start_step_minutes"] == 30
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {"start_step_minutes": 60, "min_rest_hours": 12, "late_start_from_local": "18:00"}
        )
    )
    stored = _run(database_url, "--week", MONDAY, "--set", str(rules), "--note", "evenings")
    assert stored.exit_code == 0, stored.output
    assert json.loads(stored.output)["version"] == 1
    now = json.loads(_run(database_url, "--week", "2026-12-14").output)
    assert (now["version"], now["start_step_minutes"], now["late_start_from_local"]) == (
        1,
        60,
        "18:00",
    )
    assert now["note"] == "evenings" and now["min_rest_hours"] == 12
    before = json.loads(_run(database_url, "--week", "2026-11-30").output)
    assert before["version"] is None

    for bad, named in [
        ({"start_step_minutes": "sixty"}, "start_step_minutes: 'sixty' is not a whole number"),
        ({"shift_lengths_minutes": [600]}, "shift_lengths_minutes: contract full has none"),
        ({"breaks": [{"kind": "lunch", "minutes": 30}]}, "breaks[0].earliest_start_after"),
        ({"coffee": True}, "coffee: unknown field"),
    ]:
        rules.write_text(json.dumps(bad))
        refused = _run(database_url, "--week", MONDAY, "--set", str(rules))
        assert refused.exit_code == 2 and named in refused.output, refused.output
    rules.write_text("{not json")
    assert "can't read" in _run(database_url, "--week", MONDAY, "--set", str(rules)).output
    assert json.loads(_run(database_url).output)["version"] == 1
