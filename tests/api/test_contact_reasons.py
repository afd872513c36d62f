"""Top contact reasons over real HTTP, against totals worked out by hand from the intervals stored
below: periods in the site's timezone, the previous range of equal length, shares of contacts
with a recorded reason, queue filter, no data, bad input and roles."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from apikit import SITE, ApiServer, ok, seed_centre

from wfm.db.repositories import HistoryRepository
from wfm.db.session import unit_of_work
from wfm.domain import IntervalRecord

PATH = "/v1/kpis/contact-reasons"

# (queue, interval start UTC, reasons); Paris is UTC+1 in February and March 2025 (before DST).
ROWS: list[tuple[str, str, dict[str, int]]] = [
    # before the previous range: never counted
    ("retail", "2025-02-16T10:00:00", {"billing": 100}),
    # previous range, local 2025-02-17 .. 2025-03-02
    ("retail", "2025-02-20T10:00:00", {"billing": 6, "password_reset": 2}),
    ("retail", "2025-03-02T22:45:00", {"billing": 4, "card_lost": 8}),  # Sun 2 Mar 23:45 local
    # week of Monday 3 March
    ("retail", "2025-03-02T23:15:00", {"complaint": 2}),  # Mon 3 Mar 00:15 local
    ("retail", "2025-03-03T08:00:00", {"billing": 5, "password_reset": 2}),
    ("retail", "2025-03-04T09:00:00", {"billing": 3, "card_lost": 4}),
    ("retail", "2025-03-05T08:00:00", {}),  # an interval without reasons
    # week of Monday 10 March
    ("retail", "2025-03-10T08:00:00", {"billing": 2, "card_lost": 1, "complaint": 1}),
    ("business", "2025-03-11T08:00:00", {"sales_enquiry": 6, "billing": 1}),
    # the end day (Mon 17 March) is excluded
    ("retail", "2025-03-17T08:00:00", {"billing": 50}),
]


def _store(api: ApiServer) -> None:
    records = []
    for queue, at, reasons in ROWS:
        contacts = sum(reasons.values()) or 3
        records.append(
            IntervalRecord(
                queue_code=queue,
                interval_start_utc=datetime.fromisoformat(at).replace(tzinfo=UTC),
                interval_minutes=15,
                offered=contacts,
                answered=contacts,
                abandoned=0,
                answered_within_threshold=contacts,
                reason_counts=reasons,
            )
        )
    with unit_of_work(api.engine) as session:
        HistoryRepository(session).upsert(records)


def _reasons(client: Any, **params: object) -> dict[str, Any]:
    return ok(client.get(PATH, params={"site": SITE, **params}))  # type: ignore[no-any-return]


@pytest.fixture
def centre(api: ApiServer) -> ApiServer:
    with api.client("planner") as planner:
        seed_centre(planner)
    _store(api)
    return api


def test_top_reasons_by_week_with_change_against_the_previous_range(centre: ApiServer) -> None:
    with centre.client("executive") as executive:
        report = _reasons(executive, start="2025-03-03", end="2025-03-17", granularity="week")
    assert (report["previous_start"], report["previous_end"]) == ("2025-02-17", "2025-03-03")
    assert report["timezone"] == "Europe/Paris"
    assert sorted(report["queue_codes"]) == ["business", "retail"]
    # week 1: billing 5+3, password_reset 2, card_lost 4, complaint 2 = 16
    # week 2: billing 2+1, card_lost 1, complaint 1, sales_enquiry 6 = 11
    assert [
        (p["period"], p["period_start_utc"], p["contacts_with_reason"]) for p in report["periods"]
    ] == [
        ("2025-03-03", "2025-03-02T23:00:00Z", 16),
        ("2025-03-10", "2025-03-09T23:00:00Z", 11),
    ]
    assert report["contacts_with_reason"] == 27
    # previous range: billing 6+4, password_reset 2, card_lost 8 = 20
    assert report["previous_contacts_with_reason"] == 20
    assert report["reasons_recorded"] == 5
    assert report["outside_top_count"] == 0
    ranked = [(r["rank"], r["reason"], r["count"]) for r in report["reasons"]]
    assert ranked == [
        (1, "billing", 11),
        (2, "sales_enquiry", 6),
        (3, "card_lost", 5),
        (4, "complaint", 3),
        (5, "password_reset", 2),
    ]
    billing = report["reasons"][0]
    assert billing["share"] == pytest.approx(11 / 27)
    assert (billing["previous_count"], billing["count_change"]) == (10, 1)
    assert billing["previous_share"] == pytest.approx(10 / 20)
    assert billing["count_change_ratio"] == pytest.approx(0.1)
    assert billing["share_change"] == pytest.approx(11 / 27 - 0.5)
    assert [(p["period"], p["count"]) for p in billing["points"]] == [
        ("2025-03-03", 8),
        ("2025-03-10", 3),
    ]
    assert [p["share"] for p in billing["points"]] == [pytest.approx(8 / 16), pytest.approx(3 / 11)]
    sales = report["reasons"][1]
    assert (sales["previous_count"], sales["previous_share"]) == (0, 0.0)
    assert sales["count_change_ratio"] is None  # no base to grow from
    assert sales["share_change"] == pytest.approx(6 / 27)
    card = report["reasons"][2]
    assert (card["count_change"], card["count_change_ratio"]) == (-3, pytest.approx(-3 / 8))


def test_top_n_days_months_and_queue_filter(centre: ApiServer) -> None:
    with centre.client("executive") as executive:
        two = _reasons(executive, start="2025-03-03", end="2025-03-17", top=2)
        assert [r["reason"] for r in two["reasons"]] == ["billing", "sales_enquiry"]
        assert (two["reasons_recorded"], two["outside_top_count"]) == (5, 27 - 17)
        assert two["granularity"] == "day" and len(two["periods"]) == 14
        days = {p["period"]: p["contacts_with_reason"] for p in two["periods"]}
        assert (days["2025-03-03"], days["2025-03-04"], days["2025-03-05"]) == (9, 7, 0)
        billing_days = {p["period"]: p["share"] for p in two["reasons"][0]["points"]}
        assert billing_days["2025-03-03"] == pytest.approx(5 / 9)
        assert billing_days["2025-03-05"] is None  # no reasons recorded that day

        month = _reasons(executive, start="2025-03-03", end="2025-03-17", granularity="month")
        assert [(p["period"], p["period_start_utc"]) for p in month["periods"]] == [
            ("2025-03-01", "2025-02-28T23:00:00Z")
        ]
        assert month["reasons"][0]["points"] == [
            {"period": "2025-03-01", "count": 11, "share": pytest.approx(11 / 27)}
        ]

        business = _reasons(executive, start="2025-03-03", end="2025-03-17", queue="business")
        assert business["queue_codes"] == ["business"]
        assert [(r["reason"], r["count"]) for r in business["reasons"]] == [
            ("sales_enquiry", 6),
            ("billing", 1),
        ]
        assert business["previous_contacts_with_reason"] == 0
        assert business["reasons"][1]["previous_share"] is None
        assert business["reasons"][1]["share_change"] is None


def test_no_reasons_is_an_empty_list(centre: ApiServer) -> None:
    with centre.client("executive") as executive:
        empty = _reasons(executive, start="2024-01-01", end="2024-02-01", granularity="week")
    assert empty["reasons"] == [] and empty["contacts_with_reason"] == 0
    assert [p["period"] for p in empty["periods"]][:2] == ["2024-01-01", "2024-01-08"]
    assert all(p["contacts_with_reason"] == 0 for p in empty["periods"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"top": 0}, "query.top"),
        ({"top": 51}, "query.top"),
        ({"granularity": "interval"}, "query.granularity"),
        ({"start": "2025-03-32"}, "query.start"),
        ({"queue": "not a code"}, "query.queue"),
        ({"end": "2025-03-03"}, None),  # end must be after start
        ({"start": "2023-01-01", "granularity": "day"}, None),  # over 732 days
        ({"start": "0001-01-01", "end": "0001-01-10"}, None),  # the previous range: year 0
    ],
)
def test_bad_input_is_422_with_the_error_shape(
    centre: ApiServer, params: dict[str, object], field: str | None
) -> None:
    query = {"site": SITE, "start": "2025-03-03", "end": "2025-03-17", **params}
    with centre.client("executive") as executive:
        response = executive.get(PATH, params=query)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid" and body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]]


def test_unknown_site_or_queue_is_404(centre: ApiServer) -> None:
    with centre.client("executive") as executive:
        for params in ({"site": "nowhere"}, {"queue": "nope"}):
            query = {"site": SITE, "start": "2025-03-03", "end": "2025-03-17", **params}
            response = executive.get(PATH, params=query)
            assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_roles(centre: ApiServer) -> None:
    query = {"site": SITE, "start": "2025-03-03", "end": "2025-03-17"}
    for role in ("admin", "planner", "floor_manager", "executive"):
        with centre.client(role) as client:
            assert client.get(PATH, params=query).status_code == 200, role
    agent = centre.add_token("agent", agent_code="A0")
    with centre.client(token=agent) as client:
        refused = client.get(PATH, params=query)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    with centre.client(role=None) as anonymous:
        assert anonymous.get(PATH, params=query).status_code == 401
