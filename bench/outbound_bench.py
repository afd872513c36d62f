"""Benchmark of the dialer outcome import: 1 million attempts as one CSV upload to
`POST /v1/outbound/attempts`, on SQLite and on PostgreSQL (target: under 60 s each), then the
same upload again (every attempt already stored: all `unchanged`).

Baseline, in the same run: parsing and checking the same CSV in-process
(`wfm.adapters.dialer_files.parse_attempts_csv`), without HTTP or the database. The server
runs as `wfm serve` in its own process (as in `bench/api_bench.py`, whose server and backend
helpers this uses); PostgreSQL is used when WFM_BENCH_DATABASE_URL (or WFM_TEST_DATABASE_URL)
names a server, else postgresql+psycopg://postgres@127.0.0.1:5432/test, in a fresh schema
dropped afterwards.

The attempts: 200 agents on 4 campaigns and 3 segments over the 60 days before now, results
drawn as a telesales dialer's (about half no answer), revenue on sales only.

Run: .venv/bin/python bench/outbound_bench.py [--rows 1000000] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import api_bench  # noqa: E402

from wfm.adapters.dialer_files import parse_attempts_csv  # noqa: E402
from wfm.db import migrate  # noqa: E402
from wfm.db.repositories import (  # noqa: E402
    AgentRepository,
    CampaignRepository,
    SegmentRepository,
    SiteRepository,
    TokenRepository,
)
from wfm.db.session import make_engine, unit_of_work  # noqa: E402
from wfm.domain import Agent, Campaign, CampaignKind, Contract, Segment, Site  # noqa: E402
from wfm.domain.access import hash_token, new_token  # noqa: E402

TARGET_S = 60.0
SITE = "bench"
AGENTS = 200
CAMPAIGNS = ("renew", "upsell", "survey", "winback")
SEGMENTS = ("gold", "silver", "bronze")
RESULTS = ("no_answer", "busy", "contact", "refusal", "sale", "callback_requested")
RESULT_SHARES = (0.48, 0.07, 0.17, 0.16, 0.07, 0.05)
HEADER = (
    "attempt_id,attempted_at,agent,campaign,segment,lead_id,result,revenue,talk_seconds,"
    "wrap_seconds"
)


def attempts_csv(rows: int, seed: int = 1) -> str:
    """`rows` attempts over the 60 days before now, a fixed mix of results."""
    rng = np.random.default_rng(seed)
    start = (datetime.now(UTC) - timedelta(days=60)).replace(microsecond=0)
    offsets = np.sort(rng.integers(0, 60 * 86_400, rows))
    results = rng.choice(len(RESULTS), rows, p=RESULT_SHARES)
    agents = rng.integers(0, AGENTS, rows)
    campaigns = rng.integers(0, len(CAMPAIGNS), rows)
    segments = rng.integers(0, len(SEGMENTS), rows)
    revenue = np.round(rng.gamma(2.0, 60.0, rows), 2)
    talk = np.where(results <= 1, 0, rng.integers(20, 600, rows))
    wrap = rng.integers(0, 90, rows)
    lines = [HEADER]
    for i in range(rows):
        result = int(results[i])
        at = (start + timedelta(seconds=int(offsets[i]))).isoformat()
        lines.append(
            f"d{i},{at},A{agents[i]:03d},{CAMPAIGNS[campaigns[i]]},{SEGMENTS[segments[i]]},"
            f"L{i % 250_000},{RESULTS[result]},{revenue[i] if result == 4 else ''},"
            f"{talk[i]},{wrap[i]}"
        )
    return "\n".join(lines) + "\n"


def prepare(url: str) -> str:
    engine = make_engine(url)
    migrate.upgrade(engine)
    token = new_token()
    contract = Contract("full", 30, 40, 4, 5, (480,))
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site(code=SITE, name="Bench", timezone="Europe/Paris"))
        for code in SEGMENTS:
            SegmentRepository(session).add(Segment(code=code, name=code.title()))
        for code in CAMPAIGNS:
            CampaignRepository(session).add(
                Campaign(SITE, code, code.title(), CampaignKind.TELESALES, None, (1.0,) * 24, ())
            )
        AgentRepository(session).add_many(
            Agent(SITE, f"A{i:03d}", f"Agent {i}", contract, (), CAMPAIGNS) for i in range(AGENTS)
        )
        TokenRepository(session).add(name="bench", role="planner", token_hash=hash_token(token))
    engine.dispose()
    return token


def upload(base: str, token: str, body: bytes) -> tuple[float, dict[str, object]]:
    began = time.perf_counter()
    response = httpx.post(
        f"{base}/v1/outbound/attempts",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
        timeout=900,
    )
    took = time.perf_counter() - began
    assert response.status_code == 200, response.text[:500]
    return took, response.json()


def bench_backend(backend: api_bench.Backend, body: bytes, rows: int) -> None:
    print(f"== {backend.name}")
    token = prepare(backend.url)
    port = api_bench.free_port()
    server = api_bench.start_server(backend.url, port, 1, cache_seconds=0)
    base = f"http://127.0.0.1:{port}"
    try:
        took, answer = upload(base, token, body)
        assert answer["imported"] == rows, answer
        verdict = "meets" if took < TARGET_S else "MISSES"
        print(
            f"  import {rows:,} attempts over HTTP: {took:.1f} s ({rows / took:,.0f} rows/s); "
            f"target < {TARGET_S:.0f} s: {verdict}"
        )
        took, answer = upload(base, token, body)
        assert answer["imported"] == 0 and answer["unchanged"] == rows, answer
        verdict = "meets" if took < TARGET_S else "MISSES"
        print(
            f"  the same upload again (all unchanged): {took:.1f} s; target < {TARGET_S:.0f} s: "
            f"{verdict}"
        )
    finally:
        api_bench.stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    began = time.perf_counter()
    text = attempts_csv(args.rows)
    body = text.encode()
    print(
        f"{args.rows:,} attempts, {len(body) / 1e6:.0f} MB of CSV "
        f"(generated in {time.perf_counter() - began:.1f} s)"
    )
    began = time.perf_counter()
    parsed = parse_attempts_csv(text)
    assert parsed.ok and parsed.rows == args.rows, parsed.errors[:3]
    print(f"  baseline: parse and check in-process: {time.perf_counter() - began:.1f} s")
    del parsed, text
    with tempfile.TemporaryDirectory() as folder:
        if args.backend in ("sqlite", "both"):
            bench_backend(api_bench.sqlite_backend(Path(folder)), body, args.rows)
        if args.backend in ("postgresql", "both"):
            backend = api_bench.postgres_backend()
            if backend is not None:
                try:
                    bench_backend(backend, body, args.rows)
                finally:
                    backend.cleanup()  # type: ignore[operator]


if __name__ == "__main__":
    main()
