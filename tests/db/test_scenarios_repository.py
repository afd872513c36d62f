"""The scenarios table (migration 0013) and its repository on SQLite and PostgreSQL: a scenario
round-trips with its document, job and result, is listed newest first per site, goes with its
site, and the table goes down to 0012 and back up."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from wfm.db import migrate
from wfm.db.repositories import ScenarioRepository, SiteRepository
from wfm.db.session import unit_of_work
from wfm.domain import Site
from wfm.domain.errors import NotFoundError


def test_a_scenario_round_trips_and_goes_with_its_site(engine: Engine) -> None:
    doc = {"name": "w", "site": "par", "variants": [{"name": "v", "changes": {"seats": 3}}]}
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site("par", "Paris", "Europe/Paris"))
        SiteRepository(session).add(Site("lyo", "Lyon", "Europe/Paris"))
        repo = ScenarioRepository(session)
        first = repo.add("par", name="w", week_start=date(2025, 3, 17), document=doc)
        second = repo.add("par", name="x", week_start=date(2025, 3, 24), document=doc)
        repo.set_job(first, "9b2c1f0e-0d7e-4c53-a0f1-2f1e6b1c9d10")
        repo.set_result(first, {"base": {"figures": {"answer_rate": 0.9}}})
    with unit_of_work(engine) as session:
        repo = ScenarioRepository(session)
        stored = repo.get(first)
        assert stored.document == doc and stored.week_start == date(2025, 3, 17)
        assert stored.job_id == "9b2c1f0e-0d7e-4c53-a0f1-2f1e6b1c9d10"
        assert stored.result == {"base": {"figures": {"answer_rate": 0.9}}}
        assert stored.created_at_utc.tzinfo is not None
        assert [s.id for s in repo.list("par")] == [second, first]
        assert repo.list("lyo") == []
        with pytest.raises(NotFoundError):
            repo.get(second + 100)
        session.execute(sa.text("DELETE FROM sites WHERE code = 'par'"))
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM scenarios")) == 0


def test_0013_goes_down_and_up(engine: Engine) -> None:
    migrate.downgrade(engine, "0012")
    with engine.connect() as conn:
        assert "scenarios" not in sa.inspect(conn).get_table_names()
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert "scenarios" in sa.inspect(conn).get_table_names()
