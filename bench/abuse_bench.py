"""Abuse benchmark of the HTTP API: what hostile or broken clients cost the server.

1. Latency of an authenticated client (GET /v1/me, /v1/sites, /v1/queues in turn) while 50
   clients without a token each send `POST /v1/sites` with Content-Length: 100000 and trickle
   the body a byte a second, reconnecting whenever the server hangs up (target: p95 < 500 ms).
   Baseline: the same client with no one else connected.
2. The server's memory growth (RSS of the `wfm serve` process, sampled every 20 ms) while a
   client without a token sends a 200 MB chunked JSON body, and while one with a token sends one
   (target: < 50 MB each). How many bytes the server took before it hung up is printed too.
3. Server errors (5xx) over a schemathesis run against /openapi.json as an admin (positive and
   negative cases, --examples per operation), plus explicit cases: dates near 0001-01-01 and
   9999-12-31 in every date query parameter and in body fields and CSV rows, a lone surrogate
   "\\ud800" in names, JSON nested 100,000 deep (target: 0). Each explicit case that got a 5xx,
   or no answer, is listed.

The server runs as `wfm serve` (one process) on a temporary SQLite database filled by
`wfm demo-data`; the clients run here.

Run: .venv/bin/python bench/abuse_bench.py [--slow-clients 50] [--seconds 15] [--examples 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wfm.db.repositories import TokenRepository  # noqa: E402
from wfm.db.session import make_engine, unit_of_work  # noqa: E402
from wfm.domain.access import hash_token, new_token  # noqa: E402
from wfm.tools.demo.generator import QUEUE_DESIGNS, SITE_CODE  # noqa: E402

P95_TARGET_MS = 500.0
RSS_TARGET_MB = 50.0
BIG_BODY_BYTES = 200 * 1024 * 1024
SERVER_LOG = Path(tempfile.gettempdir()) / f"wfm-abuse-bench-{os.getpid()}.log"
EXTREME_DATES = ("0001-01-01", "0001-01-02", "9999-12-30", "9999-12-31")
EXTREME_MOMENTS = (
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59Z",
)


# The server ---------------------------------------------------------------------------------------


def wfm(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "wfm", *args], cwd=ROOT, check=True, capture_output=True)


def prepare(folder: Path) -> tuple[str, str]:
    """A demo centre (4 weeks, 30 agents) on SQLite in `folder`; its URL and an admin token."""
    url = f"sqlite:///{folder / 'abuse.db'}"
    wfm("db", "upgrade", "--database-url", url)
    wfm("demo-data", "--database-url", url, "--weeks", "4", "--agents", "30")
    token = new_token()
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        TokenRepository(session).add(name="abuse-bench", role="admin", token_hash=hash_token(token))
    engine.dispose()
    return url, token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(url: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "WFM_API_KPI_CACHE_SECONDS": "0"}
    command = [sys.executable, "-m", "wfm", "serve", "--port", str(port), "--database-url", url]
    process = subprocess.Popen(
        [*command, "--log-level", "warning"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=SERVER_LOG.open("a"),  # a file: an unread pipe would fill and stall the server
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {SERVER_LOG.read_text()[-2000:]}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


# 1. Latency under slow unauthenticated clients ----------------------------------------------------


async def trickler(port: int, stop: asyncio.Event, counts: Counter[str]) -> None:
    """POST /v1/sites without a token, the body a byte a second; again after every hang-up."""
    head = (
        b"POST /v1/sites HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100000\r\n\r\n"
    )
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            counts["connect failed"] += 1
            await asyncio.sleep(0.5)
            continue
        counts["connections"] += 1
        try:
            writer.write(head)
            while not stop.is_set():
                writer.write(b" ")
                await writer.drain()
                with contextlib.suppress(TimeoutError):
                    answer = await asyncio.wait_for(reader.read(64), timeout=1.0)
                    counts[answer.split(b" ")[1].decode() if answer else "closed"] += 1
                    break
        except OSError:
            counts["reset"] += 1
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        await asyncio.sleep(0.2)  # then come back


async def authenticated_latencies(port: int, token: str, seconds: float) -> list[float]:
    paths = ("/v1/me", "/v1/sites", "/v1/queues")
    latencies = []
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60
    ) as client:
        end = time.monotonic() + seconds
        index = 0
        while time.monotonic() < end:
            started = time.perf_counter()
            response = await client.get(paths[index % len(paths)])
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{paths[index % len(paths)]}: {response.status_code}")
            index += 1
            await asyncio.sleep(0.02)
    return latencies


async def latency_under_tricklers(
    port: int, token: str, clients: int, seconds: float
) -> tuple[list[float], Counter[str]]:
    stop = asyncio.Event()
    counts: Counter[str] = Counter()
    tasks = [asyncio.create_task(trickler(port, stop, counts)) for _ in range(clients)]
    await asyncio.sleep(1.0)  # all of them connected and trickling
    try:
        latencies = await authenticated_latencies(port, token, seconds)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    return latencies, counts


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


# 2. Memory while a 200 MB body is sent ------------------------------------------------------------


def rss_growth_mb(pid: int, token: str | None, port: int) -> tuple[float, int, str]:
    """(peak RSS growth in MB, bytes sent before the server hung up, its answer's status)."""
    process = psutil.Process(pid)
    before = process.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            with contextlib.suppress(psutil.Error):
                peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    sent, status = 0, "none"
    lines = ["POST /v1/sites HTTP/1.1", "Host: bench", "Content-Type: application/json"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    lines.append("Transfer-Encoding: chunked")
    chunk = b"[" + b"1," * (512 * 1024 - 1)  # 1 MB of a JSON array, never closed
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            while sent < BIG_BODY_BYTES:
                sock.sendall(framed)
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server hung up
        with contextlib.suppress(OSError):
            answer = sock.recv(64)
            status = answer.split(b" ")[1].decode() if answer else "closed"
    time.sleep(0.5)
    done.set()
    sampler.join()
    return (peak[0] - before) / 1e6, sent, status


# 3. Server errors: schemathesis and explicit cases ------------------------------------------------


def schemathesis_statuses(base_url: str, token: str, examples: int) -> Counter[int]:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode
    from schemathesis.core.result import Ok

    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    statuses: Counter[int] = Counter()
    headers = {"Authorization": f"Bearer {token}"}
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            continue  # an operation the document describes in a way schemathesis cannot use
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
            )
            def run(case: Any) -> None:
                try:
                    response = case.call(base_url=base_url, headers=headers, timeout=60)
                    statuses[response.status_code] += 1
                except Exception:  # noqa: BLE001 - no answer at all counts as a server error
                    statuses[599] += 1

            with contextlib.suppress(Exception):  # an operation it cannot generate for
                run()
    return statuses


def date_query_cases(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(method, path, query) for every GET with a date or date-time query parameter: each such
    parameter set to the ends of the calendar, the other required ones to plausible values."""
    plausible = {
        "site": SITE_CODE,
        "site_code": SITE_CODE,
        "queue": QUEUE_DESIGNS[0].queue.code,
        "queue_code": QUEUE_DESIGNS[0].queue.code,
    }
    for path, item in document["paths"].items():
        operation = item.get("get")
        if not operation:
            continue
        params = [p for p in operation.get("parameters", []) if p["in"] in ("query", "path")]
        dated = [p for p in params if "date" in json.dumps(p.get("schema", {}))]
        if not dated:
            continue
        for target in dated:
            moment = "date-time" in json.dumps(target["schema"])
            for value in EXTREME_MOMENTS if moment else EXTREME_DATES:
                query, concrete = {}, path
                for p in params:
                    if p["in"] == "path":
                        concrete = concrete.replace("{" + p["name"] + "}", "1")
                        continue
                    other_date = "date" in json.dumps(p.get("schema", {})) and p.get("required")
                    if p is target or other_date:
                        query[p["name"]] = value
                    elif p["name"] in plausible:
                        query[p["name"]] = plausible[p["name"]]
                    elif p.get("required"):
                        examples = p.get("schema", {}).get("examples") or [p.get("example")]
                        query[p["name"]] = str(examples[0])
                yield "GET", concrete, query


def explicit_cases() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, httpx request arguments) of the date, surrogate and nesting cases."""
    queue = QUEUE_DESIGNS[0].queue.code
    for week in ("0001-01-01", "9999-12-27"):
        yield "POST", "/v1/schedules", {"json": {"site_code": SITE_CODE, "week_start": week}}
    agent = "/v1/agents/A0001/time-off"  # the demo's first agent
    for start, end in (EXTREME_MOMENTS[:2], EXTREME_MOMENTS[2:]):
        yield "POST", agent, {"json": {"start_utc": start, "end_utc": end, "reason": "x"}}
    for day in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:45:00-12:00"):
        csv = f"queue,interval_start,offered,answered,abandoned\n{queue},{day},10,9,1\n"
        yield (
            "POST",
            "/v1/history/import",
            {"content": csv, "headers": {"Content-Type": "text/csv"}},
        )
        row = {"queue": queue, "interval_start": day, "offered": 10, "answered": 9, "abandoned": 1}
        yield "POST", "/v1/history/import", {"json": [row]}
    yield "POST", "/v1/sites", {"json": {"code": "sur", "name": "\ud800", "timezone": "UTC"}}
    yield "PATCH", f"/v1/sites/{SITE_CODE}", {"json": {"name": "a\ud800b"}}
    yield "POST", "/v1/queues", {"json": {"site_code": SITE_CODE, "code": "sur", "name": "\udfff"}}
    yield "POST", "/v1/segments", {"json": {"code": "sur", "name": "\ud800"}}
    deep = {
        "content": "[" * 100_000 + "]" * 100_000,
        "headers": {"Content-Type": "application/json"},
    }
    for path in ("/v1/sites", "/v1/history/import", "/v1/staffing/calculate", "/v1/schedules"):
        yield "POST", path, deep


def explicit_statuses(base_url: str, token: str) -> tuple[Counter[int], list[str]]:
    statuses: Counter[int] = Counter()
    failures = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        document = client.get("/openapi.json").json()
        cases = [(m, p, {"params": q}) for m, p, q in date_query_cases(document)]
        for method, path, arguments in cases + list(explicit_cases()):
            if "json" in arguments:  # surrogates must survive encoding: JSON escapes them
                arguments = {
                    "content": json.dumps(arguments["json"]),
                    "headers": {"Content-Type": "application/json"},
                }
            try:
                status = client.request(method, path, **arguments).status_code
            except httpx.HTTPError as exc:
                status = 599
                failures.append(f"{method} {path}: no answer ({type(exc).__name__})")
            statuses[status] += 1
            if 500 <= status < 599:
                shown = arguments.get("params") or str(arguments.get("content", ""))[:60]
                failures.append(f"{method} {path} {shown}: {status}")
    return statuses, failures


# Main ---------------------------------------------------------------------------------------------


def verdict(value: float, target: float) -> str:
    return "ok" if value < target else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow-clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--examples", type=int, default=10, help="schemathesis cases per mode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("preparing a demo centre on SQLite ...", flush=True)
        url, token = prepare(Path(folder))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with server(url, port) as process:
            alone = asyncio.run(authenticated_latencies(port, token, args.seconds / 3))
            latencies, counts = asyncio.run(
                latency_under_tricklers(port, token, args.slow_clients, args.seconds)
            )
            value = p95(latencies)
            print(
                f"1. authenticated p95 under {args.slow_clients} slow clients without a token: "
                f"{value:.1f} ms (target < {P95_TARGET_MS:.0f} ms: "
                f"{verdict(value, P95_TARGET_MS)}); "
                f"alone {p95(alone):.1f} ms; {len(latencies)} requests; "
                f"slow clients' outcomes {dict(counts)}"
            )
            for label, secret in (("without a token", None), ("with a token", token)):
                growth, sent, status = rss_growth_mb(process.pid, secret, port)
                print(
                    f"2. server RSS growth, 200 MB chunked body {label}: {growth:.1f} MB "
                    f"(target < {RSS_TARGET_MB:.0f} MB: {verdict(growth, RSS_TARGET_MB)}); "
                    f"answer {status} after {sent / 1e6:.0f} MB sent"
                )
            fuzz = schemathesis_statuses(base, token, args.examples)
            extra, failures = explicit_statuses(base, token)
        fuzz_5xx = sum(n for s, n in fuzz.items() if s >= 500)
        extra_5xx = sum(n for s, n in extra.items() if s >= 500)
        print(
            f"3. 5xx answers: schemathesis {fuzz_5xx} of {sum(fuzz.values())}, explicit date, "
            f"surrogate and nesting cases {extra_5xx} of {sum(extra.values())} "
            f"(target 0: {verdict(fuzz_5xx + extra_5xx, 1)})"
        )
        print(f"   schemathesis statuses {dict(sorted(fuzz.items()))}")
        print(f"   explicit statuses {dict(sorted(extra.items()))}")
        for line in failures:
            print(f"   {line}")
    logged = SERVER_LOG.read_text().splitlines() if SERVER_LOG.exists() else []
    errors = [line for line in logged if "Error" in line or "error" in line]
    if errors:
        print(f"   the server logged {len(errors)} error lines; the last: {errors[-1][:200]}")
    SERVER_LOG.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
