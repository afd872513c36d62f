"""Capacity plans over real HTTP and the command line, on SQLite and PostgreSQL: a plan of the
demo centre posted, computed by the worker as one job and read back month by month; its
properties (higher attrition hires more; a higher answer-rate target needs more FTE); the
rostering efficiency observed in the stored roster; bad requests are 422 naming the field (exit 2
from the CLI) and store nothing; no forecast or roster is written."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from apikit import ApiServer, ok
from sqlalchemy import text
from typer.testing import CliRunner

from wfm.cli import app
from wfm.db.repositories import CapacityPlanRepository, SiteRepository
from wfm.db.session import unit_of_work
from wfm.domain import Site
from wfm.domain.capacity_plan import DEFAULT_ROSTERING_EFFICIENCY
from wfm.services.capacity_plan import rostering_efficiency
from wfm.services.centre import CentreData, load_centre
from wfm.services.forecasting import run_forecast
from wfm.services.scheduling import build_schedule, first_forecast_week
from wfm.settings import get_settings
from wfm.tools.demo import generate_demo_centre
from wfm.worker.worker import Worker


@pytest.fixture
def demo(api: ApiServer) -> str:
    """The demo centre (10 agents) with five weeks of history, a forecast and a stored roster."""
    centre = generate_demo_centre(weeks=5, agents=10, seed=11)
    site = centre.sites[0].code
    with unit_of_work(api.engine) as session:
        load_centre(session, CentreData.of_demo(centre))
        run_forecast(session, site_code=site, weeks=1)
        week = first_forecast_week(session, site)
        build_schedule(session, site_code=site, week_start=week, time_limit_seconds=3)
    return site


def _stored(api: ApiServer) -> dict[str, Any]:
    with api.engine.connect() as connection:
        return {
            table: connection.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()
            for table in ("schedules", "schedule_shifts", "forecast_runs", "forecast_values")
        }


def _run_worker(api: ApiServer) -> int:
    worker = Worker(api.engine)
    try:
        return worker.run_pending()
    finally:
        worker.close()


def _plan(api: ApiServer, body: dict[str, Any]) -> dict[str, Any]:
    with api.client("planner") as planner:
        accepted = ok(planner.post("/v1/capacity-plans", json=body), 202)
        assert accepted["status"] == "queued"
        queued = ok(planner.get(f"/v1/capacity-plans/{accepted['capacity_plan_id']}"))
        assert queued["status"] == "queued" and queued["plan"] is None
        assert _run_worker(api) == 1
        job = ok(planner.get(f"/v1/jobs/{accepted['job_id']}"))
        assert job["kind"] == "capacity_plan" and job["status"] == "succeeded", job
        shown = ok(planner.get(f"/v1/capacity-plans/{accepted['capacity_plan_id']}"))
    assert shown["status"] == "succeeded" and shown["progress"] == 1.0
    plan: dict[str, Any] = shown["plan"]
    return plan


def test_a_plan_runs_as_a_job_and_reads_month_by_month(api: ApiServer, demo: str) -> None:
    site = demo
    before = _stored(api)
    body = {"site": site, "months": 12, "monthly_attrition": 0.05, "hourly_cost": 20.0}
    plan = _plan(api, body)
    months = plan["months"]
    assert len(months) == 12
    first = date.fromisoformat(plan["start_month"])
    assert first.day == 1 and date.fromisoformat(plan["history_until"]) < first
    assert [date.fromisoformat(m["month"]).day for m in months] == [1] * 12
    assert all(m["fte_needed"] > 0 and m["contacts"] > 0 for m in months)
    assert months[-1]["fte_existing"] < months[0]["fte_existing"]  # attrition
    assert plan["total_hires"] > 0
    earliest = date.fromisoformat(plan["earliest_start"])
    assert (earliest - first).days == 42  # six weeks' lead by default
    assert all(date.fromisoformat(h["start"]) >= earliest for h in plan["hires"])
    for month in months:  # the cost is the paid FTE's hours at the rate given
        assert month["labour_cost"] > 0
        assert month["answer_rate"] is None or 0 < month["answer_rate"] <= 1
    assert plan["staff"]["headcount"] == 10 and plan["staff"]["hourly_cost"] == 20.0
    assert all(not q["trend"] for q in plan["queues"])  # five weeks: no trend, and it says so
    assert any("without trend" in w for w in plan["warnings"])
    assert plan["sources"]["rostering_efficiency"] == "rosters"
    assert plan["sources"]["hourly_cost"] == "given"
    assert 0 < plan["settings"]["rostering_efficiency"] <= 1
    with unit_of_work(api.engine) as session:
        observed, weeks = rostering_efficiency(session, site)
    assert weeks == 1 and observed == pytest.approx(plan["settings"]["rostering_efficiency"])
    with api.client("planner") as planner:
        listed = ok(planner.get("/v1/capacity-plans", params={"site": site}))
    assert len(listed) == 1 and listed[0]["inputs"]["monthly_attrition"] == 0.05
    assert _stored(api) == before  # no forecast or roster written

    more = _plan(api, {**body, "monthly_attrition": 0.15})
    assert more["total_hires"] > plan["total_hires"]
    strict = _plan(api, {**body, "answer_rate_target": 0.99, "monthly_attrition": 0.05})
    assert strict["months"][0]["fte_needed"] >= months[0]["fte_needed"]


def test_two_plans_compared_month_by_month_and_what_cannot_be_compared(
    api: ApiServer, demo: str
) -> None:
    """A scenario of a plan (more attrition, a stricter target) read against its base over
    GET /v1/capacity-plans/{id}/comparison: the figures as each plan stored them and the
    difference; 404, 409 and 422 for what cannot be compared."""
    body = {"site": demo, "months": 4, "monthly_attrition": 0.05, "hourly_cost": 20.0}
    base = _plan(api, body)
    scenario = _plan(api, {**body, "monthly_attrition": 0.2, "answer_rate_target": 0.95})
    with api.client("planner") as planner:
        listed = ok(planner.get("/v1/capacity-plans", params={"site": demo}))
        ids = {p["inputs"]["monthly_attrition"]: p["id"] for p in listed}
        compared = ok(
            planner.get(f"/v1/capacity-plans/{ids[0.05]}/comparison", params={"other": ids[0.2]})
        )
        assert compared["plan_id"] == ids[0.05] and compared["other_id"] == ids[0.2]
        assert [m["month"] for m in compared["months"]] == [m["month"] for m in base["months"]]
        for month, first, second in zip(
            compared["months"], base["months"], scenario["months"], strict=True
        ):
            for name, figure in month["figures"].items():
                assert figure["first"] == first[name] and figure["second"] == second[name]
                if first[name] is not None and second[name] is not None:
                    assert figure["difference"] == pytest.approx(second[name] - first[name])
        # more attrition and a stricter target: the scenario needs more and has fewer
        last = compared["months"][-1]["figures"]
        assert last["fte_needed"]["difference"] >= 0
        assert compared["months"][0]["figures"]["fte_needed"]["difference"] > 0

        missing = planner.get("/v1/capacity-plans/999999/comparison", params={"other": ids[0.2]})
        assert missing.status_code == 404, missing.text
        queued = ok(planner.post("/v1/capacity-plans", json=body), 202)["capacity_plan_id"]
        waiting = planner.get(
            f"/v1/capacity-plans/{ids[0.05]}/comparison", params={"other": queued}
        )
        assert waiting.status_code == 409, waiting.text
        assert f"capacity plan {queued} is not computed (queued)" in waiting.text
        bad = planner.get(f"/v1/capacity-plans/{ids[0.05]}/comparison", params={"other": 0})
        assert bad.status_code == 422, bad.text
    # another site's plan, computed, is refused naming it: plans of two sites don't compare
    with unit_of_work(api.engine) as session:
        SiteRepository(session).add(Site("elsewhere", "Elsewhere", "Asia/Shanghai"))
        repository = CapacityPlanRepository(session)
        foreign = repository.add("elsewhere", body)
        repository.set_result(foreign, repository.get(ids[0.2]).result or {})
    with api.client("planner") as planner:
        across = planner.get(
            f"/v1/capacity-plans/{ids[0.05]}/comparison", params={"other": foreign}
        )
        assert across.status_code == 422, across.text
        assert f"plan {foreign} is of site elsewhere, not {demo}" in across.text
        assert "other" in across.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"months": 19}, "body.months"),
        ({"months": 0}, "body.months"),
        ({"monthly_attrition": 1.5}, "body.monthly_attrition"),
        ({"recruiting_lead_weeks": -2}, "body.recruiting_lead_weeks"),
        ({"training_weeks": -1}, "body.training_weeks"),
        ({"answer_rate_target": 1.2}, "body.answer_rate_target"),
        ({"site": "nowhere"}, "body.site"),
        ({"start_month": "2027-03-05"}, "body.start_month"),
    ],
)
def test_bad_requests_are_422_naming_the_field(
    api: ApiServer, demo: str, change: dict[str, Any], field: str
) -> None:
    site = demo
    with api.client("planner") as planner:
        refused = planner.post("/v1/capacity-plans", json={"site": site, **change})
        assert refused.status_code == 422, refused.text
        assert field in [e["field"] for e in refused.json()["errors"]], refused.text
        assert ok(planner.get("/v1/capacity-plans", params={"site": site})) == []
    with api.client("executive") as viewer:
        assert viewer.post("/v1/capacity-plans", json={"site": site}).status_code == 403


def _wfm(*args: str) -> Any:
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()


def test_the_cli_plans_in_process_and_refuses_bad_knobs(api: ApiServer, demo: str) -> None:
    site = demo
    url = api.database_url
    shown = _wfm("capacity-plan", site, "--months", "3", "--database-url", url)
    assert shown.exit_code == 0, shown.output
    assert "FTE needed" in shown.output and shown.output.count("\n") >= 5
    as_json = _wfm(
        "capacity-plan", site, "--months", "2", "--attrition", "0.1", "--json",
        "--database-url", url,
    )  # fmt: skip
    assert as_json.exit_code == 0, as_json.output
    stored = json.loads(as_json.stdout[as_json.stdout.index("{") :])
    assert stored["status"] == "succeeded" and stored["job_id"] is None
    assert len(stored["plan"]["months"]) == 2
    assert stored["plan"]["settings"]["monthly_attrition"] == 0.1
    refused = _wfm("capacity-plan", site, "--attrition", "2", "--database-url", url)
    assert refused.exit_code == 2
    lines = refused.output.strip().splitlines()
    assert len(lines) == 1 and "monthly_attrition" in lines[0], refused.output


def test_wages_from_the_rules_no_roster_and_no_history(api: ApiServer) -> None:
    """Without a stored roster the efficiency is the documented default; with a wage for every
    contract in the site's rules the cost is theirs; a site without history, or a start too far
    beyond it, is refused naming the field."""
    centre = generate_demo_centre(weeks=5, agents=10, seed=11)
    site = centre.sites[0].code
    with unit_of_work(api.engine) as session:
        load_centre(session, CentreData.of_demo(centre))
        SiteRepository(session).add(Site("EMPTY", "Empty", "Europe/Dublin"))
    contracts = sorted({a.contract.name for a in centre.agents})
    wages = [{"contract": name, "hourly_rate": 15.0 + k} for k, name in enumerate(contracts)]
    with api.client("planner") as planner:
        rules = {"valid_from": "2026-12-07", "labour_cost": {"wages": wages}}
        ok(planner.put(f"/v1/sites/{site}/rules", json=rules), 201)
    plan = _plan(api, {"site": site, "months": 2, "monthly_attrition": 0.0})
    assert plan["sources"]["rostering_efficiency"] == "default"
    assert plan["settings"]["rostering_efficiency"] == DEFAULT_ROSTERING_EFFICIENCY
    assert plan["sources"]["hourly_cost"] == "wages"
    rates = {c: 15.0 + k for k, c in enumerate(contracts)}
    hours = {a.contract.name: a.contract.weekly_hours_max for a in centre.agents}
    fte = [hours[a.contract.name] for a in centre.agents]
    mean = sum(h * rates[a.contract.name] for h, a in zip(fte, centre.agents, strict=True))
    assert plan["staff"]["hourly_cost"] == pytest.approx(mean / sum(fte))
    first = plan["months"][0]
    weekly = plan["settings"]["full_time_weekly_hours"]
    days = date.fromisoformat(plan["months"][1]["month"]) - date.fromisoformat(first["month"])
    expected = first["fte_paid"] * weekly * days.days / 7 * plan["staff"]["hourly_cost"]
    assert first["labour_cost"] == pytest.approx(expected)

    with api.client("planner") as planner:
        refused = planner.post("/v1/capacity-plans", json={"site": "EMPTY"})
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "body.site"
        assert "no history" in refused.json()["errors"][0]["message"]
        far = planner.post("/v1/capacity-plans", json={"site": site, "start_month": "2031-01-01"})
        assert far.status_code == 422, far.text
        assert far.json()["errors"][0]["field"] == "body.start_month"
        assert ok(planner.get("/v1/capacity-plans", params={"site": "EMPTY"})) == []


def test_a_growing_handle_time_is_carried_into_the_months(api: ApiServer) -> None:
    """Seven months of history whose handle times grow 20 % a year on top of the demo's own
    (steady): the plan fits the growth per queue, and each month's handle time is above the
    month before's, by what that growth gives (it used to be held flat)."""
    centre = generate_demo_centre(weeks=30, agents=10, seed=11)
    site = centre.sites[0].code
    data = CentreData.of_demo(centre)
    end = max(r.interval_start_utc for r in data.history)
    growth = math.log1p(0.20) / 365.0

    def grown(seconds: float, days_before_end: float) -> float:
        return seconds * math.exp(-growth * days_before_end)

    history = [
        replace(
            r,
            handle_seconds=grown(
                r.handle_seconds, (end - r.interval_start_utc).total_seconds() / 86400
            ),
        )
        for r in data.history
    ]
    with unit_of_work(api.engine) as session:
        load_centre(session, replace(data, history=history))
    shown = _wfm(
        "capacity-plan", site, "--months", "6", "--json", "--database-url", api.database_url
    )
    assert shown.exit_code == 0, shown.output
    plan = json.loads(shown.stdout[shown.stdout.index("{") :])["plan"]
    assert plan["queues"] and all(q["trend"] for q in plan["queues"])
    for queue in plan["queues"]:  # the demo's own handle time is steady
        assert 0.12 < queue["aht_growth_per_year"] < 0.28, queue
    aht = [m["aht_seconds"] for m in plan["months"]]
    assert all(later > earlier for earlier, later in zip(aht, aht[1:], strict=False))
    # five months on at 20 % a year: about 7.9 % more
    assert 1.05 < aht[-1] / aht[0] < 1.11
