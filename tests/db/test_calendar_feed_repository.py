"""The calendar feed table (migration 0018) on SQLite and PostgreSQL: one feed per agent, found
by its secret's hash only while the agent is active, replaced in place, gone when the agent
leaves or is deleted; secrets' hashes are unique; the schema goes down to 0017 and back up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from wfm.db import migrate
from wfm.db.models import AgentRow
from wfm.db.repositories import (
    AgentRepository,
    CalendarFeedOwner,
    CalendarFeedRepository,
    SiteRepository,
)
from wfm.db.session import unit_of_work
from wfm.domain import Agent, Contract, Site
from wfm.domain.errors import NotFoundError

CONTRACT = Contract("ft", 32, 40, 4, 5, (480,))
T0 = datetime(2026, 3, 9, 8, tzinfo=UTC)
T1 = datetime(2026, 3, 10, 8, tzinfo=UTC)
HASH_A, HASH_B, HASH_C = "a" * 64, "b" * 64, "c" * 64


def _centre(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site("par", "Paris", "Europe/Paris"))
        AgentRepository(session).add_many(
            [Agent("par", "A1", "One", CONTRACT, ()), Agent("par", "A2", "Two", CONTRACT, ())]
        )


def test_one_feed_per_agent_replaced_in_place_and_gone_with_the_agent(engine: Engine) -> None:
    _centre(engine)
    with unit_of_work(engine) as session:
        feeds = CalendarFeedRepository(session)
        assert feeds.created_at("A1") is None and feeds.owner(HASH_A) is None
        feeds.put("A1", HASH_A, T0)
        feeds.put("A2", HASH_C, T0)
    with unit_of_work(engine) as session:
        feeds = CalendarFeedRepository(session)
        assert feeds.owner(HASH_A) == CalendarFeedOwner("A1", "par", "Europe/Paris")
        assert feeds.created_at("A1") == T0
        feeds.put("A1", HASH_B, T1)  # a new secret: the old one stops working
    with unit_of_work(engine) as session, engine.connect() as conn:
        feeds = CalendarFeedRepository(session)
        assert feeds.owner(HASH_A) is None
        assert feeds.owner(HASH_B) == CalendarFeedOwner("A1", "par", "Europe/Paris")
        assert feeds.created_at("A1") == T1
        assert conn.scalar(sa.text("SELECT count(*) FROM calendar_feeds")) == 2
        with pytest.raises(NotFoundError):
            feeds.put("nobody", HASH_A, T0)
    with pytest.raises(sa.exc.IntegrityError), unit_of_work(engine) as session:
        CalendarFeedRepository(session).put("A2", HASH_B, T0)  # A1's hash: unique
    with unit_of_work(engine) as session:
        feeds = CalendarFeedRepository(session)
        assert feeds.owner(HASH_C) is not None  # nothing half-written
        assert feeds.remove("A1") is True and feeds.remove("A1") is False
        assert feeds.owner(HASH_B) is None
        feeds.put("A1", HASH_A, T1)
        AgentRepository(session).update("A1", active=False)  # leaving ends the feed
        assert feeds.owner(HASH_A) is None and feeds.created_at("A1") is None
        AgentRepository(session).update("A1", active=True)
        assert feeds.owner(HASH_A) is None
        session.execute(sa.delete(AgentRow).where(AgentRow.code == "A2"))
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM calendar_feeds")) == 0


def test_0018_goes_down_to_0017_and_back_up(engine: Engine) -> None:
    _centre(engine)
    with unit_of_work(engine) as session:
        CalendarFeedRepository(session).put("A1", HASH_A, T0)
    migrate.downgrade(engine, "0017")
    with engine.connect() as conn:
        assert "calendar_feeds" not in sa.inspect(conn).get_table_names()
        assert conn.scalar(sa.text("SELECT count(*) FROM agents")) == 2
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with unit_of_work(engine) as session:
        feeds = CalendarFeedRepository(session)
        assert feeds.owner(HASH_A) is None  # the links made before are gone
        feeds.put("A1", HASH_A, T1)
        assert feeds.owner(HASH_A) == CalendarFeedOwner("A1", "par", "Europe/Paris")
