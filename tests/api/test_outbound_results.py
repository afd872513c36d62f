"""What was sold over real HTTP, on SQLite and PostgreSQL: `GET /v1/outbound/results` sums the
imported attempts as an independent count of the rows does, executives may read it and agents
may not, a bad window is refused naming `end`, an unknown site is 404."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apikit import SITE, TZ, ApiServer, ok, seed_centre

RESULTS = ("no_answer", "busy", "contact", "refusal", "sale", "callback_requested")
CONTACTS = {"contact", "refusal", "sale", "callback_requested"}
DAY = date.today() - timedelta(days=10)


def _attempts() -> list[dict[str, Any]]:
    """40 attempts over two local hours of two days, two segments, every result."""
    zone = ZoneInfo(TZ)
    rows = []
    for i in range(40):
        day = DAY + timedelta(days=i % 2)
        hour = 10 if i % 4 < 2 else 18
        at = datetime.combine(day, time(hour, i), tzinfo=zone)
        result = RESULTS[(i * 7) % 6]
        rows.append(
            {
                "attempt_id": f"r-{i}",
                "attempted_at": at.isoformat(),
                "agent": f"A{i % 3}",
                "campaign": "renewals",
                "segment": "gold" if i % 3 else "silver",
                "result": result,
                "revenue": 10.0 + i if result == "sale" else None,
                "talk_seconds": 60,
                "wrap_seconds": 10,
            }
        )
    return rows


def _oracle(rows: list[dict[str, Any]], key: Any) -> dict[Any, tuple[int, int, int, float]]:
    sums: dict[Any, list[float]] = defaultdict(lambda: [0, 0, 0, 0.0])
    for r in rows:
        s = sums[key(r)]
        s[0] += 1
        s[1] += r["result"] in CONTACTS
        s[2] += r["result"] == "sale"
        s[3] += r["revenue"] or 0.0
    return {k: (int(a), int(b), int(c), d) for k, (a, b, c, d) in sums.items()}


def _figures(r: dict[str, Any]) -> tuple[int, int, int, float]:
    return r["attempts"], r["contacts"], r["sales"], pytest.approx(r["revenue"])


def test_results_sum_the_attempts_and_executives_read_them(api: ApiServer) -> None:
    rows = _attempts()
    with api.client("planner") as planner:
        seed_centre(planner)
        ok(planner.post("/v1/segments", json={"code": "silver", "name": "Silver"}), 201)
        ok(planner.post("/v1/outbound/attempts", json=rows))
    window = {"site": SITE, "start": DAY.isoformat(), "end": (DAY + timedelta(days=1)).isoformat()}
    with api.client("executive") as executive:
        found = ok(executive.get("/v1/outbound/results", params=window))
    assert isinstance(found, dict)
    zone = ZoneInfo(TZ)
    total = _oracle(rows, lambda r: "all")["all"]
    assert _figures(found["total"]) == total
    assert found["total"]["contact_rate"] == pytest.approx(total[1] / total[0])
    assert found["total"]["conversion"] == pytest.approx(total[2] / total[1])
    # no published roster: no plan, and it says so
    assert found["total"]["planned_revenue"] is None and found["schedule_ids"] == []
    assert any("no published roster" in n for n in found["notes"])
    segments = _oracle(rows, lambda r: r["segment"])
    assert {s["segment_code"]: _figures(s) for s in found["segments"]} == segments
    pairs = _oracle(rows, lambda r: (r["campaign"], r["segment"]))
    assert {
        (s["campaign_code"], s["segment_code"]): _figures(s) for s in found["campaign_segments"]
    } == pairs
    assert {c["campaign_code"]: _figures(c) for c in found["campaigns"]} == _oracle(
        rows, lambda r: r["campaign"]
    )
    hours = _oracle(rows, lambda r: datetime.fromisoformat(r["attempted_at"]).astimezone(zone).hour)
    assert [h["hour"] for h in found["hours"]] == list(range(24))
    assert {h["hour"]: _figures(h) for h in found["hours"] if h["attempts"]} == hours
    for h in found["hours"]:
        if h["contacts"]:
            assert h["conversion"] == pytest.approx(h["sales"] / h["contacts"])
    # one day only: the other day's attempts are not counted
    one_day = {**window, "end": DAY.isoformat()}
    with api.client("executive") as executive:
        day = ok(executive.get("/v1/outbound/results", params=one_day))
    assert isinstance(day, dict)
    first = [r for r in rows if datetime.fromisoformat(r["attempted_at"]).date() == DAY]
    assert _figures(day["total"]) == _oracle(first, lambda r: "all")["all"]


def test_results_roles_windows_and_sites(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
    params = {"site": SITE, "start": DAY.isoformat(), "end": DAY.isoformat()}
    for role in ("executive", "planner", "floor_manager", "admin"):
        with api.client(role) as client:
            found = ok(client.get("/v1/outbound/results", params=params))
            assert isinstance(found, dict) and found["total"]["attempts"] == 0
    with api.client(token=api.add_token("agent", agent_code="A0")) as agent:
        refused = agent.get("/v1/outbound/results", params=params)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    with api.client(None) as nobody:
        assert nobody.get("/v1/outbound/results", params=params).status_code == 401
    with api.client("executive") as executive:
        long = {**params, "start": (DAY - timedelta(days=92)).isoformat()}
        too_long = executive.get("/v1/outbound/results", params=long)
        assert too_long.status_code == 422
        assert [e["field"] for e in too_long.json()["errors"]] == ["query.end"]
        longest = {**params, "start": (DAY - timedelta(days=91)).isoformat()}
        assert executive.get("/v1/outbound/results", params=longest).status_code == 200
        backwards = {**params, "end": (DAY - timedelta(days=1)).isoformat()}
        reversed_window = executive.get("/v1/outbound/results", params=backwards)
        assert reversed_window.status_code == 422
        assert reversed_window.json()["errors"][0]["field"] == "query.end"
        bad_day = executive.get("/v1/outbound/results", params={**params, "end": "2026-02-30"})
        assert bad_day.status_code == 422
        assert "end" in json_fields(bad_day.json())
        unknown = executive.get("/v1/outbound/results", params={**params, "site": "NOPE"})
        assert unknown.status_code == 404


def json_fields(body: dict[str, Any]) -> list[str]:
    return [str(e.get("field")).split(".")[-1] for e in body["errors"]]
