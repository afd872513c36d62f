"""Only a site marked as a simulation has a movable clock: a floor manager moving a live site's
clock to 2030 at 10,000x is refused (409) and the live site keeps the real time; the flag is set
on create or update, and marking a site live puts its clock back on the real time. Real HTTP, on
each database."""

from __future__ import annotations

from datetime import UTC, datetime

from apikit import ApiServer, ok

CLOCK_2030 = "2030-01-01T09:00:00+00:00"


def _settings(client, site: str) -> dict:  # type: ignore[no-untyped-def]
    return ok(client.get("/v1/intraday/settings", params={"site": site}))  # type: ignore[return-value]


def test_a_live_sites_clock_cannot_be_moved(api: ApiServer) -> None:
    with api.client("admin") as admin, api.client("floor_manager") as floor:
        live = ok(
            admin.post(
                "/v1/sites", json={"code": "live", "name": "Live", "timezone": "Europe/Dublin"}
            ),
            201,
        )
        assert live["is_simulation"] is False
        response = floor.put(
            "/v1/intraday/clock", json={"site": "live", "now_utc": CLOCK_2030, "speed": 10_000}
        )
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["error"] == "conflict"
        assert "'live' is live" in body["detail"] and "simulation" in body["detail"]
        settings = _settings(floor, "live")
        assert settings["clock_simulated"] is False
        clock = datetime.fromisoformat(settings["clock_now_utc"])
        assert clock.year < 2030  # the real time
        # going back to the real time is always allowed
        assert (
            ok(floor.delete("/v1/intraday/clock", params={"site": "live"}))["clock_simulated"]
            is False
        )


def test_a_simulation_sites_clock_moves_until_it_is_marked_live(api: ApiServer) -> None:
    with api.client("admin") as admin, api.client("floor_manager") as floor:
        created = ok(
            admin.post(
                "/v1/sites",
                json={
                    "code": "sim",
                    "name": "Training",
                    "timezone": "Europe/Dublin",
                    "is_simulation": True,
                },
            ),
            201,
        )
        assert created["is_simulation"] is True
        assert ok(admin.get("/v1/sites/sim"))["is_simulation"] is True
        moved = ok(
            floor.put("/v1/intraday/clock", json={"site": "sim", "now_utc": CLOCK_2030, "speed": 0})
        )
        assert moved["clock_simulated"] is True
        assert datetime.fromisoformat(moved["clock_now_utc"]) == datetime(2030, 1, 1, 9, tzinfo=UTC)

        # marked live: the simulated clock is dropped, and moving it is refused from now on
        assert (
            ok(admin.patch("/v1/sites/sim", json={"is_simulation": False}))["is_simulation"]
            is False
        )
        assert _settings(floor, "sim")["clock_simulated"] is False
        again = floor.put("/v1/intraday/clock", json={"site": "sim", "now_utc": CLOCK_2030})
        assert again.status_code == 409

        # a live site made a simulation through the API
        assert ok(admin.patch("/v1/sites/sim", json={"is_simulation": True}))["is_simulation"]
        ok(floor.put("/v1/intraday/clock", json={"site": "sim", "now_utc": CLOCK_2030}))
        assert _settings(floor, "sim")["clock_simulated"] is True
        # other changes to a simulation keep its clock
        ok(admin.patch("/v1/sites/sim", json={"name": "Training room"}))
        assert _settings(floor, "sim")["clock_simulated"] is True
        # the flag takes a boolean, nothing else
        bad = admin.patch("/v1/sites/sim", json={"is_simulation": "maybe"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.is_simulation"
        assert admin.patch("/v1/sites/sim", json={"is_simulation": None}).status_code == 422
        # the floor manager may move a simulation's clock but not mark a site a simulation
        assert floor.patch("/v1/sites/sim", json={"is_simulation": True}).status_code == 403
