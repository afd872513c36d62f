"""The capacity_plans table (migration 0020) and its repository on SQLite and PostgreSQL: a plan
round-trips with its inputs, job, status and result, is listed newest first per site, goes with
its site, and the table goes down to 0019 and back up."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from wfm.db import migrate
from wfm.db.repositories import CapacityPlanRepository, SiteRepository
from wfm.db.session import unit_of_work
from wfm.domain import Site
from wfm.domain.errors import NotFoundError


def test_a_plan_round_trips_and_goes_with_its_site(engine: Engine) -> None:
    inputs = {"site": "par", "months": 12, "monthly_attrition": 0.02}
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site("par", "Paris", "Europe/Paris"))
        SiteRepository(session).add(Site("lyo", "Lyon", "Europe/Paris"))
        repo = CapacityPlanRepository(session)
        first = repo.add("par", inputs)
        second = repo.add("par", inputs)
        repo.set_job(first, "9b2c1f0e-0d7e-4c53-a0f1-2f1e6b1c9d10")
        repo.set_result(first, {"months": [{"month": "2027-01-01", "fte_needed": 12.5}]})
    with unit_of_work(engine) as session:
        repo = CapacityPlanRepository(session)
        stored = repo.get(first)
        assert stored.inputs == inputs and stored.site_code == "par"
        assert stored.job_id == "9b2c1f0e-0d7e-4c53-a0f1-2f1e6b1c9d10"
        assert stored.status == "succeeded"
        assert stored.result == {"months": [{"month": "2027-01-01", "fte_needed": 12.5}]}
        assert stored.created_at_utc.tzinfo is not None
        assert repo.get(second).status == "queued" and repo.get(second).result is None
        assert [p.id for p in repo.list("par")] == [second, first]
        assert repo.list("lyo") == []
        with pytest.raises(NotFoundError):
            repo.get(second + 100)
        session.execute(sa.text("DELETE FROM sites WHERE code = 'par'"))
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM capacity_plans")) == 0


def test_0020_goes_down_and_up(engine: Engine) -> None:
    migrate.downgrade(engine, "0019")
    with engine.connect() as conn:
        assert "capacity_plans" not in sa.inspect(conn).get_table_names()
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert "capacity_plans" in sa.inspect(conn).get_table_names()
