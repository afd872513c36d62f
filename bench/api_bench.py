"""Benchmarks of the HTTP API, each against a baseline computed in the same run.

1. Import of 1 million interval rows (20 queues x 50,000 15-minute intervals, about 17 months) as
   one CSV upload to `POST /v1/history/import`, on SQLite and on PostgreSQL (target: under 60 s).
   Baseline: parsing and validating the same CSV in-process, without HTTP or the database.
2. Latency of KPI reads (`GET /v1/kpis`) over a year of that data under 100 concurrent clients
   (target: p95 under 100 ms). The request mix is a dashboard's: a queue's month by day, a
   queue's year by month, a queue's day by interval, the site's quarter by week, at random
   dates. Baseline: the same mix from one client at a time. Each client pauses between reads
   (a user reading the page: exponential, mean 1 s), and then not at all (a closed loop at full
   speed, which measures saturation). Measured with the KPI caches off (every read computed
   from the database) and on (the server's default, 30 s), each after a warm-up at the same
   load (--warmup, 5 s: clients connecting, each server process's first statements), whose
   figures are printed apart.

The server runs as `wfm serve` in its own process(es); the load generator (HTTP/1.1 on raw
asyncio streams, see HttpConnection) runs here and reports its own CPU use and the share of
answers the server took from its cache. PostgreSQL is used when WFM_BENCH_DATABASE_URL (or
WFM_TEST_DATABASE_URL) names a server; each run uses a fresh schema that is dropped afterwards.

Run: .venv/bin/python bench/api_bench.py [--rows 1000000] [--clients 100] [--seconds 20]
     [--backend sqlite|postgresql|both] [--workers 2] [--warmup 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import numpy as np
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wfm.adapters.acd_files import ImportOptions, parse_csv  # noqa: E402
from wfm.db import migrate  # noqa: E402
from wfm.db.repositories import QueueRepository, SiteRepository, TokenRepository  # noqa: E402
from wfm.db.session import make_engine, unit_of_work  # noqa: E402
from wfm.domain import Queue, Site  # noqa: E402
from wfm.domain.access import hash_token, new_token  # noqa: E402

SITE = "bench"
TZ = "Europe/Paris"
QUEUES = 20
START = datetime(2024, 1, 1, tzinfo=UTC)
IMPORT_TARGET_S = 60.0
P95_TARGET_MS = 100.0


def history_csv(rows: int, queues: int = QUEUES, seed: int = 1) -> str:
    """`rows` intervals spread over the queues: a daily and weekly shape with Poisson noise."""
    rng = np.random.default_rng(seed)
    per_queue = rows // queues
    slot = np.arange(per_queue)
    hour = (slot % 96) / 4.0
    weekday = (slot // 96 + START.weekday()) % 7
    shape = np.exp(-((hour - 11.0) ** 2) / 8.0) + 0.6 * np.exp(-((hour - 16.0) ** 2) / 6.0)
    shape = np.where((hour >= 7) & (hour < 21), shape, 0.02) * np.where(weekday >= 5, 0.5, 1.0)
    stamps = [(START + timedelta(minutes=15 * int(i))).strftime("%Y-%m-%dT%H:%M:%SZ") for i in slot]
    lines = [
        "queue,interval_start,answered,abandoned,short_abandoned,"
        "answered_within_threshold,handle_seconds,wait_seconds_answered"
    ]
    for q in range(queues):
        mean = shape * rng.uniform(5, 40)
        answered = rng.poisson(mean)
        abandoned = rng.binomial(answered + 1, 0.06)
        short = rng.binomial(abandoned, 0.3)
        within = rng.binomial(answered, 0.8)
        handle = answered * rng.uniform(150, 300)
        wait = answered * rng.uniform(5, 30)
        code = f"q{q:02d}"
        lines.extend(
            f"{code},{s},{a},{b},{c},{w},{h:.1f},{t:.1f}"
            for s, a, b, c, w, h, t in zip(
                stamps, answered, abandoned, short, within, handle, wait, strict=True
            )
        )
    return "\n".join(lines) + "\n"


@dataclass
class Backend:
    name: str
    url: str
    cleanup: object


def sqlite_backend(folder: Path) -> Backend:
    return Backend("sqlite", f"sqlite:///{folder / 'bench.db'}", lambda: None)


def postgres_backend() -> Backend | None:
    base = os.environ.get("WFM_BENCH_DATABASE_URL") or os.environ.get("WFM_TEST_DATABASE_URL")
    if not base:
        base = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    from sqlalchemy.engine import make_url

    try:
        admin = make_engine(base)
        schema = f"wfm_bench_{uuid.uuid4().hex[:8]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        print(f"PostgreSQL at {base} not reachable ({exc.__class__.__name__}); skipped")
        return None
    url = make_url(base)
    query = dict(url.query)
    query["options"] = f"-csearch_path={schema}"
    schema_url = url.set(query=query).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return Backend("postgresql", schema_url, drop)


def prepare(url: str) -> str:
    engine = make_engine(url)
    migrate.upgrade(engine)
    token = new_token()
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site(code=SITE, name="Bench", timezone=TZ))
        for q in range(QUEUES):
            QueueRepository(session).add(Queue(site_code=SITE, code=f"q{q:02d}", name=f"Q{q}"))
        TokenRepository(session).add(name="bench", role="admin", token_hash=hash_token(token))
    engine.dispose()
    return token


SERVER_LOG = Path(tempfile.gettempdir()) / f"wfm-api-bench-{os.getpid()}.log"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, workers: int, cache_seconds: float) -> subprocess.Popen[str]:
    env = {**os.environ, "WFM_API_KPI_CACHE_SECONDS": str(cache_seconds)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wfm",
            "serve",
            "--port",
            str(port),
            "--database-url",
            url,
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=SERVER_LOG.open("a"),  # a file: an unread pipe would fill and stall the server
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {SERVER_LOG.read_text()[-2000:]}")
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def stop_server(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    if SERVER_LOG.exists():
        lines = [
            line for line in SERVER_LOG.read_text().splitlines() if not line.startswith("WFM API")
        ]
        if lines:
            print(f"    the server logged {len(lines)} lines; the last: {lines[-1][:160]}")
        SERVER_LOG.unlink()


def kpi_requests(rng: random.Random, year_start: date) -> tuple[str, dict[str, str]]:
    """One request of the dashboard mix, over the year from `year_start`."""
    queue = f"q{rng.randrange(QUEUES):02d}"
    kind = rng.random()
    if kind < 0.4:  # a queue's month, by day
        month = rng.randrange(12)
        start = date(
            year_start.year + (year_start.month - 1 + month) // 12,
            (year_start.month - 1 + month) % 12 + 1,
            1,
        )
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        params = {"queue": queue, "granularity": "day"}
    elif kind < 0.6:  # a queue's year, by month
        start, end = year_start, year_start.replace(year=year_start.year + 1)
        params = {"queue": queue, "granularity": "month"}
    elif kind < 0.9:  # a queue's day, by interval
        start = year_start + timedelta(days=rng.randrange(365))
        end = start + timedelta(days=1)
        params = {"queue": queue, "granularity": "interval"}
    else:  # the whole site's quarter, by week
        start = year_start + timedelta(days=91 * rng.randrange(4))
        end = start + timedelta(days=91)
        params = {"granularity": "week"}
    return "/v1/kpis", {"site": SITE, "start": start.isoformat(), "end": end.isoformat(), **params}


class HttpConnection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol for GETs.

    The load generator shares the machine with the server; httpx costs some 4 ms of CPU per
    request, which on 2 cores is taken from the server being measured. Raw asyncio streams cost a
    tenth of that, so the figures are the server's."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, params: dict[str, str]) -> tuple[int, bytes, bool]:
        """Status, body, and whether the server answered from its cache (X-WFM-Cache)."""
        request = f"GET {path}?{urlencode(params)} HTTP/1.1\r\n".encode() + self.head
        reused = self.writer is not None
        try:
            return await self._exchange(request)
        except ConnectionError:
            if not reused:
                raise
        # the server closes idle keep-alive connections (after 5 s): once more, on a new one
        return await self._exchange(request)

    async def _exchange(self, request: bytes) -> tuple[int, bytes, bool]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        try:
            self.writer.write(request)
            head = await self.reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            length = next(
                int(line.split(":", 1)[1])
                for line in lines[1:]
                if line.lower().startswith("content-length:")
            )
            body = await self.reader.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionError, StopIteration, ValueError):
            await self.close()
            raise ConnectionError(
                "the server closed the connection or answered unreadably"
            ) from None
        lowered = [line.lower() for line in lines[1:]]
        if "connection: close" in lowered:
            await self.close()
        return status, body, "x-wfm-cache: hit" in lowered

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


@dataclass
class LoadResult:
    latencies: list[float]  # of the answered requests, seconds
    cache_hits: int  # answers the server took from its KPI cache
    warmup_latencies: list[float]  # of the requests sent during the warm-up, not counted above

    def hit_share(self) -> str:
        return f"{self.cache_hits / max(len(self.latencies), 1):.0%} from the server's cache"


async def load(
    port: int,
    token: str,
    clients: int,
    seconds: float,
    seed: int,
    think_seconds: float = 0.0,
    warmup_seconds: float = 0.0,
) -> LoadResult:
    """Each client sends its next request when the last one is answered, after a think time
    (exponential, mean `think_seconds`; 0: a closed loop at full speed). Requests sent in the
    first `warmup_seconds` are kept apart: then the clients connect and each server process
    runs its first statements, a start-up cost that a running server has long paid."""
    latencies: list[float] = []
    warmup: list[float] = []
    hits = 0
    errors: Counter[str] = Counter()
    measured_from = time.monotonic() + warmup_seconds
    stop_at = measured_from + seconds

    async def one(index: int) -> None:
        nonlocal hits
        rng = random.Random(seed * 1000 + index)
        connection = HttpConnection("127.0.0.1", port, token)
        if think_seconds:
            await asyncio.sleep(rng.uniform(0, think_seconds))  # spread the starts
        while time.monotonic() < stop_at:
            path, params = kpi_requests(rng, date(2024, 1, 1))
            counted = time.monotonic() >= measured_from
            began = time.perf_counter()
            try:
                status, _, hit = await connection.get(path, params)
            except ConnectionError as exc:
                errors[type(exc).__name__] += 1
            else:
                if status != 200:
                    errors[f"HTTP {status}"] += 1
                elif counted:
                    latencies.append(time.perf_counter() - began)
                    hits += hit
                else:
                    warmup.append(time.perf_counter() - began)
            if think_seconds:
                await asyncio.sleep(rng.expovariate(1.0 / think_seconds))
        await connection.close()

    await asyncio.gather(*(one(i) for i in range(clients)))
    if errors:
        kinds = ", ".join(f"{count} {kind}" for kind, count in errors.most_common())
        print(f"    failed requests (not counted): {kinds}")
    return LoadResult(latencies, hits, warmup)


def summary(latencies: list[float], seconds: float) -> str:
    ms = sorted(x * 1000 for x in latencies)
    if not ms:
        return "no requests"
    p = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    return (
        f"{len(ms)} requests, {len(ms) / seconds:.0f}/s, p50 {p(0.5):.1f} ms, "
        f"p95 {p(0.95):.1f} ms, p99 {p(0.99):.1f} ms, mean {statistics.fmean(ms):.1f} ms"
    )


def bench_backend(backend: Backend, csv_text: str, rows: int, args: argparse.Namespace) -> None:
    print(f"== {backend.name}")
    token = prepare(backend.url)
    port = free_port()
    server = start_server(backend.url, port, 1, cache_seconds=0)
    base = f"http://127.0.0.1:{port}"
    try:
        began = time.perf_counter()
        response = httpx.post(
            f"{base}/v1/history/import",
            content=csv_text.encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
            timeout=900,
        )
        took = time.perf_counter() - began
        assert response.status_code == 200, response.text[:500]
        assert response.json()["imported"] == rows
        verdict = "meets" if took < IMPORT_TARGET_S else "MISSES"
        print(
            f"  import {rows:,} rows over HTTP: {took:.1f} s ({rows / took:,.0f} rows/s); "
            f"target < {IMPORT_TARGET_S:.0f} s: {verdict}"
        )
    finally:
        stop_server(server)

    for cache in (0.0, 30.0):
        port = free_port()
        server = start_server(backend.url, port, args.workers, cache_seconds=cache)
        try:
            label = "cache off" if cache == 0 else f"cache {cache:.0f} s"
            half = args.seconds / 2
            baseline = asyncio.run(load(port, token, 1, half, seed=7, warmup_seconds=args.warmup))
            print(
                f"  KPI reads, {label}, baseline 1 client: {summary(baseline.latencies, half)}"
                f" ({baseline.hit_share()})"
            )
            for think, mode in ((args.think, f"think time {args.think:.1f} s"), (0.0, "no pause")):
                cpu_before = time.process_time()
                result = asyncio.run(
                    load(port, token, args.clients, args.seconds, 11, think, args.warmup)
                )
                lat = result.latencies
                sent = len(lat) + len(result.warmup_latencies)
                generator_cpu = (time.process_time() - cpu_before) / max(sent, 1) * 1000
                ms = sorted(x * 1000 for x in lat)
                p95 = ms[int(0.95 * len(ms))] if ms else float("inf")
                verdict = "meets" if p95 < P95_TARGET_MS else "MISSES"
                print(
                    f"  KPI reads, {label}, {args.clients} clients, {mode} ({args.workers} "
                    f"server processes): {summary(lat, args.seconds)}; target p95 < "
                    f"{P95_TARGET_MS:.0f} ms: {verdict} ({result.hit_share()}; load generator: "
                    f"{generator_cpu:.1f} ms of CPU per request)"
                )
                print(
                    f"    the {args.warmup:.0f} s warm-up before (clients connecting, the server's "
                    f"first statements; not counted): "
                    f"{summary(result.warmup_latencies, args.warmup)}"
                )
        finally:
            stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="interval rows to import")
    parser.add_argument("--clients", type=int, default=100, help="concurrent KPI clients")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each load run")
    parser.add_argument("--workers", type=int, default=2, help="server processes for reads")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean pause of a client between reads, s"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=5.0,
        help="seconds of each load run before the measured ones (reported apart)",
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores; server and load generator share them")
    began = time.perf_counter()
    csv_text = history_csv(args.rows)
    rows = (args.rows // QUEUES) * QUEUES
    print(
        f"generated {rows:,} rows ({len(csv_text) / 1e6:.0f} MB of CSV) in "
        f"{time.perf_counter() - began:.1f} s"
    )
    began = time.perf_counter()
    parsed = parse_csv(csv_text, ImportOptions(interval_minutes=15))
    baseline = time.perf_counter() - began
    assert parsed.ok and len(parsed.records) == rows
    del parsed
    print(
        f"baseline: parse and validate in-process (no HTTP, no database): {baseline:.1f} s "
        f"({rows / baseline:,.0f} rows/s)"
    )

    with tempfile.TemporaryDirectory() as folder:
        backends: list[Backend] = []
        if args.backend in ("sqlite", "both"):
            backends.append(sqlite_backend(Path(folder)))
        if args.backend in ("postgresql", "both"):
            pg = postgres_backend()
            if pg is not None:
                backends.append(pg)
        for backend in backends:
            try:
                bench_backend(backend, csv_text, rows, args)
            finally:
                backend.cleanup()  # type: ignore[operator]


if __name__ == "__main__":
    main()
