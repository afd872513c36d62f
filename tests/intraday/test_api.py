"""The intraday endpoints over real HTTP (uvicorn on a free port), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from intraday_testkit import DAY, SITE, Server

WHOLE_DAY = {"start_utc": "2026-11-09T00:00:00Z", "end_utc": "2026-11-10T00:00:00Z"}


def ev(event_id: str, agent: str, at: str, state: str, reason: str | None = None) -> dict:
    """An event as the ACD posts it; `at` is a time on the test day, with its offset."""
    item = {"event_id": event_id, "agent_code": agent, "occurred_at_utc": f"2026-11-09T{at}"}
    return {**item, "state": state, **({"reason": reason} if reason else {})}


def snapshot(queue: str, at: str, waiting: int, answered: int, abandoned: int) -> dict:
    return {
        "queue_code": queue,
        "observed_at_utc": f"2026-11-09T{at}",
        "contacts_waiting": waiting,
        "longest_wait_seconds": 41.0 if waiting else 0.0,
        "agents_ready": 1,
        "answered_today": answered,
        "abandoned_today": abandoned,
    }


def test_roles(server: Server) -> None:
    with server.client(None) as anonymous:
        r = anonymous.post("/v1/agent-events", json={"events": []})
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    with server.client("executive") as executive:
        assert (
            executive.get("/v1/intraday/recommendation", params={"site": SITE}).status_code == 403
        )
        assert executive.post("/v1/agent-events", json={"events": []}).status_code == 403
    with server.client("planner") as planner:  # reads intraday, does not switch
        assert planner.get("/v1/adherence/live", params={"site": SITE}).status_code == 200
        r = planner.post(
            "/v1/intraday/switch",
            json={"site": SITE, "to": "serve", "agents": [{"agent_code": "P1"}]},
        )
        assert r.status_code == 403


def test_state_feed_and_snapshots(server: Server) -> None:
    batch = {
        "events": [
            ev("e1", "S1", "09:00:20Z", "ready"),
            ev("e2", "GHOST", "09:01:00Z", "ready"),
            ev("e3", "S2", "09:02:00", "ready"),  # no offset
            ev("e4", "S2", "11:00:00+01:00", "ready"),  # 10:00 UTC
            ev("e5", "S3", "10:30:00Z", "ready"),  # half an hour ahead of the site clock
            ev("e6", "P1", "09:00:00Z", "Not Ready", "Training"),
        ]
    }
    with server.client() as c:
        r = c.post("/v1/agent-events", json=batch)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["received"] == 6 and body["accepted"] == 3 and body["duplicates"] == 0
        assert [(x["index"], x["reason"]) for x in body["rejected"]] == [
            (1, "unknown_agent"),
            (2, "naive_timestamp"),
            (4, "clock_skew"),
        ]
        again = c.post("/v1/agent-events", json=batch).json()
        assert again["accepted"] == 0 and again["duplicates"] == 3
        events = c.get("/v1/agent-events", params={"site": SITE, **WHOLE_DAY}).json()
        assert [(e["event_id"], e["activity"]) for e in events] == [
            ("e6", "other"),
            ("e1", "serve"),
            ("e4", "serve"),  # 11:00+01:00 is 10:00 UTC
        ]
        assert events[2]["occurred_at_utc"].startswith("2026-11-09T10:00:00")
        # A malformed batch is refused as a whole, with the field named.
        bad = c.post("/v1/agent-events", json={"events": [{"event_id": "x"}]})
        assert bad.status_code == 422 and "agent_code" in bad.text

        snaps = {
            "snapshots": [
                snapshot("Q1", "09:30:00Z", 3, 50, 4),
                snapshot("NOPE", "09:30:00Z", 0, 0, 0),
            ]
        }
        r = c.post("/v1/queue-snapshots", json=snaps).json()
        assert r["accepted"] == 1 and r["rejected"][0]["reason"] == "unknown_queue"
        listed = c.get("/v1/queue-snapshots", params={"site": SITE, "date": DAY.isoformat()}).json()
        assert len(listed) == 1 and listed[0]["answered_today"] == 50
        snaps["snapshots"][0]["contacts_waiting"] = -1
        assert c.post("/v1/queue-snapshots", json=snaps).status_code == 422


def test_recommendation_switch_and_adherence(server: Server) -> None:
    with server.client() as c:
        rec = c.get("/v1/intraday/recommendation", params={"site": SITE})
        assert rec.status_code == 200, rec.text
        body = rec.json()
        assert body["message"] == "switch 3 sellers to serve"
        assert [m["agent_code"] for m in body["moves"]] == ["P1", "P2", "P3"]
        assert body["outlook"][0]["servers_needed"] == 9
        assert body["answer_rate_with"] > body["answer_rate_without"]
        # The trade: each P seller gives up an hour of C_LOW (10 x efficiency 0.8) in the horizon
        # for the service of a queue six short; the whole move's points are the outlook's.
        assert body["currency"] == "CNY"
        # No dialer attempts stored: every campaign's value is the typed one, and it says why.
        assert {v["campaign_code"]: v["text"] for v in body["value_sources"]} == {
            "C_LOW": "typed: no attempts in the 28 days before",
            "C_HIGH": "typed: no attempts in the 28 days before",
        }
        assert {v["source"] for v in body["value_sources"]} == {"typed"}
        for m in body["moves"]:
            trade = m["trade"]
            assert trade["expected_sales_value"] == pytest.approx(-8.0)
            assert trade["value_of_service"] > m["hysteresis_margin_value"] + 8.0
            assert trade["net_value"] == pytest.approx(trade["value_of_service"] - 8.0)
            assert trade["text"].endswith(", −¥8 expected sales") and trade["currency"] == "CNY"
        total = body["trade"]
        assert total["expected_sales_value"] == pytest.approx(-24.0)
        assert total["answer_rate_points"] == pytest.approx(
            100 * (body["answer_rate_with"] - body["answer_rate_without"])
        )
        assert total["text"].startswith(f"+{total['answer_rate_points']:.1f} pts answer rate")

        r = c.post(
            "/v1/intraday/switch",
            json={
                "site": SITE,
                "to": "serve",
                "agents": [{"agent_code": "P1"}, {"agent_code": "X1", "queue_code": "Q1"},
                           {"agent_code": "S1"}],
                "end_utc": "2026-11-09T11:00:00Z",
                "reason": "afternoon surge",
            },
        )  # fmt: skip
        assert r.status_code == 200, r.text
        sw = r.json()
        assert [a["agent_code"] for a in sw["accepted"]] == ["P1"]
        assert sw["accepted"][0]["created_by"] == "floor_manager:t-floor_manager"
        assert [(x["agent_code"], x["reason"]) for x in sw["rejected"]] == [
            ("X1", "no_skill"),
            ("S1", "not_selling"),
        ]
        assert (
            c.get("/v1/intraday/recommendation", params={"site": SITE}).json()["agent_count"] == 2
        )
        changes = c.get("/v1/intraday/plan-changes", params={"site": SITE, **WHOLE_DAY}).json()
        assert [(x["agent_code"], x["kind"], x["activity"]) for x in changes] == [
            ("P1", "switch", "serve")
        ]
        newer = c.get(
            "/v1/intraday/plan-changes",
            params={"site": SITE, **WHOLE_DAY, "after_id": changes[0]["id"]},
        ).json()
        assert newer == []

        # P1 serves as switched; S1 skips the 12:00 break.
        c.post(
            "/v1/agent-events",
            json={
                "events": [
                    ev("p1a", "P1", "09:00:00Z", "outbound_dialling"),
                    ev("p1b", "P1", "10:00:30Z", "ready"),
                    ev("s1a", "S1", "09:00:00Z", "ready"),
                ]
            },
        )
        live = c.get("/v1/adherence/live", params={"site": SITE, "only_out": True}).json()
        out = {a["agent_code"] for a in live["agents"]}
        assert "P1" not in out and "S1" not in out and "S2" in out
        later = c.get("/v1/adherence/live", params={"site": SITE, "at": "2026-11-09T12:05:00Z"})
        s1 = next(a for a in later.json()["agents"] if a["agent_code"] == "S1")
        assert s1["planned"] == "break" and s1["actual"] == "serve"
        assert s1["out_for_seconds"] == 240  # since 12:01 (the tolerance ends)

        day = c.get("/v1/adherence", params={"site": SITE, "date": DAY.isoformat(), "agent": "P1"})
        (p1,) = day.json()
        # The site clock says 10:00: the shift's first hour is what has happened (what is to
        # come counts neither as scheduled nor as worked), selling to 10:00 as planned.
        assert p1["scheduled_minutes"] == 60 and p1["adherence"] == 1.0
        assert p1["worked_minutes"] == 60 and p1["conformance"] == 1.0
        minutes = c.get(
            "/v1/adherence/minutes", params={"site": SITE, "agent": "P1", "date": DAY.isoformat()}
        ).json()
        assert len(minutes["adherent_seconds"]) == 1440
        assert minutes["adherent_seconds"][9 * 60 : 10 * 60] == [60.0] * 60
        assert minutes["scheduled_seconds"][10 * 60 :] == [0.0] * (1440 - 10 * 60)
        # At 11:00 the switch to serve (30 s late, inside the tolerance) is adherent minute for
        # minute too.
        c.put(
            "/v1/intraday/clock", json={"site": SITE, "now_utc": "2026-11-09T11:00:00Z", "speed": 0}
        )
        (p1,) = c.get(
            "/v1/adherence", params={"site": SITE, "date": DAY.isoformat(), "agent": "P1"}
        ).json()
        assert p1["scheduled_minutes"] == 120 and p1["adherence"] == 1.0
        minutes = c.get(
            "/v1/adherence/minutes", params={"site": SITE, "agent": "P1", "date": DAY.isoformat()}
        ).json()
        assert minutes["adherent_seconds"][9 * 60 : 11 * 60] == [60.0] * 120
        c.put(
            "/v1/intraday/clock", json={"site": SITE, "now_utc": "2026-11-09T10:00:00Z", "speed": 0}
        )
        bad = c.get(
            "/v1/adherence", params={"site": SITE, "date": DAY.isoformat(), "period": "year"}
        )
        assert bad.status_code == 422


def test_exceptions_settings_clock_and_auto_mode(server: Server) -> None:
    with server.client() as c:
        r = c.post(
            "/v1/intraday/exceptions",
            json={"site": SITE, "agent_code": "S2", "start_utc": "2026-11-09T13:00:00Z",
                  "end_utc": "2026-11-09T14:00:00Z", "activity": "other", "reason": "training"},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        assert r.json()["kind"] == "exception" and r.json()["activity"] == "other"
        backwards = c.post(
            "/v1/intraday/exceptions",
            json={"site": SITE, "agent_code": "S2", "start_utc": "2026-11-09T14:00:00Z",
                  "end_utc": "2026-11-09T13:00:00Z"},
        )  # fmt: skip
        assert backwards.status_code == 422 and "end_utc" in backwards.json()["detail"]
        naive = c.post(
            "/v1/intraday/exceptions",
            json={"site": SITE, "agent_code": "S2", "start_utc": "2026-11-09T13:00:00",
                  "end_utc": "2026-11-09T14:00:00"},
        )  # fmt: skip
        assert naive.status_code == 422
        assert c.get("/v1/intraday/recommendation", params={"site": "NOPE"}).status_code == 404

        settings = c.put(
            "/v1/intraday/settings",
            params={"site": SITE},
            json={"auto_enabled": True, "auto_max_agents_per_move": 1,
                  "state_mapping": {"states": {"AUX 7": "sell"}}},
        )  # fmt: skip
        assert settings.status_code == 200, settings.text
        assert settings.json()["auto_enabled"] and settings.json()["clock_simulated"]
        mapping = c.get("/v1/intraday/state-mapping", params={"site": SITE}).json()
        assert {"state": "aux_7", "reason": None, "activity": "sell"} in mapping
        auto = c.post("/v1/intraday/auto/run", params={"site": SITE}).json()
        assert [m["agent_code"] for m in auto["applied"]] == ["P1"]
        log = c.get("/v1/intraday/recommendations/log", params={"site": SITE}).json()
        assert log[0]["applied_by_auto"] and log[0]["agent_count"] == 3

        clock = c.put(
            "/v1/intraday/clock", json={"site": SITE, "now_utc": "2026-11-09T15:00:00Z", "speed": 0}
        )
        assert clock.json()["clock_now_utc"].startswith("2026-11-09T15:00:00")
        day = c.get("/v1/intraday/day", params={"site": SITE, "date": DAY.isoformat()}).json()
        assert day["interval_minutes"] == 15 and len(day["interval_starts_utc"]) == 96
        q1 = next(q for q in day["queues"] if q["queue_code"] == "Q1")
        assert q1["forecast_offered"][40] == 20.0  # 10:00
        # the patience the queue model uses: no estimate from history, so the site's setting
        assert (q1["patience_seconds"], q1["patience_source"]) == (180.0, "site")
        p1 = next(a for a in day["agents"] if a["agent_code"] == "P1")
        assert any(span["authorised_change"] for span in p1["plan"])
        reforecast = c.get("/v1/intraday/reforecast", params={"site": SITE}).json()
        assert {q["queue_code"] for q in reforecast["queues"]} == {"Q1", "Q2"}
        assert all(q["prior_ratio"] == 1.0 for q in reforecast["queues"])  # no day stored before
        banded = 0
        for interval in reforecast["queues"][0]["intervals"]:
            low, high = interval["reforecast_lo80"], interval["reforecast_hi80"]
            assert 0 <= low <= interval["reforecast_offered"] <= high
            to_come = interval["interval_start_utc"] >= "2026-11-09T15:00"
            if interval["forecast_offered"] > 0 and to_come:
                assert high > low  # still to come: a real band
                banded += 1
            elif interval["actual_offered"] is not None and not to_come:
                assert low == high == interval["actual_offered"]  # over: the actuals
        assert banded > 0
        real = c.delete("/v1/intraday/clock", params={"site": SITE}).json()
        assert not real["clock_simulated"]
