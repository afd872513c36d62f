"""The patience policy over real HTTP: a queue with enough history reports its own estimate, one
without reports the site's setting, and changing the setting changes what the queue reports; a
hand-typed patience is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from apikit import SITE, TZ, ApiServer, ok

CSV = {"Content-Type": "text/csv"}
FIRST = datetime(2025, 3, 4, 8, tzinfo=UTC)
# chi-square quantiles from the published tables, 80 degrees of freedom (2 x 40 abandons)
CHI2_80_UPPER_2_5 = 106.629
CHI2_80_LOWER_2_5 = 57.153


def _history() -> str:
    """retail: 40 quarter hours with 1 abandon each, the answered waiting 90 s in all and the
    abandoner 30 s: (40 x 120 s) / 40 = 120 s. business: 10 abandons only."""
    lines = [
        "queue,interval_start,offered,answered,abandoned,answered_within_threshold,"
        "handle_seconds,wait_seconds_answered,wait_seconds_abandoned"
    ]
    for queue, count in (("retail", 40), ("business", 10)):
        for i in range(count):
            at = FIRST + timedelta(minutes=15 * i)
            lines.append(f"{queue},{at.isoformat()},10,9,1,7,1620,90,30")
    return "\n".join(lines) + "\n"


def _ok(response: httpx.Response, status: int = 200) -> Any:
    return ok(response, status)


def _patience(client: httpx.Client, code: str) -> Any:
    return _ok(client.get(f"/v1/queues/{code}"))["patience"]


def test_queues_report_their_estimate_else_the_site_setting(api: ApiServer) -> None:
    with api.client("planner") as planner:
        site = _ok(
            planner.post("/v1/sites", json={"code": SITE, "name": "Paris", "timezone": TZ}), 201
        )
        assert site["default_patience_seconds"] == 180.0
        for code in ("retail", "business"):
            _ok(
                planner.post("/v1/queues", json={"site_code": SITE, "code": code, "name": code}),
                201,
            )
        site_setting = {
            "seconds": 180.0,
            "source": "site",
            "estimated_at_utc": None,
            "ci_low_seconds": None,
            "ci_high_seconds": None,
            "abandoned_count": None,
        }
        assert _patience(planner, "retail") == site_setting  # no history yet

        _ok(
            planner.post(
                "/v1/history/import",
                content=_history(),
                headers=CSV,
                params={"interval_minutes": 15},
            )
        )
        result = _ok(planner.post("/v1/queues/patience-estimates", params={"site": SITE}))
        assert result["site_code"] == SITE
        # the window ends with the site's last local day of history, Tuesday 4 March (CET)
        end = datetime(2025, 3, 4, 23, tzinfo=UTC)
        assert datetime.fromisoformat(result["window_end_utc"]) == end
        assert datetime.fromisoformat(result["window_start_utc"]) == end - timedelta(days=56)
        assert (result["lookback_days"], result["min_abandoned"]) == (56, 30)
        by_queue = {q["queue_code"]: q for q in result["queues"]}
        assert list(by_queue) == ["business", "retail"]
        retail = by_queue["retail"]["patience"]
        assert retail["source"] == "history"
        assert retail["seconds"] == pytest.approx(120.0)
        assert retail["ci_low_seconds"] == pytest.approx(2 * 4800 / CHI2_80_UPPER_2_5, rel=1e-4)
        assert retail["ci_high_seconds"] == pytest.approx(2 * 4800 / CHI2_80_LOWER_2_5, rel=1e-4)
        assert retail["abandoned_count"] == 40
        assert datetime.fromisoformat(retail["estimated_at_utc"]) == end
        assert by_queue["retail"]["intervals_in_window"] == 40
        assert by_queue["business"]["patience"] == site_setting
        assert by_queue["business"]["abandoned_in_window"] == 10  # fewer than 30: no estimate

        # what the queues report from now on
        assert _patience(planner, "retail") == retail
        listed = {
            q["code"]: q["patience"] for q in _ok(planner.get("/v1/queues", params={"site": SITE}))
        }
        assert listed == {"retail": retail, "business": site_setting}

        # the site's setting moves the queue without an estimate, not the one with
        changed = _ok(planner.patch(f"/v1/sites/{SITE}", json={"default_patience_seconds": 95.0}))
        assert changed["default_patience_seconds"] == 95.0
        assert _patience(planner, "business") == {**site_setting, "seconds": 95.0}
        assert _patience(planner, "retail") == retail
        # editing a queue keeps its patience
        edited = _ok(planner.patch("/v1/queues/retail", json={"service_level_target": 0.9}))
        assert edited["patience"] == retail


def test_typed_patience_is_refused_and_the_setting_validated(api: ApiServer) -> None:
    with api.client("planner") as planner:
        _ok(planner.post("/v1/sites", json={"code": SITE, "name": "Paris", "timezone": TZ}), 201)
        typed = planner.post(
            "/v1/queues",
            json={"site_code": SITE, "code": "retail", "name": "R", "mean_patience_seconds": 120},
        )
        assert typed.status_code == 422, typed.text
        body = typed.json()
        assert body["errors"][0]["field"] == "body.mean_patience_seconds"
        assert "estimated from the queue's history" in body["detail"]
        assert "default_patience_seconds" in body["detail"]
        assert planner.get("/v1/queues/retail").status_code == 404  # nothing stored
        _ok(
            planner.post("/v1/queues", json={"site_code": SITE, "code": "retail", "name": "R"}), 201
        )
        for value in (120, None):
            patched = planner.patch("/v1/queues/retail", json={"mean_patience_seconds": value})
            assert patched.status_code == 422, patched.text
            assert patched.json()["errors"][0]["field"] == "body.mean_patience_seconds"

        for value, message in ((0, "greater than 0"), (86_401, "less than or equal to 86400")):
            bad = planner.patch(f"/v1/sites/{SITE}", json={"default_patience_seconds": value})
            assert bad.status_code == 422, bad.text
            assert bad.json()["errors"][0]["field"] == "body.default_patience_seconds"
            assert message in bad.json()["detail"]
        null = planner.patch(f"/v1/sites/{SITE}", json={"default_patience_seconds": None})
        assert null.status_code == 422 and "cannot be null" in null.json()["detail"]
        created = _ok(
            planner.post(
                "/v1/sites",
                json={
                    "code": "lyon",
                    "name": "Lyon",
                    "timezone": TZ,
                    "default_patience_seconds": 86_400,
                },
            ),
            201,
        )
        assert created["default_patience_seconds"] == 86_400
        assert _ok(planner.get(f"/v1/sites/{SITE}"))["default_patience_seconds"] == 180.0


def test_estimating_needs_org_write_and_a_known_site(api: ApiServer) -> None:
    with api.client("admin") as admin:
        _ok(admin.post("/v1/sites", json={"code": SITE, "name": "Paris", "timezone": TZ}), 201)
        _ok(admin.post("/v1/queues", json={"site_code": SITE, "code": "retail", "name": "R"}), 201)
        empty = _ok(admin.post("/v1/queues/patience-estimates", params={"site": SITE}))
        assert empty["window_end_utc"] is None
        assert empty["queues"][0]["patience"]["source"] == "site"
        missing = admin.post("/v1/queues/patience-estimates", params={"site": "nowhere"})
        assert missing.status_code == 404 and "nowhere" in missing.json()["detail"]
        bad = admin.post("/v1/queues/patience-estimates", params={"site": SITE, "lookback_days": 0})
        assert bad.status_code == 422
    for role in ("floor_manager", "executive"):
        with api.client(role) as other:
            refused = other.post("/v1/queues/patience-estimates", params={"site": SITE})
            assert refused.status_code == 403, role
            assert other.get("/v1/queues/retail").status_code == 200
