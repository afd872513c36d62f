"""Interval history over real HTTP, hardened: imports of the same days at the same time all
succeed; implausible dates (outside the configured window around now, or at the ends of the
calendar) are refused naming the row and field, storing nothing; a range of history can be
deleted, and the KPIs, day sums and patience estimates follow."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from apikit import SITE, ApiServer, history_csv, ok, seed_centre, start_uvicorn

from wfm.db.repositories import HistoryRepository
from wfm.db.session import unit_of_work
from wfm.domain import IntervalRecord

CSV = {"Content-Type": "text/csv"}
IMPORT = "/v1/history/import"
HEADER = "queue,interval_start,interval_minutes,offered,answered,abandoned\n"
# two weeks back, at midnight UTC: inside the default window whenever the tests run
START = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=14)


def _intervals(client: httpx.Client, queue: str, days: int = 4) -> list[dict[str, Any]]:
    return ok(  # type: ignore[return-value]
        client.get(
            "/v1/history",
            params={
                "queue": queue,
                "start": START.isoformat(),
                "end": (START + timedelta(days=days)).isoformat(),
            },
        )
    )


def _kpis(client: httpx.Client) -> Any:
    return ok(
        client.get(
            "/v1/kpis",
            params={
                "site": SITE,
                "start": (START.date() - timedelta(days=1)).isoformat(),
                "end": (START.date() + timedelta(days=5)).isoformat(),
                "granularity": "day",
            },
        )
    )


def _coverage(client: httpx.Client) -> dict[str, int]:
    spans: list[dict[str, Any]] = ok(client.get("/v1/history/coverage"))  # type: ignore[assignment]
    return {c["queue_code"]: c["intervals"] for c in spans}


def _part(index: int, parts: int) -> str:
    """The index-th of `parts` files over the same three days of both queues: every file holds
    the intervals whose number is index or index - 1 modulo parts, same values in each."""
    full = history_csv(3, START).splitlines()
    rows = [
        line
        for number, line in enumerate(full[1:])
        if number % parts in (index, (index - 1) % parts)
    ]
    return "\n".join([full[0], *rows]) + "\n"


def test_concurrent_imports_of_the_same_days_all_succeed(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
    files = [_part(i, 6) for i in range(6)]
    statuses: list[tuple[int, str]] = []
    lock = threading.Lock()

    def post(barrier: threading.Barrier, body: str) -> None:
        with api.client("planner") as client:
            barrier.wait()
            response = client.post(
                IMPORT, content=body, headers=CSV, params={"interval_minutes": 15}
            )
        with lock:
            statuses.append((response.status_code, response.text[:300]))

    for _ in range(3):
        barrier = threading.Barrier(len(files))
        threads = [threading.Thread(target=post, args=(barrier, body)) for body in files]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [s for s in statuses if s[0] != 200] == []
    assert len(statuses) == 18
    with api.client("planner") as planner:
        assert _coverage(planner) == {"retail": 3 * 96, "business": 3 * 96}
        concurrent = (_intervals(planner, "retail"), _intervals(planner, "business"))
        report = _kpis(planner)
        # the same files one after another: the same intervals and the same daily KPIs
        for queue in ("retail", "business"):
            ok(
                planner.delete(
                    "/v1/history",
                    params={
                        "queue": queue,
                        "start": START.isoformat(),
                        "end": (START + timedelta(days=3)).isoformat(),
                    },
                )
            )
        assert _coverage(planner) == {}
        for body in files:
            ok(planner.post(IMPORT, content=body, headers=CSV, params={"interval_minutes": 15}))
        assert (_intervals(planner, "retail"), _intervals(planner, "business")) == concurrent
        assert _kpis(planner) == report


def _rejected(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == "import_rejected"
    return body


def test_rows_outside_the_window_around_now_refuse_the_import(api: ApiServer) -> None:
    good = f"retail,{START.isoformat()},15,10,9,1\n"
    with api.client("planner") as planner:
        seed_centre(planner)
        future = _rejected(
            planner.post(
                IMPORT,
                content=HEADER + good + "retail,2200-01-01T00:00:00Z,15,4,4,0\n",
                headers=CSV,
            )
        )
        assert future["error_count"] == 1
        (error,) = future["errors"]
        assert (error["row"], error["field"]) == (3, "interval_start")
        assert error["value"] == "2200-01-01T00:00:00+00:00"
        assert "WFM_HISTORY_MAX_FUTURE_DAYS" in error["message"]
        assert "row 3" in future["detail"]

        old = (datetime.now(UTC) - timedelta(days=3700)).replace(minute=0, second=0, microsecond=0)
        past = _rejected(
            planner.post(
                IMPORT,
                json=[
                    {
                        "queue": "retail",
                        "interval_start": START.isoformat(),
                        "offered": 3,
                        "answered": 3,
                    },
                    {
                        "queue": "retail",
                        "interval_start": old.isoformat(),
                        "offered": 3,
                        "answered": 3,
                    },
                ],
                params={"interval_minutes": 15},
            )
        )
        assert [(e["row"], e["field"]) for e in past["errors"]] == [(2, "interval_start")]
        assert "WFM_HISTORY_MAX_PAST_DAYS" in past["errors"][0]["message"]
        # a date column is the field named for split date and time
        split = _rejected(
            planner.post(
                IMPORT,
                content="queue,date,time,offered,answered\nretail,2200-01-01,08:00,4,4\n",
                headers=CSV,
                params={"interval_minutes": 15, "timezone": "Europe/Paris"},
            )
        )
        assert [(e["row"], e["field"]) for e in split["errors"]] == [(2, "date")]
        dry = planner.post(
            IMPORT,
            content=HEADER + "retail,2200-01-01T00:00:00Z,15,4,4,0\n",
            headers=CSV,
            params={"dry_run": True},
        )
        assert dry.status_code == 422
        assert _coverage(planner) == {}  # all or nothing: the good row was not stored either
        ok(planner.post(IMPORT, content=HEADER + good, headers=CSV))
        assert _coverage(planner) == {"retail": 1}


@contextmanager
def _server(api: ApiServer, **settings: Any) -> Iterator[httpx.Client]:
    from api.app import create_app
    from api.settings import ApiSettings

    app = create_app(ApiSettings(database_url=api.database_url, **settings))
    url, server, thread = start_uvicorn(app)
    try:
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {api.tokens['planner']}"}
        ) as client:
            yield client
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        app.state.engine.dispose()


def test_the_window_follows_the_settings(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
    soon = (datetime.now(UTC) + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    body = HEADER + f"retail,{START.isoformat()},15,10,9,1\nretail,{soon.isoformat()},15,1,1,0\n"
    with _server(api, history_max_past_days=7, history_max_future_days=10) as narrow:
        report = _rejected(narrow.post(IMPORT, content=body, headers=CSV))
        assert [(e["row"], e["field"]) for e in report["errors"]] == [(2, "interval_start")]
        assert "more than 7 days before now" in report["errors"][0]["message"]
    with _server(api, history_max_past_days=30, history_max_future_days=10) as wide:
        assert ok(wide.post(IMPORT, content=body, headers=CSV))["imported"] == 2  # type: ignore[index]
    with api.client("planner") as planner:  # the default: at most 2 days ahead
        assert planner.post(IMPORT, content=body, headers=CSV).status_code == 422


def test_dates_at_the_ends_of_the_calendar_are_row_errors(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        for stamp in (
            "0001-01-01T00:00:00+14:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T00:00:00Z",
            "9999-12-31T23:45:00-05:00",
        ):
            for response in (
                planner.post(IMPORT, content=HEADER + f"retail,{stamp},15,1,1,0\n", headers=CSV),
                planner.post(
                    IMPORT,
                    json=[
                        {"queue": "retail", "interval_start": stamp, "offered": 1, "answered": 1}
                    ],
                    params={"interval_minutes": 15},
                ),
            ):
                report = _rejected(response)
                assert [(e["row"], e["field"]) for e in report["errors"]] in (
                    [(2, "interval_start")],
                    [(1, "interval_start")],
                ), stamp
        for day, zone in (("9999-12-31", "America/New_York"), ("0001-01-01", "Asia/Tokyo")):
            report = _rejected(
                planner.post(
                    IMPORT,
                    content=f"queue,date,time,offered,answered\nretail,{day},23:45,1,1\n",
                    headers=CSV,
                    params={"interval_minutes": 15, "timezone": zone},
                )
            )
            assert [(e["row"], e["field"]) for e in report["errors"]] == [(2, "date")]
        for method in ("GET", "DELETE"):
            response = planner.request(
                method,
                "/v1/history",
                params={
                    "queue": "retail",
                    "start": "0001-01-01T00:00:00+14:00",
                    "end": "2025-01-02T00:00:00Z",
                },
            )
            assert response.status_code == 422, response.text
            assert [e["field"] for e in response.json()["errors"]] == ["query.start"]
        assert _coverage(planner) == {}


def _patience_source(client: httpx.Client, queue: str) -> str:
    return ok(client.get(f"/v1/queues/{queue}"))["patience"]["source"]  # type: ignore[index]


def _day(start: datetime, abandoned: int) -> str:
    """One UTC day of both queues, every 15 minutes: 10 offered, `abandoned` of them abandoning
    after 90 s each."""
    lines = [
        "queue,interval_start,interval_minutes,offered,answered,abandoned,wait_seconds_abandoned"
    ]
    for queue in ("retail", "business"):
        for step in range(96):
            at = start + timedelta(minutes=15 * step)
            lines.append(
                f"{queue},{at.isoformat()},15,10,{10 - abandoned},{abandoned},{90 * abandoned}"
            )
    return "\n".join(lines) + "\n"


def test_delete_by_range_round_trip(api: ApiServer) -> None:
    day = timedelta(days=1)
    with api.client("planner") as planner:
        seed_centre(planner)
        ok(planner.post(IMPORT, content=_day(START + day, 0), headers=CSV))
        only_later = _kpis(planner)
        ok(planner.post(IMPORT, content=_day(START, 2), headers=CSV))  # abandons: a patience
        assert _coverage(planner) == {"retail": 2 * 96, "business": 2 * 96}
        assert _kpis(planner) != only_later
        ok(planner.post("/v1/queues/patience-estimates", params={"site": SITE}))
        assert _patience_source(planner, "retail") == "history"

        where = {"start": START.isoformat(), "end": (START + day).isoformat()}
        with api.client("executive") as executive:
            assert (
                executive.delete("/v1/history", params={"queue": "retail", **where}).status_code
                == 403
            )
        assert (
            planner.delete("/v1/history", params={"queue": "nowhere", **where}).status_code == 404
        )
        backwards = planner.delete(
            "/v1/history", params={"queue": "retail", "start": where["end"], "end": where["start"]}
        )
        assert backwards.status_code == 422
        assert backwards.json()["errors"][0]["field"] == "query.end"

        for queue in ("retail", "business"):
            result = ok(planner.delete("/v1/history", params={"queue": queue, **where}))
            assert result["deleted"] == 96  # type: ignore[index]
            assert result["patience_reestimated_site"] == SITE  # type: ignore[index]
        again = ok(planner.delete("/v1/history", params={"queue": "retail", **where}))
        assert again["deleted"] == 0  # type: ignore[index]
        assert _coverage(planner) == {"retail": 96, "business": 96}
        assert [r["interval_start_utc"] for r in _intervals(planner, "retail")][0] == (
            (START + day).isoformat().replace("+00:00", "Z")
        )
        # the day sums behind the KPIs are those of the later day alone again
        assert _kpis(planner) == only_later
        # the estimate came from the deleted abandons: re-estimated, the site's setting again
        assert _patience_source(planner, "retail") == "site"

        # a row stored before dates were checked (year 2200) can be deleted
        with unit_of_work(api.engine) as session:
            HistoryRepository(session).upsert(
                [
                    IntervalRecord(
                        queue_code="retail",
                        interval_start_utc=datetime(2200, 1, 1, tzinfo=UTC),
                        interval_minutes=15,
                        offered=4,
                        answered=4,
                        abandoned=0,
                    )
                ]
            )
        assert _coverage(planner)["retail"] == 97
        stray = ok(
            planner.delete(
                "/v1/history",
                params={
                    "queue": "retail",
                    "start": "2100-01-01T00:00:00Z",
                    "end": "2300-01-01T00:00:00+01:00",
                },
            )
        )
        assert stray["deleted"] == 1  # type: ignore[index]
        assert _coverage(planner) == {"retail": 96, "business": 96}
        assert _kpis(planner) == only_later
        assert date.fromisoformat(stray["end_utc"][:10]) == date(2299, 12, 31)  # type: ignore[index]
