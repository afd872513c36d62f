"""Intraday benchmark: agent-event ingest rate and sell/serve recommendation latency, over HTTP.

    .venv/bin/python bench/intraday_bench.py [--events 1000000] [--agents 1000] [--batch 2000]
        [--database-url URL] [--requests 100]

Builds a centre in a fresh database (SQLite file in a temporary folder unless a URL is given; a
PostgreSQL URL must name an empty database or schema): one site, three queues (two voice, one
chat), two outbound campaigns, `--agents` agents with a published roster for the day (early, day
and late shifts with staggered breaks and lunches, two agents in three serving, one in three
selling) and a forecast. The API runs as its own process (`uvicorn api.app:create_app`), as in
production.

1. **Ingest**: `--events` agent state events (1,000 per agent by default, in time order over the
   day, ids unique) posted in batches of `--batch` to `POST /v1/agent-events`, one request after
   another. Printed: events per second overall and for the first, the last and the slowest tenth
   (does the rate hold as the table grows?), against the target of 5,000 events/s sustained
   (every tenth at or above it), and against a **baseline**
   measured in the same run: the same number of rows written straight into the events table with
   one executemany per batch (no HTTP, no screening, no current-state upkeep), i.e. what the
   database alone can take.
2. **Recommendation**: `--requests` sequential `GET /v1/intraday/recommendation` at 14:05 with
   the state feed loaded; printed p50 / p95 / max against the target p95 < 200 ms, and against a
   **baseline** in the same run: the pure `wfm.domain.intraday.recommend` on the same floor,
   already in memory (the queueing maths alone, without the database and HTTP).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from wfm.db import migrate  # noqa: E402
from wfm.db.models import AgentStateEventRow  # noqa: E402
from wfm.db.repositories import (  # noqa: E402
    AgentRepository,
    ForecastRepository,
    ScheduleRepository,
    TokenRepository,
)
from wfm.db.session import make_engine, unit_of_work  # noqa: E402
from wfm.domain import (  # noqa: E402
    Activity,
    ActivitySpan,
    Agent,
    CallingWindow,
    Campaign,
    CampaignKind,
    Channel,
    Contract,
    ForecastRun,
    ForecastValue,
    Queue,
    Schedule,
    ScheduleStatus,
    Shift,
    ShiftBreak,
    Site,
)
from wfm.domain.access import hash_token  # noqa: E402
from wfm.services import intraday as svc  # noqa: E402
from wfm.services.centre import CentreData, load_centre  # noqa: E402

SITE = "BEN"
DAY = date(2026, 11, 9)
TOKEN = "wfm_bench_floor_manager"
SERVE_STATES = ["ready", "on_call", "after_call_work"]
SELL_STATES = ["outbound_dialling", "outbound_call"]


def at(hour: float) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC) + timedelta(hours=hour)


def build_centre(url: str, agents: int) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    contract = Contract("full-time", 35, 40, 5, 5, (480,))
    windows = tuple(CallingWindow(d, dtime(9), dtime(21)) for d in range(7))
    queues = [
        Queue(SITE, "VOICE1", "Voice 1", mean_patience_seconds=150.0),
        Queue(SITE, "VOICE2", "Voice 2", mean_patience_seconds=120.0),
        Queue(SITE, "CHAT", "Chat", channel=Channel.CHAT, chat_concurrency=2),
    ]
    campaigns = [
        Campaign(SITE, "SURVEY", "Survey", CampaignKind.SURVEY, None, (12.0,) * 24, windows),
        Campaign(SITE, "SALES", "Sales", CampaignKind.TELESALES, None, (35.0,) * 24, windows),
    ]
    people = []
    for i in range(agents):
        skills = ("VOICE1", "VOICE2") if i % 3 else ("VOICE1", "CHAT")
        people.append(Agent(SITE, f"A{i:05d}", f"Agent {i}", contract, skills, ("SURVEY", "SALES")))
    with unit_of_work(engine) as session:
        load_centre(
            session,
            CentreData(
                sites=[Site(SITE, "Bench", "Europe/Dublin", "IE", is_simulation=True)],
                queues=queues,
                segments=[],
                campaigns=campaigns,
                agents=people,
                availability=[],
                time_off=[],
                history=[],
            ),
        )
        # Roster: early 07:00, day 09:00, late 12:00 (8 h); a break 2-3 h and a lunch 4-5 h into
        # the shift, staggered.
        shifts = []
        serving_at_noon = {"VOICE1": 0.0, "VOICE2": 0.0, "CHAT": 0.0}
        for i, person in enumerate(people):
            start = (7.0, 9.0, 12.0)[i % 3]
            sells = i % 3 == 2
            queue = person.queue_skills[i % 2]
            spans = (
                ActivitySpan(
                    at(start),
                    at(start + 8),
                    Activity.SELL if sells else Activity.SERVE,
                    None if sells else queue,
                    "SURVEY" if sells and i % 2 else ("SALES" if sells else None),
                ),
            )
            brk, lunch = start + 2 + 0.25 * (i % 4), start + 4 + 0.5 * (i % 2)  # staggered
            breaks = (
                ShiftBreak(at(brk), at(brk + 0.25), "break"),
                ShiftBreak(at(lunch), at(lunch + 0.5), "lunch"),
            )
            shifts.append(Shift(person.code, DAY, at(start), at(start + 8), breaks, spans))
            if not sells and start <= 12 < start + 8:
                serving_at_noon[queue] += 1
        repo = ScheduleRepository(session)
        schedule_id = repo.add(Schedule(SITE, DAY, 1, ScheduleStatus.DRAFT, at(-48), tuple(shifts)))
        repo.publish(schedule_id, at(-24))
        # Forecast: an intraday shape peaking late morning and mid-afternoon, scaled so that
        # the roster's servers about cover it (Erlang A needs a little more than the load).
        values = []
        for k in range(96):
            hour = k / 4
            shape = max(0.0, np.sin(np.pi * (hour - 7) / 13)) * (1 + 0.2 * np.cos(hour))
            for q in queues:
                aht = 300.0 if q.channel is Channel.VOICE else 600.0
                per_agent = 900.0 / aht * (2 if q.channel is Channel.CHAT else 1)
                calls = 0.9 * serving_at_noon[q.code] * per_agent * shape
                values.append(ForecastValue(q.code, at(hour), float(calls), aht))
        ForecastRepository(session).add_run(
            ForecastRun(SITE, 1, at(-24), 15, at(-24), at(24 * 7)), values
        )
        TokenRepository(session).add(
            name="bench", role="floor_manager", token_hash=hash_token(TOKEN)
        )
        svc.set_clock(session, site_code=SITE, now_utc=at(23.9), speed=0)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "WFM_DATABASE_URL": url}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the API server did not start")


def event_batches(agents: int, events: int, batch: int) -> list[bytes]:
    """Batches of events in time order over 06:00-23:00, pre-encoded (the client's JSON work is
    not the server's)."""
    states = {False: SERVE_STATES, True: SELL_STATES}  # the roster's sellers are every third
    per_agent = max(events // agents, 1)
    step = 17 * 3600 / per_agent
    bodies = []
    current: list[dict[str, str]] = []
    n = 0
    for k in range(per_agent):
        moment = at(6) + timedelta(seconds=k * step)
        for a in range(agents):
            if n >= events:
                break
            offset = timedelta(milliseconds=a)
            current.append(
                {
                    "event_id": f"b{n}",
                    "agent_code": f"A{a:05d}",
                    "occurred_at_utc": (moment + offset).isoformat(),
                    "state": states[a % 3 == 2][(k + a) % len(states[a % 3 == 2])],
                }
            )
            n += 1
            if len(current) == batch:
                bodies.append(json.dumps({"events": current}).encode())
                current = []
    if current:
        bodies.append(json.dumps({"events": current}).encode())
    return bodies


def ingest(base: str, bodies: list[bytes]) -> list[tuple[int, float]]:
    """(events accepted, seconds) per batch."""
    out = []
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        for body in bodies:
            t0 = time.perf_counter()
            r = client.post("/v1/agent-events", content=body)
            elapsed = time.perf_counter() - t0
            if r.status_code != 200:
                raise SystemExit(f"ingest failed: HTTP {r.status_code}: {r.text[:300]}")
            out.append((int(r.json()["accepted"]), elapsed))
    return out


def baseline_insert(url: str, bodies: list[bytes]) -> float:
    """Seconds to write the same rows straight into a copy of the events table."""
    engine = make_engine(url)
    table = AgentStateEventRow.__table__
    with unit_of_work(engine) as session:
        agent_ids = AgentRepository(session).ids_by_code()
    received = datetime.now(UTC)
    t0 = time.perf_counter()
    for k, body in enumerate(bodies):
        rows = [
            {
                "event_id": f"base-{k}-{i}",
                "agent_id": agent_ids[e["agent_code"]],
                "occurred_at_utc": datetime.fromisoformat(e["occurred_at_utc"]),
                "state": e["state"],
                "reason": None,
                "activity": "serve",
                "received_at_utc": received,
            }
            for i, e in enumerate(json.loads(body)["events"])
        ]
        with unit_of_work(engine) as session:
            session.execute(insert(table), rows)
    seconds = time.perf_counter() - t0
    engine.dispose()
    return seconds


def recommendation_latency(base: str, requests: int) -> list[float]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    params = {"site": SITE, "at": at(14 + 5 / 60).isoformat()}
    times = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        r = client.get("/v1/intraday/recommendation", params=params)  # warm up
        if r.status_code != 200:
            raise SystemExit(f"recommendation failed: HTTP {r.status_code}: {r.text[:300]}")
        first = r.json()
        for _ in range(requests):
            t0 = time.perf_counter()
            r = client.get("/v1/intraday/recommendation", params=params)
            times.append(time.perf_counter() - t0)
            r.raise_for_status()
    print(
        f"  recommendation at 14:05: {first['message']} ({first['on_shift_now']} on shift, "
        f"{first['servers_now']:.0f} serving, {first['sellers_now']} selling)"
    )
    return times


def pure_recommendation_seconds(url: str, requests: int) -> list[float]:
    """The pure recommend() on the floor as the service assembles it (queueing maths only)."""
    from wfm.domain import intraday

    engine = make_engine(url)
    captured: dict[str, object] = {}
    original = intraday.recommend

    def capture(**kwargs: object) -> intraday.Recommendation:
        captured.update(kwargs)
        return original(**kwargs)  # type: ignore[arg-type]

    # recommend() is looked up in the module the service's recommendation() is defined in
    service_module = sys.modules[svc.recommendation.__module__]
    service_module.recommend = capture  # type: ignore[attr-defined]
    try:
        with unit_of_work(engine) as session:
            svc.recommendation(session, site_code=SITE, at_utc=at(14 + 5 / 60))
    finally:
        service_module.recommend = original  # type: ignore[attr-defined]
    engine.dispose()
    times = []
    for _ in range(requests):
        t0 = time.perf_counter()
        original(**captured)  # type: ignore[arg-type]
        times.append(time.perf_counter() - t0)
    return times


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="Agent events to ingest.")
    parser.add_argument("--agents", type=int, default=1_000, help="Agents in the centre.")
    parser.add_argument("--batch", type=int, default=2_000, help="Events per POST.")
    parser.add_argument("--requests", type=int, default=100, help="Recommendation requests.")
    parser.add_argument(
        "--database-url", default=None, help="An empty database (default: a SQLite temp file)."
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        backend = url.split(":", 1)[0]
        print(
            f"intraday bench on {backend}: {args.agents} agents, {args.events:,} events "
            f"(machine load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)"
        )
        t0 = time.perf_counter()
        build_centre(url, args.agents)
        print(f"  centre built in {time.perf_counter() - t0:.1f} s")
        bodies = event_batches(args.agents, args.events, args.batch)
        proc, base = start_server(url)
        try:
            results = ingest(base, bodies)
            latencies = recommendation_latency(base, args.requests)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        accepted = sum(n for n, _ in results)
        seconds = sum(s for _, s in results)
        tenth = max(len(results) // 10, 1)
        tenths = [results[i : i + tenth] for i in range(0, len(results), tenth)]
        rates = [sum(n for n, _ in part) / sum(s for _, s in part) for part in tenths]
        first_rate, last_rate, slowest = rates[0], rates[-1], min(rates)
        rate = accepted / seconds
        base_seconds = baseline_insert(url, bodies)
        base_rate = args.events / base_seconds
        verdict = "meets" if slowest >= 5000 else "MISSES"
        print(
            f"ingest over HTTP: {accepted:,} events in {seconds:.1f} s = {rate:,.0f} events/s "
            f"(first tenth {first_rate:,.0f}/s, last tenth {last_rate:,.0f}/s, slowest tenth "
            f"{slowest:,.0f}/s); target 5,000/s sustained (every tenth): {verdict}"
        )
        print(
            f"  baseline, plain executemany into the events table: {base_rate:,.0f} rows/s; "
            f"the feed runs at {rate / base_rate:.0%} of it"
        )
        p50, p95 = pct(latencies, 50) * 1000, pct(latencies, 95) * 1000
        verdict = "meets" if p95 < 200 else "MISSES"
        slow = sum(1 for x in latencies if x >= 0.2)
        print(
            f"recommendation over HTTP ({args.requests} requests): p50 {p50:.0f} ms, "
            f"p95 {p95:.0f} ms, max {max(latencies) * 1000:.0f} ms ({slow} at 200 ms or more); "
            f"target p95 < 200 ms: {verdict}"
        )
        print(f"  machine load average now {os.getloadavg()[0]:.2f}")
        pure = pure_recommendation_seconds(url, args.requests)
        print(
            f"  baseline, the pure recommend() on the same floor in memory: "
            f"p50 {pct(pure, 50) * 1000:.0f} ms, p95 {pct(pure, 95) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
