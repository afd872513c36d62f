"""The intraday services on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from intraday_testkit import DAY, SITE, build_centre, t
from sqlalchemy import Engine, func, select

from wfm.db.models import AgentStateEventRow, PlanChangeRow
from wfm.db.repositories import AgentRepository, SiteRepository
from wfm.db.repositories.intraday import AgentStateFeedRepository, ReforecastRepository
from wfm.db.session import unit_of_work
from wfm.domain import Activity, TimeOff
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.domain.intraday import ActualActivity, QueueSnapshot, RawEvent, RejectReason
from wfm.services import intraday as svc


@pytest.fixture
def centre(engine: Engine) -> Engine:
    with unit_of_work(engine) as session:
        build_centre(session)
        svc.set_clock(session, site_code=SITE, now_utc=t("10:00"), speed=0)
    return engine


def raw(event_id: str, agent: str, at: datetime, state: str, reason: str | None = None):  # type: ignore[no-untyped-def]
    return RawEvent(event_id, agent, at, state, reason)


def test_the_clock(centre: Engine) -> None:
    with unit_of_work(centre) as session:
        assert svc.site_now(session, SITE) == t("10:00")
        real = datetime(2030, 1, 1, tzinfo=UTC)
        svc.set_clock(session, site_code=SITE, now_utc=t("11:00"), speed=60, real_now_utc=real)
        assert svc.site_now(session, SITE, real + timedelta(seconds=30)) == t("11:30")
        svc.set_clock(session, site_code=SITE, now_utc=None)
        assert abs(svc.site_now(session, SITE) - datetime.now(UTC)) < timedelta(seconds=5)
        with pytest.raises(ValidationError, match="speed"):
            svc.set_clock(session, site_code=SITE, now_utc=t("11:00"), speed=-1)


def test_event_batch_rejects_per_item_and_is_idempotent(centre: Engine) -> None:
    batch = [
        raw("e1", "S1", t("09:00", 20), "ready"),
        raw("e2", "S1", t("09:45"), "on_call"),
        raw("e3", "NOBODY", t("09:50"), "ready"),  # unknown agent
        raw("e4", "S2", t("10:30"), "ready"),  # 30 min ahead of the site clock
        raw("e5", "S2", t("09:01").replace(tzinfo=None), "ready"),  # no timezone
        raw("e6", "S2", t("09:02"), "snoozing"),  # unknown state
        raw("e7", "P1", t("09:00"), "outbound_dialling"),
        raw("e1", "S1", t("09:00", 20), "ready"),  # repeated in the batch
        raw("e7", "P1", t("09:00"), "break"),  # same id, other content
    ]
    with unit_of_work(centre) as session:
        result = svc.ingest_agent_events(session, events=batch)
    assert result.received == 9 and result.accepted == 3
    assert {r.index: r.reason for r in result.rejections} == {
        2: RejectReason.UNKNOWN_AGENT,
        3: RejectReason.CLOCK_SKEW,
        4: RejectReason.NAIVE_TIMESTAMP,
        5: RejectReason.UNKNOWN_STATE,
        7: RejectReason.DUPLICATE,
        8: RejectReason.CONFLICTING_DUPLICATE,
    }
    # Re-sending the batch stores nothing new.
    with unit_of_work(centre) as session:
        again = svc.ingest_agent_events(session, events=batch)
        assert again.accepted == 0
        assert again.duplicates == 4  # e1 twice, e2 and e7
        assert session.scalar(select(func.count()).select_from(AgentStateEventRow)) == 3
        states = AgentStateFeedRepository(session).current_states(SITE)
    assert states["S1"].activity is ActualActivity.SERVE and states["S1"].event_id == "e2"
    assert states["P1"].activity is ActualActivity.SELL


def test_late_events_within_the_reorder_window_are_kept_and_placed(centre: Engine) -> None:
    with unit_of_work(centre) as session:
        svc.ingest_agent_events(session, events=[raw("a", "S1", t("09:50"), "on_call")])
    with unit_of_work(centre) as session:
        result = svc.ingest_agent_events(
            session,
            events=[
                raw("b", "S1", t("09:47"), "not_ready"),  # 3 min late: kept
                raw("c", "S1", t("09:30"), "break"),  # 20 min late: rejected
            ],
        )
        assert result.accepted == 1
        assert result.rejections[0].reason is RejectReason.OUT_OF_ORDER
        # The current state stays the latest by time, not by arrival.
        assert AgentStateFeedRepository(session).current_states(SITE)["S1"].event_id == "a"
        events = AgentStateFeedRepository(session).events(SITE, t("09:00"), t("10:00"))
        assert [e.event_id for e in events["S1"]] == ["b", "a"]


def test_a_site_mapping_applies_to_its_events(centre: Engine) -> None:
    with unit_of_work(centre) as session:
        svc.update_settings(
            session, site_code=SITE, changes={"state_mapping": {"states": {"AUX 7": "sell"}}}
        )
        result = svc.ingest_agent_events(session, events=[raw("m", "P1", t("09:10"), "aux_7")])
        assert result.accepted == 1
        assert AgentStateFeedRepository(session).current_states(SITE)["P1"].activity is (
            ActualActivity.SELL
        )
        with pytest.raises(ValidationError, match="state_mapping"):
            svc.update_settings(
                session, site_code=SITE, changes={"state_mapping": {"states": {"x": "nap"}}}
            )
        with pytest.raises(ValidationError, match="unknown setting"):
            svc.update_settings(session, site_code=SITE, changes={"colour": "red"})


def snap(queue: str, at: datetime, answered: int, abandoned: int = 0, waiting: int = 0):  # type: ignore[no-untyped-def]
    return QueueSnapshot(queue, at, waiting, 0.0, 2, answered, abandoned)


def test_queue_snapshots(centre: Engine) -> None:
    batch = [
        snap("Q1", t("09:00"), 0),
        snap("Q1", t("09:15"), 28, 2),
        snap("NOPE", t("09:15"), 1),
        snap("Q1", t("10:30"), 99),  # ahead of the clock
        snap("Q1", t("09:15"), 28, 2),  # repeated
    ]
    with unit_of_work(centre) as session:
        result = svc.ingest_queue_snapshots(session, snapshots=batch)
        assert result.accepted == 2
        assert [(r.index, r.reason) for r in result.rejections] == [
            (2, "unknown_queue"),
            (3, "clock_skew"),
            (4, "duplicate"),
        ]
    with unit_of_work(centre) as session:
        again = svc.ingest_queue_snapshots(session, snapshots=batch[:2])
        assert again.accepted == 0 and {r.reason for r in again.rejections} == {"duplicate"}


def test_reforecast_from_snapshots(centre: Engine) -> None:
    # Snapshots say 20 contacts arrived by 09:00 and 140 by 10:00: per interval 0, 0, 0, 20 from
    # 08:00 and 0, 0, 0, 120 from 09:00, against 20 forecast in each.
    with unit_of_work(centre) as session:
        svc.ingest_queue_snapshots(
            session,
            snapshots=[
                snap("Q1", t("08:00"), 0),
                snap("Q1", t("09:00"), 20),
                snap("Q1", t("10:00"), 130, 8, 2),
            ],
        )
        day = svc.reforecast_day(session, site_code=SITE, store=True)
        r = day.queues["Q1"]
        assert r.actual_to_date == 140 and r.forecast_to_date == 160
        # Interval middles are 112.5, 97.5, ..., 7.5 min old; half-life 180 min; k = 100; no
        # day stored before today: the prior is centred on 1.
        weights = [0.5 ** ((112.5 - 15 * i) / 180) for i in range(8)]
        arrived = [0, 0, 0, 20, 0, 0, 0, 120]
        expected = (sum(w * a for w, a in zip(weights, arrived, strict=True)) + 100) / (
            20 * sum(weights) + 100
        )
        assert r.prior_ratio == 1.0
        assert r.applied_ratio == pytest.approx(expected)
        stored = ReforecastRepository(session).list(SITE, t("10:00"), t("10:15"))
        assert stored[0]["queue_code"] == "Q1"
        assert stored[0]["reforecast_offered"] == pytest.approx(20 * r.applied_ratio)


def test_the_live_reforecast_is_centred_on_the_stored_days_before_today(centre: Engine) -> None:
    # Three days before the test day ran 25 % over their forecast (the intraday job stored them:
    # 40 intervals of 20 forecast, 25 arrived); today before any snapshot the reforecast is the
    # forecast at that recent level. A row stored 15 days back (outside the 14 days) and one of
    # today are not counted, nor intervals with no actual.
    repo_rows = []
    for back in (1, 2, 3):
        start = t("08:00") - timedelta(days=back)
        repo_rows += [
            (start + timedelta(minutes=15 * i), 15, 20.0, 25.0, 25.0, 1.25) for i in range(40)
        ]
    repo_rows.append((t("19:00") - timedelta(days=1), 15, 20.0, None, 20.0, 1.0))
    repo_rows.append((t("09:00") - timedelta(days=15), 15, 100.0, 0.0, 0.0, 0.0))
    with unit_of_work(centre) as session:
        ReforecastRepository(session).replace("Q1", repo_rows, t("07:00"))
        ReforecastRepository(session).replace(
            "Q1", [(t("08:00"), 15, 20.0, 200.0, 200.0, 10.0)], t("08:15")
        )
        site = SiteRepository(session).get(SITE)
        recent = svc.recent_days(session, site, DAY, 14)
        assert recent["Q1"].actual_totals == (1000.0, 1000.0, 1000.0)
        assert recent["Q1"].forecast_totals == (800.0, 800.0, 800.0)
        day = svc.reforecast_day(session, site_code=SITE, at_utc=t("07:30"))
        r = day.queues["Q1"]
        assert r.prior_ratio == pytest.approx(1.25) and r.applied_ratio == pytest.approx(1.25)
        assert r.reforecast_offered[40] == pytest.approx(25.0)  # 10:00: 20 forecast x 1.25
        # With no day stored, Q2 stays centred on 1.
        assert day.queues["Q2"].prior_ratio == 1.0


def test_switch_rejects_per_agent(centre: Engine) -> None:
    with unit_of_work(centre) as session:
        result = svc.record_switch(
            session,
            site_code=SITE,
            to_activity=Activity.SERVE,
            items=[
                svc.SwitchItem("P1"),
                svc.SwitchItem("S1"),  # already serving
                svc.SwitchItem("X1", queue_code="Q1"),  # no Q1 skill
                svc.SwitchItem("GHOST"),
                svc.SwitchItem("P1"),  # named twice
                svc.SwitchItem("P2", queue_code="Q1"),
            ],
            reason="surge",
            created_by="floor",
        )
        assert [c.agent_code for c in result.accepted] == ["P1", "P2"]
        # No end given: until the end of the selling block, the 12:00 break.
        assert result.start_utc == t("10:00") and result.end_utc is None
        assert [c.end_utc for c in result.accepted] == [t("12:00"), t("12:00")]
        assert [(r.index, r.reason) for r in result.rejections] == [
            (1, "not_selling"),
            (2, "no_skill"),
            (3, "unknown_agent"),
            (4, "duplicate"),
        ]
        own_end = svc.record_switch(
            session,
            site_code=SITE,
            to_activity=Activity.SERVE,
            items=[
                svc.SwitchItem("P3", end_utc=t("10:45")),
                svc.SwitchItem("S2", end_utc=t("09:00")),
            ],
        )
        assert [(c.agent_code, c.end_utc) for c in own_end.accepted] == [("P3", t("10:45"))]
        assert own_end.rejections[0].reason == "not_selling"
        late = svc.record_switch(
            session,
            site_code=SITE,
            to_activity=Activity.SERVE,
            items=[svc.SwitchItem("P3")],
            start_utc=t("17:30"),
            end_utc=t("18:00"),
        )
        assert late.accepted == () and late.rejections[0].reason == "not_on_shift"
        to_sell = svc.record_switch(
            session,
            site_code=SITE,
            to_activity=Activity.SELL,
            items=[svc.SwitchItem("S1"), svc.SwitchItem("S2", campaign_code="C_NONE")],
        )
        assert [c.campaign_code for c in to_sell.accepted] == ["C_HIGH"]  # best open campaign
        assert to_sell.rejections[0].reason == "no_skill"
        backwards = svc.record_switch(
            session,
            site_code=SITE,
            to_activity=Activity.SELL,
            items=[svc.SwitchItem("S3", end_utc=t("09:00"))],
        )
        assert backwards.rejections[0].reason == "invalid_end"
        with pytest.raises(ValidationError, match="after"):
            svc.record_switch(
                session,
                site_code=SITE,
                to_activity=Activity.SERVE,
                items=[svc.SwitchItem("P3")],
                start_utc=t("11:00"),
                end_utc=t("10:00"),
            )
        assert session.scalar(select(func.count()).select_from(PlanChangeRow)) == 4


def _follow(session, agent: str, script: list[tuple[datetime, str]]) -> None:  # type: ignore[no-untyped-def]
    svc.ingest_agent_events(
        session,
        events=[raw(f"{agent}-{i}", agent, at, state) for i, (at, state) in enumerate(script)],
        real_now_utc=t("10:00"),
    )


def test_adherence_with_a_switch_and_an_absence(centre: Engine) -> None:
    with unit_of_work(centre) as session:
        # P1 is switched to serve 10:00-11:00 and does so (30 s late, inside the tolerance).
        svc.set_clock(session, site_code=SITE, now_utc=t("10:00"), speed=0)
        svc.record_switch(
            session,
            site_code=SITE,
            to_activity=Activity.SERVE,
            items=[svc.SwitchItem("P1")],
            end_utc=t("11:00"),
        )
        svc.set_clock(session, site_code=SITE, now_utc=t("17:30"), speed=0)
        script = [
            (t("09:00"), "outbound_dialling"),
            (t("10:00", 30), "ready"),
            (t("11:00"), "outbound_call"),
            (t("12:00"), "break"),
            (t("12:15"), "outbound_dialling"),
            (t("17:00"), "logged_out"),
        ]
        svc.ingest_agent_events(
            session,
            events=[raw(f"p1-{i}", "P1", at, s) for i, (at, s) in enumerate(script)],
        )
        # S1 has an approved absence 13:00-15:00 and logs out for it.
        AgentRepository(session).add_time_off(
            [TimeOff("S1", t("13:00"), t("15:00"), "doctor", approved=True)]
        )
        script = [
            (t("09:00"), "ready"),
            (t("12:00"), "break"),
            (t("12:15"), "ready"),
            (t("13:00"), "logged_out"),
            (t("15:00"), "ready"),
            (t("16:50"), "logged_out"),  # 10 min early: 9 min out (the last one is tolerated)
        ]
        svc.ingest_agent_events(
            session,
            events=[raw(f"s1-{i}", "S1", at, s) for i, (at, s) in enumerate(script)],
        )
        report = {s.agent_code: s for s in svc.adherence_report(session, site_code=SITE, day=DAY)}
        assert report["P1"].scheduled_minutes == 480
        assert report["P1"].adherent_minutes == 480
        assert report["P1"].worked_minutes == 465 and report["P1"].scheduled_work_minutes == 465
        assert report["S1"].scheduled_minutes == 360
        assert report["S1"].adherent_minutes == 351
        assert report["S1"].scheduled_work_minutes == 345
        assert report["S1"].worked_minutes == 335
        # An agent with a shift who never logs in: adherent only in the tolerance minutes at the
        # shift's start and end (logged out is what "not scheduled" asks for), never worked.
        assert report["S2"].adherent_minutes == 2 and report["S2"].worked_minutes == 0

        intervals = svc.adherence_report(
            session, site_code=SITE, day=DAY, period="interval", agent_code="S1"
        )
        last = [p for p in intervals if p.period_start_utc == t("16:45")][0]
        assert last.adherent_minutes == 6 and last.scheduled_minutes == 15
        week = svc.adherence_report(
            session, site_code=SITE, day=DAY, period="week", agent_code="S1"
        )
        assert len(week) == 1 and week[0].adherent_minutes == 351
        assert week[0].period_minutes == 7 * 24 * 60
        minutes = svc.adherence_minutes(session, site_code=SITE, agent_code="S1", day=DAY)
        assert minutes.minutes == 1440 and minutes.adherent_seconds.sum() == 351 * 60
        with pytest.raises(NotFoundError):
            svc.adherence_report(session, site_code=SITE, day=DAY, agent_code="GHOST")
        with pytest.raises(ValidationError, match="period"):
            svc.adherence_report(session, site_code=SITE, day=DAY, period="month")


def test_live_adherence(centre: Engine) -> None:
    with unit_of_work(centre) as session:
        svc.set_clock(session, site_code=SITE, now_utc=t("12:05"), speed=0)
        svc.ingest_agent_events(
            session,
            events=[
                raw("1", "S1", t("09:00"), "ready"),
                raw("2", "S1", t("12:00"), "break"),
                raw("3", "S2", t("09:00"), "ready"),  # skips the break
                raw("4", "P1", t("09:00"), "outbound_dialling"),
                raw("5", "P1", t("11:58"), "logged_out"),
            ],
        )
        live = svc.live_adherence(session, site_code=SITE)
        assert live.as_of_utc == t("12:05")
        assert live.scheduled_now == 7
        by_code = {s.agent_code: s for s in live.agents}
        assert by_code["S1"].in_adherence
        assert not by_code["S2"].in_adherence and by_code["S2"].out_since_utc == t("12:01")
        assert by_code["P1"].out_since_utc == t("11:58")  # logged out 2 min before the break
        assert by_code["P1"].out_for_seconds == 7 * 60
        # Longest out first: those who never logged in (since 09:01), P2 first by code.
        assert live.agents[0].agent_code == "P2" and live.agents[0].out_since_utc == t("09:01")
        only = svc.live_adherence(session, site_code=SITE, only_out=True)
        # S3, P2, P3, X1 sent nothing: logged out, so out of adherence since 09:01.
        assert {s.agent_code for s in only.agents} == {"S2", "P1", "S3", "P2", "P3", "X1"}
        assert only.out_of_adherence == 6


def test_recommendation_and_switch_round_trip(centre: Engine) -> None:
    # 20 contacts per 15 min need 9 servers (Erlang A, 80 % in 20 s); three serve, and only the
    # three P sellers have the Q1 skill (X1 does not).
    with unit_of_work(centre) as session:
        rec = svc.recommendation(session, site_code=SITE)
        assert rec.as_of_utc == t("10:00")
        assert rec.message == "switch 3 sellers to serve"
        assert [m.agent_code for m in rec.moves] == ["P1", "P2", "P3"]
        assert rec.on_shift_now == 7 and rec.servers_now == 3 and rec.sellers_now == 4
        assert rec.outlook[0].servers_needed == 9
        assert rec.answer_rate_with > rec.answer_rate_without  # type: ignore[operator]
        svc.record_switch(
            session,
            site_code=SITE,
            to_activity=Activity.SERVE,
            items=[svc.SwitchItem(m.agent_code, m.queue_code) for m in rec.moves],
            end_utc=rec.until_utc,
        )
    with unit_of_work(centre) as session:
        svc.set_clock(session, site_code=SITE, now_utc=t("10:02"), speed=0)
        after = svc.recommendation(session, site_code=SITE)
        assert after.direction.value == "none"
        assert after.servers_now == 6


def test_auto_mode_within_limits(centre: Engine) -> None:
    with unit_of_work(centre) as session:
        off = svc.run_auto_mode(session, site_code=SITE)
        assert off.applied == () and off.recommendation.count == 3
        svc.update_settings(
            session,
            site_code=SITE,
            changes={"auto_enabled": True, "auto_max_agents_per_move": 2},
        )
        on = svc.run_auto_mode(session, site_code=SITE)
        assert [m.agent_code for m in on.applied] == ["P1", "P2"]
        rows = session.execute(select(PlanChangeRow.source, PlanChangeRow.created_by)).all()
        assert sorted(rows) == [("auto", "auto"), ("auto", "auto")]
    # A snapshot five minutes later runs the auto mode again: P3 follows.
    with unit_of_work(centre) as session:
        svc.set_clock(session, site_code=SITE, now_utc=t("10:05"), speed=0)
        result = svc.ingest_queue_snapshots(session, snapshots=[snap("Q1", t("10:05"), 40)])
        assert [m.agent_code for m in result.auto_applied] == ["P3"]
        # ... but not again a minute later.
        svc.set_clock(session, site_code=SITE, now_utc=t("10:06"), speed=0)
        quiet = svc.ingest_queue_snapshots(session, snapshots=[snap("Q1", t("10:06"), 41)])
        assert quiet.auto_applied == ()


def test_the_intraday_cycle_stores_the_reforecast(centre: Engine) -> None:
    with unit_of_work(centre) as session:
        summary = svc.intraday_cycle(session)
        assert summary[SITE]["reforecast_at"] == t("10:00").isoformat()
        assert ReforecastRepository(session).list(SITE, t("00:00"), t("23:59"))


def test_the_day_forecast_carries_manual_adjustments(centre: Engine) -> None:
    from wfm.domain import AdjustmentOperation, ForecastAdjustment
    from wfm.services.forecasting import add_adjustment

    with unit_of_work(centre) as session:
        add_adjustment(
            session,
            ForecastAdjustment(
                "Q1", t("10:00"), t("11:00"), "offered", AdjustmentOperation.SCALE, 1.5
            ),
        )
        forecast = svc.day_forecast(session, SITE, DAY)
        starts = list(forecast.interval_starts_utc)
        assert forecast.offered["Q1"][starts.index(t("09:45"))] == 20
        assert forecast.offered["Q1"][starts.index(t("10:00"))] == 30
        rec = svc.recommendation(session, site_code=SITE)
        assert rec.outlook[0].offered == pytest.approx(30)


def test_a_newly_published_roster_is_seen_at_once(centre: Engine) -> None:
    from wfm.db.repositories import ScheduleRepository
    from wfm.domain import ActivitySpan, Schedule, ScheduleStatus, Shift

    with unit_of_work(centre) as session:
        before = svc.day_plan(session, site_code=SITE, day=DAY).plans["S1"]
        assert [s.activity for s in before] == [Activity.SERVE, Activity.BREAK, Activity.SERVE]
        repo = ScheduleRepository(session)
        old = repo.get(repo.list(SITE)[0].id)  # type: ignore[arg-type]
        shifts = tuple(
            Shift(
                s.agent_code,
                s.shift_date,
                s.start_utc,
                s.end_utc,
                s.breaks,
                (ActivitySpan(s.start_utc, s.end_utc, Activity.SELL, None, "C_HIGH"),),
            )
            if s.agent_code == "S1"
            else s
            for s in old.shifts
        )
        new_id = repo.add(Schedule(SITE, DAY, 2, ScheduleStatus.DRAFT, t("06:00"), shifts))
        repo.publish(new_id, t("07:00"))
    with unit_of_work(centre) as session:
        after = svc.day_plan(session, site_code=SITE, day=DAY).plans["S1"]
        assert [s.activity for s in after] == [Activity.SELL, Activity.BREAK, Activity.SELL]


def test_a_new_skill_is_seen_at_once(centre: Engine) -> None:
    from wfm.db.models import AgentQueueSkillRow, AgentRow, QueueRow

    def switch_x1(session):  # type: ignore[no-untyped-def]
        return svc.record_switch(
            session,
            site_code=SITE,
            to_activity=Activity.SERVE,
            items=[svc.SwitchItem("X1", queue_code="Q1")],
        )

    with unit_of_work(centre) as session:
        assert switch_x1(session).rejections[0].reason == "no_skill"
    with unit_of_work(centre) as session:
        agent_id = session.scalar(select(AgentRow.id).where(AgentRow.code == "X1"))
        queue_id = session.scalar(select(QueueRow.id).where(QueueRow.code == "Q1"))
        session.add(AgentQueueSkillRow(agent_id=agent_id, queue_id=queue_id))
    with unit_of_work(centre) as session:
        assert [c.agent_code for c in switch_x1(session).accepted] == ["X1"]
