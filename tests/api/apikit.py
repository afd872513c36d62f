"""Helpers of the API tests: the running server, a centre built over the API, history CSV."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import Engine

ROLES = ("admin", "planner", "floor_manager", "executive")
SITE = "paris"
TZ = "Europe/Paris"


@dataclass
class ApiServer:
    url: str
    database_url: str
    engine: Engine
    tokens: dict[str, str] = field(default_factory=dict)
    token_cache_seconds: float = 0.0  # how long the server trusts a token it has checked

    def client(self, role: str | None = "admin", token: str | None = None) -> httpx.Client:
        secret = token or (self.tokens[role] if role else None)
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60.0)

    def add_token(self, role: str, *, agent_code: str | None = None, name: str = "") -> str:
        from wfm.db.repositories import TokenRepository
        from wfm.db.session import unit_of_work
        from wfm.domain.access import hash_token, new_token

        token = new_token()
        with unit_of_work(self.engine) as session:
            TokenRepository(session).add(
                name=name or f"test-{role}",
                role=role,
                token_hash=hash_token(token),
                agent_code=agent_code,
            )
        return token


def start_uvicorn(app: object, *, lifespan: str = "off") -> tuple[str, object, threading.Thread]:
    """Serve `app` on a free port in a thread (its lifespan run only when `lifespan` is "on")."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server, thread


def contract(name: str = "full-time") -> dict[str, object]:
    return {
        "name": name,
        "weekly_hours_min": 32,
        "weekly_hours_max": 40,
        "days_per_week_min": 4,
        "days_per_week_max": 5,
        "shift_lengths_minutes": [480],
    }


def ok(response: httpx.Response, status: int = 200) -> object:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else None


def seed_centre(client: httpx.Client) -> None:
    """A site with two queues, a segment, a campaign and three agents, over the API."""
    ok(client.post("/v1/sites", json={"code": SITE, "name": "Paris", "timezone": TZ}), 201)
    for code in ("retail", "business"):  # patience: the site's setting until estimated
        ok(
            client.post("/v1/queues", json={"site_code": SITE, "code": code, "name": code.title()}),
            201,
        )
    ok(client.post("/v1/segments", json={"code": "gold", "name": "Gold"}), 201)
    ok(
        client.post(
            "/v1/campaigns",
            json={
                "site_code": SITE,
                "code": "renewals",
                "name": "Renewals",
                "kind": "telesales",
                "segment_code": "gold",
                "value_per_productive_hour_by_hour": [10.0] * 18 + [30.0] * 6,
                "calling_windows": [
                    {"weekday": d, "start_local": "09:00", "end_local": "20:00"} for d in range(5)
                ],
            },
        ),
        201,
    )
    for i in range(3):
        ok(
            client.post(
                "/v1/agents",
                json={
                    "site_code": SITE,
                    "code": f"A{i}",
                    "name": f"Agent {i}",
                    "contract": contract(),
                    "queue_skills": ["retail"] if i < 2 else ["retail", "business"],
                    "campaign_skills": ["renewals"],
                },
            ),
            201,
        )


def history_csv(
    days: int, start: datetime = datetime(2025, 3, 3, tzinfo=UTC), queues: tuple[str, ...] = ()
) -> str:
    """Regular 15-min history for the queues: a daytime profile, reproducible."""
    lines = [
        "queue,interval_start,offered,answered,abandoned,short_abandoned,"
        "answered_within_threshold,handle_seconds,wait_seconds_answered"
    ]
    for q_index, queue in enumerate(queues or ("retail", "business")):
        for step in range(days * 96):
            at = start + timedelta(minutes=15 * step)
            hour = at.hour
            base = 0 if hour < 7 or hour >= 20 else 8 + (step * 7 + q_index * 3) % 11
            abandoned = base // 9
            answered = base - abandoned
            within = answered * 4 // 5
            lines.append(
                f"{queue},{at.isoformat()},{base},{answered},{abandoned},{abandoned // 2},"
                f"{within},{answered * 180},{answered * 12}"
            )
    return "\n".join(lines) + "\n"
