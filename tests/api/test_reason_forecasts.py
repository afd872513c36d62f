"""Reason forecasts over real HTTP: the stored queue forecast split by the reason mix of the
history before the run's origin, summing to the queue's forecast in every interval, each
reason scored against the realised history by hand; queues without reasons, bad input, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apikit import SITE, ApiServer, ok, seed_centre

from wfm.db.repositories import ForecastRepository, HistoryRepository
from wfm.db.session import unit_of_work
from wfm.domain import ForecastRun, ForecastValue, IntervalRecord

PATH = "/v1/forecasts/reasons"
ORIGIN = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday; Paris is UTC+1
BILLING, CARD = "账单查询", "card_lost"
# the queue forecast of retail (and business): 3 March 09:00 and 10:00, 4 March 09:00 UTC
FORECAST = {
    ORIGIN + timedelta(hours=9): 40.0,
    ORIGIN + timedelta(hours=10): 12.0,
    ORIGIN + timedelta(days=1, hours=9): 20.0,
}


def _record(at: datetime, offered: int, reasons: dict[str, int]) -> IntervalRecord:
    return IntervalRecord(
        queue_code="retail",
        interval_start_utc=at,
        interval_minutes=60,
        offered=offered,
        answered=offered,
        abandoned=0,
        answered_within_threshold=offered,
        reason_counts=reasons,
    )


def _store(api: ApiServer) -> None:
    # two weeks before the origin, 09:00 and 10:00 UTC daily: always 6 billing to 2 card_lost
    records = [
        _record(ORIGIN - timedelta(days=day) + timedelta(hours=hour), 8, {BILLING: 6, CARD: 2})
        for day in range(1, 15)
        for hour in (9, 10)
    ]
    # realised in the forecast's range: all reasons recorded, then only 4 of 10 contacts
    records += [
        _record(ORIGIN + timedelta(hours=9), 36, {BILLING: 20, CARD: 16}),
        _record(ORIGIN + timedelta(hours=10), 10, {BILLING: 2, CARD: 2}),
    ]
    with unit_of_work(api.engine) as session:
        HistoryRepository(session).upsert(records)
        repo = ForecastRepository(session)
        repo.add_run(
            ForecastRun(
                site_code=SITE,
                version=repo.next_version(SITE),
                created_at_utc=ORIGIN,
                interval_minutes=60,
                horizon_start_utc=ORIGIN,
                horizon_end_utc=ORIGIN + timedelta(days=7),
                history_start_utc=ORIGIN - timedelta(days=14),
                history_end_utc=ORIGIN,
            ),
            [
                ForecastValue(queue, at, offered, 300.0)
                for queue in ("retail", "business")
                for at, offered in FORECAST.items()
            ],
        )


@pytest.fixture
def centre(api: ApiServer) -> ApiServer:
    with api.client("planner") as planner:
        seed_centre(planner)
    _store(api)
    return api


def _get(client: Any, **params: object) -> Any:
    query = {"site": SITE, "start": ORIGIN.isoformat(), "end": "2025-03-10T00:00:00+00:00"}
    return client.get(PATH, params={**query, **params})


def test_reasons_split_the_queue_forecast_and_are_scored_by_hand(centre: ApiServer) -> None:
    with centre.client("planner") as planner:
        report: Any = ok(_get(planner))
    assert report["timezone"] == "Europe/Paris"
    queues = {q["queue_code"]: q for q in report["queues"]}
    retail = queues["retail"]
    assert retail["share_window_end_utc"].startswith("2025-03-03T00:00:00")
    assert retail["contacts_with_reason"] == 14 * 2 * 8
    # a constant mix: every estimator splits the realised totals exactly; ties go to overall
    assert retail["method"] == "overall"
    assert retail["backtest_wmape_by_method"] == {
        "overall": 0.0,
        "hour_of_week": 0.0,
        "shrunk": 0.0,
    }
    assert [o[:10] for o in retail["backtest_origins_utc"]] == ["2025-02-24"]
    # 3:1 split of 40, 12 and 20
    splits = [(i["offered"], i["by_reason"]) for i in retail["intervals"]]
    assert splits == [
        (40.0, {BILLING: pytest.approx(30.0), CARD: pytest.approx(10.0)}),
        (12.0, {BILLING: pytest.approx(9.0), CARD: pytest.approx(3.0)}),
        (20.0, {BILLING: pytest.approx(15.0), CARD: pytest.approx(5.0)}),
    ]
    for interval in retail["intervals"]:
        assert sum(interval["by_reason"].values()) == pytest.approx(interval["offered"], rel=1e-12)
    billing, card = retail["reasons"]
    assert (billing["reason"], card["reason"]) == (BILLING, CARD)
    assert (billing["forecast_offered"], card["forecast_offered"]) == pytest.approx((54.0, 18.0))
    assert (billing["share"], card["share"]) == pytest.approx((0.75, 0.25))
    # realised: 20 + 2 x 10/4 = 25 billing, 16 + 2 x 10/4 = 21 card_lost (the 4 March has none)
    assert billing["realised_offered"] == pytest.approx(25.0)
    assert billing["forecast_on_realised"] == pytest.approx(39.0)
    assert billing["wmape"] == pytest.approx((10 + 4) / 25)
    assert card["realised_offered"] == pytest.approx(21.0)
    assert card["wmape"] == pytest.approx((6 + 2) / 21)
    assert billing["backtest_wmape"] == 0.0
    # business has no recorded reasons: no split, the queue's forecast still reported
    business = queues["business"]
    assert business["method"] is None
    assert (business["reasons"], business["intervals"]) == ([], [])
    assert business["forecast_offered"] == pytest.approx(72.0)


def test_the_executive_reads_the_summary_and_an_agent_is_refused(centre: ApiServer) -> None:
    with centre.client("executive") as executive:
        report: Any = ok(_get(executive, queue="retail", intervals="false"))
    assert [q["queue_code"] for q in report["queues"]] == ["retail"]
    assert report["queues"][0]["intervals"] == []
    assert len(report["queues"][0]["reasons"]) == 2
    with centre.client(token=centre.add_token("agent", agent_code="A0")) as agent:
        assert _get(agent).status_code == 403


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"end": "2025-03-02T00:00:00+00:00"}, 422, "query.end"),
        ({"end": "2025-04-30T00:00:00+00:00"}, 422, "query.end"),
        ({"start": "2025-03-03T00:00:00"}, 422, "query.start"),
        ({"queue": "no such!"}, 422, "query.queue"),
        ({"run_id": 0}, 422, "query.run_id"),
        ({"queue": "nowhere"}, 404, None),
        ({"site": "nowhere"}, 404, None),
        ({"run_id": 999}, 404, None),
    ],
)
def test_bad_input_is_refused(
    centre: ApiServer, params: dict[str, object], status: int, field: str | None
) -> None:
    with centre.client("planner") as planner:
        response = _get(planner, **params)
    assert response.status_code == status, response.text
    if field is not None:
        assert field in response.text


def test_a_site_without_a_forecast_run_is_404(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        response = _get(planner)
    assert response.status_code == 404
    assert "no forecast run" in response.json()["detail"]


def test_a_range_the_run_does_not_cover_splits_nothing(centre: ApiServer) -> None:
    with centre.client("executive") as executive:
        report: Any = ok(_get(executive, start="2025-02-24T00:00:00+00:00", end=ORIGIN.isoformat()))
    retail = next(q for q in report["queues"] if q["queue_code"] == "retail")
    assert retail["forecast_offered"] == 0
    assert retail["intervals"] == []
    assert [(r["forecast_offered"], r["share"]) for r in retail["reasons"]] == [
        (0.0, pytest.approx(0.75)),
        (0.0, pytest.approx(0.25)),
    ]
    # realised history there, but no forecast of it: nothing scored
    assert all(r["wmape"] is None for r in retail["reasons"])
