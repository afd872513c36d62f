"""An agent's team over real HTTP: created with a Chinese name, read, renamed, cleared; names that
are too long, not one line or null are refused naming `body.team`, and nothing is written."""

from __future__ import annotations

import httpx
from apikit import SITE, ApiServer, contract, ok, seed_centre


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert "body.team" in [e.get("field") for e in response.json()["errors"]], response.text


def test_a_team_round_trips_and_clears(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        assert ok(planner.get("/v1/agents/A0"))["team"] == ""  # none given: no team
        created = ok(
            planner.post(
                "/v1/agents",
                json={
                    "site_code": SITE,
                    "code": "B1",
                    "name": "李娜",
                    "contract": contract(),
                    "team": "  一组 ",
                },
            ),
            201,
        )
        assert created["team"] == "一组"  # trimmed
        assert ok(planner.get("/v1/agents/B1")) == created
        listed = {a["code"]: a["team"] for a in ok(planner.get("/v1/agents"))}
        assert listed["B1"] == "一组" and listed["A0"] == ""

        moved = ok(planner.patch("/v1/agents/B1", json={"team": "二组"}))
        assert moved["team"] == "二组" and moved["name"] == "李娜"
        renamed = ok(planner.patch("/v1/agents/B1", json={"name": "李娜娜"}))
        assert renamed["team"] == "二组"  # a patch without `team` keeps it
        assert ok(planner.patch("/v1/agents/B1", json={"team": "x" * 64}))["team"] == "x" * 64
        cleared = ok(planner.patch("/v1/agents/B1", json={"team": "   "}))
        assert cleared["team"] == ""
        assert ok(planner.get("/v1/agents/B1"))["team"] == ""


def test_bad_team_names_are_refused_and_nothing_is_written(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        ok(planner.patch("/v1/agents/A0", json={"team": "一组"}))
        for bad in ("组" * 65, " " + "组" * 65, "a\nb", "tab\there", None, 7):
            _refused(planner.patch("/v1/agents/A0", json={"team": bad}))
        lone_surrogate = '{"team": "\\ud800"}'  # JSON text a client library would not encode
        _refused(
            planner.patch(
                "/v1/agents/A0",
                content=lone_surrogate,
                headers={"content-type": "application/json"},
            )
        )
        assert ok(planner.get("/v1/agents/A0"))["team"] == "一组"
        _refused(
            planner.post(
                "/v1/agents",
                json={
                    "site_code": SITE,
                    "code": "B2",
                    "name": "X",
                    "contract": contract(),
                    "team": "t" * 65,
                },
            )
        )
        assert planner.get("/v1/agents/B2").status_code == 404
