"""A site's own calendar over real HTTP, on SQLite and PostgreSQL: days stored and read back, the
year as the forecasts see it (the country's holidays and make-up days with the site's over them),
refusals (422 naming the field, nothing written; 403, 404); and both forecasts take it: the
weekly forecast treats a day the site calls a holiday as one, and the capacity plan learns its
holiday effect from the site's holidays."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apikit import ApiServer, ok

from forecasting.calendar import OVERRIDE_KINDS
from wfm.db.repositories import ForecastRepository
from wfm.db.session import unit_of_work
from wfm.domain import CalendarDayKind
from wfm.services.capacity_plan import create_capacity_plan, run_capacity_plan
from wfm.services.centre import CentreData, load_centre
from wfm.services.forecasting import run_forecast
from wfm.tools.demo import generate_demo_centre

SHANGHAI = {"code": "sh", "name": "上海", "timezone": "Asia/Shanghai", "country_code": "CN"}


def test_the_calendar_is_stored_and_the_year_read_as_the_forecasts_see_it(api: ApiServer) -> None:
    days = [
        {"day": "2027-03-13", "kind": "workday", "name": "盘点周六"},
        {"day": "2027-03-08", "kind": "holiday", "name": "妇女节下午"},
        {"day": "2027-01-01", "kind": "normal"},
    ]
    with api.client("admin") as admin:
        ok(admin.post("/v1/sites", json=SHANGHAI), 201)
    with api.client("planner") as planner:
        assert ok(planner.get("/v1/sites/sh/calendar")) == []
        stored: Any = ok(planner.put("/v1/sites/sh/calendar", json={"days": days}))
        assert [(d["day"], d["kind"], d["name"]) for d in stored] == [
            ("2027-01-01", "normal", ""),
            ("2027-03-08", "holiday", "妇女节下午"),
            ("2027-03-13", "workday", "盘点周六"),
        ]
        assert ok(planner.get("/v1/sites/sh/calendar")) == stored
        year: Any = ok(planner.get("/v1/sites/sh/calendar/2027"))
    assert (year["site"], year["year"], year["country"]) == ("sh", 2027, "CN")
    by_day = {(d["day"], d["kind"]): d for d in year["days"]}
    assert by_day[("2027-03-08", "holiday")]["source"] == "site"
    assert by_day[("2027-03-13", "workday")]["source"] == "site"
    assert by_day[("2027-01-01", "normal")]["source"] == "site"
    assert ("2027-01-01", "holiday") not in by_day  # the site works New Year's Day
    # Spring Festival 2027 (6 Feb) and the National Day are the country's
    assert by_day[("2027-02-06", "holiday")]["source"] == "country"
    assert by_day[("2027-10-01", "holiday")]["source"] == "country"
    assert all(d["day"].startswith("2027-") for d in year["days"])
    assert [d["day"] for d in year["days"]] == sorted(d["day"] for d in year["days"])


def test_refusals_name_the_field_and_write_nothing(api: ApiServer) -> None:
    with api.client("admin") as admin:
        ok(admin.post("/v1/sites", json=SHANGHAI), 201)
    kept = [{"day": "2027-03-08", "kind": "holiday", "name": ""}]
    with api.client("planner") as planner:
        ok(planner.put("/v1/sites/sh/calendar", json={"days": kept}))
        refused = [
            ({"days": [*kept, {"day": "2027-03-08", "kind": "workday"}]}, "listed twice"),
            ({"days": [{"day": "2027-03-09", "kind": "festival"}]}, "body.days.0.kind"),
            ({"days": [{"day": "2027-02-30", "kind": "holiday"}]}, "body.days.0.day"),
            ({"days": [{"day": "2027-03-09", "kind": "holiday", "name": "a\nb"}]}, "name"),
            ({"days": [{"day": "2027-03-09", "kind": "holiday", "x": 1}]}, "body.days.0.x"),
            (
                {
                    "days": [
                        {"day": str(date(2027, 1, 1) + timedelta(days=i)), "kind": "holiday"}
                        for i in range(1001)
                    ]
                },
                "body.days",
            ),
            ({}, "body.days"),
        ]
        for body, why in refused:
            answer = planner.put("/v1/sites/sh/calendar", json=body)
            assert answer.status_code == 422, (body, answer.text)
            assert why in answer.text, answer.text
        assert planner.get("/v1/sites/sh/calendar/3000").status_code == 422
        assert planner.get("/v1/sites/sh/calendar/twenty").status_code == 422
        assert planner.get("/v1/sites/nowhere/calendar").status_code == 404
        assert planner.put("/v1/sites/nowhere/calendar", json={"days": []}).status_code == 404
        assert planner.get("/v1/sites/nowhere/calendar/2027").status_code == 404
        assert [d["day"] for d in ok(planner.get("/v1/sites/sh/calendar"))] == ["2027-03-08"]  # type: ignore[union-attr]
    with api.client("executive") as executive:
        assert len(ok(executive.get("/v1/sites/sh/calendar"))) == 1  # type: ignore[arg-type]
        denied = executive.put("/v1/sites/sh/calendar", json={"days": []})
        assert denied.status_code == 403
    with api.client("planner") as planner:
        assert len(ok(planner.get("/v1/sites/sh/calendar"))) == 1  # type: ignore[arg-type]


def test_the_domain_s_kinds_are_the_forecast_s() -> None:
    assert {kind.value for kind in CalendarDayKind} == set(OVERRIDE_KINDS)


def _daily(session: Any, run_id: int, zone: ZoneInfo) -> dict[tuple[str, date], float]:
    """The run's offered contacts per queue and local day."""
    totals: dict[tuple[str, date], float] = defaultdict(float)
    for value in ForecastRepository(session).values(run_id):
        day = value.interval_start_utc.astimezone(zone).date()
        totals[value.queue_code, day] += value.offered
    return dict(totals)


def test_both_forecasts_take_the_site_s_days(api: ApiServer) -> None:
    centre = generate_demo_centre(weeks=5, agents=10, seed=11)
    site, zone = centre.sites[0].code, ZoneInfo(centre.sites[0].timezone)
    with unit_of_work(api.engine) as session:
        load_centre(session, CentreData.of_demo(centre))
        plain_run = run_forecast(session, site_code=site, weeks=2)
        plain = _daily(session, plain_run.id, zone)  # type: ignore[arg-type]
        base_plan, _ = create_capacity_plan(session, {"site": site, "months": 3}, queue_job=False)
        run_capacity_plan(session, base_plan)
    first = plain_run.horizon_start_utc.astimezone(zone).date()
    # a Saturday of the horizon whose Friday is in the horizon too, made a working day
    saturday = next(
        first + timedelta(days=i)
        for i in range(1, 14)
        if (first + timedelta(days=i)).weekday() == 5
    )
    friday = saturday - timedelta(days=1)
    past = plain_run.history_end_utc.astimezone(zone).date() - timedelta(days=9)
    days = [
        {"day": str(saturday), "kind": "workday", "name": "make-up Saturday"},
        {"day": str(past), "kind": "holiday", "name": "past site day off"},
    ]
    with api.client("planner") as planner:
        ok(planner.put(f"/v1/sites/{site}/calendar", json={"days": days}))
    with unit_of_work(api.engine) as session:
        site_run = run_forecast(session, site_code=site, weeks=2)
        made = _daily(session, site_run.id, zone)  # type: ignore[arg-type]
        site_plan, _ = create_capacity_plan(session, {"site": site, "months": 3}, queue_job=False)
        run_capacity_plan(session, site_plan)
    queues = sorted({queue for queue, _ in made})
    for queue in queues:  # the Saturday forecast like the working day before it
        assert made[queue, saturday] == pytest.approx(made[queue, friday], rel=1e-6), queue
    assert any(plain[q, saturday] != pytest.approx(made[q, saturday], rel=0.05) for q in queues)
    # the capacity plan learns its holiday effect with the site's past holiday among them
    with api.client("planner") as planner:
        shown = {
            plan_id: ok(planner.get(f"/v1/capacity-plans/{plan_id}"))["plan"]  # type: ignore[index]
            for plan_id in (base_plan, site_plan)
        }
    factors = {
        plan_id: [q["holiday_factor"] for q in plan["queues"]] for plan_id, plan in shown.items()
    }
    assert factors[base_plan] != factors[site_plan]
    assert all(f is not None for f in factors[site_plan])
