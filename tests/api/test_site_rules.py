"""Site rules and seats set over real HTTP, then a roster of the demo centre's week built by the
roster service: every rule and the seats checked on the stored shifts by the tests' own checker
(`roster_oracle.site_rule_breaches`, from the values sent, not from the problem); and bad
rules refused with 422 naming the field, nothing stored."""

from __future__ import annotations

import sys
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from apikit import ApiServer, ok

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scheduling"))
from roster_oracle import SiteRulesSet, on_site_counts, site_rule_breaches  # noqa: E402

from scheduling.evaluate import evaluate  # noqa: E402
from scheduling.problem import BreakRule  # noqa: E402
from wfm.db.repositories import RequirementRepository, ScheduleRepository  # noqa: E402
from wfm.db.session import unit_of_work  # noqa: E402
from wfm.services.centre import CentreData, load_centre  # noqa: E402
from wfm.services.forecasting import run_forecast  # noqa: E402
from wfm.services.scheduling import (  # noqa: E402
    build_problem,
    build_schedule,
    first_forecast_week,
    roster_from_shifts,
)
from wfm.services.staffing import compute_requirements, local_week_start  # noqa: E402
from wfm.tools.demo import generate_demo_centre  # noqa: E402

SEATS = 12
BREAKS = [
    {"kind": "break", "minutes": 15, "earliest_start_after_shift_start_minutes": 90,
     "latest_start_after_shift_start_minutes": 150, "min_shift_minutes": 240},
    {"kind": "lunch", "minutes": 30, "earliest_start_after_shift_start_minutes": 210,
     "latest_start_after_shift_start_minutes": 270, "min_shift_minutes": 360,
     "max_shift_minutes": 539, "paid": False},
    {"kind": "lunch", "minutes": 60, "earliest_start_after_shift_start_minutes": 210,
     "latest_start_after_shift_start_minutes": 270, "min_shift_minutes": 540, "paid": False},
    {"kind": "break", "minutes": 15, "earliest_start_after_shift_start_minutes": 360,
     "latest_start_after_shift_start_minutes": 420, "min_shift_minutes": 450},
]  # fmt: skip
RULES = {
    "start_step_minutes": 60,
    "shift_lengths_minutes": [300, 480, 540],
    "earliest_start_local": "08:00",
    "latest_end_local": "22:00",
    "breaks": BREAKS,
    "min_rest_hours": 14,
    "max_consecutive_days": 4,
    "min_consecutive_days_off": 2,
    "weekend_weekdays": [6],
    "late_start_from_local": "14:00",
    "fairness_weight_per_shift": 20,
    "under_target_penalty_per_agent_hour": 80,
    "contract_shortfall_penalty_per_hour": 900,
    "campaign_shortfall_penalty_per_hour": 400,
}


@pytest.fixture
def demo_site(api: ApiServer) -> tuple[str, date]:
    """The demo centre (25 agents) with a two-week forecast; its site and first whole week."""
    demo = generate_demo_centre(weeks=5, agents=25, seed=11)
    with unit_of_work(api.engine) as session:
        load_centre(session, CentreData.of_demo(demo))
        site = demo.sites[0].code
        run_forecast(session, site_code=site, weeks=2)
        week = first_forecast_week(session, site)
    return site, week


def test_a_roster_keeps_the_rules_and_seats_set_through_the_api(
    api: ApiServer, demo_site: tuple[str, date]
) -> None:
    site, week = demo_site
    with api.client("planner") as planner:
        standard = ok(planner.get(f"/v1/sites/{site}/rules"))
        assert standard["version"] is None and standard["start_step_minutes"] == 30
        assert len(standard["breaks"]) == 4 and standard["min_rest_hours"] is None
        stored = ok(
            planner.put(
                f"/v1/sites/{site}/rules",
                json={**RULES, "valid_from": week.isoformat(), "note": "winter rules"},
            ),
            201,
        )
        assert stored["version"] == 1 and stored["valid_from"] == week.isoformat()
        assert stored["breaks"][1]["paid"] is False and stored["note"] == "winter rules"
        ok(planner.patch(f"/v1/sites/{site}", json={"seats": SEATS}))
        now = ok(planner.get(f"/v1/sites/{site}/rules", params={"week_start": week.isoformat()}))
        sent = {k: f"{v}:00" if k.endswith("_local") else v for k, v in RULES.items()}
        assert {k: now[k] for k in RULES} == {**sent, "breaks": [_full(b) for b in BREAKS]}
        assert now["seats"] is None  # the version sets none: the site's hold
        assert (now["seats_used"], now["seats_source"]) == (SEATS, "site")
        before = (week - timedelta(days=7)).isoformat()
        earlier = ok(planner.get(f"/v1/sites/{site}/rules", params={"week_start": before}))
        assert earlier["version"] is None  # weeks before valid_from keep the standard rules

    with unit_of_work(api.engine) as session:
        schedule = build_schedule(session, site_code=site, week_start=week, time_limit_seconds=10)
        problem, _ = build_problem(session, site_code=site, week_start=week)
        stored_schedule = ScheduleRepository(session).get(schedule.id)  # type: ignore[arg-type]
    roster = roster_from_shifts(stored_schedule.shifts)
    assert len(roster.shifts) > 50
    breaches = site_rule_breaches(
        problem,
        roster,
        SiteRulesSet(
            seats=SEATS,
            shift_lengths_minutes=(300, 480, 540),
            earliest_start_local=time(8),
            latest_end_local=time(22),
            start_step_minutes=60,
            breaks=tuple(BreakRule(**b) for b in BREAKS),  # type: ignore[arg-type]
            min_rest_hours=14,
            max_consecutive_days=4,
            min_consecutive_days_off=2,
        ),
    )
    assert breaches == []
    assert on_site_counts(problem, roster).max() <= SEATS
    # the evaluation of the stored roster, on the problem as built with the rules, agrees
    evaluation = evaluate(problem, roster)
    assert {v.rule for v in evaluation.violations} <= {"contract_hours_min", "contract_days_min"}
    assert stored_schedule.summary["hard_violations"] == evaluation.hard_violations
    # the weights reach the problem the optimizer and the evaluation weigh with
    assert problem.seats == SEATS
    assert problem.objective.under_target_penalty_per_agent_hour == 80
    assert problem.objective.contract_shortfall_penalty_per_hour == 900
    assert problem.objective.campaign_shortfall_penalty_per_hour == 400
    assert problem.fairness.weekend_weekdays == (6,)
    assert problem.fairness.late_start_from_local == time(14)
    assert problem.fairness.weight_per_shift == 20
    assert evaluation.contract_penalty == pytest.approx(
        900 * sum(_hours_short(problem, evaluation)), abs=0.01
    )


def _full(rule: dict[str, object]) -> dict[str, object]:
    return {"max_shift_minutes": None, "paid": True, "min_shift_minutes": 0, **rule}


def _hours_short(problem: object, evaluation: object) -> list[float]:
    """Each agent's paid hours short of the contract, a missing day as its shortest shift (as
    docs/roster-problem.md prices them), counted from the evaluation's agent reports."""
    shortest = {
        a.code: min(
            problem.shift_rules.paid_minutes(length)  # type: ignore[attr-defined]
            for length in a.contract.shift_lengths_minutes
        )
        / 60
        for a in problem.agents  # type: ignore[attr-defined]
    }
    return [
        max(0.0, r.paid_hours_min - r.paid_hours) + max(0, r.days_min - r.shifts) * shortest[r.code]
        for r in evaluation.agents  # type: ignore[attr-defined]
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_step_minutes": 20}, "start_step_minutes"),
        ({"min_rest_hours": -1}, "min_rest_hours"),
        ({"shift_lengths_minutes": [600]}, "shift_lengths_minutes"),
        ({"earliest_start_local": "08:00"}, "latest_end_local"),
        ({"earliest_start_local": "08:00", "latest_end_local": "12:00"}, "earliest_start_local"),
        ({"fairness_weight_per_shift": -5}, "fairness_weight_per_shift"),
        ({"min_consecutive_days_off": 3}, "min_consecutive_days_off: contract Full-time"),
        ({"valid_from": "2026-12-08"}, "valid_from"),
        (
            {"breaks": [{**BREAKS[1], "latest_start_after_shift_start_minutes": 520}]},
            "breaks[0]",
        ),
        ({"breaks": [{**BREAKS[0], "minutes": -15}]}, "minutes"),
        ({"seats": 0}, "seats"),
        ({"seats": 1}, "seats: 1 seats hold at most"),
        ({"unplanned_shrinkage": 0.95}, "unplanned_shrinkage"),
        ({"unplanned_shrinkage": -0.1}, "unplanned_shrinkage"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(
    api: ApiServer, change: dict[str, object], field: str
) -> None:
    demo = generate_demo_centre(weeks=1, agents=6, seed=3)
    with unit_of_work(api.engine) as session:
        load_centre(session, CentreData.of_demo(demo))
    site = demo.sites[0].code
    body = {"valid_from": "2026-12-07", **change}
    with api.client("planner") as planner:
        refused = planner.put(f"/v1/sites/{site}/rules", json=body)
        assert refused.status_code == 422, refused.text
        assert field in refused.text
        assert ok(planner.get(f"/v1/sites/{site}/rules"))["version"] is None


def test_seats_below_the_contracts_minimum_are_refused(api: ApiServer) -> None:
    demo = generate_demo_centre(weeks=1, agents=6, seed=3)
    with unit_of_work(api.engine) as session:
        load_centre(session, CentreData.of_demo(demo))
    site = demo.sites[0].code
    with api.client("planner") as planner:
        seats_before = ok(planner.get(f"/v1/sites/{site}"))["seats"]
        low = planner.patch(f"/v1/sites/{site}", json={"seats": 1})
        assert low.status_code == 422 and "seats: 1 seats hold at most 168 agent-hours" in low.text
        assert ok(planner.get(f"/v1/sites/{site}"))["seats"] == seats_before  # nothing written
        ok(planner.patch(f"/v1/sites/{site}", json={"seats": 2}))
        refused = planner.put(
            f"/v1/sites/{site}/rules",
            json={"valid_from": "2026-12-07", "earliest_start_local": "08:00",
                  "latest_end_local": "20:00"},
        )  # fmt: skip
        assert refused.status_code == 422 and "seats: 2 seats hold at most 168" in refused.text
        assert ok(planner.get(f"/v1/sites/{site}/rules"))["version"] is None
        assert planner.get("/v1/sites/nowhere/rules").status_code == 404
        with api.client("executive") as executive:
            forbidden = executive.put(f"/v1/sites/{site}/rules", json={"valid_from": "2026-12-07"})
            assert forbidden.status_code == 403


def test_seats_and_shrinkage_are_versioned_with_the_rules(
    api: ApiServer, demo_site: tuple[str, date]
) -> None:
    """A version's own seats and unplanned shrinkage hold for its weeks, the site's settings
    for weeks whose version sets none: in the rules read, the roster problem, the stored roster
    (seats counted by the tests' checker) and each week's requirement rows."""
    site, week = demo_site
    later = week + timedelta(days=7)
    with api.client("planner") as planner:
        ok(planner.patch(f"/v1/sites/{site}", json={"seats": None, "unplanned_shrinkage": 0.1}))
        first = {"valid_from": week.isoformat(), "seats": SEATS, "unplanned_shrinkage": 0.2}
        stored = ok(planner.put(f"/v1/sites/{site}/rules", json=first), 201)
        assert (stored["seats"], stored["unplanned_shrinkage"]) == (SEATS, 0.2)
        assert (stored["seats_used"], stored["seats_source"]) == (SEATS, "rules")
        assert stored["unplanned_shrinkage_used"] == 0.2
        assert stored["unplanned_shrinkage_source"] == "rules"
        ok(planner.put(f"/v1/sites/{site}/rules", json={"valid_from": later.isoformat()}), 201)
        second = ok(planner.get(f"/v1/sites/{site}/rules", params={"week_start": str(later)}))
        assert (second["seats"], second["seats_used"], second["seats_source"]) == (
            None,
            None,
            "site",
        )
        assert (second["unplanned_shrinkage_used"], second["unplanned_shrinkage_source"]) == (
            0.1,
            "site",
        )
        before = ok(
            planner.get(
                f"/v1/sites/{site}/rules", params={"week_start": str(week - timedelta(days=7))}
            )
        )
        assert before["version"] is None and before["unplanned_shrinkage_used"] == 0.1

    with unit_of_work(api.engine) as session:
        problem, run_id = build_problem(session, site_code=site, week_start=week)
        assert (problem.seats, problem.shrinkage) == (SEATS, 0.2)
        next_week, _ = build_problem(session, site_code=site, week_start=later)
        assert (next_week.seats, next_week.shrinkage) == (None, 0.1)
        schedule = build_schedule(session, site_code=site, week_start=week, time_limit_seconds=5)
        stored_schedule = ScheduleRepository(session).get(schedule.id)  # type: ignore[arg-type]
        compute_requirements(session, site_code=site, forecast_run_id=run_id)
        rows = RequirementRepository(session).list(run_id)
    roster = roster_from_shifts(stored_schedule.shifts)
    assert len(roster.shifts) > 20
    assert on_site_counts(problem, roster).max() <= SEATS
    assert stored_schedule.summary["shrinkage"] == 0.2
    zone = problem.zone
    by_week = {
        (local_week_start(r.interval_start_utc, zone), r.shrinkage, r.shrinkage_source)
        for r in rows
    }
    assert by_week == {(week, 0.2, "rules"), (later, 0.1, "site")}
