"""KPIs over real HTTP against hand-computed values of the domain definitions: short abandons,
service-level variants, periods in the site's timezone across a DST change, occupancy from the
published schedule, outbound hours and value."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from apikit import SITE, ApiServer, ok, seed_centre

from api.kpis.schemas import KpiReportRead
from wfm.db.repositories import ScheduleRepository
from wfm.db.session import unit_of_work
from wfm.domain import Activity, ActivitySpan, Schedule, ScheduleStatus, Shift

CSV = {"Content-Type": "text/csv"}
HEADER = (
    "queue,interval_start,interval_minutes,answered,abandoned,short_abandoned,"
    "answered_within_threshold,handle_seconds,wait_seconds_answered\n"
)


def _import(client: object, rows: list[str]) -> None:
    ok(client.post("/v1/history/import", content=HEADER + "\n".join(rows) + "\n", headers=CSV))  # type: ignore[attr-defined]


def _kpis(client: object, **params: object) -> dict:
    """A KPI report, checked to be exactly its documented schema's JSON (the server writes the
    JSON itself, without the model)."""
    report: dict = ok(client.get("/v1/kpis", params={"site": SITE, **params}))  # type: ignore[attr-defined]
    assert KpiReportRead.model_validate(report).model_dump(mode="json") == report
    return report


def test_kpi_definitions_and_variants(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        _import(
            planner,
            [
                "retail,2025-03-03T08:00:00Z,15,90,10,4,72,600,900",
                "retail,2025-03-03T08:15:00Z,15,10,0,0,10,300,0",
                "business,2025-03-03T08:00:00Z,15,0,0,0,0,0,0",
            ],
        )
    with api.client("executive") as executive:
        report = _kpis(executive, start="2025-03-03", end="2025-03-04")
        retail = next(s for s in report["series"] if s["queue_code"] == "retail")
        day = retail["points"][0]
        assert day["period"] == "2025-03-03" and day["period_start_utc"] == "2025-03-02T23:00:00Z"
        kpi = day["kpis"]
        # offered = answered + abandoned - short abandons = 100 + 10 - 4
        assert (kpi["offered"], kpi["answered"], kpi["abandoned"]) == (106, 100, 6)
        assert kpi["answer_rate"] == pytest.approx(100 / 106)
        assert kpi["abandon_rate"] == pytest.approx(6 / 106)
        assert kpi["service_level"] == pytest.approx(82 / 106)
        assert kpi["asa_seconds"] == pytest.approx(9.0)
        assert kpi["aht_seconds"] == pytest.approx(9.0)
        assert kpi["occupancy"] is None  # no published schedule
        business = next(s for s in report["series"] if s["queue_code"] == "business")
        assert business["total"]["answer_rate"] is None  # no contacts: undefined, not zero
        assert report["overall"]["total"]["offered"] == 106

        with_short = _kpis(
            executive, start="2025-03-03", end="2025-03-04", include_short_abandons=True
        )["overall"]["total"]
        assert with_short["offered"] == 110
        assert with_short["service_level"] == pytest.approx(82 / 110)
        ignoring = _kpis(
            executive,
            start="2025-03-03",
            end="2025-03-04",
            service_level_variant="ignore_abandons",
        )["overall"]["total"]
        assert ignoring["service_level"] == pytest.approx(82 / 100)

        by_interval = _kpis(
            executive, start="2025-03-03", end="2025-03-04", granularity="interval", queue="retail"
        )
        points = by_interval["series"][0]["points"]
        assert [p["period"] for p in points] == ["2025-03-03T09:00:00", "2025-03-03T09:15:00"]
        assert points[1]["kpis"]["service_level"] == 1.0

        unknown = executive.get(
            "/v1/kpis",
            params={"site": SITE, "start": "2025-03-03", "end": "2025-03-04", "queue": "nope"},
        )
        assert unknown.status_code == 404
        backwards = executive.get(
            "/v1/kpis", params={"site": SITE, "start": "2025-03-04", "end": "2025-03-03"}
        )
        assert backwards.status_code == 422
        too_long = executive.get(
            "/v1/kpis",
            params={
                "site": SITE,
                "start": "2025-01-01",
                "end": "2025-03-01",
                "granularity": "interval",
            },
        )
        assert too_long.status_code == 422 and "at most 31 days" in too_long.json()["detail"]


def test_periods_follow_the_site_timezone_across_daylight_saving(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        _import(
            planner,
            [
                "retail,2025-03-29T22:45:00Z,15,1,0,0,1,60,0",  # Sat 29 23:45 CET
                "retail,2025-03-29T23:30:00Z,15,2,0,0,2,60,0",  # Sun 30 00:30 CET
                "retail,2025-03-30T21:45:00Z,15,4,0,0,4,60,0",  # Sun 30 23:45 CEST
                "retail,2025-03-30T22:30:00Z,15,8,0,0,8,60,0",  # Mon 31 00:30 CEST
                "retail,2025-03-31T22:15:00Z,15,16,0,0,16,60,0",  # Tue 1 Apr 00:15 CEST
            ],
        )

        def answered(granularity: str) -> dict[str, int]:
            report = _kpis(
                planner,
                start="2025-03-24",
                end="2025-04-07",
                granularity=granularity,
                queue="retail",
            )
            return {p["period"]: p["kpis"]["answered"] for p in report["series"][0]["points"]}

        assert answered("day") == {
            "2025-03-29": 1,
            "2025-03-30": 6,
            "2025-03-31": 8,
            "2025-04-01": 16,
        }
        assert answered("week") == {"2025-03-24": 7, "2025-03-31": 24}
        assert answered("month") == {"2025-03-01": 15, "2025-04-01": 16}

        # the site moves to New York (UTC-4 by then): its days are regrouped at once
        with api.client("admin") as admin:
            ok(admin.patch(f"/v1/sites/{SITE}", json={"timezone": "America/New_York"}))
        assert answered("day") == {"2025-03-29": 3, "2025-03-30": 12, "2025-03-31": 16}
        assert answered("week") == {"2025-03-24": 15, "2025-03-31": 16}


def _schedule(api: ApiServer, status_published: bool = True) -> int:
    shift = Shift(
        agent_code="A0",
        shift_date=date(2025, 3, 3),
        start_utc=datetime(2025, 3, 3, 8, 0, tzinfo=UTC),
        end_utc=datetime(2025, 3, 3, 10, 0, tzinfo=UTC),
        activities=(
            ActivitySpan(
                datetime(2025, 3, 3, 8, 0, tzinfo=UTC),
                datetime(2025, 3, 3, 9, 0, tzinfo=UTC),
                Activity.SERVE,
                queue_code="retail",
            ),
            ActivitySpan(
                datetime(2025, 3, 3, 9, 0, tzinfo=UTC),
                datetime(2025, 3, 3, 10, 0, tzinfo=UTC),
                Activity.SELL,
                campaign_code="renewals",
            ),
        ),
    )
    with unit_of_work(api.engine) as session:
        repo = ScheduleRepository(session)
        return repo.add(
            Schedule(
                site_code=SITE,
                week_start=date(2025, 3, 3),
                version=repo.next_version(SITE, date(2025, 3, 3)),
                status=ScheduleStatus.DRAFT,
                created_at_utc=datetime(2025, 2, 20, tzinfo=UTC),
                shifts=(shift,),
            )
        )


def test_occupancy_and_outbound_from_the_published_schedule(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        _import(
            planner,
            [
                "retail,2025-03-03T08:00:00Z,15,3,0,0,3,600,0",
                "retail,2025-03-03T08:15:00Z,15,2,0,0,2,300,0",
            ],
        )
        schedule_id = _schedule(api)
        draft = _kpis(planner, start="2025-03-03", end="2025-03-04")
        assert draft["overall"]["total"]["occupancy"] is None  # drafts do not count
        ok(planner.post(f"/v1/schedules/{schedule_id}/publish"))
        day = _kpis(planner, start="2025-03-03", end="2025-03-04", queue="retail")
        # 900 s handled in the 3600 s A0 was scheduled to serve retail
        assert day["series"][0]["total"]["occupancy"] == pytest.approx(900 / 3600)
        by_interval = _kpis(
            planner, start="2025-03-03", end="2025-03-04", granularity="interval", queue="retail"
        )
        assert [p["kpis"]["occupancy"] for p in by_interval["series"][0]["points"]] == [
            pytest.approx(600 / 900),
            pytest.approx(300 / 900),
        ]
    with api.client("executive") as executive:
        outbound = ok(
            executive.get("/v1/kpis/outbound", params={"site": SITE, "week_start": "2025-03-03"})
        )
    # one hour selling 10:00-11:00 Paris time, at 10 per productive hour, efficiency 0.8
    assert outbound["schedule_id"] == schedule_id and outbound["status"] == "published"
    assert outbound["sell_hours"] == pytest.approx(1.0)
    assert outbound["campaigns"][0]["productive_hours"] == pytest.approx(0.8)
    assert outbound["value"] == pytest.approx(8.0)


def test_forecast_accuracy_kpi_without_scores(api: ApiServer) -> None:
    with api.client("admin") as admin:
        seed_centre(admin)
    with api.client("executive") as executive:
        empty = ok(executive.get("/v1/kpis/forecast-accuracy", params={"site": SITE}))
        assert empty["forecast_run_id"] is None and empty["periods"] == []
        assert executive.get("/v1/kpis/forecast-accuracy", params={"site": "x"}).status_code == 404


def test_cached_kpis_follow_imports_through_the_server(engine: object, database_url: str) -> None:
    from apikit import start_uvicorn

    from api.app import create_app
    from api.settings import ApiSettings

    app = create_app(ApiSettings(database_url=database_url, api_kpi_cache_seconds=600))
    url, server, thread = start_uvicorn(app)
    box = ApiServer(url=url, database_url=database_url, engine=engine)  # type: ignore[arg-type]
    token = box.add_token("admin")
    try:
        with box.client(token=token) as admin:
            seed_centre(admin)
            _import(admin, ["retail,2025-03-03T08:00:00Z,15,10,0,0,10,600,0"])
            month = {"site": SITE, "start": "2025-03-01", "end": "2025-04-01"}

            def cache_state() -> str:
                return str(admin.get("/v1/kpis", params=month).headers["X-WFM-Cache"])

            assert [cache_state(), cache_state()] == ["miss", "hit"]
            for granularity in ("day", "month"):
                before = _kpis(admin, start="2025-03-01", end="2025-04-01", granularity=granularity)
                assert before["overall"]["total"]["answered"] == 10
            _import(admin, ["retail,2025-03-04T08:00:00Z,15,5,0,0,5,300,0"])
            assert cache_state() == "miss"  # the import cleared the cache
            for granularity in ("day", "month"):
                after = _kpis(admin, start="2025-03-01", end="2025-04-01", granularity=granularity)
                assert after["overall"]["total"]["answered"] == 15, granularity
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        app.state.engine.dispose()
