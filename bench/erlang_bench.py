"""Benchmarks of the queueing package, each against a baseline computed in the same run.

1. Requirements for one year of 15-minute intervals x 100 queues (3.5 million cells), vectorised,
   against a plain per-interval scalar loop (timed on a sample and scaled up; the sample's
   answers are compared too). Targets: >= 100x faster, under 5 s.
2. Erlang A at 2,000 calls per 15-minute interval for a week of intervals: KPIs at a staffing and
   the requirement (target: under 1 s), against a truncated birth-death chain per interval.
3. Simulation of 1 million calls (target: well under a minute).
4. Real data, February 1999 ("Anonymous Bank", ../shared/data): calibration fitted on Feb 1-14
   and scored on Feb 15-28, per 30-minute interval: answer rate and service level (20 s)
   predicted against what happened (MAE call-weighted and plain, bias of the half-month total),
   beside the binomial noise floor, for the textbook Erlang A (agents = distinct servers, and
   agents = logged in) and the calibrated model; the same rows through `wfm calibrate`.

Run: .venv/bin/python bench/erlang_bench.py
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

from erlang import (
    Calibration,
    RateAccuracy,
    erlang_a,
    estimate_patience_from_calls,
    fit_calibration,
    rate_accuracy,
    recency_weights,
    required_agents,
    simulate_queue,
)

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


INTERVAL_SECONDS = 1800.0
FIRST_DAY = "1999-02-01"
LOCAL_OFFSET = "+02:00"  # Israel in February


def bank_calls() -> dict[str, np.ndarray]:
    """February 1999's calls (PHANTOM dropped) as arrays, times in seconds from Feb 1, 00:00."""
    import pandas as pd

    raw = pd.read_csv(CALLS_FILE, sep="\t", dtype=str)
    raw = raw[raw["outcome"] != "PHANTOM"]
    q_time = raw["q_time"].astype(float).to_numpy()
    queued = raw["q_start"].to_numpy() != "0:00:00"
    served = raw["outcome"].to_numpy() == "AGENT"
    abandoned = (raw["outcome"].to_numpy() == "HANG") & queued & (q_time > 0)
    day = pd.to_datetime(raw["date"], format="%y%m%d").to_numpy()
    day_seconds = (day - day.min()) / np.timedelta64(1, "s")
    arrival_clock = np.where(queued, raw["q_start"], raw["vru_exit"])
    start = day_seconds + _seconds_of_day(raw["ser_start"].to_numpy())
    end = day_seconds + _seconds_of_day(raw["ser_exit"].to_numpy())
    return {
        "q_time": q_time,
        "queued": queued,
        "served": served,
        "abandoned": abandoned,
        "offered": served | abandoned,
        "arrival": day_seconds + _seconds_of_day(arrival_clock),
        "start": start,
        "end": np.where(end < start, end + 86400.0, end),  # services that cross midnight
        "ser_time": raw["ser_time"].astype(float).to_numpy(),
        "server": raw["server"].to_numpy(),
        "last_day_seconds": np.array(day_seconds.max()),
    }


def distinct_servers(calls: dict[str, np.ndarray], n_intervals: int) -> np.ndarray:
    """The textbook proxy: distinct agents with any service overlapping the interval."""
    people = calls["served"] & (calls["server"] != "NO_SERVER")
    agents_in: list[set[str]] = [set() for _ in range(n_intervals)]
    for s, e, name in zip(
        calls["start"][people], calls["end"][people], calls["server"][people], strict=True
    ):
        for j in range(
            int(s // INTERVAL_SECONDS), min(int(e // INTERVAL_SECONDS), n_intervals - 1) + 1
        ):
            agents_in[j].add(name)
    return np.array([len(a) for a in agents_in], dtype=float)


def logged_in_agents(
    calls: dict[str, np.ndarray], n_intervals: int, gap_seconds: float, pad_seconds: float
) -> np.ndarray:
    """Agents logged in per interval, reconstructed from each agent's services: consecutive
    calls of one agent less than `gap_seconds` apart are one session (padded by `pad_seconds`
    each side); an interval counts the share of it each session covers."""
    people = calls["served"] & (calls["server"] != "NO_SERVER")
    order = np.lexsort((calls["start"][people], calls["server"][people]))
    names = calls["server"][people][order]
    starts, ends = calls["start"][people][order], calls["end"][people][order]
    presence = np.zeros(n_intervals)
    bounds = np.flatnonzero(names[1:] != names[:-1]) + 1
    for s, e in zip(np.split(starts, bounds), np.split(ends, bounds), strict=True):
        e = np.maximum.accumulate(e)
        breaks = np.flatnonzero(s[1:] - e[:-1] > gap_seconds)
        for a, b in zip(
            np.r_[s[0], s[breaks + 1]] - pad_seconds,
            np.r_[e[breaks], e[-1]] + pad_seconds,
            strict=True,
        ):
            first, last = (
                int(a // INTERVAL_SECONDS),
                min(int(b // INTERVAL_SECONDS), n_intervals - 1),
            )
            for j in range(max(first, 0), last + 1):
                lo, hi = max(a, j * INTERVAL_SECONDS), min(b, (j + 1) * INTERVAL_SECONDS)
                presence[j] += max(hi - lo, 0.0) / INTERVAL_SECONDS
    return presence


def bank_intervals(calls: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per 30-minute interval (by arrival): offered, answered, abandoned, answered within 20 s,
    AHT, the total wait of every caller, and the interval's day (0 = Feb 1)."""
    n = int(math.ceil((float(calls["last_day_seconds"]) + 86400.0) / INTERVAL_SECONDS))
    off = calls["offered"]
    index = (calls["arrival"][off] // INTERVAL_SECONDS).astype(int)

    def per_interval(values: np.ndarray) -> np.ndarray:
        return np.bincount(index, weights=values.astype(float), minlength=n)

    served = calls["served"][off]
    answered = per_interval(served)
    handle = per_interval(np.where(served, calls["ser_time"][off], 0.0))
    month_aht = float(calls["ser_time"][calls["served"]].mean())
    return {
        "offered": per_interval(np.ones(index.size)),
        "answered": answered,
        "abandoned": per_interval(calls["abandoned"][off]),
        "within": per_interval(served & (calls["q_time"][off] <= 20.0)),
        "aht": np.maximum(np.where(answered > 0, handle / np.maximum(answered, 1), month_aht), 1.0),
        "total_wait": per_interval(calls["q_time"][off]),
        "day": (np.arange(n) * INTERVAL_SECONDS // 86400).astype(int),
        "slot": np.arange(n) % int(86400 / INTERVAL_SECONDS),
    }


def patience_hazard(calls: dict[str, np.ndarray]) -> list[tuple[float, float, float, int]]:
    """Piecewise-constant hazard of patience (censored MLE: abandons / time at risk per band):
    (from, to, hazard per second, abandons)."""
    waited = calls["offered"] & calls["queued"]
    wait, gone = calls["q_time"][waited], calls["abandoned"][waited]
    bands = [(0.0, 30.0), (30.0, 60.0), (60.0, 120.0), (120.0, 300.0), (300.0, math.inf)]
    rows = []
    for lo, hi in bands:
        exposure = float(np.clip(wait - lo, 0.0, hi - lo).sum())
        events = int(np.sum(gone & (wait > lo) & (wait <= hi)))
        rows.append((lo, hi, events / exposure if exposure > 0 else math.nan, events))
    return rows


def _fit_and_score(
    iv: dict[str, np.ndarray],
    agents: np.ndarray,
    fit: np.ndarray,
    score: np.ndarray,
    half_life_days: float | None,
) -> tuple[Calibration, RateAccuracy, RateAccuracy]:
    index = np.flatnonzero(fit)  # ages from the last fitted interval, as `wfm calibrate` does
    weights = recency_weights((index.max() - index) * INTERVAL_SECONDS / 86400.0, half_life_days)
    calibration = fit_calibration(
        iv["offered"][fit], iv["answered"][fit], iv["abandoned"][fit], iv["aht"][fit],
        agents[fit], INTERVAL_SECONDS, answered_within_threshold=iv["within"][fit],
        threshold_seconds=20.0, weights=weights, half_life_days=half_life_days,
    )  # fmt: skip
    predicted = calibration.predict(
        iv["offered"][score], iv["aht"][score], agents[score], INTERVAL_SECONDS, 20.0
    )
    return (
        calibration,
        rate_accuracy(iv["offered"][score], iv["answered"][score], predicted.answer_rate),
        rate_accuracy(iv["offered"][score], iv["within"][score], predicted.service_level),
    )


def _line(label: str, ar: RateAccuracy, sl: RateAccuracy) -> str:
    return (
        f"{label:<38} {ar.mae_call_weighted:.4f} {ar.mae:.4f} {100 * ar.bias:+6.2f}   "
        f"{sl.mae_call_weighted:.4f} {sl.mae:.4f} {100 * sl.bias:+6.2f}"
    )


def bench_real_data() -> None:
    print("\n== 4. real data: Anonymous Bank, February 1999, per 30-minute interval")
    if not CALLS_FILE.exists():
        print(f"skipped: {CALLS_FILE} is not there (the shared data folder is absent)")
        return
    calls = bank_calls()
    iv = bank_intervals(calls)
    n = iv["offered"].size
    textbook_agents = distinct_servers(calls, n)
    estimate = estimate_patience_from_calls(
        calls["q_time"][calls["offered"] & calls["queued"]],
        calls["abandoned"][calls["offered"] & calls["queued"]],
    )
    patience = estimate.patience_seconds
    print(
        f"offered {int(iv['offered'].sum()):,}, answered {int(iv['answered'].sum()):,}, "
        f"abandoned {int(iv['abandoned'].sum()):,}"
    )
    print(
        f"patience (exponential MLE: all queue time / abandoned) {patience:.0f} s "
        f"[95 % CI {estimate.ci_low_seconds:.0f}, {estimate.ci_high_seconds:.0f}]"
    )
    print("patience hazard by wait band (censored MLE; flat = exponential):")
    for lo, hi, hazard, events in patience_hazard(calls):
        upper = "inf" if math.isinf(hi) else f"{hi:.0f}"
        mean = 1.0 / hazard
        print(f"  {lo:>4.0f}-{upper:>4} s  {hazard:.5f}/s  (mean {mean:.0f} s, {events} abandons)")

    day = iv["day"]
    has_calls = iv["offered"] > 0
    fit = has_calls & (day < 14)
    score = has_calls & (day >= 14) & (day < 28)
    o, a, w = iv["offered"][score], iv["answered"][score], iv["within"][score]
    print(
        f"fit on Feb 1-14 ({int(fit.sum())} intervals with calls), score Feb 15-28 "
        f"({int(score.sum())} intervals, {int(o.sum()):,} calls)"
    )

    # Choose the presence reconstruction and the recency half-life on the first half alone:
    # fit Feb 1-7, score Feb 8-14, by call-weighted MAE + |bias| of the answer rate.
    inner_fit, inner_score = has_calls & (day < 7), has_calls & (day >= 7) & (day < 14)
    print("choice on the first half alone (fit Feb 1-7, score Feb 8-14): AR MAE cw, bias")
    best: tuple[float, float, float, float | None] | None = None
    for gap_minutes in (10.0, 15.0):
        for pad_minutes in (0.0, 2.0):
            agents = logged_in_agents(calls, n, 60.0 * gap_minutes, 60.0 * pad_minutes)
            for half_life in (None, 3.0, 7.0):
                _, ar, _ = _fit_and_score(iv, agents, inner_fit, inner_score, half_life)
                loss = ar.mae_call_weighted + abs(ar.bias)
                print(
                    f"  gap {gap_minutes:>2.0f} min, pad {pad_minutes:.0f} min, half-life "
                    f"{'-' if half_life is None else f'{half_life:.0f} d':>4}: "
                    f"{ar.mae_call_weighted:.4f} {100 * ar.bias:+.2f}"
                )
                if best is None or loss < best[0]:
                    best = (loss, gap_minutes, pad_minutes, half_life)
    assert best is not None
    _, gap_minutes, pad_minutes, half_life = best
    presence = logged_in_agents(calls, n, 60.0 * gap_minutes, 60.0 * pad_minutes)
    print(
        f"chosen: sessions with gaps <= {gap_minutes:.0f} min, padded {pad_minutes:.0f} min; "
        f"half-life {'none' if half_life is None else f'{half_life:.0f} days'}"
    )

    print(
        f"\n{'Feb 15-28':<38} {'AR MAE':>6} {'plain':>6} {'bias':>6}   "
        f"{'SL MAE':>6} {'plain':>6} {'bias':>6}   (cw = call-weighted; bias in points)"
    )
    usable = score & (textbook_agents > 0)
    old = erlang_a(o, INTERVAL_SECONDS, iv["aht"][score], textbook_agents[score], patience, 20.0)
    print(
        _line(
            f"Erlang A, distinct servers, {patience:.0f} s",
            rate_accuracy(o, a, old.answer_rate),
            rate_accuracy(o, w, old.service_level),
        )
        + f"   ({int((score & ~usable).sum())} intervals without a server)"
    )
    plain = erlang_a(o, INTERVAL_SECONDS, iv["aht"][score], presence[score], patience, 20.0)
    print(
        _line(
            f"Erlang A, agents logged in, {patience:.0f} s",
            rate_accuracy(o, a, plain.answer_rate),
            rate_accuracy(o, w, plain.service_level),
        )
    )
    started = time.perf_counter()
    calibration, ar, sl = _fit_and_score(iv, presence, fit, score, half_life)
    fit_seconds = time.perf_counter() - started
    print(_line("calibrated (erlang.fit_calibration)", ar, sl))
    ar_floor, sl_floor = ar.noise_floor, sl.noise_floor
    print(
        f"{'binomial noise floor':<38} {ar_floor.call_weighted:.4f} {ar_floor.plain:.4f}"
        f"          {sl_floor.call_weighted:.4f} {sl_floor.plain:.4f}"
    )
    print(
        f"half-month answer rate: actual {100 * ar.actual_total_rate:.2f} %, calibrated "
        f"{100 * ar.predicted_total_rate:.2f} %  (targets: AR MAE cw <= 0.05: "
        f"{'met' if ar.mae_call_weighted <= 0.05 else 'MISSED'}; |bias| <= 1 point: "
        f"{'met' if abs(ar.bias) <= 0.01 else 'MISSED'})"
    )
    print(
        f"fitted: availability {calibration.availability:.3f}, patience "
        f"{calibration.patience_seconds:.0f} s ({calibration.patience_method}); recalibration "
        f"AR {tuple(round(b, 3) for b in calibration.answer_rate_coefficients)}, SL "
        f"{tuple(round(b, 3) for b in calibration.service_level_coefficients)}; "
        f"fit {fit_seconds:.1f} s"
    )
    _agree_with_the_command(iv, presence, half_life, ar, sl)


def _agree_with_the_command(
    iv: dict[str, np.ndarray],
    agents: np.ndarray,
    half_life: float | None,
    ar: RateAccuracy,
    sl: RateAccuracy,
) -> None:
    """Write the intervals as `wfm calibrate`'s CSV and check the command reports the same."""
    import datetime as dt
    import json
    import subprocess
    import tempfile

    first = dt.datetime.fromisoformat(FIRST_DAY + "T00:00:00" + LOCAL_OFFSET)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bank_199902_intervals.csv"
        with path.open("w") as out:
            out.write(
                "interval_start,offered,answered,abandoned,aht_seconds,agents,"
                "answered_within_threshold,threshold_seconds,interval_minutes\n"
            )
            for j in range(iv["offered"].size):
                if iv["day"][j] >= 28:
                    continue
                start = first + dt.timedelta(seconds=j * INTERVAL_SECONDS)
                out.write(
                    f"{start.isoformat()},{iv['offered'][j]:.0f},{iv['answered'][j]:.0f},"
                    f"{iv['abandoned'][j]:.0f},{float(iv['aht'][j])!r},{float(agents[j])!r},"
                    f"{iv['within'][j]:.0f},20,30\n"
                )
        command = [str(Path(sys.executable).with_name("wfm")), "calibrate", str(path)]
        command += ["--fit-until", "1999-02-15", "--json"]
        if half_life is not None:
            command += ["--half-life-days", f"{half_life!r}"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"wfm calibrate failed: {done.stderr.strip()}")
        return
    summary = json.loads(done.stdout)["summary"]
    same = (
        abs(summary["answer_rate"]["mae_call_weighted"] - ar.mae_call_weighted) < 1e-6
        and abs(summary["answer_rate"]["bias"] - ar.bias) < 1e-6
        and abs(summary["service_level"]["mae_call_weighted"] - sl.mae_call_weighted) < 1e-6
    )
    print(
        f"wfm calibrate on the same rows as CSV: AR MAE cw "
        f"{summary['answer_rate']['mae_call_weighted']:.4f}, bias "
        f"{100 * summary['answer_rate']['bias']:+.2f} points, SL MAE cw "
        f"{summary['service_level']['mae_call_weighted']:.4f} "
        f"({'agrees' if same else 'DISAGREES'} with the run above)"
    )


def main() -> int:
    bench_requirements()
    bench_erlang_a()
    bench_simulation()
    bench_real_data()
    return 0


if __name__ == "__main__":
    sys.exit(main())
