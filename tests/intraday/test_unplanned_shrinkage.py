"""Unplanned shrinkage measured on a site's rostered day from its agents' ACD events: the
service on SQLite and PostgreSQL, the API (read, apply, refusal) and `wfm shrinkage`."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from intraday_testkit import DAY, SITE, Server, build_centre, t
from sqlalchemy import Engine

from wfm.db import migrate
from wfm.db.repositories import SiteRepository
from wfm.db.session import make_engine, unit_of_work
from wfm.domain.errors import ValidationError
from wfm.domain.intraday import RawEvent
from wfm.services import intraday as svc
from wfm.services.shrinkage import estimate_site_shrinkage

SHIFT_WORK_MINUTES = 480 - 15  # 09:00-17:00 with a 15-minute break, all rostered


def _play_day(session, agents: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Every agent works its shift, except S1 (absent), S2 (30 min late) and S3 (20 min not
    ready in the afternoon); the clock then stands on the next day."""
    events = []
    for code in agents:
        if code == "S1":
            continue
        work = "ready" if code.startswith("S") else "outbound_dialling"
        script = [
            (t("09:30") if code == "S2" else t("09:00"), work),
            (t("12:00"), "break"),
            (t("12:15"), work),
            (t("17:00"), "logged_out"),
        ]
        if code == "S3":
            script[3:3] = [(t("14:00"), "not_ready"), (t("14:20"), work)]
        events += [RawEvent(f"{code}-{i}", code, at, s, None) for i, (at, s) in enumerate(script)]
    svc.set_clock(session, site_code=SITE, now_utc=t("17:30"), speed=0)
    result = svc.ingest_agent_events(session, events=events)
    assert not result.rejections, result.rejections
    svc.set_clock(session, site_code=SITE, now_utc=t("10:00") + timedelta(days=1), speed=0)


def _codes(servers: int, sellers: int) -> list[str]:
    return (
        [f"S{i}" for i in range(1, servers + 1)] + [f"P{i}" for i in range(1, sellers + 1)] + ["X1"]
    )


def test_the_estimate_counts_the_absent_the_late_and_the_aux(engine: Engine) -> None:
    agents = _codes(17, 3)  # 21 agents rostered on DAY
    with unit_of_work(engine) as session:
        build_centre(session, servers=17, sellers=3)
        _play_day(session, agents)
    with unit_of_work(engine) as session:
        result = estimate_site_shrinkage(session, site_code=SITE, lookback_days=7)
        e = result.estimate
        total = len(agents) * SHIFT_WORK_MINUTES
        assert result.last_day == DAY and result.first_day == DAY - timedelta(days=6)
        assert e.agent_days == 21 and e.absent_agent_days == 1 and e.sufficient
        assert e.unplanned_shrinkage == pytest.approx((SHIFT_WORK_MINUTES + 30 + 20) / total)
        assert e.absence_share == pytest.approx(SHIFT_WORK_MINUTES / total)
        assert e.ci_low is not None and e.ci_low < e.unplanned_shrinkage < (e.ci_high or 0)
        assert result.site.unplanned_shrinkage == 0.1 and not result.applied
    with unit_of_work(engine) as session:
        applied = estimate_site_shrinkage(session, site_code=SITE, lookback_days=7, apply=True)
    with unit_of_work(engine) as session:
        stored = SiteRepository(session).get(SITE).unplanned_shrinkage
    expected = round((SHIFT_WORK_MINUTES + 50) / (21 * SHIFT_WORK_MINUTES), 4)
    assert applied.applied and stored == pytest.approx(expected)


def test_a_day_without_events_is_left_out_and_too_few_days_keep_the_setting(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session:
        build_centre(session)
        svc.set_clock(session, site_code=SITE, now_utc=t("10:00") + timedelta(days=1), speed=0)
    with unit_of_work(engine) as session:
        result = estimate_site_shrinkage(session, site_code=SITE, lookback_days=3)
        assert result.days_without_events == 1 and result.estimate.agent_days == 0
        assert result.estimate.unplanned_shrinkage is None
    with (
        pytest.raises(ValidationError, match="0 rostered agent-days"),
        unit_of_work(engine) as session,
    ):
        estimate_site_shrinkage(session, site_code=SITE, lookback_days=3, apply=True)
    with unit_of_work(engine) as session:
        assert SiteRepository(session).get(SITE).unplanned_shrinkage == 0.1
        with pytest.raises(ValidationError, match="lookback_days"):
            estimate_site_shrinkage(session, site_code=SITE, lookback_days=0)


def test_the_api_measures_and_refuses_to_apply_too_little(server: Server) -> None:
    with server.client("planner") as planner:
        # the server fixture's centre: 7 agents rostered on DAY, the clock at 10:00 that day
        r = planner.get(f"/v1/sites/{SITE}/unplanned-shrinkage", params={"lookback_days": 3})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["last_day"] == (DAY - timedelta(days=1)).isoformat()
        assert body["agent_days"] == 0 and body["estimate"] is None and not body["applied"]
        r = planner.post(f"/v1/sites/{SITE}/unplanned-shrinkage")
        assert r.status_code == 422 and "needs 20" in r.text
        r = planner.get(f"/v1/sites/{SITE}/unplanned-shrinkage", params={"lookback_days": 0})
        assert r.status_code == 422
        assert planner.get("/v1/sites/NOPE/unplanned-shrinkage").status_code == 404
    with server.client("floor_manager") as floor:
        assert floor.post(f"/v1/sites/{SITE}/unplanned-shrinkage").status_code == 403
    with server.client(None) as anonymous:
        assert anonymous.get(f"/v1/sites/{SITE}/unplanned-shrinkage").status_code == 401


def _wfm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wfm", *args], capture_output=True, text=True, timeout=300
    )


def test_the_command_prints_applies_and_refuses(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wfm.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        build_centre(session, servers=17, sellers=3)
        _play_day(session, _codes(17, 3))
    engine.dispose()
    shown = _wfm("shrinkage", "--site", SITE, "--lookback-days", "7", "--database-url", url)
    assert shown.returncode == 0, shown.stderr
    assert "21 rostered agent-days" in shown.stdout and "absence 4.8 %" in shown.stdout
    assert "setting is 10.0 %" in shown.stdout
    applied = _wfm("shrinkage", "--site", SITE, "--apply", "--json", "--database-url", url)
    assert applied.returncode == 0, applied.stderr
    report = json.loads(applied.stdout)
    assert report["applied"] and report["setting"] == pytest.approx(round(report["estimate"], 4))
    refused = _wfm("shrinkage", "--site", SITE, "--lookback-days", "0", "--database-url", url)
    assert refused.returncode == 2
    gone = _wfm("shrinkage", "--site", "NOPE", "--database-url", url)
    assert gone.returncode == 2 and gone.stderr.count("\n") == 1
