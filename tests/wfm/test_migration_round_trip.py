"""Migrations keep the data they do not touch: a database with sites, queues and agents taken down
to an early revision and back up to the latest holds the same rows. On SQLite a migration that
rebuilds `sites` (a batch migration copies the table and drops the original) must not cascade to
the site's queues and agents."""

from __future__ import annotations

from datetime import time

import sqlalchemy as sa
from sqlalchemy import Engine

from wfm.db import migrate
from wfm.db.repositories import (
    AgentRepository,
    QueueRepository,
    ShiftTradeRepository,
    SiteRepository,
)
from wfm.db.session import unit_of_work
from wfm.domain import DEFAULT_UNPLANNED_SHRINKAGE, Agent, Contract, Queue, Site
from wfm.domain.shift_trades import AgentPreference, PreferenceKind

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


def test_0009_stores_a_calibration_per_queue_and_goes_down_without_it(engine: Engine) -> None:
    """A stored calibration reads back as it was written; down to 0008 drops the table and
    keeps the queue, up again the queue has no calibration (the textbook model) and can take
    one; deleting the queue deletes its calibration."""
    from datetime import UTC, datetime

    from wfm.db.repositories.calibrations import CalibrationRepository
    from wfm.domain.calibration import StoredCalibration
    from wfm.domain.queue_model import Calibration

    moment = datetime(2025, 3, 23, 23, tzinfo=UTC)
    calibration = Calibration(
        availability=0.8,
        patience_seconds=210.0,
        patience_method="waits",
        answer_rate_coefficients=(0.1, 0.9, 0.01, -0.02),
        threshold_seconds=20.0,
        intervals=300,
        offered=9000.0,
        answered=8000.0,
        abandoned=1000.0,
        fitted_from_utc=moment.replace(month=1),
        fitted_until_utc=moment,
    )
    stored = StoredCalibration(
        queue_code="sl",
        fitted_at_utc=moment,
        window_start_utc=moment.replace(month=1),
        window_end_utc=moment,
        calibration=calibration,
        intervals=300,
        calls=9000.0,
        answer_rate_mae=0.04,
        textbook_answer_rate_mae=0.09,
        answer_rate_noise_floor=0.035,
        service_level_mae=None,
    )
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site(code="par", name="Paris", timezone="Europe/Paris"))
        QueueRepository(session).add(Queue(site_code="par", code="sl", name="SL"))
        CalibrationRepository(session).store(stored)
    with unit_of_work(engine) as session:
        assert CalibrationRepository(session).get("sl") == stored
        assert QueueRepository(session).get("sl").calibration == calibration

    migrate.downgrade(engine, "0008")
    with engine.connect() as conn:
        assert "queue_calibrations" not in sa.inspect(conn).get_table_names()
        assert conn.scalar(sa.text("SELECT count(*) FROM queues")) == 1
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        assert QueueRepository(session).get("sl").calibration is None
        CalibrationRepository(session).store(stored)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM queues WHERE code = 'sl'"))
        assert conn.scalar(sa.text("SELECT count(*) FROM queue_calibrations")) == 0


def test_0010_outbound_tables_go_down_and_up_keeping_campaigns(engine: Engine) -> None:
    """Lead lists, callbacks and dialer attempts stored at 0010 read back; down to 0009 drops
    them and the campaign's sales and completes targets and keeps the campaign (on SQLite the
    campaigns table is rebuilt without cascading to its agents' skills); up again the campaign
    has no such target and the tables take rows again; deleting the campaign deletes its rows."""
    from datetime import UTC, datetime

    from wfm.db.repositories import (
        CallbackRepository,
        CampaignRepository,
        DialerAttemptRepository,
        LeadListRepository,
        SegmentRepository,
    )
    from wfm.db.repositories.dialer_attempts import AttemptColumns
    from wfm.domain import Campaign, CampaignKind, Segment
    from wfm.domain.dialer import Callback, LeadList

    now = datetime(2025, 3, 3, 12, tzinfo=UTC)

    def outbound_rows() -> None:
        with unit_of_work(engine) as session:
            LeadListRepository(session).add(LeadList("renew", "gold", "gold-march", 5000), now)
            CallbackRepository(session).add(Callback("renew", now, lead_id="L1"), now)
            refs = DialerAttemptRepository(session).references()
            store = DialerAttemptRepository(session).store(
                AttemptColumns(
                    [refs.campaigns["renew"][1]],
                    ["a-1"],
                    [now],
                    [refs.agents["A0"]],
                    [refs.campaigns["renew"][0]],
                    [refs.segments["gold"]],
                    ["L1"],
                    ["sale"],
                    [120.0],
                    [300.0],
                    [30.0],
                )
            )
            assert store.inserted == 1

    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site(code="par", name="Paris", timezone="Europe/Paris"))
        SegmentRepository(session).add(Segment(code="gold", name="Gold"))
        CampaignRepository(session).add(
            Campaign("par", "renew", "Renewals", CampaignKind.TELESALES, "gold", (10.0,) * 24, ())
        )
        CampaignRepository(session).update_campaign(
            "renew", {"target_sales": 400, "target_completes": 1000}
        )
        AgentRepository(session).add_many(
            [Agent("par", "A0", "Agent", Contract("full", 30, 40, 4, 5, (480,)), (), ("renew",))]
        )
    outbound_rows()
    with unit_of_work(engine) as session:
        campaign = CampaignRepository(session).get("renew")
        assert (campaign.target_sales, campaign.target_completes) == (400, 1000)
        assert [a.attempt_id for a in DialerAttemptRepository(session).list()] == ["a-1"]

    migrate.downgrade(engine, "0009")
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        assert not names & {"lead_lists", "callbacks", "dialer_attempts"}
        assert "target_sales" not in {c["name"] for c in sa.inspect(conn).get_columns("campaigns")}
        assert conn.scalar(sa.text("SELECT count(*) FROM agent_campaign_skills")) == 1
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        campaign = CampaignRepository(session).get("renew")
        assert (campaign.target_sales, campaign.target_completes) == (None, None)
        assert DialerAttemptRepository(session).count() == 0
    outbound_rows()
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM campaigns WHERE code = 'renew'"))
        for table in ("lead_lists", "callbacks", "dialer_attempts"):
            assert conn.scalar(sa.text(f"SELECT count(*) FROM {table}")) == 0


def test_0011_site_language_and_currency_go_down_and_up_to_their_defaults(engine: Engine) -> None:
    """Sites stored with English and dollars lose the two columns at 0010 (keeping the rows) and
    come back up with the defaults: Chinese and renminbi."""
    with unit_of_work(engine) as session:
        SiteRepository(session).add(
            Site("ny", "New York", "America/New_York", default_language="en", currency="USD")
        )
        SiteRepository(session).add(Site("sh", "上海", "Asia/Shanghai"))
    with unit_of_work(engine) as session:
        stored = {s.code: (s.default_language, s.currency) for s in SiteRepository(session).list()}
    assert stored == {"ny": ("en", "USD"), "sh": ("zh-CN", "CNY")}
    migrate.downgrade(engine, "0010")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("sites")}
        assert "default_language" not in columns and "currency" not in columns
        assert conn.scalar(sa.text("SELECT count(*) FROM sites")) == 2
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        again = {s.code: (s.default_language, s.currency) for s in SiteRepository(session).list()}
    assert again == {"ny": ("zh-CN", "CNY"), "sh": ("zh-CN", "CNY")}


def test_0019_agent_teams_go_down_and_up_keeping_the_agents(engine: Engine) -> None:
    """Agents stored with a team lose the column at 0018 (keeping the agents and their skills)
    and come back up without a team."""
    contract = Contract("full", 30, 40, 4, 5, (480,))
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site("sh", "上海", "Asia/Shanghai"))
        QueueRepository(session).add(Queue(site_code="sh", code="care", name="Care"))
        AgentRepository(session).add_many(
            [
                Agent("sh", "A0", "李娜", contract, ("care",), team="一组"),
                Agent("sh", "A1", "王芳", contract, ("care",)),
            ]
        )
    with unit_of_work(engine) as session:
        stored = {a.code: a.team for a in AgentRepository(session).list()}
    assert stored == {"A0": "一组", "A1": ""}
    before = _counts(engine)

    migrate.downgrade(engine, "0018")
    with engine.connect() as conn:
        assert "team" not in {c["name"] for c in sa.inspect(conn).get_columns("agents")}
    assert _counts(engine) == before
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _counts(engine) == before
    with unit_of_work(engine) as session:
        again = {a.code: (a.team, a.queue_skills) for a in AgentRepository(session).list()}
        assert again == {"A0": ("", ("care",)), "A1": ("", ("care",))}
        AgentRepository(session).update("A1", team="二组")
    with unit_of_work(engine) as session:
        assert AgentRepository(session).get("A1").agent.team == "二组"


def _wishes_go_down_and_up(
    engine: Engine, below: str, wishes: list[AgentPreference], gone: set[str]
) -> None:
    """Store `wishes` (the first kept below `below`, the second not), go down to `below`: the
    columns `gone` are dropped and the second wish deleted; going up again keeps the first and
    stores both anew."""
    contract = Contract("full", 40, 40, 5, 5, (480,))
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site("sh", "上海", "Asia/Shanghai"))
        QueueRepository(session).add(Queue(site_code="sh", code="care", name="Care"))
        AgentRepository(session).add_many([Agent("sh", "A0", "李娜", contract, ("care",))])
        assert ShiftTradeRepository(session).replace_preferences("A0", wishes) == wishes

    migrate.downgrade(engine, below)
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("agent_preferences")}
        assert not gone & columns and "kind" in columns
        kinds = conn.scalars(sa.text("SELECT kind FROM agent_preferences")).all()
        assert kinds == [wishes[0].kind.value]
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with unit_of_work(engine) as session:
        repository = ShiftTradeRepository(session)
        assert repository.preferences("A0") == wishes[:1]
        assert repository.replace_preferences("A0", wishes) == wishes


def test_0021_max_evenings_wishes_go_down_and_the_others_stay(engine: Engine) -> None:
    """Below 0021 a preference has no evening fields: the max-evenings wishes are deleted."""
    wishes = [
        AgentPreference(PreferenceKind.DAY_OFF, 2.0, weekdays=(6,)),
        AgentPreference(
            PreferenceKind.MAX_EVENINGS, 3.0, max_evening_shifts=1, evening_from_local=time(18)
        ),
    ]
    _wishes_go_down_and_up(engine, "0020", wishes, {"max_evening_shifts", "evening_from_local"})


def test_0023_voluntary_time_off_offers_go_down_and_the_others_stay(engine: Engine) -> None:
    """Below 0023 a preference has no `vto_hours_max` (and a kind of at most 16 characters):
    the offers are deleted."""
    wishes = [
        AgentPreference(
            PreferenceKind.MAX_EVENINGS, 3.0, max_evening_shifts=1, evening_from_local=time(18)
        ),
        AgentPreference(PreferenceKind.VOLUNTARY_TIME_OFF, weekdays=(4,), vto_hours_max=8.0),
    ]
    _wishes_go_down_and_up(engine, "0022", wishes, {"vto_hours_max"})
