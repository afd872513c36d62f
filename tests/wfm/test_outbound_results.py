"""What was sold, on a small demo centre with a published week whose first two days are played:
the played days store dialer attempts for the agents' selling spans (back to back, inside the
spans), and `outbound_results` equals independent sums over the stored attempts, the published
shifts and the interval history; the CLI prints the same object."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from wfm.db import migrate
from wfm.db.repositories import (
    DialerAttemptRepository,
    HistoryRepository,
    QueueRepository,
    ScheduleRepository,
    SiteRepository,
)
from wfm.db.session import make_engine, unit_of_work
from wfm.domain import Activity, ActivitySpan, Schedule, ScheduleStatus, Shift, ShiftBreak
from wfm.domain.dialer import CONTACT_RESULTS, AttemptResult, DialerAttempt
from wfm.domain.kpi import outbound_value
from wfm.domain.queue_model import QueueModel
from wfm.services.centre import CentreData, load_centre
from wfm.services.demo_week import PlayedDay, play_day
from wfm.services.forecasting import run_forecast
from wfm.services.outbound_results import outbound_results, results_fields
from wfm.services.schedule_evaluation import evaluate_roster
from wfm.services.schedule_views import schedule_problem
from wfm.services.scheduling import roster_from_shifts
from wfm.tools.demo import generate_demo_centre
from wfm.tools.demo.outbound import DIAL_SECONDS_PER_ATTEMPT

MONDAY = date(2026, 11, 9)
TUESDAY = MONDAY + timedelta(days=1)
ZONE = ZoneInfo("Europe/Dublin")
SITE = "DUB"


@dataclass
class Played:
    url: str
    engine: Engine
    shifts: tuple[Shift, ...]
    days: list[PlayedDay]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def _roster(centre: CentreData) -> tuple[Shift, ...]:
    """10:00-18:00 local, Monday to Friday, lunch 13:00-13:30: agents with a campaign skill
    sell it in the morning and serve after lunch; the others serve all day."""
    shifts = []
    for agent in centre.agents:
        for offset in range(5):
            day = MONDAY + timedelta(days=offset)
            serve = {"activity": Activity.SERVE, "queue_code": agent.queue_skills[0]}
            morning = (
                {"activity": Activity.SELL, "campaign_code": agent.campaign_skills[0]}
                if agent.campaign_skills
                else serve
            )
            shifts.append(
                Shift(
                    agent_code=agent.code,
                    shift_date=day,
                    start_utc=_at(day, 10),
                    end_utc=_at(day, 18),
                    breaks=(ShiftBreak(_at(day, 13), _at(day, 13, 30), "lunch"),),
                    activities=(
                        ActivitySpan(_at(day, 10), _at(day, 13), **morning),  # type: ignore[arg-type]
                        ActivitySpan(_at(day, 13), _at(day, 13, 30), Activity.LUNCH),
                        ActivitySpan(_at(day, 13, 30), _at(day, 18), **serve),  # type: ignore[arg-type]
                    ),
                )
            )
    return tuple(shifts)


def _published_week(url: str) -> tuple[Engine, tuple[Shift, ...]]:
    """A 24-agent demo centre (seed 1) whose history ends the Sunday before MONDAY, a forecast,
    and `_roster` published for MONDAY's week."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    demo = generate_demo_centre(weeks=6, agents=24, seed=1, end_date=MONDAY - timedelta(days=1))
    centre = CentreData.of_demo(demo)
    with unit_of_work(engine) as session:
        load_centre(session, centre)
    with unit_of_work(engine) as session:
        run = run_forecast(session, site_code=SITE, weeks=2)
    shifts = _roster(centre)
    with unit_of_work(engine) as session:
        repo = ScheduleRepository(session)
        schedule_id = repo.add(
            Schedule(
                site_code=SITE,
                week_start=MONDAY,
                version=repo.next_version(SITE, MONDAY),
                status=ScheduleStatus.DRAFT,
                created_at_utc=datetime(2026, 11, 6, tzinfo=UTC),
                shifts=shifts,
                summary={},
                forecast_run_id=run.id,
            )
        )
        repo.publish(schedule_id, datetime(2026, 11, 6, tzinfo=UTC))
    return engine, shifts


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    url = f"sqlite:///{tmp_path_factory.mktemp('sold') / 'demo.db'}"
    engine, shifts = _published_week(url)
    days = []
    for day in (MONDAY, TUESDAY):
        with unit_of_work(engine) as session:
            days.append(play_day(session, site_code=SITE, day=day, seed=1))
    yield Played(url, engine, shifts, days)
    engine.dispose()


def _attempts(engine: Engine, start_utc: datetime, end_utc: datetime) -> list[DialerAttempt]:
    with unit_of_work(engine) as session:
        return DialerAttemptRepository(session).list(start_utc=start_utc, end_utc=end_utc)


def _sell_spans(shifts: tuple[Shift, ...], day: date) -> dict[str, ActivitySpan]:
    return {
        s.agent_code: span
        for s in shifts
        if s.shift_date == day
        for span in s.activities
        if span.activity is Activity.SELL
    }


def test_played_days_sell_their_selling_spans(played: Played) -> None:
    for day, result in zip((MONDAY, TUESDAY), played.days, strict=True):
        stored = _attempts(played.engine, _at(day, 0), _at(day + timedelta(days=1), 0))
        assert result.attempts == len(stored) > 100
        spans = _sell_spans(played.shifts, day)
        by_agent: dict[str, list[DialerAttempt]] = defaultdict(list)
        for a in stored:
            by_agent[a.agent_code].append(a)
        # absent agents (drawn at the unplanned shrinkage) sell nothing; the others sell their
        # whole span: the day's selling hours are those of the agents with attempts
        assert set(by_agent) <= set(spans)
        assert len(by_agent) >= len(spans) - result.absent_agents
        assert result.sell_hours == pytest.approx(
            sum((spans[c].end_utc - spans[c].start_utc).total_seconds() for c in by_agent) / 3600
        )
        for code, attempts in by_agent.items():
            span = spans[code]
            attempts.sort(key=lambda a: a.attempted_at_utc)
            assert {a.campaign_code for a in attempts} == {span.campaign_code}
            assert attempts[0].attempted_at_utc == span.start_utc
            # back to back: dialling, talk and wrap, then the next attempt
            for before, after in zip(attempts, attempts[1:], strict=False):
                took = DIAL_SECONDS_PER_ATTEMPT + before.talk_seconds + before.wrap_seconds
                assert after.attempted_at_utc == before.attempted_at_utc + timedelta(seconds=took)
            last = attempts[-1]
            assert last.attempted_at_utc < span.end_utc
            took = DIAL_SECONDS_PER_ATTEMPT + last.talk_seconds + last.wrap_seconds
            assert last.attempted_at_utc + timedelta(seconds=took) >= span.end_utc
        assert any(a.result is AttemptResult.SALE for a in stored)


def _sum(attempts: list[DialerAttempt]) -> tuple[int, int, int, float]:
    return (
        len(attempts),
        sum(a.result in CONTACT_RESULTS for a in attempts),
        sum(a.result is AttemptResult.SALE for a in attempts),
        pytest.approx(sum(a.revenue or 0.0 for a in attempts if a.result is AttemptResult.SALE)),
    )


def _figures(f: object) -> tuple[int, int, int, float]:
    return f.attempts, f.contacts, f.sales, f.revenue  # type: ignore[attr-defined]


def test_results_equal_independent_sums(played: Played) -> None:
    start_utc, end_utc = _at(MONDAY, 0), _at(TUESDAY + timedelta(days=1), 0)
    stored = _attempts(played.engine, start_utc, end_utc)
    with unit_of_work(played.engine) as session:
        found = outbound_results(
            session, site_code=SITE, start=MONDAY, end=TUESDAY, now_utc=end_utc
        )
        schedule = ScheduleRepository(session).list(SITE, MONDAY)[0]
        assert schedule.id is not None
        problem = schedule_problem(session, ScheduleRepository(session).get(schedule.id)).problem
        site = SiteRepository(session).get(SITE)
        queues = {q.code: q for q in QueueRepository(session).list(SITE)}
        history = HistoryRepository(session).records(None, start_utc, end_utc)
    assert found.end_utc == end_utc and found.schedule_ids == (schedule.id,)
    # realised: the stored attempts, summed here
    assert _figures(found.total) == _sum(stored)
    for code, figures in found.campaigns.items():
        assert _figures(figures) == _sum([a for a in stored if a.campaign_code == code])
    for (c, s), figures in found.campaign_segments.items():
        mine = [a for a in stored if (a.campaign_code, a.segment_code) == (c, s)]
        assert _figures(figures) == _sum(mine) and figures.planned_revenue is None
    assert set(found.campaign_segments) == {(a.campaign_code, a.segment_code) for a in stored}
    for hour, figures in enumerate(found.hours):
        mine = [a for a in stored if a.attempted_at_utc.astimezone(ZONE).hour == hour]
        assert _figures(figures) == _sum(mine)
    # plan: the published selling spans in the window at the roster's values (kpi.outbound_value)
    specs = {c.code: c for c in problem.campaigns}
    spans = [
        (span.campaign_code, span.start_utc, span.end_utc)
        for s in played.shifts
        if s.shift_date in (MONDAY, TUESDAY)
        for span in s.activities
        if span.activity is Activity.SELL
    ]
    assert spans
    total_plan = 0.0
    for code, spec in specs.items():
        mine = [(b, e) for c, b, e in spans if c == code]
        value = outbound_value(
            mine, spec.value_per_productive_hour_by_hour, spec.efficiency, ZONE.key
        ).value
        assert found.campaigns[code].planned_revenue == pytest.approx(value)
        total_plan += value
    assert found.total.planned_revenue == pytest.approx(total_plan)
    assert found.total.revenue_in_plan == pytest.approx(found.total.revenue)
    assert found.total.revenue_vs_plan == pytest.approx(found.total.revenue - total_plan)
    for hour in (10, 11, 12):  # the selling hours: each hour of every span
        value = sum(
            specs[c].value_per_productive_hour_by_hour[hour] * specs[c].efficiency
            for c, _, _ in spans
        )
        assert found.hours[hour].planned_revenue == pytest.approx(value)
    assert sum(f.planned_revenue or 0.0 for f in found.hours) == pytest.approx(total_plan)
    # value per paid hour
    paid = found.per_paid_hour
    shifts_in_window = [s for s in played.shifts if s.shift_date in (MONDAY, TUESDAY)]
    assert paid.paid_hours == pytest.approx(
        len(shifts_in_window) * problem.shift_rules.paid_minutes(480) / 60.0
    )
    assert paid.selling_hours == pytest.approx(3.0 * len(spans))
    assert paid.serving_hours == pytest.approx(
        sum(
            (span.end_utc - span.start_utc).total_seconds() / 3600.0
            for s in shifts_in_window
            for span in s.activities
            if span.activity is Activity.SERVE
        )
    )
    assert paid.revenue == pytest.approx(found.total.revenue)
    answered = sum(r.answered for r in history)
    worth = sum(
        r.answered
        * QueueModel.of_queue(
            queues[r.queue_code], site, r.interval_minutes
        ).value_per_answered_contact
        for r in history
    )
    assert (paid.answered_contacts, paid.answered_value) == (answered, pytest.approx(worth))
    assert paid.value_per_paid_hour == pytest.approx((paid.revenue + worth) / paid.paid_hours)
    assert paid.revenue_per_selling_hour == pytest.approx(paid.revenue / paid.selling_hours)


def test_the_whole_week_plans_the_schedules_outbound_value(played: Played) -> None:
    with unit_of_work(played.engine) as session:
        week = outbound_results(
            session,
            site_code=SITE,
            start=MONDAY,
            end=MONDAY + timedelta(days=6),
            now_utc=_at(MONDAY + timedelta(days=8), 0),
        )
        schedule = ScheduleRepository(session).list(SITE, MONDAY)[0]
        assert schedule.id is not None
        full = ScheduleRepository(session).get(schedule.id)
        plan = schedule_problem(session, full)
        evaluation = evaluate_roster(plan.problem, roster_from_shifts(full.shifts))
        # cut at the site's now: hours to come have no plan
        early = outbound_results(
            session, site_code=SITE, start=MONDAY, end=TUESDAY, now_utc=_at(MONDAY, 11)
        )
    assert week.total.planned_revenue == pytest.approx(evaluation.outbound_value)
    for code, c in evaluation.campaigns.items():
        assert week.campaigns[code].planned_revenue == pytest.approx(c.value)
    assert early.end_utc == _at(MONDAY, 11)
    assert early.total.attempts == len(_attempts(played.engine, _at(MONDAY, 0), _at(MONDAY, 11)))
    assert early.hours[10].planned_revenue and not early.hours[11].planned_revenue


def test_days_without_a_roster_count_nothing_against_the_plan(played: Played) -> None:
    """A window from the history's last week (attempts, no roster) to Tuesday: the plan is that
    of Monday and Tuesday, and so is the revenue it is compared with."""
    end_utc = _at(TUESDAY + timedelta(days=1), 0)
    with unit_of_work(played.engine) as session:
        both = outbound_results(
            session, site_code=SITE, start=MONDAY - timedelta(days=7), end=TUESDAY, now_utc=end_utc
        )
        played_only = outbound_results(
            session, site_code=SITE, start=MONDAY, end=TUESDAY, now_utc=end_utc
        )
    before = _attempts(played.engine, _at(MONDAY - timedelta(days=7), 0), _at(MONDAY, 0))
    assert before, "the demo's history has attempts"
    assert _figures(both.total) == _sum(before + _attempts(played.engine, _at(MONDAY, 0), end_utc))
    assert both.total.planned_revenue == pytest.approx(played_only.total.planned_revenue)
    assert both.total.revenue_in_plan == pytest.approx(played_only.total.revenue)
    assert both.total.revenue_vs_plan == pytest.approx(played_only.total.revenue_vs_plan)
    assert both.per_paid_hour == played_only.per_paid_hour


def test_the_cli_prints_the_service_figures(played: Played) -> None:
    env = dict(os.environ)
    args = ["--start", MONDAY.isoformat(), "--end", TUESDAY.isoformat(), "--database-url"]
    result = subprocess.run(
        [sys.executable, "-m", "wfm", "outbound", "results", *args, played.url, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    with unit_of_work(played.engine) as session:  # the site's clock: the end of Tuesday
        expected = results_fields(
            outbound_results(session, site_code=SITE, start=MONDAY, end=TUESDAY)
        )
    assert json.loads(result.stdout) == json.loads(json.dumps(expected))
    text = subprocess.run(
        [sys.executable, "-m", "wfm", "outbound", "results", *args, played.url],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert text.returncode == 0, text.stderr
    assert f"{expected['total']['attempts']} attempts" in text.stdout
    assert "per paid hour" in text.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "wfm", "outbound", "results", "--start", TUESDAY.isoformat()]
        + ["--end", MONDAY.isoformat(), "--database-url", played.url],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert bad.returncode == 2 and "end" in bad.stderr
    assert Path(played.url.removeprefix("sqlite:///")).exists()


def test_selling_leaves_the_inbound_day_as_it_was(
    played: Played, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same Monday played without the outbound draws: the same calls, history and events."""
    import wfm.services.demo_week as demo_week

    monkeypatch.setattr(demo_week, "_sell", lambda *args, **kwargs: (0, 0.0))
    engine, _ = _published_week(f"sqlite:///{tmp_path / 'inbound.db'}")
    try:
        with unit_of_work(engine) as session:
            alone = play_day(session, site_code=SITE, day=MONDAY, seed=1)
        start_utc, end_utc = _at(MONDAY, 0), _at(TUESDAY, 0)
        with unit_of_work(engine) as session:
            history = HistoryRepository(session).records(None, start_utc, end_utc)
        assert not _attempts(engine, start_utc, end_utc)
    finally:
        engine.dispose()
    with unit_of_work(played.engine) as session:
        selling = HistoryRepository(session).records(None, start_utc, end_utc)
    monday = played.days[0]
    assert (alone.offered, alone.answered, alone.events, alone.absent_agents) == (
        monday.offered,
        monday.answered,
        monday.events,
        monday.absent_agents,
    )
    assert history == selling and sum(r.offered for r in history) > 0
