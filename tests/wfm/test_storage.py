"""Migrations and repositories on SQLite and PostgreSQL: every entity round-trips."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, inspect

from wfm.db import migrate
from wfm.db.models import Base
from wfm.db.repositories import (
    AdherenceRepository,
    AgentEventRepository,
    AgentRepository,
    CampaignRepository,
    ForecastRepository,
    HistoryRepository,
    JobRepository,
    QueueRepository,
    RequirementRepository,
    ScheduleRepository,
    SegmentRepository,
    SiteRepository,
    TokenRepository,
)
from wfm.db.session import make_engine, unit_of_work
from wfm.domain import (
    Activity,
    ActivitySpan,
    AdherenceResult,
    AdjustmentOperation,
    Agent,
    AgentStateEvent,
    Availability,
    CallingWindow,
    Campaign,
    CampaignKind,
    Channel,
    Contract,
    ForecastAccuracy,
    ForecastAdjustment,
    ForecastRun,
    ForecastValue,
    IntervalRecord,
    Job,
    JobStatus,
    Queue,
    Schedule,
    ScheduleStatus,
    Segment,
    Shift,
    ShiftBreak,
    Site,
    StaffingRequirement,
    TimeOff,
)
from wfm.domain.errors import (
    AlreadyExistsError,
    ConflictError,
    DatabaseNotReadyError,
    NotFoundError,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SITE = Site(code="LON", name="London", timezone="Europe/London", country_code="GB", seats=80)
QUEUES = (
    Queue(site_code="LON", code="sales", name="Sales", value_per_answered_contact=4.5),
    Queue(
        site_code="LON",
        code="chat",
        name="Chat",
        channel=Channel.CHAT,
        chat_concurrency=3,
        mean_patience_seconds=240.0,
        service_level_target=0.9,
        service_threshold_seconds=60.0,
    ),
)
SEGMENT = Segment(code="gold", name="Gold", arpu_min_per_month=50.0, customer_count=1200)
CAMPAIGN = Campaign(
    site_code="LON",
    code="renewals",
    name="Renewals",
    kind=CampaignKind.TELESALES,
    segment_code="gold",
    value_per_productive_hour_by_hour=tuple(float(h) for h in range(24)),
    calling_windows=(CallingWindow(0, time(9), time(20)), CallingWindow(5, time(10), time(14))),
    min_hours_per_week=10.0,
    max_hours_per_week=200.0,
    efficiency=0.75,
    deadline=date(2026, 4, 1),
)
FULL_TIME = Contract(
    name="full-time",
    weekly_hours_min=37.5,
    weekly_hours_max=40.0,
    days_per_week_min=5,
    days_per_week_max=5,
    shift_lengths_minutes=(480, 540),
    earliest_start_local=time(7),
    latest_end_local=time(22),
)
AGENTS = (
    Agent("LON", "a001", "Ada", FULL_TIME, ("chat", "sales"), ("renewals",), date(2024, 1, 8)),
    Agent("LON", "a002", "Bo", FULL_TIME, ("sales",)),
)


def _seed_organisation(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        SiteRepository(session).add(SITE)
        for q in QUEUES:
            QueueRepository(session).add(q)
        SegmentRepository(session).add(SEGMENT)
        CampaignRepository(session).add(CAMPAIGN)
        AgentRepository(session).add_many(AGENTS)


def test_migrations_create_every_table_and_downgrade_cleanly(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    migrate.require_current_schema(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    migrate.downgrade(engine, "base")
    assert set(Base.metadata.tables).isdisjoint(inspect(engine).get_table_names())
    with pytest.raises(DatabaseNotReadyError, match="wfm db upgrade"):
        migrate.require_current_schema(engine)
    engine.dispose()


def test_organisation_round_trips(engine: Engine) -> None:
    _seed_organisation(engine)
    with unit_of_work(engine) as session:
        assert SiteRepository(session).list() == [SITE]
        assert QueueRepository(session).list("LON") == sorted(QUEUES, key=lambda q: q.code)
        assert SegmentRepository(session).list() == [SEGMENT]
        assert CampaignRepository(session).list("LON") == [CAMPAIGN]
        assert AgentRepository(session).list("LON") == list(AGENTS)


def test_duplicate_entities_are_refused(engine: Engine) -> None:
    _seed_organisation(engine)
    with pytest.raises(AlreadyExistsError, match="site 'LON'"), unit_of_work(engine) as session:
        SiteRepository(session).add(SITE)
    with pytest.raises(AlreadyExistsError, match="agent 'a001'"), unit_of_work(engine) as session:
        AgentRepository(session).add_many(AGENTS[:1])
    with pytest.raises(NotFoundError, match="no queue 'nope'"), unit_of_work(engine) as session:
        AgentRepository(session).add_many([Agent("LON", "a9", "X", FULL_TIME, ("nope",))])
    with unit_of_work(engine) as session:
        assert AgentRepository(session).count() == 2


def test_availability_and_time_off_round_trip(engine: Engine) -> None:
    _seed_organisation(engine)
    windows = [Availability("a002", 1, time(9), time(17))]
    leave = [TimeOff("a001", T0, T0 + timedelta(days=2), reason="holiday")]
    with unit_of_work(engine) as session:
        AgentRepository(session).add_availability(windows)
        AgentRepository(session).add_time_off(leave)
    with unit_of_work(engine) as session:
        repo = AgentRepository(session)
        assert repo.availability() == windows
        assert repo.time_off() == leave
        assert repo.time_off(start_utc=T0 + timedelta(days=3)) == []


def _record(queue: str, start: datetime, offered: int) -> IntervalRecord:
    return IntervalRecord(
        queue_code=queue,
        interval_start_utc=start,
        interval_minutes=15,
        offered=offered,
        answered=offered - 1,
        abandoned=1,
        short_abandoned=0,
        answered_within_threshold=offered - 2,
        handle_seconds=180.0 * (offered - 1),
        wait_seconds_answered=12.5,
        wait_seconds_abandoned=40.0,
        reason_counts={"billing": offered - 3, "other": 3},
    )


def test_history_upsert_is_idempotent_and_round_trips(engine: Engine) -> None:
    _seed_organisation(engine)
    records = [_record("sales", T0 + timedelta(minutes=15 * i), 10 + i) for i in range(8)]
    with unit_of_work(engine) as session:
        assert HistoryRepository(session).upsert(records) == 8
    changed = [_record("sales", T0, 30)]
    with unit_of_work(engine) as session:
        HistoryRepository(session).upsert(records[1:] + changed)
    with unit_of_work(engine) as session:
        repo = HistoryRepository(session)
        assert repo.count() == 8
        assert repo.records("sales") == changed + records[1:]
        span = repo.spans()[0]
        assert span.first_interval_utc == T0
        assert span.last_interval_utc.tzinfo is not None
        assert span.offered == 30 + sum(r.offered for r in records[1:])


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    _seed_organisation(engine)
    naive = _record("sales", datetime(2026, 3, 2, 8, 0), 10)
    with pytest.raises(Exception, match="naive datetime"), unit_of_work(engine) as session:
        HistoryRepository(session).upsert([naive])
    with unit_of_work(engine) as session:
        assert HistoryRepository(session).count() == 0


def test_forecasts_adjustments_accuracy_and_requirements_round_trip(engine: Engine) -> None:
    _seed_organisation(engine)
    values = [
        ForecastValue("sales", T0 + timedelta(minutes=15 * i), 12.5 + i, 181.0, 9, 16, 7, 19)
        for i in range(4)
    ]
    with unit_of_work(engine) as session:
        repo = ForecastRepository(session)
        assert repo.next_version("LON") == 1
        run = ForecastRun(
            site_code="LON",
            version=1,
            created_at_utc=T0,
            interval_minutes=15,
            horizon_start_utc=T0,
            horizon_end_utc=T0 + timedelta(hours=1),
            model_by_queue={"sales": "mstl"},
            backtest_scores={"sales": {"mstl": 0.12, "seasonal_naive": 0.2}},
            warnings=("chat: too little history",),
        )
        run_id = repo.add_run(run, values)
        adjustment = ForecastAdjustment(
            "sales", T0, T0 + timedelta(minutes=30), "offered", AdjustmentOperation.SCALE, 1.2
        )
        adjustment_id = repo.add_adjustment(adjustment)
        accuracy = [ForecastAccuracy("sales", "day", date(2026, 3, 2), 100.0, 90.0, 0.1)]
        repo.replace_accuracy(run_id, accuracy)
        requirements = [
            StaffingRequirement("sales", v.interval_start_utc, 15, v.offered, 181.0, 4, 6, 0.82)
            for v in values
        ]
        RequirementRepository(session).replace(run_id, requirements)
    with unit_of_work(engine) as session:
        repo = ForecastRepository(session)
        stored = repo.latest_run("LON")
        assert stored is not None and stored.id == run_id
        assert stored.model_by_queue == {"sales": "mstl"}
        assert stored.warnings == ("chat: too little history",)
        assert repo.next_version("LON") == 2
        assert repo.values(run_id) == values
        assert repo.values(run_id, "sales", start_utc=T0 + timedelta(minutes=30)) == values[2:]
        assert repo.adjustments("sales")[0].id == adjustment_id
        assert repo.adjustments("sales")[0].value == 1.2
        assert repo.accuracy(run_id) == accuracy
        assert repo.accuracy(run_id)[0].accuracy_percent == pytest.approx(90.0)
        assert RequirementRepository(session).list(run_id) == requirements
        repo.deactivate_adjustment(adjustment_id)
    with unit_of_work(engine) as session:
        assert ForecastRepository(session).adjustments() == []


def _schedule(version: int) -> Schedule:
    start = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)
    shift = Shift(
        agent_code="a001",
        shift_date=date(2026, 3, 2),
        start_utc=start,
        end_utc=start + timedelta(hours=8),
        breaks=(ShiftBreak(start + timedelta(hours=4), start + timedelta(hours=4.5), "lunch"),),
        activities=(
            ActivitySpan(start, start + timedelta(hours=4), Activity.SERVE, queue_code="sales"),
            ActivitySpan(start + timedelta(hours=4), start + timedelta(hours=4.5), Activity.LUNCH),
            ActivitySpan(
                start + timedelta(hours=4.5),
                start + timedelta(hours=8),
                Activity.SELL,
                campaign_code="renewals",
            ),
        ),
    )
    return Schedule(
        site_code="LON",
        week_start=date(2026, 3, 2),
        version=version,
        status=ScheduleStatus.DRAFT,
        created_at_utc=T0,
        shifts=(shift,),
        summary={"status": "OPTIMAL", "gap": 0.0},
    )


def test_schedules_round_trip_and_publish_only_the_latest_draft(engine: Engine) -> None:
    _seed_organisation(engine)
    with unit_of_work(engine) as session:
        repo = ScheduleRepository(session)
        first = repo.add(_schedule(1))
        assert repo.next_version("LON", date(2026, 3, 2)) == 2
        second = repo.add(_schedule(2))
    with unit_of_work(engine) as session:
        stored = ScheduleRepository(session).get(first)
        assert stored.shifts == _schedule(1).shifts
        assert stored.summary == {"status": "OPTIMAL", "gap": 0.0}
    with pytest.raises(ConflictError, match="latest"), unit_of_work(engine) as session:
        ScheduleRepository(session).publish(first, T0)
    with unit_of_work(engine) as session:
        published = ScheduleRepository(session).publish(second, T0)
        assert published.status is ScheduleStatus.PUBLISHED
        assert published.published_at_utc == T0
    with unit_of_work(engine) as session:
        statuses = [s.status for s in ScheduleRepository(session).list("LON")]
        assert statuses == [ScheduleStatus.DRAFT, ScheduleStatus.PUBLISHED]


def test_events_adherence_jobs_and_tokens_round_trip(engine: Engine) -> None:
    _seed_organisation(engine)
    events = [
        AgentStateEvent("e1", "a001", T0, "ready", Activity.SERVE),
        AgentStateEvent("e2", "a001", T0 + timedelta(minutes=5), "aux", Activity.BREAK, "coffee"),
    ]
    with unit_of_work(engine) as session:
        repo = AgentEventRepository(session)
        assert repo.add_new(events, T0) == 2
        assert repo.add_new(events, T0) == 0  # idempotent by event id
        AdherenceRepository(session).upsert([AdherenceResult("a001", T0, 60, 60.0, 54.0, 58.0)])
        AdherenceRepository(session).upsert([AdherenceResult("a001", T0, 60, 60.0, 57.0, 60.0)])
        JobRepository(session).add(Job("j1", "forecast", JobStatus.QUEUED, {"weeks": 3}, T0))
        TokenRepository(session).add(name="ops", role="planner", token_hash="h" * 64)
    with unit_of_work(engine) as session:
        assert AgentEventRepository(session).list("a001") == events
        (result,) = AdherenceRepository(session).list()
        assert result.adherence == pytest.approx(0.95)
        assert result.conformance == pytest.approx(1.0)
        claimed = JobRepository(session).claim_next("worker-1")
        assert claimed is not None and claimed.status is JobStatus.RUNNING
        assert JobRepository(session).claim_next("worker-2") is None
        token = TokenRepository(session).find_active("h" * 64)
        assert token is not None and token.role == "planner"
        TokenRepository(session).revoke(token.id)
    with unit_of_work(engine) as session:
        assert TokenRepository(session).find_active("h" * 64) is None
        assert JobRepository(session).get("j1").worker_id == "worker-1"
