"""The roster problem built from the database: valid, faithful to the stored forecast."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from scheduling.checks import check_problem
from scheduling.evaluate import evaluate
from scheduling.problem_json import problem_from_json, problem_to_json, schema_errors
from scheduling.roster import ActivitySpan as RosterActivity
from scheduling.roster import BreakSpan, Roster, RosterShift
from wfm.db.models import AgentRow
from wfm.db.repositories import AgentRepository, ScheduleRepository
from wfm.db.session import unit_of_work
from wfm.domain import Schedule, ScheduleStatus, TimeOff
from wfm.domain.errors import ValidationError
from wfm.services.centre import CentreData, load_centre
from wfm.services.forecasting import adjusted_values, run_forecast
from wfm.services.scheduling import (
    build_problem,
    build_schedule,
    contract_code,
    first_forecast_week,
)
from wfm.tools.demo import generate_demo_centre


@pytest.fixture
def forecast_site(engine: Engine) -> tuple[str, object]:
    demo = generate_demo_centre(weeks=5, agents=25, seed=11)
    centre = CentreData.of_demo(demo)
    with unit_of_work(engine) as session:
        load_centre(session, centre)
        run = run_forecast(session, site_code=demo.sites[0].code, weeks=2)
    return demo.sites[0].code, run


def test_problem_from_the_database_is_valid_and_matches_the_forecast(
    engine: Engine, forecast_site: tuple[str, object]
) -> None:
    site, run = forecast_site
    zone = ZoneInfo("Europe/Dublin")
    first_day = run.horizon_start_utc.astimezone(zone).date()  # type: ignore[attr-defined]
    week_start = first_day + timedelta(days=(7 - first_day.weekday()) % 7)
    with unit_of_work(engine) as session:
        problem, run_id = build_problem(session, site_code=site, week_start=week_start)
        start = problem.start_utc
        values = adjusted_values(session, run_id, start_utc=start, end_utc=problem.end_utc)
    assert run_id == run.id  # type: ignore[attr-defined]
    assert check_problem(problem) == []
    document = problem_to_json(problem)
    assert schema_errors(document) == []
    assert problem_to_json(problem_from_json(document)) == document
    assert len(problem.agents) == 25
    for queue in problem.queues:
        assert queue.contacts is not None and len(queue.contacts) == problem.interval_count
        expected = sum(v.offered for v in values if v.queue_code == queue.code)
        assert sum(queue.contacts) == pytest.approx(expected)
    for agent in problem.agents:
        assert agent.queue_skills or agent.campaign_skills
    assert contract_code("Full-time 37.5 h") == "Full-time-37.5-h"


def test_a_week_outside_the_forecast_is_refused(
    engine: Engine, forecast_site: tuple[str, object]
) -> None:
    site, run = forecast_site
    late = run.horizon_end_utc.date() + timedelta(days=14)  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="not inside forecast"), unit_of_work(engine) as s:
        build_problem(s, site_code=site, week_start=late)


def _roster_of(schedule: Schedule) -> Roster:
    """The stored schedule back in the optimizer's terms, for the independent evaluation."""
    return Roster(
        shifts=tuple(
            RosterShift(
                agent_code=s.agent_code,
                shift_date=s.shift_date,
                start_utc=s.start_utc,
                end_utc=s.end_utc,
                breaks=tuple(BreakSpan(b.start_utc, b.end_utc, b.kind) for b in s.breaks),
                activities=tuple(
                    RosterActivity(
                        a.start_utc,
                        a.end_utc,
                        a.activity.value
                        + (f":{a.queue_code}" if a.queue_code else "")
                        + (f":{a.campaign_code}" if a.campaign_code else ""),
                    )
                    for a in s.activities
                ),
            )
            for s in schedule.shifts
        )
    )


def test_build_schedule_stores_a_draft_the_evaluation_accepts(
    engine: Engine, forecast_site: tuple[str, object]
) -> None:
    site, _ = forecast_site
    messages: list[tuple[float, str]] = []
    with unit_of_work(engine) as session:
        week = first_forecast_week(session, site)
        assert week.weekday() == 0
        built = build_schedule(
            session,
            site_code=site,
            week_start=week,
            time_limit_seconds=6,
            progress=lambda f, m: messages.append((f, m)),
        )
        problem, _ = build_problem(session, site_code=site, week_start=week)
    assert built.status is ScheduleStatus.DRAFT and built.version == 1
    assert built.shifts, "a week with demand and agents gets shifts"
    fractions = [f for f, _ in messages]
    assert fractions == sorted(fractions) and fractions[-1] >= 0.95
    with unit_of_work(engine) as session:
        stored = ScheduleRepository(session).get(built.id)  # type: ignore[arg-type]
    evaluation = evaluate(problem, _roster_of(stored))
    assert evaluation.hard_violations == stored.summary["hard_violations"] == 0
    assert evaluation.objective == pytest.approx(stored.summary["objective"], abs=0.01)
    assert json.loads(json.dumps(stored.summary)) == stored.summary  # JSON-safe
    with unit_of_work(engine) as session:
        again = build_schedule(session, site_code=site, week_start=week, time_limit_seconds=3)
    assert again.version == 2


def test_a_contradictory_problem_stores_nothing(
    engine: Engine, forecast_site: tuple[str, object]
) -> None:
    site, _ = forecast_site
    with unit_of_work(engine) as session:
        agent = AgentRepository(session).list(site)[0]
        week = first_forecast_week(session, site)
    with unit_of_work(engine) as session:
        row = session.scalars(select(AgentRow).where(AgentRow.code == agent.code)).one()
        row.queue_skills.clear()
        row.campaign_skills.clear()
    with pytest.raises(ValidationError, match=agent.code), unit_of_work(engine) as session:
        build_schedule(session, site_code=site, week_start=week, time_limit_seconds=3)
    with unit_of_work(engine) as session:
        assert ScheduleRepository(session).list(site) == []


def test_whole_days_of_approved_leave_credit_the_contract(
    engine: Engine, forecast_site: tuple[str, object]
) -> None:
    site, _ = forecast_site
    zone = ZoneInfo("Europe/Dublin")
    with unit_of_work(engine) as session:
        week = first_forecast_week(session, site)
        agents = AgentRepository(session).list(site)
        week_end = datetime.combine(week + timedelta(days=7), time(0), zone)
        booked = {t.agent_code for t in AgentRepository(session).time_off(
            datetime.combine(week, time(0), zone).astimezone(UTC), week_end.astimezone(UTC)
        )}  # fmt: skip
        agent = next(a for a in agents if a.code not in booked)
        tuesday = datetime.combine(week + timedelta(days=1), time(0), zone)
        AgentRepository(session).add_time_off(
            [
                # Tuesday and Wednesday whole, then the Thursday morning only
                TimeOff(agent.code, tuesday, tuesday + timedelta(days=2, hours=4), "leave"),
                TimeOff(agent.code, tuesday + timedelta(days=4), tuesday + timedelta(days=5),
                        "leave", approved=False),
            ]
        )  # fmt: skip
        problem, _ = build_problem(session, site_code=site, week_start=week)
    spec = next(a for a in problem.agents if a.code == agent.code)
    per_day = agent.contract.weekly_hours_max / agent.contract.days_per_week_max
    credited = [t for t in spec.time_off if t.start_utc >= tuesday.astimezone(UTC)]
    assert len(credited) == 1  # the unapproved request is not in the problem
    assert credited[0].paid_hours == pytest.approx(2 * per_day, abs=0.01)
