"""Shift bidding over real HTTP on each database: a planner creates, opens, closes and assigns a
round; agents see only the patterns open to them, rank them, and read their own award with its
explanation; bad rounds and bad bids are refused naming why, with nothing stored; no agent sees
or changes another agent's bid or award."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from apikit import SITE, ApiServer, contract, ok, seed_centre
from sqlalchemy import update

from wfm.db.models import BidRoundRow

WEEK = "2025-03-03"  # a Monday
HIRED = {"A3": "2015-01-05", "A1": "2016-01-04", "A0": "2017-01-02", "A2": "2018-01-01"}


def _pattern(name: str, start: str, end: str, seats: int, **more: Any) -> dict[str, Any]:
    return {"name": name, "weekdays": [0, 1, 2, 3, 4], "start_local": start,
            "end_local": end, "seats": seats, **more}  # fmt: skip


def _round(**more: Any) -> dict[str, Any]:
    closes = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    return {
        "site": SITE,
        "name": "Spring rota",
        "week_start": WEEK,
        "closes_at": closes,
        "patterns": [
            _pattern("Early", "07:00", "15:00", 2),
            _pattern("Late", "13:00", "21:00", 1, skills=["business"]),
            _pattern("Mid", "10:00", "18:00", 3),
            # 4 days of 7.5 paid hours: 30 h, under every agent's 32 h
            {**_pattern("Short", "09:00", "17:00", 5), "weekdays": [0, 1, 2, 3]},
        ],
        **more,
    }


@pytest.fixture
def centre(api: ApiServer) -> dict[str, httpx.Client]:
    """The apikit centre plus A3 and A4 (A4 without a hire date), hire dates set; a client per
    agent and per planner role."""
    with api.client("admin") as admin:
        seed_centre(admin)
        for code in ("A3", "A4"):
            body = {"site_code": SITE, "code": code, "name": code, "contract": contract(),
                    "queue_skills": ["retail"]}  # fmt: skip
            ok(admin.post("/v1/agents", json=body), 201)
        for code, day in HIRED.items():
            ok(admin.patch(f"/v1/agents/{code}", json={"hire_date": day}))
    clients = {code: api.client(token=api.add_token("agent", agent_code=code)) for code in
               ("A0", "A1", "A2", "A3", "A4")}  # fmt: skip
    clients |= {
        role: api.client(role) for role in ("planner", "floor_manager", "executive", "admin")
    }
    return clients


def _ids(round_: dict[str, Any]) -> dict[str, int]:
    return {p["name"]: p["id"] for p in round_["patterns"]}


def test_a_round_from_draft_to_explained_awards(centre: dict[str, httpx.Client]) -> None:
    planner, a0, a2 = centre["planner"], centre["A0"], centre["A2"]
    created = ok(planner.post("/v1/bid-rounds", json=_round()), 201)
    ids = _ids(created)
    assert created["status"] == "draft" and created["bids"] == 0 and created["rule"] == "seniority"
    assert [p["weekly_paid_hours"] for p in created["patterns"]] == [37.5, 37.5, 37.5, 30.0]
    assert created["patterns"][0]["label"] == "Early Mon–Fri 07:00-15:00"
    rid = created["id"]

    assert ok(a0.get("/v1/me/bid-rounds")) == []  # a draft is not published
    refused = a0.put(f"/v1/me/bid-rounds/{rid}/ranking", json={"pattern_ids": [ids["Early"]]})
    assert refused.status_code == 409 and "not published" in refused.json()["detail"]

    assert ok(planner.post(f"/v1/bid-rounds/{rid}/open"))["status"] == "open"
    mine = ok(a0.get("/v1/me/bid-rounds"))
    assert [r["id"] for r in mine] == [rid] and mine[0]["ranking"] is None
    assert [p["name"] for p in mine[0]["patterns"]] == ["Early", "Mid"]  # no business, no 30 h
    assert [p["name"] for p in ok(a2.get("/v1/me/bid-rounds"))[0]["patterns"]] == [
        "Early", "Late", "Mid"]  # fmt: skip

    for code, names in {"A2": ["Late", "Early"], "A0": ["Early"], "A1": ["Early"],
                        "A3": ["Early", "Mid"]}.items():  # fmt: skip
        body = {"pattern_ids": [ids[n] for n in names]}
        assert ok(centre[code].put(f"/v1/me/bid-rounds/{rid}/ranking", json=body))["ranking"] == [
            ids[n] for n in names
        ]
    assert ok(planner.get(f"/v1/bid-rounds/{rid}"))["bids"] == 4
    assert planner.post(f"/v1/bid-rounds/{rid}/assign").status_code == 409  # still open
    assert ok(planner.post(f"/v1/bid-rounds/{rid}/close"))["status"] == "closed"
    closed = a0.put(f"/v1/me/bid-rounds/{rid}/ranking", json={"pattern_ids": [ids["Mid"]]})
    assert closed.status_code == 409 and "bids closed" in closed.json()["detail"]

    awards = ok(planner.post(f"/v1/bid-rounds/{rid}/assign"))
    got = {a["agent_code"]: (a["pattern"] and a["pattern"].split()[0], a["choice"], a["turn"])
           for a in awards}  # fmt: skip
    assert got == {  # seniority: A3, A1, A0, A2, then A4 without a hire date
        "A3": ("Early", 1, 1),
        "A1": ("Early", 1, 2),
        "A0": ("Mid", None, 3),  # Early full at A0's turn; Mid as the roomiest left
        "A2": ("Late", 1, 4),
        "A4": ("Mid", None, 5),  # no bid
    }
    assert ok(planner.get(f"/v1/bid-rounds/{rid}/results")) == awards
    assert planner.post(f"/v1/bid-rounds/{rid}/assign").status_code == 409  # once

    result = ok(a0.get(f"/v1/me/bid-rounds/{rid}/result"))
    assert result["agent_code"] == "A0" and result["ranking"] == [ids["Early"]]
    assert (
        "choice 1 (Early Mon–Fri 07:00-15:00) was full when your turn came"
        in (result["explanation"])
    )
    assert "hired 2017-01-02" in result["explanation"]
    listed = ok(a0.get("/v1/me/bid-rounds"))[0]
    assert listed["status"] == "assigned" and listed["result"] == result
    assert (
        "you did not bid" in ok(centre["A4"].get(f"/v1/me/bid-rounds/{rid}/result"))["explanation"]
    )


def test_bad_bids_are_refused_naming_why_and_change_nothing(
    centre: dict[str, httpx.Client],
) -> None:
    planner, a0 = centre["planner"], centre["A0"]
    created = ok(planner.post("/v1/bid-rounds", json=_round()), 201)
    rid, ids = created["id"], _ids(created)
    ok(planner.post(f"/v1/bid-rounds/{rid}/open"))
    path = f"/v1/me/bid-rounds/{rid}/ranking"
    ok(a0.put(path, json={"pattern_ids": [ids["Mid"]]}))
    cases = [
        ([ids["Early"], ids["Early"]], "pattern_ids[1]: pattern", "ranked twice"),
        ([ids["Early"], 999_999], "pattern_ids[1]", "has no pattern 999999"),
        ([ids["Late"]], "pattern_ids[0]: you may not bid", "needs skill business"),
        ([ids["Short"]], "pattern_ids[0]", "30 paid hours a week are outside"),
    ]
    for ranking, where, why in cases:
        refused = a0.put(path, json={"pattern_ids": ranking})
        assert refused.status_code == 422, refused.text
        assert where in refused.json()["detail"] and why in refused.json()["detail"]
    for body in ({"pattern_ids": []}, {"pattern_ids": [ids["Early"]], "agent_code": "A1"}):
        assert a0.put(path, json=body).status_code == 422  # no acting for another agent
    assert ok(a0.get("/v1/me/bid-rounds"))[0]["ranking"] == [ids["Mid"]]
    assert ok(centre["A1"].get("/v1/me/bid-rounds"))[0]["ranking"] is None
    missing = a0.put("/v1/me/bid-rounds/999999/ranking", json={"pattern_ids": [1]})
    assert missing.status_code == 404

    # a round's results and rankings are the planners': agents get 403
    assert a0.get(f"/v1/bid-rounds/{rid}").status_code == 403
    assert a0.get(f"/v1/bid-rounds/{rid}/results").status_code == 403
    assert a0.post(f"/v1/bid-rounds/{rid}/close").status_code == 403
    assert centre["A1"].get(f"/v1/me/bid-rounds/{rid}/result").status_code == 409


def test_roles_and_sites_see_only_their_share(
    api: ApiServer, centre: dict[str, httpx.Client]
) -> None:
    planner = centre["planner"]
    rid = ok(planner.post("/v1/bid-rounds", json=_round()), 201)["id"]
    ok(planner.post(f"/v1/bid-rounds/{rid}/open"))
    assert centre["executive"].get("/v1/bid-rounds", params={"site": SITE}).status_code == 403
    floor = centre["floor_manager"]
    assert [r["id"] for r in ok(floor.get("/v1/bid-rounds", params={"site": SITE}))] == [rid]
    assert floor.post("/v1/bid-rounds", json=_round()).status_code == 403
    assert planner.get("/v1/me/bid-rounds").status_code == 403  # no bids:own
    no_agent = centre["admin"].get("/v1/me/bid-rounds")
    assert no_agent.status_code == 404 and "belongs to no agent" in no_agent.json()["detail"]
    with api.client("admin") as admin:
        ok(
            admin.post(
                "/v1/sites", json={"code": "oslo", "name": "Oslo", "timezone": "Europe/Oslo"}
            ),
            201,
        )
        ok(admin.post("/v1/queues", json={"site_code": "oslo", "code": "nordic", "name": "N"}), 201)
        body = {"site_code": "oslo", "code": "O1", "name": "O", "contract": contract(),
                "queue_skills": ["nordic"]}  # fmt: skip
        ok(admin.post("/v1/agents", json=body), 201)
    with api.client(token=api.add_token("agent", agent_code="O1")) as elsewhere:
        assert ok(elsewhere.get("/v1/me/bid-rounds")) == []
        put = elsewhere.put(f"/v1/me/bid-rounds/{rid}/ranking", json={"pattern_ids": [1]})
        assert put.status_code == 404 and "of your site" in put.json()["detail"]
        assert elsewhere.get(f"/v1/me/bid-rounds/{rid}/result").status_code == 404
    assert planner.get("/v1/bid-rounds", params={"site": "nowhere"}).status_code == 404


def test_bad_rounds_are_refused_and_nothing_is_stored(centre: dict[str, httpx.Client]) -> None:
    planner = centre["planner"]
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    cases = [
        ({"patterns": [_pattern("Zero", "07:00", "15:00", 0)]}, "patterns[0].seats"),
        ({"week_start": "2025-03-04"}, "week_start"),
        ({"closes_at": past}, "closes_at: must be in the future"),
        (
            {"patterns": [_pattern("X", "07:00", "15:00", 1, skills=["nope"])]},
            "patterns[0].skills: no queue or campaign 'nope'",
        ),  # fmt: skip
        ({"patterns": [_pattern("X", "07:10", "15:10", 1)]}, "patterns[0].start_local"),
        (
            {"patterns": [_pattern("X", "07:00", "15:00", 1), _pattern("X", "08:00", "16:00", 1)]},
            "the name 'X' is given twice",
        ),  # fmt: skip
        (
            {"patterns": [{**_pattern("X", "07:00", "15:00", 1), "weekdays": [7]}]},
            "patterns[0].weekdays",
        ),  # fmt: skip
        ({"site": "nowhere"}, "nowhere"),
        ({"patterns": [_pattern("X", "07:00", "15:00", 1, skills=["x" * 500])]}, "skills"),
    ]
    for change, named in cases:
        refused = planner.post("/v1/bid-rounds", json=_round(**change))
        assert refused.status_code in (404, 422), refused.text
        assert named in refused.text, (named, refused.text)
    assert ok(planner.get("/v1/bid-rounds", params={"site": SITE})) == []


def test_bids_stop_at_the_closing_time_and_rotation_favours_the_unlucky(
    api: ApiServer, centre: dict[str, httpx.Client]
) -> None:
    planner = centre["planner"]
    first = ok(planner.post("/v1/bid-rounds", json=_round()), 201)
    ids = _ids(first)
    ok(planner.post(f"/v1/bid-rounds/{first['id']}/open"))
    for code in ("A0", "A1", "A3"):
        ok(centre[code].put(f"/v1/me/bid-rounds/{first['id']}/ranking",
                            json={"pattern_ids": [ids["Early"]]}))  # fmt: skip
    with api.engine.begin() as connection:  # the closing time passes
        connection.execute(
            update(BidRoundRow)
            .where(BidRoundRow.id == first["id"])
            .values(closes_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    late = centre["A2"].put(f"/v1/me/bid-rounds/{first['id']}/ranking",
                            json={"pattern_ids": [ids["Early"]]})  # fmt: skip
    assert late.status_code == 409 and "bids closed" in late.json()["detail"]
    assert ok(planner.get(f"/v1/bid-rounds/{first['id']}"))["status"] == "closed"
    awards = {a["agent_code"]: a for a in ok(planner.post(f"/v1/bid-rounds/{first['id']}/assign"))}
    assert awards["A0"]["choice"] is None and awards["A3"]["choice"] == 1  # A0 missed out

    second = ok(planner.post("/v1/bid-rounds", json=_round(rule="rotation", name="Next")), 201)
    ids = _ids(second)
    ok(planner.post(f"/v1/bid-rounds/{second['id']}/open"))
    for code in ("A0", "A1", "A3"):
        ok(centre[code].put(f"/v1/me/bid-rounds/{second['id']}/ranking",
                            json={"pattern_ids": [ids["Early"]]}))  # fmt: skip
    ok(planner.post(f"/v1/bid-rounds/{second['id']}/close"))
    awards = {a["agent_code"]: a for a in ok(planner.post(f"/v1/bid-rounds/{second['id']}/assign"))}
    assert awards["A0"]["turn"] == 1 and awards["A0"]["choice"] == 1
    assert "last round you got none of your choices" in awards["A0"]["explanation"]
    assert awards["A3"]["turn"] == 2 and awards["A3"]["choice"] == 1  # both got choice 1 last
    assert awards["A1"]["turn"] == 3 and awards["A1"]["choice"] is None  # round: by seniority


def test_an_applied_draft_names_the_rules_the_awards_leave_broken(
    centre: dict[str, httpx.Client],
) -> None:
    planner = centre["planner"]
    body = _round(patterns=[_pattern("Only", "08:00", "16:00", 1)])
    rid = ok(planner.post("/v1/bid-rounds", json=body), 201)["id"]
    for step in ("open", "close", "assign"):
        ok(planner.post(f"/v1/bid-rounds/{rid}/{step}"))
    awards = ok(planner.get(f"/v1/bid-rounds/{rid}/results"))
    assert [a["agent_code"] for a in awards if a["pattern_id"] is not None] == ["A3"]
    draft_id = ok(planner.post(f"/v1/bid-rounds/{rid}/apply"), 201)["schedule_ids"][0]
    broken = ok(planner.get(f"/v1/schedules/{draft_id}"))["summary"]["bid_round_violations"]
    # the four agents without a pattern work no hours: their contracts' minimum is broken
    assert sorted({line.split(": ")[1] for line in broken}) == ["A0", "A1", "A2", "A4"]


def test_an_applied_draft_leaves_out_the_shifts_an_agent_has_off(
    centre: dict[str, httpx.Client],
) -> None:
    """Approved time off wins over the awarded pattern: that day's shift is not in the draft,
    the draft names it, and no rule is broken for it."""
    planner = centre["planner"]
    body = _round(patterns=[_pattern("Only", "08:00", "16:00", 1)])
    rid = ok(planner.post("/v1/bid-rounds", json=body), 201)["id"]
    wednesday = "2025-03-05"
    off = {"start_utc": f"{wednesday}T00:00:00+00:00", "end_utc": "2025-03-06T00:00:00+00:00"}
    ok(planner.post("/v1/agents/A3/time-off", json=off), 201)
    for step in ("open", "close", "assign"):
        ok(planner.post(f"/v1/bid-rounds/{rid}/{step}"))
    awards = ok(planner.get(f"/v1/bid-rounds/{rid}/results"))
    assert [a["agent_code"] for a in awards if a["pattern_id"] is not None] == ["A3"]
    draft_id = ok(planner.post(f"/v1/bid-rounds/{rid}/apply"), 201)["schedule_ids"][0]
    draft = ok(planner.get(f"/v1/schedules/{draft_id}"))
    days = sorted(s["shift_date"] for s in draft["shifts"] if s["agent_code"] == "A3")
    assert days == ["2025-03-03", "2025-03-04", "2025-03-06", "2025-03-07"]
    assert draft["summary"]["bid_round_shifts_off"] == [f"A3 {wednesday}"]
    broken = draft["summary"]["bid_round_violations"]
    assert not [line for line in broken if ": A3" in line and "absen" in line], broken
