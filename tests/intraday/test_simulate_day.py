"""`wfm simulate-day` as a user runs it: a real process against a real API server."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from intraday_testkit import SITE, Server
from sqlalchemy import Engine, func, select

from wfm.db.models import AgentRow, PlanChangeRow, QueueSnapshotRow
from wfm.db.repositories.intraday import AgentStateFeedRepository
from wfm.db.session import unit_of_work


def run_wfm(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "WFM_API_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "wfm", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def at(hhmm: str) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(2026, 11, 9, h, m, tzinfo=UTC)


def test_a_played_morning_posts_states_and_snapshots_and_honours_switches(
    server: Server, engine: Engine
) -> None:
    with server.client() as c:
        # A switch recorded before the play: P3 serves 09:30-10:15.
        r = c.post(
            "/v1/intraday/switch",
            json={
                "site": SITE,
                "to": "serve",
                "agents": [{"agent_code": "P3"}],
                "start_utc": "2026-11-09T09:30:00Z",
                "end_utc": "2026-11-09T10:15:00Z",
            },
        )
        assert r.status_code == 200 and len(r.json()["accepted"]) == 1
        # The auto mode pulls one seller at a time while the play runs, two at most at once
        # (P1 at 09:00, P2 at 09:05: P3's own switch is not theirs to make).
        c.put(
            "/v1/intraday/settings",
            params={"site": SITE},
            json={
                "auto_enabled": True,
                "auto_max_agents_per_move": 1,
                "auto_max_agents_switched": 2,
            },
        )
    result = run_wfm(
        "simulate-day",
        "--date", "2026-11-09",
        "--site", SITE,
        "--speed", "0",
        "--start", "09:00",
        "--end", "10:30",
        "--surge", "0.3",
        "--surge-from", "09:30",
        "--api-url", server.url,
        "--token", server.tokens["floor_manager"],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "played 2026-11-09T09:00:00+00:00 to 2026-11-09T10:30:00+00:00: 90 minutes" in (
        result.stdout
    )
    assert "Q1: offered" in result.stdout
    # a floor manager may not write history: the day is played, not recorded
    assert "the played day is not recorded" in result.stdout

    with unit_of_work(engine) as session:
        feed = AgentStateFeedRepository(session)
        events = feed.events(SITE, at("08:00"), at("11:00"))
        # Every agent on shift logged in within the first minutes.
        assert set(events) == {"S1", "S2", "S3", "P1", "P2", "P3", "X1"}
        for code, evs in events.items():
            assert evs[0].occurred_at_utc < at("09:06"), code
        # P3 honoured the switch recorded beforehand: serving from about 09:30, selling again
        # after 10:15.
        p3 = [(e.occurred_at_utc, e.state) for e in events["P3"]]
        ready = [t for t, s in p3 if s == "ready"]
        assert ready and at("09:30") <= ready[0] < at("09:36")
        assert any(s == "outbound_dialling" and t >= at("10:15") for t, s in p3)
        # The auto mode's switches, recorded while the play ran, were honoured too.
        auto = session.execute(
            select(AgentRow.code, PlanChangeRow.created_at)
            .join(AgentRow, PlanChangeRow.agent_id == AgentRow.id)
            .where(PlanChangeRow.source == "auto")
        ).all()
        assert len(auto) >= 2
        for code, created in auto:
            # Picked up at the next minute, then the agent's usual lag (at most 5 min late).
            assert any(
                e.state == "ready" and created <= e.occurred_at_utc < created + timedelta(minutes=7)
                for e in events[code]
            ), (code, created)
        # One snapshot per queue and minute.
        snapshots = session.scalar(select(func.count()).select_from(QueueSnapshotRow))
        assert snapshots == 2 * 90


def test_errors_are_one_line(server: Server) -> None:
    no_token = run_wfm("simulate-day", "--date", "2026-11-09", "--site", SITE, "--api-url",
                       server.url)  # fmt: skip
    assert no_token.returncode == 2 and no_token.stderr.startswith("error: --token")
    bad_date = run_wfm("simulate-day", "--date", "9/11/2026", "--token", "x")
    assert bad_date.returncode == 2 and "error: --date" in bad_date.stderr
    assert "Traceback" not in bad_date.stderr
    wrong = run_wfm("simulate-day", "--date", "2026-11-09", "--site", SITE, "--api-url",
                    server.url, "--token", "wfm_nonsense")  # fmt: skip
    assert wrong.returncode == 2 and "HTTP 401" in wrong.stderr
    no_roster = run_wfm("simulate-day", "--date", "2026-11-10", "--site", SITE, "--api-url",
                        server.url, "--token", server.tokens["floor_manager"])  # fmt: skip
    assert no_roster.returncode == 2 and "no agent has a published shift" in no_roster.stderr
    closed = run_wfm("simulate-day", "--date", "2026-11-09", "--api-url", "http://127.0.0.1:9",
                     "--token", "x")  # fmt: skip
    assert closed.returncode == 2 and "cannot reach the API" in closed.stderr
    assert len(closed.stderr.strip().splitlines()) == 1


def test_a_played_stretch_becomes_interval_history_day_sums_and_kpis(
    server: Server, engine: Engine
) -> None:
    """Each closed interval is imported as history (the real import), with what the simulation
    produced; the day sums and the KPI endpoint then show the day."""
    import httpx

    from wfm.db.models import IntervalHistoryDayRow, QueueRow
    from wfm.db.repositories import HistoryRepository
    from wfm.tools.day_player import DayPlayer, PlayConfig

    config = PlayConfig(
        site=SITE,
        day=at("00:00").date(),
        speed=0,
        surge=0.0,
        start=at("09:00").time(),
        end=at("10:30").time(),
        seed=3,
    )
    headers = {"Authorization": f"Bearer {server.tokens['admin']}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60.0) as client:
        summary = DayPlayer(client, config).play()
    assert summary.history_note is None
    # six closed quarter hours, 09:00 .. 10:15, of both queues
    starts = sorted({row["interval_start"] for row in summary.history_rows})
    assert [datetime.fromisoformat(s) for s in starts] == [
        at("09:00") + timedelta(minutes=15 * k) for k in range(6)
    ]
    assert len(summary.history_rows) == 12
    sent = {(r["queue_code"], datetime.fromisoformat(r["interval_start"])): r
            for r in summary.history_rows}  # fmt: skip
    # What the simulation produced over the played intervals is what was recorded.
    for code in ("Q1", "Q2"):
        assert sum(r["offered"] for k, r in sent.items() if k[0] == code) == round(
            summary.offered[code]
        )
        assert sum(r["answered"] for k, r in sent.items() if k[0] == code) == round(
            summary.answered[code]
        )
    assert sum(r["offered"] for r in summary.history_rows) > 50  # Q1 takes 20 per quarter

    with unit_of_work(engine) as session:
        stored = HistoryRepository(session).records(None, at("00:00"), at("23:59"))
        assert {(r.queue_code, r.interval_start_utc) for r in stored} == set(sent)
        for record in stored:
            row = sent[(record.queue_code, record.interval_start_utc)]
            assert (record.offered, record.answered, record.abandoned) == (
                row["offered"], row["answered"], row["abandoned"]
            )  # fmt: skip
            assert record.answered_within_threshold == row["answered_within_threshold"]
            assert record.handle_seconds == row["handle_seconds"]
        day = session.execute(
            select(QueueRow.code, IntervalHistoryDayRow.answered, IntervalHistoryDayRow.abandoned)
            .join(QueueRow, QueueRow.id == IntervalHistoryDayRow.queue_id)
            .where(IntervalHistoryDayRow.local_date == at("00:00").date())
        ).all()
        sums = {code: (answered, abandoned) for code, answered, abandoned in day}
        q1_rows = [r for k, r in sent.items() if k[0] == "Q1"]
        assert sums["Q1"] == (
            sum(r["answered"] for r in q1_rows),
            sum(r["abandoned"] for r in q1_rows),
        )

    with httpx.Client(base_url=server.url, headers=headers, timeout=60.0) as client:
        r = client.get(
            "/v1/kpis",
            params={"site": SITE, "start": "2026-11-09", "end": "2026-11-10", "queue": "Q1"},
        )
    assert r.status_code == 200, r.text
    q1 = r.json()["series"][0]
    answered = sum(row["answered"] for row in q1_rows)
    abandoned = sum(row["abandoned"] for row in q1_rows)
    assert q1["total"]["answered"] == answered and q1["total"]["abandoned"] == abandoned
    assert q1["total"]["answer_rate"] == pytest.approx(answered / (answered + abandoned))
    assert [p["period"] for p in q1["points"]] == ["2026-11-09"]
    # the forecast's accuracy is scored against the played intervals as they arrive
    with httpx.Client(base_url=server.url, headers=headers, timeout=60.0) as client:
        r = client.get("/v1/kpis/forecast-accuracy", params={"site": SITE, "period": "day"})
    assert r.status_code == 200, r.text
    scored = {(p["queue_code"], p["period_start"]): p for p in r.json()["periods"]}
    q1_day = scored[("Q1", "2026-11-09")]
    assert q1_day["actual_offered"] == sum(row["offered"] for row in q1_rows)
