"""The time-off request and balance tables (migration 0014) on SQLite and PostgreSQL: a request
round-trips with its prediction, a decision is a compare-and-set (the second is a conflict
naming the status), requests and balances go with their agent, and the schema goes down to
0013 and back up."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from wfm.db import migrate
from wfm.db.repositories import AgentRepository, SiteRepository, TimeOffRequestRepository
from wfm.db.session import unit_of_work
from wfm.domain import Agent, Contract, Site
from wfm.domain.errors import ConflictError, NotFoundError
from wfm.domain.time_off import Prediction, QueueDay, TimeOffStatus, Verdict

CONTRACT = Contract("ft", 32, 40, 4, 5, (480,), leave_accrual_hours_per_week=3.0)
T0 = datetime(2026, 3, 9, 8, tzinfo=UTC)
T1 = datetime(2026, 3, 10, 8, tzinfo=UTC)


def test_a_request_round_trips_and_is_decided_once(engine: Engine) -> None:
    prediction = Prediction(
        Verdict.OFF_TARGET,
        "below",
        (3,),
        (QueueDay("q", date(2026, 3, 9), 10.0, 0.7, 0.8, 0.8, 0.9, 0.8, 0.85, False, False),),
    )
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site("par", "Paris", "Europe/Paris"))
        AgentRepository(session).add_many([Agent("par", "A", "A", CONTRACT, ())])
        repo = TimeOffRequestRepository(session)
        first = repo.add("A", T0, T1, "leave", 8.0, T0)
        repo.set_prediction(first, prediction)
        repo.set_opening("A", 12.5, date(2026, 1, 5), T0)
    with unit_of_work(engine) as session:
        repo = TimeOffRequestRepository(session)
        stored = repo.get(first)
        assert (stored.agent_code, stored.site_code, stored.hours) == ("A", "par", 8.0)
        assert stored.status is TimeOffStatus.PENDING and stored.prediction == prediction
        assert repo.opening("A") == (12.5, date(2026, 1, 5))
        assert repo.overlapping("A", T0, T1) and not repo.overlapping("A", T1, T1.replace(hour=9))
        assert AgentRepository(session).get("A").agent.contract == CONTRACT
        repo.decide(first, TimeOffStatus.APPROVED, decided_at_utc=T1, decided_by="p", reason=None)
        with pytest.raises(ConflictError, match="already approved"):
            repo.decide(first, TimeOffStatus.REFUSED, decided_at_utc=T1, decided_by="p", reason="x")
        with pytest.raises(NotFoundError):
            repo.get(first, agent_code="B")
        assert repo.hours_by_status("A") == [(TimeOffStatus.APPROVED, 8.0)]
        session.execute(sa.text("DELETE FROM agents WHERE code = 'A'"))
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM time_off_requests")) == 0
        assert conn.scalar(sa.text("SELECT count(*) FROM time_off_balances")) == 0


def test_0014_goes_down_and_up(engine: Engine) -> None:
    migrate.downgrade(engine, "0013")
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert "time_off_requests" not in inspector.get_table_names()
        assert "leave_accrual_hours_per_week" not in {
            c["name"] for c in inspector.get_columns("contracts")
        }
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert {"time_off_requests", "time_off_balances"} <= set(sa.inspect(conn).get_table_names())
