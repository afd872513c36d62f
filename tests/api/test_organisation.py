"""Sites, queues, segments, campaigns, agents (contracts, skills, availability, time off) over
real HTTP: round trips, and 4xx bodies that name the field and why."""

from __future__ import annotations

from apikit import SITE, ApiServer, contract, ok, seed_centre


def test_sites_and_queues_round_trip_and_edit(api: ApiServer) -> None:
    with api.client("planner") as planner:
        created = ok(
            planner.post(
                "/v1/sites",
                json={"code": "lyon", "name": "Lyon", "timezone": "Europe/Paris", "seats": 40},
            ),
            201,
        )
        assert created == ok(planner.get("/v1/sites/lyon"))
        assert [s["code"] for s in ok(planner.get("/v1/sites"))] == ["lyon"]
        changed = ok(planner.patch("/v1/sites/lyon", json={"seats": None, "country_code": "FR"}))
        assert changed["seats"] is None and changed["country_code"] == "FR"

        queue = ok(
            planner.post(
                "/v1/queues",
                json={
                    "site_code": "lyon",
                    "code": "care",
                    "name": "Care",
                    "channel": "chat",
                    "chat_concurrency": 3,
                },
            ),
            201,
        )
        assert queue["service_level_target"] == 0.8 and queue["chat_concurrency"] == 3
        edited = ok(planner.patch("/v1/queues/care", json={"service_level_target": 0.9}))
        assert edited["service_level_target"] == 0.9
        assert ok(planner.get("/v1/queues/care")) == edited
        assert [q["code"] for q in ok(planner.get("/v1/queues", params={"site": "lyon"}))] == [
            "care"
        ]


def test_organisation_errors_name_the_field(api: ApiServer) -> None:
    with api.client("planner") as planner:
        ok(planner.post("/v1/sites", json={"code": "lyon", "name": "L", "timezone": "UTC"}), 201)

        again = planner.post("/v1/sites", json={"code": "lyon", "name": "L", "timezone": "UTC"})
        assert again.status_code == 409 and "already exists" in again.json()["detail"]

        bad = planner.post(
            "/v1/sites", json={"code": "bad code!", "name": "", "timezone": "Mars/Base", "x": 1}
        )
        assert bad.status_code == 422
        fields = {e["field"] for e in bad.json()["errors"]}
        assert {"body.code", "body.name", "body.timezone", "body.x"} <= fields
        tz_error = next(e for e in bad.json()["errors"] if e["field"] == "body.timezone")
        assert "IANA" in tz_error["message"]

        orphan = planner.post("/v1/queues", json={"site_code": "nowhere", "code": "q", "name": "Q"})
        assert orphan.status_code == 404 and "nowhere" in orphan.json()["detail"]

        negative = planner.post(
            "/v1/queues",
            json={"site_code": "lyon", "code": "q", "name": "Q", "service_level_target": 1.5},
        )
        assert negative.status_code == 422
        assert negative.json()["errors"][0]["field"] == "body.service_level_target"

        null_name = planner.patch("/v1/sites/lyon", json={"name": None})
        assert (
            null_name.status_code == 422 and null_name.json()["errors"][0]["field"] == "body.name"
        )
        empty = planner.patch("/v1/sites/lyon", json={})
        assert empty.status_code == 422

        malformed = planner.post(
            "/v1/sites", content=b'{"code": "x",', headers={"Content-Type": "application/json"}
        )
        assert malformed.status_code == 422
        assert "malformed JSON" in malformed.json()["detail"]

        assert planner.get("/v1/sites/nowhere").status_code == 404
        assert planner.get("/v1/queues/nowhere").status_code == 404


def test_segments_and_campaigns(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        segment = ok(planner.get("/v1/segments/gold"))
        assert segment["name"] == "Gold"
        bad_range = planner.post(
            "/v1/segments",
            json={"code": "s2", "name": "S", "arpu_min_per_month": 50, "arpu_max_per_month": 10},
        )
        assert bad_range.status_code == 422
        patched = planner.patch(
            "/v1/segments/gold", json={"arpu_min_per_month": 100, "arpu_max_per_month": 20}
        )
        assert patched.status_code == 422

        campaign = ok(planner.get("/v1/campaigns/renewals"))
        assert campaign["segment_code"] == "gold" and len(campaign["calling_windows"]) == 5
        assert campaign["value_per_productive_hour_by_hour"][19] == 30.0
        edited = ok(
            planner.patch(
                "/v1/campaigns/renewals",
                json={
                    "segment_code": None,
                    "efficiency": 0.7,
                    "calling_windows": [
                        {"weekday": 5, "start_local": "10:00", "end_local": "14:00"}
                    ],
                },
            )
        )
        assert edited["segment_code"] is None and edited["efficiency"] == 0.7
        assert edited["calling_windows"] == [
            {"weekday": 5, "start_local": "10:00:00", "end_local": "14:00:00"}
        ]
        short = planner.post(
            "/v1/campaigns",
            json={
                "site_code": SITE,
                "code": "c2",
                "name": "C",
                "kind": "survey",
                "value_per_productive_hour_by_hour": [1.0] * 23,
            },
        )
        assert short.status_code == 422
        assert short.json()["errors"][0]["field"] == "body.value_per_productive_hour_by_hour"
        backwards = planner.post(
            "/v1/campaigns",
            json={
                "site_code": SITE,
                "code": "c3",
                "name": "C",
                "kind": "survey",
                "value_per_productive_hour_by_hour": [1.0] * 24,
                "calling_windows": [{"weekday": 0, "start_local": "18:00", "end_local": "09:00"}],
            },
        )
        assert backwards.status_code == 422
        assert "end_local must be after start_local" in backwards.json()["detail"]


def test_agents_contracts_skills_availability(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        agent = ok(planner.get("/v1/agents/A2"))
        assert agent["queue_skills"] == ["business", "retail"]
        assert agent["contract"]["name"] == "full-time" and agent["active"] is True
        assert [c["name"] for c in ok(planner.get("/v1/contracts"))] == ["full-time"]
        assert [a["code"] for a in ok(planner.get("/v1/agents", params={"queue": "business"}))] == [
            "A2"
        ]

        other_terms = contract()
        other_terms["weekly_hours_min"] = 10
        other_terms["weekly_hours_max"] = 20
        clash = planner.post(
            "/v1/agents",
            json={"site_code": SITE, "code": "A9", "name": "X", "contract": other_terms},
        )
        assert clash.status_code == 409 and "different terms" in clash.json()["detail"]
        unknown_skill = planner.post(
            "/v1/agents",
            json={
                "site_code": SITE,
                "code": "A9",
                "name": "X",
                "contract": contract(),
                "queue_skills": ["nope"],
            },
        )
        assert unknown_skill.status_code == 404 and "nope" in unknown_skill.json()["detail"]
        assert planner.get("/v1/agents/A9").status_code == 404  # nothing half-written

        moved = ok(
            planner.patch(
                "/v1/agents/A0",
                json={
                    "queue_skills": ["business"],
                    "contract": contract("part-time")
                    | {"weekly_hours_min": 10, "weekly_hours_max": 20},
                },
            )
        )
        assert moved["queue_skills"] == ["business"] and moved["contract"]["name"] == "part-time"
        left = ok(planner.patch("/v1/agents/A1", json={"active": False}))
        assert left["active"] is False
        assert "A1" not in [a["code"] for a in ok(planner.get("/v1/agents"))]
        everyone = ok(planner.get("/v1/agents", params={"include_inactive": True}))
        assert "A1" in [a["code"] for a in everyone]

        windows = [
            {"weekday": 0, "start_local": "08:00", "end_local": "12:00"},
            {"weekday": 0, "start_local": "13:00", "end_local": "18:00"},
        ]
        stored = ok(planner.put("/v1/agents/A0/availability", json={"windows": windows}))
        assert [(w["weekday"], w["start_local"]) for w in stored] == [
            (0, "08:00:00"),
            (0, "13:00:00"),
        ]
        assert ok(planner.get("/v1/agents/A0/availability")) == stored
        overlapping = planner.put(
            "/v1/agents/A0/availability",
            json={
                "windows": [*windows, {"weekday": 0, "start_local": "11:00", "end_local": "14:00"}]
            },
        )
        assert overlapping.status_code == 422 and "overlap" in overlapping.json()["detail"]
        assert ok(planner.get("/v1/agents/A0/availability")) == stored  # unchanged


def test_time_off_rejects_overlaps_and_naive_times(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        first = ok(
            planner.post(
                "/v1/agents/A0/time-off",
                json={
                    "start_utc": "2025-07-14T00:00:00+02:00",
                    "end_utc": "2025-07-19T00:00:00+02:00",
                    "reason": "leave",
                },
            ),
            201,
        )
        assert first["start_utc"] == "2025-07-13T22:00:00Z"
        overlap = planner.post(
            "/v1/agents/A0/time-off",
            json={"start_utc": "2025-07-18T12:00:00Z", "end_utc": "2025-07-20T00:00:00Z"},
        )
        assert overlap.status_code == 409
        assert f"time off {first['id']}" in overlap.json()["detail"]
        # touching end to start is not an overlap; another agent's leave never clashes
        ok(
            planner.post(
                "/v1/agents/A0/time-off",
                json={"start_utc": "2025-07-18T22:00:00Z", "end_utc": "2025-07-20T00:00:00Z"},
            ),
            201,
        )
        ok(
            planner.post(
                "/v1/agents/A1/time-off",
                json={"start_utc": "2025-07-15T00:00:00Z", "end_utc": "2025-07-16T00:00:00Z"},
            ),
            201,
        )
        naive = planner.post(
            "/v1/agents/A0/time-off",
            json={"start_utc": "2025-08-01T00:00:00", "end_utc": "2025-08-02T00:00:00Z"},
        )
        assert naive.status_code == 422
        assert naive.json()["errors"][0]["field"] == "body.start_utc"
        backwards = planner.post(
            "/v1/agents/A0/time-off",
            json={"start_utc": "2025-08-02T00:00:00Z", "end_utc": "2025-08-01T00:00:00Z"},
        )
        assert backwards.status_code == 422
        assert len(ok(planner.get("/v1/agents/A0/time-off"))) == 2
        assert planner.delete(f"/v1/agents/A0/time-off/{first['id']}").status_code == 204
        assert planner.delete(f"/v1/agents/A1/time-off/{first['id']}").status_code == 404
        assert len(ok(planner.get("/v1/agents/A0/time-off"))) == 1
