"""Helpers of the dashboard tests, which run its pages with Streamlit's AppTest against a
live API (real HTTP on a free port) serving a small demo centre: 6 weeks of history for 30
agents, a forecast, its requirements, a published roster for the first forecast week and a draft
for the second, and a site clock held still in the first week's Monday morning."""

from __future__ import annotations

import socket
import threading
import time as clock
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from wfm.domain import Activity, Shift, ShiftBreak
from wfm.domain import ActivitySpan as Span

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
ROLES = ("admin", "planner", "floor_manager", "executive")
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; the browser tests skip without it
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class DemoApi:
    url: str
    site: str
    timezone: str
    week1: date
    week2: date
    clock_utc: datetime
    agent_code: str
    tokens: dict[str, str] = field(default_factory=dict)
    database_url: str = ""  # the API's database, for the worker's jobs (`run_jobs`)

    def client(self, role: str = "admin") -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.tokens[role]}"},
            timeout=60.0,
        )

    def get(self, path: str, role: str = "admin", **params: object) -> object:
        with self.client(role) as http:
            response = http.get(path, params=params)
        assert response.status_code == 200, (response.status_code, response.text)
        return response.json()

    def run_jobs(self) -> int:
        """Run the jobs queued through the API to their end, as the worker does; how many ran."""
        from wfm.db.session import make_engine
        from wfm.worker.worker import Worker

        engine = make_engine(self.database_url)
        worker = Worker(engine)
        try:
            return worker.run_pending()
        finally:
            worker.close()
            engine.dispose()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_uvicorn(app: object) -> tuple[str, object, threading.Thread]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = clock.monotonic() + 20
    while not server.started:
        if clock.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        clock.sleep(0.02)
    return f"http://127.0.0.1:{port}", server, thread


def roster(centre: object, zone: ZoneInfo, week: date, days: int) -> tuple[Shift, ...]:
    """Shifts 08:00-16:00 local: half the agents serve their first queue, the others sell."""
    campaigns = centre.campaigns  # type: ignore[attr-defined]
    shifts = []
    for index, agent in enumerate(centre.agents):  # type: ignore[attr-defined]
        for offset in range(days):
            day = week + timedelta(days=offset)

            def at(hour: int, minute: int = 0, _day: date = day) -> datetime:
                return datetime.combine(_day, time(hour, minute), tzinfo=zone).astimezone(UTC)

            queue = agent.queue_skills[0]
            campaign = (agent.campaign_skills or (campaigns[0].code,))[0]
            work = (
                {"activity": Activity.SERVE, "queue_code": queue}
                if index % 2 == 0
                else {"activity": Activity.SELL, "campaign_code": campaign}
            )
            shifts.append(
                Shift(
                    agent_code=agent.code,
                    shift_date=day,
                    start_utc=at(8),
                    end_utc=at(16),
                    breaks=(ShiftBreak(at(12), at(12, 30), "lunch"),),
                    activities=(
                        Span(at(8), at(12), **work),  # type: ignore[arg-type]
                        Span(at(12), at(12, 30), Activity.LUNCH),
                        Span(at(12, 30), at(16), **work),  # type: ignore[arg-type]
                    ),
                )
            )
    return tuple(shifts)
