"""The problem's JSON format: a round trip gives back the same problem, malformed documents get
schema errors with JSON paths, and bad values are named where they are."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from roster_factories import MONDAY, agent, at, contract, problem, queue

from scheduling.checks import ProblemError
from scheduling.example import example_problem
from scheduling.problem import (
    PROBLEM_FORMAT,
    PROBLEM_VERSION,
    Absence,
    AvailabilityWindow,
    BreakRule,
    CallingWindow,
    CampaignSpec,
    Fairness,
    LastWeek,
    ObjectiveWeights,
    Preference,
    Problem,
)
from scheduling.problem_json import (
    load_problem,
    problem_from_json,
    problem_schema,
    problem_to_json,
    schema_errors,
)
from wfm.domain.queue_model import Calibration, PatienceSource

# a queue's stored calibration, every field given (its patience is the queue's)
CALIBRATION = Calibration(
    availability=0.8,
    patience_seconds=123.4,
    patience_method="waits",
    answer_rate_coefficients=(0.25, 1.1, -0.03, 0.02),
    service_level_coefficients=(-0.1, 0.95, 0.0, 0.01),
    threshold_seconds=15.0,
    intervals=1344,
    offered=20150.0,
    answered=18500.5,
    abandoned=1649.5,
    fitted_from_utc=datetime(2026, 4, 6, 22, tzinfo=UTC),
    fitted_until_utc=datetime(2026, 5, 31, 22, tzinfo=UTC),
    half_life_days=28.0,
)


def round_trip(p: Problem) -> Problem:
    document = json.loads(json.dumps(problem_to_json(p)))
    assert schema_errors(document) == []
    return problem_from_json(document)


def everything_problem() -> Problem:
    """A problem that uses every optional field of the format."""
    night = contract(
        "NIGHT",
        hours=(16.0, 24.0),
        days=(2, 3),
        lengths=(480, 540),
        earliest=time(20),
        latest_end=time(8),
        rest_hours=12.5,
        max_consecutive=4,
    )
    day = contract("DAY", hours=(0, 40), days=(0, 5), earliest=time(7), latest_end=time(0))
    sunday = date(2026, 5, 31)
    people = [
        agent(
            "N1",
            night,
            queue_skills=("Q", "R"),
            campaign_skills=("S",),
            availability=(
                AvailabilityWindow(0, time(20), time(8)),
                AvailabilityWindow(1, time(0), time(0)),
            ),
            unavailable=(Absence(at(MONDAY, time(9)), at(MONDAY, time(10)), 0.0, "doctor"),),
            time_off=(
                Absence(at(date(2026, 6, 3), time(0)), at(date(2026, 6, 4), time(0)), 8.0, "leave"),
            ),
            preferences=(
                Preference("day_off", 2.5, weekdays=(5, 6)),
                Preference("work_day", 1.0, dates=(date(2026, 6, 2),)),
                Preference(
                    "start_between",
                    0.5,
                    earliest_start_local=time(21),
                    latest_start_local=time(23, 30),
                ),
                Preference("start_between", 0.5, dates=(MONDAY,), latest_start_local=time(22)),
                Preference("max_evenings", 4.0, max_evening_shifts=2),
                Preference(
                    "max_evenings",
                    1.5,
                    weekdays=(4,),
                    max_evening_shifts=0,
                    evening_from_local=time(18, 30),
                ),
            ),
            last_week=LastWeek(at(sunday, time(20)), at(MONDAY, time(4)), 3),
            name="Night Owl",
        ),
        agent("D1", day, name="Day Person"),
    ]
    base = problem(people, days=3, interval_minutes=30)
    total = base.interval_count
    q = queue(
        "Q",
        contacts=[(i % 7) / 3 for i in range(total)],
        aht_seconds=201.7,
        target=0.85,
        threshold_seconds=15.0,
        patience_seconds=123.4,
        value=6.25,
    )
    q = replace(
        q,
        aht_seconds=tuple(200.0 + (i % 5) / 7 for i in range(total)),
        required_agents=tuple(i % 3 for i in range(total)),
        max_occupancy=0.9,
        concurrency=1.0,
        name="Queue",
        calibration=CALIBRATION,
    )
    r = replace(queue("R", required=[1] * total), concurrency=2.5, name="Chat")
    campaign = CampaignSpec(
        code="S",
        name="Sales",
        value_per_productive_hour_by_hour=tuple(float(h) / 3 for h in range(24)),
        calling_hours=(CallingWindow(0, time(18), time(0)), CallingWindow(6, time(22), time(2))),
        min_hours_per_week=3.5,
        max_hours_per_week=None,
        efficiency=0.65,
    )
    return replace(
        base,
        name="everything",
        queues=(q, r),
        campaigns=(campaign,),
        shrinkage=0.125,
        shift_rules=replace(
            base.shift_rules,
            start_step_minutes=60,
            breaks=(
                BreakRule("break", 30, 60, 120, min_shift_minutes=300, paid=True),
                BreakRule(
                    "lunch", 60, 180, 300, min_shift_minutes=480, max_shift_minutes=540, paid=False
                ),
            ),
        ),
        fairness=Fairness(
            weekend_weekdays=(4, 5, 6), late_start_from_local=time(21, 30), weight_per_shift=2.0
        ),
        objective=ObjectiveWeights(
            under_target_penalty_per_agent_hour=75.0,
            contract_shortfall_penalty_per_hour=900.0,
            campaign_shortfall_penalty_per_hour=450.0,
        ),
    )


def test_every_field_survives_a_round_trip() -> None:
    p = everything_problem()
    back = round_trip(p)
    assert back == p
    # and writing it again gives the same document
    assert problem_to_json(back) == problem_to_json(p)


@pytest.mark.parametrize(
    "start",
    [date(2026, 11, 9), date(2026, 3, 23), date(2026, 10, 19)],  # ordinary, spring, autumn
)
def test_example_problems_survive_a_round_trip(start: date) -> None:
    p = example_problem(agents=12, queues=4, campaigns=3, seed=5, start_date=start)
    assert round_trip(p) == p


def test_a_site_without_agents_survives_a_round_trip() -> None:
    p = replace(everything_problem(), agents=())
    assert problem_to_json(p)["contracts"] == []
    assert round_trip(p) == p


def test_the_document_names_its_format_and_version() -> None:
    document = problem_to_json(everything_problem())
    assert (document["format"], document["version"]) == (PROBLEM_FORMAT, PROBLEM_VERSION)
    assert (PROBLEM_FORMAT, PROBLEM_VERSION) == ("wfm.roster-problem", 1)
    schema = problem_schema()
    assert schema["properties"]["format"] == {"const": PROBLEM_FORMAT}
    assert schema["properties"]["version"] == {"const": PROBLEM_VERSION}
    # 24:00 marks an end at midnight, written back as it was read
    day = next(c for c in document["contracts"] if c["code"] == "DAY")
    assert day["latest_end_local"] == "24:00"


def test_defaults_fill_a_minimal_document() -> None:
    document = {
        "format": "wfm.roster-problem",
        "version": 1,
        "site": {"code": "X", "timezone": "Europe/Dublin"},
        "horizon": {"start_date": "2026-06-01"},
        "queues": [
            {
                "code": "Q",
                "service_level_target": 0.8,
                "service_threshold_seconds": 20,
                "patience_seconds": 60,
                "value_per_answered_contact": 1,
                "required_agents": [1] * 672,
            }
        ],
        "contracts": [
            {
                "code": "C",
                "weekly_paid_hours_min": 0,
                "weekly_paid_hours_max": 40,
                "days_per_week_min": 0,
                "days_per_week_max": 5,
                "shift_lengths_minutes": [480],
            }
        ],
        "agents": [{"code": "A", "contract": "C", "queues": ["Q"]}],
    }
    p = problem_from_json(document)
    assert (p.horizon.days, p.horizon.interval_minutes) == (7, 15)
    assert p.shift_rules.start_step_minutes == 30 and p.shift_rules.breaks == ()
    assert p.shrinkage == 0.0 and p.campaigns == ()
    c = p.agents[0].contract
    assert (c.earliest_start_local, c.latest_end_local) == (time(0), time(0))
    assert (c.min_rest_hours, c.max_consecutive_days) == (11.0, 6)
    assert p.fairness.weekend_weekdays == (5, 6)
    assert p.objective.contract_shortfall_penalty_per_hour == 1000.0


def valid_document() -> dict[str, Any]:
    return json.loads(json.dumps(problem_to_json(everything_problem())))


def errors_of(document: Any) -> list[str]:
    with pytest.raises(ProblemError) as caught:
        problem_from_json(document)
    return list(caught.value.issues)


def test_schema_errors_carry_json_paths() -> None:
    document = valid_document()
    del document["version"]
    document["horizon"]["interval_minutes"] = 20
    del document["queues"][1]["required_agents"]
    document["agents"][1]["skill"] = "Q"
    document["agents"][0]["contract"] = 5
    document["campaigns"][0]["value_per_productive_hour_by_hour"] = [1.0] * 23
    document["agents"][0]["availability"][1]["end_local"] = "25:00"
    errors = errors_of(document)
    assert "$: 'version' is a required property" in errors
    assert "$.horizon.interval_minutes: 20 is not one of [15, 30, 60]" in errors
    assert "$.queues[1]: needs either contacts and aht_seconds, or required_agents" in errors
    assert "$.agents[1]: unknown field(s) ('skill' was unexpected)" in errors
    assert "$.agents[0].contract: 5 is not of type 'string'" in errors
    assert any(e.startswith("$.campaigns[0].value_per_productive_hour_by_hour: ") for e in errors)
    assert any(e.startswith("$.agents[0].availability[1].end_local: ") for e in errors)
    assert len(errors) == 7


def test_schema_errors_come_in_document_order() -> None:
    document = valid_document()
    document["agents"] = [dict(document["agents"][1], code=f"D{i}") for i in range(12)]
    document["agents"][10]["queues"] = "Q"
    document["agents"][2]["queues"] = "Q"
    errors = errors_of(document)
    assert [e.split(":")[0] for e in errors] == ["$.agents[2].queues", "$.agents[10].queues"]


def test_values_that_pass_the_schema_but_do_not_parse_are_named_by_path() -> None:
    document = valid_document()
    document["horizon"]["start_date"] = "2026-02-30"
    document["agents"][0]["time_off"][0]["start_utc"] = "2026-06-03T25:00Z"
    errors = errors_of(document)
    assert errors[0].startswith("$.horizon.start_date: '2026-02-30' is not valid")
    assert errors[1].startswith("$.agents[0].time_off[0].start_utc: '2026-06-03T25:00Z'")


def test_references_and_duplicate_contracts_are_named() -> None:
    document = valid_document()
    document["agents"][1]["contract"] = "NOPE"
    document["contracts"].append(dict(document["contracts"][0], weekly_paid_hours_max=1))
    errors = errors_of(document)
    assert (
        "$.agents[1].contract: agent D1 names contract 'NOPE', which is not in $.contracts"
        in errors
    )
    assert "$.contracts[2].code: contract code 'NIGHT' is already used by an earlier contract" in (
        errors
    )


def test_load_problem_reports_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": ', encoding="utf-8")
    with pytest.raises(ProblemError, match=r"not valid JSON \(line 1"):
        load_problem(bad)
    with pytest.raises(ProblemError, match="cannot read"):
        load_problem(tmp_path / "missing.json")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(problem_to_json(everything_problem())), encoding="utf-8")
    assert load_problem(good) == everything_problem()


def test_a_calibration_is_written_read_back_and_used_by_the_queue_s_model() -> None:
    p = everything_problem()
    document = json.loads(json.dumps(problem_to_json(p)))
    written = document["queues"][0]["calibration"]
    assert written["availability"] == 0.8 and written["fitted_until_utc"] == "2026-05-31T22:00:00Z"
    assert written["answer_rate_coefficients"] == [0.25, 1.1, -0.03, 0.02]
    assert "calibration" not in document["queues"][1]  # a queue without one: the textbook
    back = problem_from_json(document)
    assert back.queues[0].calibration == CALIBRATION and back.queues[1].calibration is None
    model = back.queues[0].model(30)
    assert model.calibration == CALIBRATION and model.availability == 0.8
    assert model.patience.seconds == 123.4 and model.patience.source is PatienceSource.CALIBRATION
    assert back.queues[1].model(30).availability == 1.0

    # the fit's three parameters alone: the rest takes Calibration's defaults (the identity)
    document["queues"][0]["calibration"] = {
        "availability": 0.7,
        "patience_seconds": 123.4,
        "patience_method": "likelihood",
    }
    minimal = problem_from_json(document).queues[0].calibration
    assert minimal == Calibration(0.7, 123.4, "likelihood")
    assert minimal.answer_rate_coefficients == (0.0, 1.0, 0.0, 0.0)


def test_bad_calibration_values_are_named_by_path() -> None:
    document = valid_document()
    calibration = document["queues"][0]["calibration"]
    calibration["availability"] = 1.5
    calibration["patience_method"] = "guess"
    calibration["answer_rate_coefficients"] = [0.0, 1.0, 0.0]
    calibration["intervals"] = -1
    calibration["weights"] = [1, 2]
    errors = errors_of(document)
    path = "$.queues[0].calibration"
    assert f"{path}.availability: 1.5 is greater than the maximum of 1" in errors
    assert f"{path}.patience_method: 'guess' is not one of ['waits', 'likelihood']" in errors
    assert any(e.startswith(f"{path}.answer_rate_coefficients: ") for e in errors)
    assert f"{path}.intervals: -1 is less than the minimum of 0" in errors
    assert f"{path}: unknown field(s) ('weights' was unexpected)" in errors
    assert len(errors) == 5

    document = valid_document()
    del document["queues"][0]["calibration"]["patience_seconds"]
    document["queues"][0]["calibration"]["availability"] = 0
    errors = errors_of(document)
    assert f"{path}: 'patience_seconds' is a required property" in errors
    assert f"{path}.availability: 0 is less than or equal to the minimum of 0" in errors

    # an instant that does not parse, and a patience that is not the calibration's
    document = valid_document()
    document["queues"][0]["calibration"]["fitted_until_utc"] = "2026-05-31T25:00Z"
    assert errors_of(document)[0].startswith(f"{path}.fitted_until_utc: '2026-05-31T25:00Z'")
    document = valid_document()
    document["queues"][0]["patience_seconds"] = 120
    assert errors_of(document) == [
        "$.queues[0].patience_seconds: 120 is not the calibration's patience_seconds (123.4), "
        "which a calibrated queue's model uses"
    ]
