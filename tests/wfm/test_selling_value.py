"""The roster's value of a selling hour learned from the demo centre's stored dialer attempts:
the demo stores them, the service recovers the generator's truth within its intervals (and falls
back to the typed values, saying why, when the attempts are too few), and the roster problem
built from the database carries the service's values and their source."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from scheduling.example import example_problem
from scheduling.problem_json import problem_from_json, problem_to_json
from scheduling.roster import Roster
from wfm.db import migrate
from wfm.db.repositories import DialerAttemptRepository
from wfm.db.repositories.dialer_attempts import AttemptColumns
from wfm.db.session import make_engine, unit_of_work
from wfm.domain.grid import week_bounds_utc
from wfm.domain.outbound import AttemptTable, estimate_outbound
from wfm.services import selling_value
from wfm.services.centre import CentreData, LoadSummary, load_centre
from wfm.services.schedule_evaluation import evaluate_roster
from wfm.services.scheduling import build_problem_without_forecast
from wfm.services.selling_value import selling_values
from wfm.tools.demo import DemoCentre, generate_demo_centre
from wfm.tools.demo.outbound import demo_centre_outbound, team_conversion, true_contact_rate

SEED = 5


@dataclass(frozen=True)
class Loaded:
    engine: Engine
    demo: DemoCentre
    summary: LoadSummary
    week_start: date  # the Monday after the history
    zone: ZoneInfo


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('selling') / 'demo.db'}")
    migrate.upgrade(engine)
    demo = generate_demo_centre(weeks=5, agents=60, seed=SEED)
    with unit_of_work(engine) as session:
        summary = load_centre(session, CentreData.of_demo(demo))
    zone = ZoneInfo(demo.sites[0].timezone)
    try:
        yield Loaded(engine, demo, summary, demo.history_end_local + timedelta(days=1), zone)
    finally:
        engine.dispose()


def test_the_demo_centre_stores_four_weeks_of_dialer_attempts(loaded: Loaded) -> None:
    attempts = loaded.demo.outbound_attempts
    assert len(attempts) > 10_000
    assert loaded.summary.outbound_attempts == len(attempts)
    with unit_of_work(loaded.engine) as session:
        repo = DialerAttemptRepository(session)
        assert repo.count() == len(attempts)
        assert repo.count("UPGRADE") > 0 and repo.count("NPS") > 0
    first = min(a["attempted_at"] for a in attempts).astimezone(loaded.zone).date()
    assert first == loaded.demo.history_end_local - timedelta(days=27)
    # no attempts asked for, none generated
    assert (
        generate_demo_centre(weeks=1, agents=12, seed=1, outbound_weeks=0).outbound_attempts == ()
    )


def test_learned_values_recover_the_generators_truth_within_their_intervals(
    loaded: Loaded,
) -> None:
    end_utc = week_bounds_utc(loaded.week_start, loaded.zone)[0]
    with unit_of_work(loaded.engine) as session:
        values = {
            v.campaign_code: v for v in selling_values(session, site_code="DUB", end_utc=end_utc)
        }
        records = DialerAttemptRepository(session).list(campaign_codes=["UPGRADE"])
    assert values["UPGRADE"].source == "estimated"
    assert values["NPS"].source == "estimated"
    assert values["UPGRADE"].reason == (f"from {len(records)} attempts in the 28 days before")
    truth, _ = demo_centre_outbound(
        loaded.demo.agents, first_day=date(2026, 1, 5), days=0, seed=SEED
    )
    pace = estimate_outbound(AttemptTable.from_records(records, "Europe/Dublin")).pace("UPGRADE")
    assert pace is not None
    per_contact = team_conversion(truth, "UPGRADE", "PLUS") * 30.0  # mean sale value 30
    week = values["UPGRADE"].by_hour_of_week
    calling = [d * 24 + h for d in range(5) for h in range(9, 21)]
    calling += [5 * 24 + h for h in range(10, 17)]
    inside = 0
    for hour in calling:
        v = week[hour]
        assert v.source == "estimated" and v.low is not None and v.high is not None
        true_value = pace.attempts_per_hour.estimate * true_contact_rate(truth, "PLUS", hour)
        inside += v.low <= true_value * per_contact <= v.high
    assert inside >= 0.9 * len(calling)  # 95 % intervals
    # the roster's value at a local hour: the mean over the weekdays the campaign calls then
    by_hour = values["UPGRADE"].value_per_productive_hour_by_hour
    mean_at_18 = sum(week[d * 24 + 18].value_per_productive_hour for d in range(5)) / 5
    assert by_hour[18] == pytest.approx(mean_at_18)
    assert by_hour[18] > 1.5 * by_hour[10]  # evenings reach people at home
    assert by_hour[3] == 0.0 and values["UPGRADE"].source_by_hour[3] == ""  # never called


def test_too_few_attempts_fall_back_to_the_typed_values_and_say_why(loaded: Loaded) -> None:
    monday = loaded.week_start - timedelta(days=28)  # the first day of the attempts
    end_utc = datetime.combine(monday + timedelta(days=1), time(0), loaded.zone).astimezone(UTC)
    typed = {c.code: c.value_per_productive_hour_by_hour for c in loaded.demo.campaigns}
    with unit_of_work(loaded.engine) as session:
        one_day = {
            v.campaign_code: v
            for v in selling_values(session, site_code="DUB", end_utc=end_utc, lookback_days=1)
        }
        before = selling_values(
            session, site_code="DUB", end_utc=end_utc - timedelta(days=60), lookback_days=7
        )
        asked = selling_values(session, site_code="DUB", end_utc=end_utc, learned=False)
    nps = one_day["NPS"]  # a day of NPS: under 1,000 attempts to each segment
    assert nps.source == "typed"
    assert "below the minimum of 1000 attempts and 20 sales" in nps.reason
    assert nps.value_per_productive_hour_by_hour == typed["NPS"]
    assert all(v.source == "typed" for v in nps.by_hour_of_week)
    assert one_day["UPGRADE"].source in ("estimated", "partly estimated")
    for v in before:
        assert v.source == "typed" and v.attempts == 0
        assert v.reason == "no attempts in the 7 days before"
        assert v.value_per_productive_hour_by_hour == typed[v.campaign_code]
    assert {v.source for v in asked} == {"typed"}
    assert {v.reason for v in asked} == {"typed values asked for"}


def test_the_roster_problem_from_the_database_uses_the_learned_values(loaded: Loaded) -> None:
    end_utc = week_bounds_utc(loaded.week_start, loaded.zone)[0]
    with unit_of_work(loaded.engine) as session:
        problem = build_problem_without_forecast(
            session, site_code="DUB", week_start=loaded.week_start
        )
        values = {
            v.campaign_code: v for v in selling_values(session, site_code="DUB", end_utc=end_utc)
        }
    typed = {c.code: c.value_per_productive_hour_by_hour for c in loaded.demo.campaigns}
    assert {c.code for c in problem.campaigns} == {"UPGRADE", "NPS"}
    for spec in problem.campaigns:
        learned = values[spec.code]
        assert spec.value_per_productive_hour_by_hour == learned.value_per_productive_hour_by_hour
        assert spec.value_per_productive_hour_by_hour != typed[spec.code]
        assert spec.value_source == f"estimated: {learned.reason}"
    # the source travels with the problem document and into the roster's evaluation
    example = example_problem()
    sourced = dataclasses.replace(
        example,
        campaigns=tuple(
            dataclasses.replace(c, value_source=f"typed: {c.code}") for c in example.campaigns
        ),
    )
    assert problem_from_json(problem_to_json(sourced)).campaigns == sourced.campaigns
    evaluation = evaluate_roster(problem, Roster(shifts=()))
    assert {code: c.value_source for code, c in evaluation.campaigns.items()} == {
        c.code: c.value_source for c in problem.campaigns
    }


def test_the_attempt_columns_are_the_stored_attempts_field_by_field(loaded: Loaded) -> None:
    """The column read the estimates use gives, position by position, the fields of the
    attempts the row read gives (same window, same order), and the same table of attempts."""
    first = min(a["attempted_at"] for a in loaded.demo.outbound_attempts)
    window = {"campaign_codes": ["UPGRADE"], "end_utc": first + timedelta(days=3)}
    with unit_of_work(loaded.engine) as session:
        repo = DialerAttemptRepository(session)
        rows = repo.list(**window)
        columns = repo.columns(**window)
        empty = repo.columns(campaign_codes=["NOPE"])
    assert len(rows) > 1_000
    assert columns["attempted_at"] == [r.attempted_at_utc for r in rows]
    assert columns["agents"] == [r.agent_code for r in rows]
    assert columns["segments"] == [r.segment_code for r in rows]
    assert columns["results"] == [str(r.result) for r in rows]
    assert columns["revenues"] == [r.revenue for r in rows]
    assert columns["talk_seconds"] == [r.talk_seconds for r in rows]
    assert set(columns["campaigns"]) == {"UPGRADE"}
    assert all(values == [] for values in empty.values()) and len(empty) == 8


def test_a_window_is_estimated_again_when_its_attempts_change(loaded: Loaded) -> None:
    """The process remembers a window's values while its attempts stay the same (a roster's
    evaluation asks for the same window on every reading); an attempt added to the window
    changes them at once. (Last in the module: it stores attempts.)"""
    end_utc = week_bounds_utc(loaded.week_start, loaded.zone)[0]
    with unit_of_work(loaded.engine) as session:
        first = selling_values(session, site_code="DUB", end_utc=end_utc)
        again = selling_values(session, site_code="DUB", end_utc=end_utc)
    assert again is first  # remembered, not estimated again
    # a day of big UPGRADE sales, copied from stored attempts under new ids
    with unit_of_work(loaded.engine) as session:
        repo = DialerAttemptRepository(session)
        sales = [
            a
            for a in repo.list(campaign_codes=["UPGRADE"], end_utc=end_utc)
            if a.revenue is not None and a.revenue > 0
        ][-500:]
        refs = repo.references()
        campaign_id, site_id = refs.campaigns["UPGRADE"]
        stored = repo.store(
            AttemptColumns(
                site_ids=[site_id] * len(sales),
                attempt_ids=[f"{a.attempt_id}-again" for a in sales],
                attempted_at_utc=[a.attempted_at_utc for a in sales],
                agent_ids=[refs.agents[a.agent_code] for a in sales],
                campaign_ids=[campaign_id] * len(sales),
                segment_ids=[refs.segments[a.segment_code] for a in sales],
                lead_ids=[None] * len(sales),
                results=[str(a.result) for a in sales],
                revenues=[10 * (a.revenue or 0.0) for a in sales],
                talk_seconds=[a.talk_seconds for a in sales],
                wrap_seconds=[a.wrap_seconds for a in sales],
            )
        )
        assert stored.inserted == len(sales) > 100
    with unit_of_work(loaded.engine) as session:
        after = {
            v.campaign_code: v for v in selling_values(session, site_code="DUB", end_utc=end_utc)
        }
    before = {v.campaign_code: v for v in first}
    assert after["UPGRADE"].attempts == before["UPGRADE"].attempts + len(sales)
    assert max(after["UPGRADE"].value_per_productive_hour_by_hour) > max(
        before["UPGRADE"].value_per_productive_hour_by_hour
    )
    # what the process remembers is what a fresh estimate gives
    selling_value._REMEMBERED.clear()
    with unit_of_work(loaded.engine) as session:
        fresh = selling_values(session, site_code="DUB", end_utc=end_utc)
    assert {v.campaign_code: v for v in fresh} == after


def test_the_window_fingerprint_counts_and_follows_the_attempts(engine: Engine) -> None:
    """On SQLite and PostgreSQL: the fingerprint's count is the window's count, it stays while
    nothing is stored and changes when an attempt is."""
    demo = generate_demo_centre(weeks=1, agents=12, seed=2)
    with unit_of_work(engine) as session:
        load_centre(session, CentreData.of_demo(demo))
    instants = [a["attempted_at"] for a in demo.outbound_attempts]
    window = {
        "campaign_codes": ["UPGRADE", "NPS"],
        "start_utc": min(instants),
        "end_utc": max(instants) + timedelta(seconds=1),
    }
    with unit_of_work(engine) as session:
        repo = DialerAttemptRepository(session)
        first = repo.window_fingerprint(**window)
        assert first[0] == repo.count_in_window(**window) == len(instants) > 100
        assert repo.window_fingerprint(**window) == first
        one = repo.list(**window)[0]
        refs = repo.references()
        campaign_id, site_id = refs.campaigns[one.campaign_code]
        repo.store(
            AttemptColumns(
                site_ids=[site_id],
                attempt_ids=[f"{one.attempt_id}-again"],
                attempted_at_utc=[one.attempted_at_utc],
                agent_ids=[refs.agents[one.agent_code]],
                campaign_ids=[campaign_id],
                segment_ids=[refs.segments[one.segment_code]],
                lead_ids=[None],
                results=[str(one.result)],
                revenues=[one.revenue],
                talk_seconds=[one.talk_seconds],
                wrap_seconds=[one.wrap_seconds],
            )
        )
    with unit_of_work(engine) as session:
        after = DialerAttemptRepository(session).window_fingerprint(**window)
    assert after != first and after[0] == first[0] + 1
