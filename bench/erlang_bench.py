"""Benchmarks of the queueing package, each against a baseline computed in the same run.

1. Requirements for one year of 15-minute intervals x 100 queues (3.5 million cells), vectorised,
   against a plain per-interval scalar loop (timed on a sample and scaled up; the sample's
   answers are compared too). Targets: >= 100x faster, under 5 s.
2. Erlang A at 2,000 calls per 15-minute interval for a week of intervals: KPIs at a staffing and
   the requirement (target: under 1 s), against a truncated birth-death chain per interval.
3. Simulation of 1 million calls (target: well under a minute).
4. Real data, February 1999 ("Anonymous Bank", ../shared/data): Erlang A's predicted answer rate
   per 30-minute interval (staffing = distinct agents serving in the interval, patience estimated
   from the data) against the answer rate that happened, as mean absolute error; Erlang C, which
   cannot predict abandonment, implies an answer rate of 100 %.

Run: .venv/bin/python bench/erlang_bench.py
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

from erlang import erlang_a, estimate_patience_from_calls, required_agents, simulate_queue

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "anonymous_bank"
CALLS_FILE = DATA / "anonymous_bank_199902_calls.tsv"


def synthetic_year(queues: int = 100, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Calls and AHT per (queue, 15-minute interval) for a year: daily and weekly shapes."""
    rng = np.random.default_rng(seed)
    intervals = 365 * 96
    slot = np.arange(intervals) % 96
    day = np.arange(intervals) // 96
    hour = slot / 4.0
    daily = np.exp(-((hour - 11.0) ** 2) / 8.0) + 0.6 * np.exp(-((hour - 16.0) ** 2) / 6.0)
    daily = np.where((hour >= 7) & (hour < 22), daily + 0.05, 0.01 * daily)
    weekly = np.where(day % 7 >= 5, 0.45, 1.0)
    scale = rng.lognormal(mean=math.log(60.0), sigma=0.9, size=queues)[:, None]
    expected = scale * daily[None, :] * weekly[None, :]
    calls = rng.poisson(expected).astype(float)
    aht = rng.uniform(150.0, 420.0, size=queues)[:, None] * np.ones((1, intervals))
    return calls, aht


def scalar_requirement(
    calls: float, interval: float, aht: float, sl: float, threshold: float, occ: float
) -> int:
    """Textbook per-interval Erlang C: Erlang B recursion, then add agents until targets hold."""
    load = calls / interval * aht
    if load <= 0.0:
        return 0
    n = max(int(math.floor(load)) + 1, math.ceil(load / occ * (1 - 1e-12)))
    b = 1.0
    for k in range(1, n + 1):
        b = load * b / (k + load * b)
    while True:
        p_wait = n * b / (n - load * (1 - b))
        service = 1.0 - p_wait * math.exp(-(n - load) * threshold / aht)
        if service >= sl - 1e-12:
            return n
        n += 1
        b = load * b / (n + load * b)


def bench_requirements() -> None:
    print("== 1. requirements: 1 year of 15-min intervals x 100 queues (Erlang C, 80/20, occ 0.9)")
    calls, aht = synthetic_year()
    cells = calls.size
    started = time.perf_counter()
    result = required_agents(
        calls, 900.0, aht, service_level=0.8, threshold_seconds=20.0, max_occupancy=0.9,
        shrinkage=0.3,
    )  # fmt: skip
    vector_seconds = time.perf_counter() - started
    rng = np.random.default_rng(2)
    sample = rng.choice(cells, size=20_000, replace=False)
    flat_calls, flat_aht = calls.ravel(), aht.ravel()
    # Baseline (a): the package's own function called one interval at a time.
    per_call = sample[:2_000]
    started = time.perf_counter()
    looped = [
        int(
            required_agents(
                flat_calls[i], 900.0, flat_aht[i], service_level=0.8, threshold_seconds=20.0,
                max_occupancy=0.9, shrinkage=0.3,
            ).agents
        )
        for i in per_call
    ]  # fmt: skip
    loop_seconds = (time.perf_counter() - started) / per_call.size * cells
    # Baseline (b): a lean hand-written scalar Erlang C loop in pure Python.
    started = time.perf_counter()
    scalar = [scalar_requirement(flat_calls[i], 900.0, flat_aht[i], 0.8, 20.0, 0.9) for i in sample]
    sample_seconds = time.perf_counter() - started
    scalar_seconds = sample_seconds / sample.size * cells
    vector_sample = result.agents.ravel()
    mismatches = int(np.sum(np.asarray(scalar) != vector_sample[sample]))
    mismatches += int(np.sum(np.asarray(looped) != vector_sample[per_call]))
    empty = 100 * float(np.mean(calls == 0))
    print(f"cells                       {cells:,} ({empty:.0f} % without calls)")
    print(f"vectorised                  {vector_seconds:.2f} s   (target < 5 s)")
    print(
        f"(a) per-interval loop       {loop_seconds:.0f} s   (required_agents one interval at a "
        f"time, timed on {per_call.size:,} cells)"
    )
    print(
        f"(b) lean scalar loop        {scalar_seconds:.1f} s   "
        f"(hand-written pure Python, timed on {sample.size:,} cells: "
        f"{1e6 * sample_seconds / sample.size:.1f} us/cell)"
    )
    print(
        f"speed-up                    {loop_seconds / vector_seconds:.0f}x against (a), "
        f"{scalar_seconds / vector_seconds:.1f}x against (b)   (target >= 100x)"
    )
    print(f"sample disagreements        {mismatches} of {sample.size + per_call.size:,}")
    print(
        f"agent-intervals required    {int(result.agents.sum()):,}; "
        f"scheduled {int(result.scheduled_agents.sum()):,}"
    )


def chain_erlang_a(calls: float, interval: float, aht: float, n: int, patience: float) -> float:
    """P(abandon) from the birth-death chain, truncated when terms are negligible (baseline)."""
    lam, mu, theta = calls / interval, 1.0 / aht, 1.0 / patience
    logs = [0.0]
    k = 0
    while True:
        k += 1
        death = min(k, n) * mu + max(k - n, 0) * theta
        logs.append(logs[-1] + math.log(lam / death))
        if k > n and lam < death and logs[-1] < max(logs) - 40:
            break
    top = max(logs)
    weights = [math.exp(v - top) for v in logs]
    total = sum(weights)
    queue = sum(w * max(i - n, 0) for i, w in enumerate(weights)) / total
    return theta * queue / lam


def bench_erlang_a() -> None:
    print("\n== 2. Erlang A: 2,000 calls per 15-min interval, one week (672 intervals)")
    rng = np.random.default_rng(3)
    calls = rng.normal(2000.0, 150.0, 672).clip(0.0)
    aht, patience = 180.0, 240.0
    agents = np.ceil(calls / 900.0 * aht).astype(int)
    started = time.perf_counter()
    kpis = erlang_a(calls, 900.0, aht, agents, patience, 20.0)
    kpi_seconds = time.perf_counter() - started
    started = time.perf_counter()
    need = required_agents(
        calls, 900.0, aht, service_level=0.8, max_abandon_rate=0.03, patience_seconds=patience
    )
    need_seconds = time.perf_counter() - started
    started = time.perf_counter()
    chain = [
        chain_erlang_a(c, 900.0, aht, int(n), patience) for c, n in zip(calls, agents, strict=True)
    ]
    chain_seconds = time.perf_counter() - started
    worst = float(np.max(np.abs(np.asarray(chain) - kpis.p_abandon)))
    print(f"load                        {float(kpis.load_erlangs.mean()):.0f} Erlangs on average")
    print(f"KPIs at a staffing          {kpi_seconds:.3f} s   (target < 1 s)")
    print(f"requirement (SL + abandon)  {need_seconds:.3f} s   (target < 1 s)")
    print(f"birth-death chain baseline  {chain_seconds:.3f} s   (P(abandon) only)")
    print(f"max |P(abandon) difference| {worst:.2e}")
    print(
        f"required agents             {int(need.agents.min())}..{int(need.agents.max())}, "
        f"answer rate >= {float(np.min(need.answer_rate)):.4f}"  # type: ignore[arg-type]
    )


def bench_simulation() -> None:
    print("\n== 3. simulator: 1 million calls, staffing changing every 15 minutes")
    intervals = 2500
    calls = 400.0 + 200.0 * np.sin(np.arange(intervals) / 20.0)
    agents = np.ceil(calls * 180.0 / 900.0 + 6).astype(int)
    started = time.perf_counter()
    sim = simulate_queue(
        calls, agents, interval_seconds=900.0, aht_seconds=180.0, patience_seconds=240.0,
        replications=1, seed=4,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    print(f"calls simulated             {sim.calls_simulated:,}")
    print(f"time                        {seconds:.1f} s   (target well under 60 s)")
    print(
        f"service level               {sim.service_level.value:.4f} "
        f"[{sim.service_level.ci_low:.4f}, {sim.service_level.ci_high:.4f}]"
    )


def _seconds_of_day(text: np.ndarray) -> np.ndarray:
    parts = np.char.split(text.astype(str), ":")
    return np.array([int(h) * 3600 + int(m) * 60 + int(s) for h, m, s in parts], dtype=float)


def bench_real_data() -> None:
    print("\n== 4. real data: Anonymous Bank, February 1999, per 30-minute interval")
    if not CALLS_FILE.exists():
        print(f"skipped: {CALLS_FILE} is not there (the shared data folder is absent)")
        return
    import pandas as pd

    raw = pd.read_csv(CALLS_FILE, sep="\t", dtype=str)
    raw = raw[raw["outcome"] != "PHANTOM"]
    q_time = raw["q_time"].astype(float).to_numpy()
    queued = raw["q_start"].to_numpy() != "0:00:00"
    served = raw["outcome"].to_numpy() == "AGENT"
    abandoned = (raw["outcome"].to_numpy() == "HANG") & queued & (q_time > 0)
    offered = served | abandoned
    day = pd.to_datetime(raw["date"], format="%y%m%d").to_numpy()
    day_seconds = (day - day.min()) / np.timedelta64(1, "s")
    arrival_clock = np.where(queued, raw["q_start"], raw["vru_exit"])
    arrival = day_seconds + _seconds_of_day(arrival_clock)
    start = day_seconds + _seconds_of_day(raw["ser_start"].to_numpy())
    end = day_seconds + _seconds_of_day(raw["ser_exit"].to_numpy())
    end = np.where(end < start, end + 86400.0, end)  # services that cross midnight
    ser_time = raw["ser_time"].astype(float).to_numpy()
    server = raw["server"].to_numpy()

    interval = 1800.0
    n_intervals = int(math.ceil((day_seconds.max() + 86400.0) / interval))
    index = (arrival[offered] // interval).astype(int)
    calls = np.bincount(index, minlength=n_intervals).astype(float)
    handled = np.bincount(index, weights=served[offered].astype(float), minlength=n_intervals)
    within = served[offered] & (q_time[offered] <= 20.0)
    answered_20 = np.bincount(index, weights=within.astype(float), minlength=n_intervals)
    handle_sum = np.bincount(
        index, weights=np.where(served[offered], ser_time[offered], 0.0), minlength=n_intervals
    )
    month_aht = float(ser_time[served].mean())
    aht = np.where(handled > 0, handle_sum / np.maximum(handled, 1), month_aht)
    aht = np.maximum(aht, 1.0)

    # Staffing: distinct agents with any service overlapping the interval.
    people = served & (server != "NO_SERVER")
    agents_in: list[set[str]] = [set() for _ in range(n_intervals)]
    for s, e, name in zip(start[people], end[people], server[people], strict=True):
        for j in range(int(s // interval), min(int(e // interval), n_intervals - 1) + 1):
            agents_in[j].add(name)
    staffing = np.array([len(a) for a in agents_in], dtype=float)

    estimate = estimate_patience_from_calls(q_time[offered & queued], abandoned[offered & queued])
    patience = estimate.patience_seconds
    print(
        f"offered {int(calls.sum()):,}, handled {int(handled.sum()):,}, abandoned "
        f"{int(calls.sum() - handled.sum()):,}; mean handle time {month_aht:.1f} s"
    )
    print(
        f"patience (exponential MLE: all queue time / abandoned) {patience:.0f} s "
        f"[95 % CI {estimate.ci_low_seconds:.0f}, {estimate.ci_high_seconds:.0f}]"
    )
    use = calls > 0
    prediction = erlang_a(calls[use], interval, aht[use], staffing[use], patience, 20.0)
    actual = handled[use] / calls[use]
    error = np.abs(prediction.answer_rate - actual)
    weights = calls[use] / calls[use].sum()
    c_error = np.abs(1.0 - actual)
    sl_actual = answered_20[use] / calls[use]
    sl_error = np.abs(prediction.service_level - sl_actual)
    busy = use & (calls >= 20)
    print(f"intervals with calls        {int(use.sum())} (of which >= 20 calls: {int(busy.sum())})")
    print(f"agents serving per interval {int(staffing[use].min())}..{int(staffing[use].max())}")
    print(
        f"answer rate MAE, Erlang A   {error.mean():.4f}  "
        f"(call-weighted {float((error * weights).sum()):.4f})"
    )
    print(
        f"answer rate MAE, Erlang C   {c_error.mean():.4f}  "
        f"(call-weighted {float((c_error * weights).sum()):.4f}; it implies 100 % answered)"
    )
    sub = busy[use]
    print(
        f"  intervals with >= 20 calls: Erlang A {error[sub].mean():.4f}, "
        f"Erlang C {c_error[sub].mean():.4f}"
    )
    print(
        f"month answer rate           actual {handled.sum() / calls.sum():.4f}, "
        f"Erlang A {float((prediction.answer_rate * calls[use]).sum() / calls.sum()):.4f}"
    )
    print(
        f"service level (20 s) MAE    Erlang A {sl_error.mean():.4f} "
        f"(call-weighted {float((sl_error * weights).sum()):.4f})"
    )


def main() -> int:
    bench_requirements()
    bench_erlang_a()
    bench_simulation()
    bench_real_data()
    return 0


if __name__ == "__main__":
    sys.exit(main())
