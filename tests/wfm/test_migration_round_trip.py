"""Migrations keep the data they do not touch: a database with sites, queues and agents taken down
to an early revision and back up to the latest holds the same rows. On SQLite a migration that
rebuilds `sites` (a batch migration copies the table and drops the original) must not cascade to
the site's queues and agents."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Engine

from wfm.db import migrate
from wfm.db.repositories import AgentRepository, QueueRepository, SiteRepository
from wfm.db.session import unit_of_work
from wfm.domain import DEFAULT_UNPLANNED_SHRINKAGE, Agent, Contract, Queue, Site

_TABLES = ("sites", "queues", "contracts", "agents", "agent_queue_skills")


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        return {
            table: int(conn.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)
            for table in _TABLES
            if table in names
        }


def test_down_and_up_again_keeps_sites_queues_and_agents(engine: Engine) -> None:
    contract = Contract("full", 30, 40, 4, 5, (480,))
    with unit_of_work(engine) as session:
        for site in ("par", "lyo"):
            SiteRepository(session).add(Site(code=site, name=site.upper(), timezone="Europe/Paris"))
            for queue in ("sales", "care"):
                QueueRepository(session).add(
                    Queue(site_code=site, code=f"{site}-{queue}", name=queue)
                )
        AgentRepository(session).add_many(
            Agent("par" if i % 2 else "lyo", f"A{i}", f"Agent {i}", contract, ("par-sales",))
            if i % 2
            else Agent("lyo", f"A{i}", f"Agent {i}", contract, ("lyo-care",))
            for i in range(10)
        )
    before = _counts(engine)
    assert before["queues"] == 4 and before["agents"] == 10

    migrate.downgrade(engine, "0005")
    assert _counts(engine) == before
    migrate.upgrade(engine)
    assert _counts(engine) == before
    with unit_of_work(engine) as session:
        assert sorted(q.code for q in QueueRepository(session).list("par")) == [
            "par-care",
            "par-sales",
        ]
        with engine.connect() as conn:  # the keys are on again for the application's connections
            if engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_0008_adds_the_shrinkage_and_answer_rate_targets_to_rows_already_there(
    engine: Engine,
) -> None:
    """Down to 0007 and up again with data present: existing sites take the default unplanned
    shrinkage, existing queues keep their service level and have no answer-rate target; going
    down, a queue judged by its answer rate alone is given the older schema's 0.8."""
    with unit_of_work(engine) as session:
        SiteRepository(session).add(
            Site(code="par", name="Paris", timezone="Europe/Paris", unplanned_shrinkage=0.15)
        )
        QueueRepository(session).add(Queue(site_code="par", code="sl", name="SL only"))
        QueueRepository(session).add(
            Queue(
                site_code="par",
                code="ar",
                name="answer rate only",
                service_level_target=None,
                min_answer_rate=0.9,
                max_abandon_rate=0.08,
            )
        )
    with unit_of_work(engine) as session:
        stored = {q.code: q for q in QueueRepository(session).list("par")}
        assert SiteRepository(session).get("par").unplanned_shrinkage == 0.15
    assert stored["ar"].service_level_target is None
    assert (stored["ar"].min_answer_rate, stored["ar"].max_abandon_rate) == (0.9, 0.08)

    migrate.downgrade(engine, "0007")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("queues")}
        assert "min_answer_rate" not in columns and "max_abandon_rate" not in columns
        targets = dict(conn.execute(sa.text("SELECT code, service_level_target FROM queues")).all())
    assert targets == {"sl": 0.8, "ar": 0.8}

    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        site = SiteRepository(session).get("par")
        queues = {q.code: q for q in QueueRepository(session).list("par")}
    assert site.unplanned_shrinkage == DEFAULT_UNPLANNED_SHRINKAGE == 0.10
    assert set(queues) == {"sl", "ar"}
    assert all(q.min_answer_rate is None and q.max_abandon_rate is None for q in queues.values())
    assert queues["sl"].service_level_target == 0.8
