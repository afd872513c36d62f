"""Labour cost over real HTTP and the command line: wages and premiums set with the site's rules
(PUT /v1/sites/{code}/rules), a roster built by `wfm schedule`, and its evaluation's labour cost
(GET /v1/schedules/{id}/evaluation, the stored summary) equal to the cost counted here minute by
minute from the shifts the API returns; cost per answered contact and sales per paid hour from
the same evaluation. Wages that are wrong are refused with 422 (API) or exit 2 (CLI) naming the
field, and nothing is stored."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apikit import ApiServer, ok
from typer.testing import CliRunner

from wfm.cli import app
from wfm.db.session import unit_of_work
from wfm.services.centre import CentreData, load_centre
from wfm.services.forecasting import run_forecast
from wfm.services.scheduling import first_forecast_week
from wfm.settings import get_settings
from wfm.tools.demo import generate_demo_centre

RATES = {"Full-time-40-h": 20.0, "Full-time-37.5-h": 21.0, "Part-time-20-24-h": 16.0}
LABOUR = {
    "wages": [
        {"contract": "Full-time 40 h", "hourly_rate": 20.0},  # by name: stored as its code
        {"contract": "Full-time-37.5-h", "hourly_rate": 21.0},
        {"contract": "Part-time 20-24 h", "hourly_rate": 16.0, "overtime_multiplier": 2.0},
    ],  # "Part-time 20 h" has no wage
    "premiums": [
        {"kind": "evening", "start_local": "18:00", "end_local": "22:00",
         "weekdays": [0, 1, 2, 3, 4], "multiplier": 1.25},
        {"kind": "night", "start_local": "21:00", "end_local": "07:00", "extra_per_hour": 3.0},
        {"kind": "weekend", "start_local": "00:00", "end_local": "00:00", "weekdays": [5, 6],
         "multiplier": 1.5, "contracts": ["Part-time 20-24 h"]},
    ],
}  # fmt: skip


def _demo(api: ApiServer, agents: int = 10) -> tuple[str, date]:
    demo = generate_demo_centre(weeks=3, agents=agents, seed=11)
    site = demo.sites[0].code
    with unit_of_work(api.engine) as session:
        load_centre(session, CentreData.of_demo(demo))
        run_forecast(session, site_code=site, weeks=2)
        week = first_forecast_week(session, site)
    return site, week


def _wfm(*args: str) -> Any:
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()


def _expected_cost(
    shifts: list[dict[str, Any]], contracts: dict[str, str], zone: ZoneInfo
) -> float:
    """The roster's cost counted minute by minute: each shift less its lunches (unpaid by the
    standard rules), each minute at its contract's rate plus the premiums of its local time."""
    total = 0.0
    for shift in shifts:
        rate = RATES.get(contracts[shift["agent_code"]], 0.0)
        lunches = [
            (datetime.fromisoformat(b["start_utc"]), datetime.fromisoformat(b["end_utc"]))
            for b in shift["breaks"]
            if b["kind"] == "lunch"
        ]
        moment = datetime.fromisoformat(shift["start_utc"])
        end = datetime.fromisoformat(shift["end_utc"])
        while moment < end:
            if not any(start <= moment < stop for start, stop in lunches):
                total += _minute_rate(rate, contracts[shift["agent_code"]], moment, zone) / 60
            moment += timedelta(minutes=1)
    return total


def _minute_rate(rate: float, contract: str, moment: datetime, zone: ZoneInfo) -> float:
    local = moment.astimezone(zone)
    hour, weekday = local.hour, local.weekday()
    price = rate
    if 18 <= hour < 22 and weekday < 5:
        price += 0.25 * rate
    if hour >= 21 or hour < 7:
        price += 3.0
    if weekday >= 5 and contract == "Part-time-20-24-h":
        price += 0.5 * rate
    return price


def test_wages_set_with_the_rules_price_the_roster(api: ApiServer) -> None:
    site, week = _demo(api)
    with api.client("planner") as planner:
        stored = ok(
            planner.put(
                f"/v1/sites/{site}/rules",
                json={"valid_from": week.isoformat(), "labour_cost": LABOUR},
            ),
            201,
        )
        assert [w["contract"] for w in stored["labour_cost"]["wages"]] == list(RATES)
        assert stored["labour_cost"]["premiums"][2]["contracts"] == ["Part-time-20-24-h"]
        again = ok(planner.get(f"/v1/sites/{site}/rules", params={"week_start": week.isoformat()}))
        assert again["labour_cost"] == stored["labour_cost"]
        zone = ZoneInfo(ok(planner.get(f"/v1/sites/{site}"))["timezone"])
        currency = ok(planner.get(f"/v1/sites/{site}"))["currency"]

    built = _wfm("schedule", "--json", "--week", week.isoformat(), "--time-limit", "2",
                 "--database-url", api.database_url)  # fmt: skip
    assert built.exit_code == 0, built.output
    schedule_id = json.loads(built.stdout)["schedule_id"]
    assert "labour cost " in built.stderr and "per answered contact" in built.stderr

    with api.client("planner") as planner:
        schedule = ok(planner.get(f"/v1/schedules/{schedule_id}"))
        evaluation = ok(planner.get(f"/v1/schedules/{schedule_id}/evaluation"))
        agents = ok(planner.get("/v1/agents", params={"site": site}))
    contracts = {a["code"]: _code(a["contract"]["name"]) for a in _items(agents)}
    assert len(schedule["shifts"]) > 20
    expected = _expected_cost(schedule["shifts"], contracts, zone)
    assert evaluation["labour_cost"] == pytest.approx(expected, rel=1e-9)
    labour = evaluation["labour"]
    assert labour["currency"] == currency
    assert labour["paid_hours"] == pytest.approx(evaluation["paid_hours"])
    assert labour["contracts_without_wage"] == (
        ["Part-time-20-h"] if "Part-time-20-h" in contracts.values() else []
    )
    assert labour["overtime_hours"] == 0  # the roster keeps every contract's weekly maximum
    assert labour["base_cost"] + labour["premium_cost"] == pytest.approx(expected)
    answered = sum(
        q["contacts"] * q["predicted_answer_rate"]
        for q in evaluation["queues"]
        if q["predicted_answer_rate"] is not None
    )
    assert answered > 0 and evaluation["answered_contacts"] == pytest.approx(answered)
    assert evaluation["cost_per_answered_contact"] == pytest.approx(expected / answered)
    assert evaluation["sales_per_paid_hour"] == pytest.approx(
        evaluation["outbound_value"] / evaluation["paid_hours"]
    )
    # the stored summary carries the same figures as the endpoint
    summary = json.loads(built.stdout)["summary"]
    assert summary["labour_cost"] == pytest.approx(evaluation["labour_cost"])
    assert summary["cost_per_answered_contact"] == pytest.approx(
        evaluation["cost_per_answered_contact"]
    )


def test_without_wages_the_evaluation_has_no_cost_but_sales_per_paid_hour(api: ApiServer) -> None:
    site, week = _demo(api, agents=6)
    built = _wfm("schedule", "--json", "--week", week.isoformat(), "--time-limit", "1",
                 "--database-url", api.database_url)  # fmt: skip
    assert built.exit_code == 0, built.output
    schedule_id = json.loads(built.stdout)["schedule_id"]
    with api.client("planner") as planner:
        evaluation = ok(planner.get(f"/v1/schedules/{schedule_id}/evaluation"))
    assert evaluation["labour_cost"] is None and evaluation["labour"] is None
    assert evaluation["cost_per_answered_contact"] is None
    assert evaluation["sales_per_paid_hour"] == pytest.approx(
        evaluation["outbound_value"] / evaluation["paid_hours"]
    )


def _paid_hours(shifts: list[dict[str, Any]], code: str) -> float:
    """An agent's paid hours from the shifts the API returns: each shift less its lunches."""
    total = 0.0
    for shift in (s for s in shifts if s["agent_code"] == code):
        seconds = (
            datetime.fromisoformat(shift["end_utc"]) - datetime.fromisoformat(shift["start_utc"])
        ).total_seconds()
        for b in shift["breaks"]:
            if b["kind"] == "lunch":
                seconds -= (
                    datetime.fromisoformat(b["end_utc"]) - datetime.fromisoformat(b["start_utc"])
                ).total_seconds()
        total += seconds / 3600.0
    return total


def test_voluntary_time_off_offered_is_taken_where_hours_cost_more_than_they_earn(
    api: ApiServer,
) -> None:
    """A planner enters a full-timer's offer of 8 unpaid hours; at a wage far above what any
    hour earns, the roster takes the hours offered and no more, and the evaluation says so."""
    site, week = _demo(api, agents=8)
    wages = [{"contract": name, "hourly_rate": 5000.0} for name in RATES]
    offer = {"kind": "voluntary_time_off", "vto_hours_max": 8, "dates": [week.isoformat()]}
    with api.client("planner") as planner:
        rules = {"valid_from": week.isoformat(), "labour_cost": {"wages": wages}}
        ok(planner.put(f"/v1/sites/{site}/rules", json=rules), 201)
        agents = _items(ok(planner.get("/v1/agents", params={"site": site})))
        chosen = next(a for a in agents if _code(a["contract"]["name"]) == "Full-time-40-h")
        code = chosen["code"]
        stored = ok(planner.put(f"/v1/agents/{code}/preferences", json={"preferences": [offer]}))
        assert stored[0]["vto_hours_max"] == 8 and stored[0]["kind"] == "voluntary_time_off"
    built = _wfm("schedule", "--json", "--week", week.isoformat(), "--time-limit", "3",
                 "--database-url", api.database_url)  # fmt: skip
    assert built.exit_code == 0, built.output
    assert "voluntary time off taken: 8.0 unpaid h" in built.stderr
    schedule_id = json.loads(built.stdout)["schedule_id"]
    with api.client("planner") as planner:
        schedule = ok(planner.get(f"/v1/schedules/{schedule_id}"))
        evaluation = ok(planner.get(f"/v1/schedules/{schedule_id}/evaluation"))
    minimum = chosen["contract"]["weekly_hours_min"]
    assert _paid_hours(schedule["shifts"], code) == pytest.approx(minimum - 8)
    assert evaluation["voluntary_time_off_hours"] == pytest.approx(8.0)
    assert json.loads(built.stdout)["summary"]["voluntary_time_off_hours"] == pytest.approx(8.0)
    assert evaluation["hard_violations"] == 0, evaluation["violations"]


@pytest.mark.parametrize(
    ("labour", "field"),
    [
        ({"wages": [{"contract": "Full-time 40 h", "hourly_rate": -12}]},
         "labour_cost.wages[0].hourly_rate"),
        ({"wages": [{"contract": "Temp", "hourly_rate": 12}]}, "labour_cost.wages[0].contract"),
        ({"premiums": [{"kind": "night", "start_local": "22:00", "end_local": "06:00"},
                       {"kind": "night", "start_local": "05:00", "end_local": "08:00"}]},
         "labour_cost.premiums[1]"),
        ({"premiums": [{"kind": "night", "start_local": "22:00", "end_local": "06:00",
                        "contracts": ["Casual"]}]}, "labour_cost.premiums[0].contracts"),
        ({"premiums": [{"kind": "evening", "start_local": "18:00", "end_local": "22:00",
                        "multiplier": 0.5}]}, "labour_cost.premiums[0].multiplier"),
    ],
)  # fmt: skip
def test_bad_wages_are_refused_naming_the_field(
    api: ApiServer, tmp_path: Path, labour: dict[str, Any], field: str
) -> None:
    demo = generate_demo_centre(weeks=1, agents=6, seed=3)
    with unit_of_work(api.engine) as session:
        load_centre(session, CentreData.of_demo(demo))
    site = demo.sites[0].code
    with api.client("planner") as planner:
        refused = planner.put(
            f"/v1/sites/{site}/rules", json={"valid_from": "2026-12-07", "labour_cost": labour}
        )
        assert refused.status_code == 422, refused.text
        assert field in refused.text
        assert ok(planner.get(f"/v1/sites/{site}/rules"))["version"] is None
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"labour_cost": labour}))
    result = _wfm("site-rules", "--site", site, "--week", "2026-12-07", "--set", str(rules),
                  "--database-url", api.database_url)  # fmt: skip
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and field in lines[0]
    assert "Traceback" not in result.output
    shown = _wfm("site-rules", "--site", site, "--database-url", api.database_url)
    assert json.loads(shown.stdout)["version"] is None


def _items(page: Any) -> list[dict[str, Any]]:
    return page["items"] if isinstance(page, dict) else page


def _code(name: str) -> str:
    return "-".join(name.split())
