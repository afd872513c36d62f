"""`wfm simulate-days` on a small demo centre, run as a user runs it: one JSON object with the
days and the summary for each policy, the same seed plays the same days, and bad input is one
line and exit code 2 with nothing written."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TODAY = "2026-11-12"  # a Thursday: the published week starts on Monday 2026-11-09
SUMMARY_KEYS = {"answer_rate", "service_level", "outbound_revenue", "net_value"}


def run_wfm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wfm", *args],
        capture_output=True,
        text=True,
        timeout=900,
        env=dict(os.environ),
    )


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A published small demo centre, and a copy taken before its roster was published."""
    folder = tmp_path_factory.mktemp("simulate-days")
    db = folder / "demo.db"
    url = ["--database-url", f"sqlite:///{db}"]
    for step in (
        ["db", "upgrade"],
        ["demo-data", "--weeks", "6", "--agents", "24", "--today", TODAY],
        ["forecast", "--weeks", "2"],
    ):
        done = run_wfm(*step, *url)
        assert done.returncode == 0, (step, done.stderr)
    shutil.copy(db, folder / "unpublished.db")
    done = run_wfm("schedule", "--time-limit", "15", "--publish", *url)
    assert done.returncode == 0, done.stderr
    return f"sqlite:///{db}", f"sqlite:///{folder / 'unpublished.db'}"


@pytest.fixture(scope="module")
def reachable(centre: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The published small centre with every queue held to a 70 % answer rate: 24 agents cannot
    meet the demo's 92-95 % on any day, so the demo's targets would make the property below
    empty; at 70 % some days are reachable and some are not."""
    from wfm.db.repositories import QueueRepository
    from wfm.db.session import make_engine, unit_of_work

    url, _ = centre
    copy = tmp_path_factory.mktemp("reachable") / "demo.db"
    shutil.copy(url.removeprefix("sqlite:///"), copy)
    engine = make_engine(f"sqlite:///{copy}")
    with unit_of_work(engine) as session:
        queues = QueueRepository(session)
        for queue in queues.list("DUB"):
            queues.update_queue(queue.code, {"min_answer_rate": 0.70, "max_abandon_rate": None})
    engine.dispose()
    return f"sqlite:///{copy}"


def play(url: str, *args: str) -> dict[str, Any]:
    done = run_wfm("simulate-days", "--database-url", url, "--json", *args)
    assert done.returncode == 0, done.stderr
    assert "day 2/2" in done.stderr  # progress on stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def digest(url: str) -> str:
    return hashlib.sha256(Path(url.removeprefix("sqlite:///")).read_bytes()).hexdigest()


def test_three_policies_on_the_same_days(centre: tuple[str, str]) -> None:
    url, _ = centre
    before = digest(url)
    runs = {
        p: play(url, "--days", "2", "--policy", p, "--seed", "3")
        for p in ("money", "threshold", "never")
    }
    assert digest(url) == before  # nothing written
    for policy, doc in runs.items():
        assert doc["policy"] == policy
        assert len(doc["days"]) == 2 and set(doc["summary"]) >= SUMMARY_KEYS
        s = doc["summary"]
        assert 0 < s["answer_rate"] <= 1 and 0 <= s["service_level"] <= s["answer_rate"]
        days = doc["days"]
        assert s["net_value"] == pytest.approx(sum(d["net_value"] for d in days))
        for d in days:  # the net value's definition
            assert d["net_value"] == pytest.approx(
                d["outbound_revenue"] + d["answered_value"] - d["target_penalty"]
            )
            assert d["target_penalty"] == pytest.approx(
                doc["under_target_penalty_per_agent_hour"] * d["short_agent_hours"]
            )
    # the same calls are offered under every policy; never moves nobody
    offered = {p: [d["offered"] for d in doc["days"]] for p, doc in runs.items()}
    assert offered["money"] == offered["threshold"] == offered["never"]
    assert runs["never"]["summary"]["pulls"] == runs["never"]["summary"]["releases"] == 0


def test_the_same_seed_plays_the_same_days(centre: tuple[str, str]) -> None:
    url, _ = centre
    first = play(url, "--days", "2", "--policy", "money", "--seed", "5")
    again = play(url, "--days", "2", "--policy", "money", "--seed", "5")
    other = play(url, "--days", "2", "--policy", "money", "--seed", "6")
    assert first == again
    assert [d["offered"] for d in other["days"]] != [d["offered"] for d in first["days"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0"], "days must be between 1 and 366"),
        (["--days", "100000"], "days must be between 1 and 366"),
        (["--policy", "sometimes"], "unknown policy 'sometimes'"),
    ],
)
def test_bad_input_is_one_line(centre: tuple[str, str], args: list[str], message: str) -> None:
    url, _ = centre
    before = digest(url)
    done = run_wfm("simulate-days", "--database-url", url, *args)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"error: {done.stderr.strip()[7:]}"]
    assert message in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""
    assert digest(url) == before


def test_no_published_roster(centre: tuple[str, str]) -> None:
    _, unpublished = centre
    before = digest(unpublished)
    done = run_wfm("simulate-days", "--database-url", unpublished, "--days", "1")
    assert done.returncode == 2
    assert "no published roster" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert digest(unpublished) == before


def test_money_holds_the_answer_rate_target_on_every_reachable_day(reachable: str) -> None:
    """`--compare` plays the three policies on the same days: on the days the roster could meet
    the target (played with every agent present serving, none selling), money meets it, and
    its net value is above never-switch's. (Money against threshold is the bench's question:
    over three days of a 24-agent centre the two are within noise of each other.)"""
    done = run_wfm(
        "simulate-days", "--database-url", reachable, "--json", "--compare",
        "--days", "3", "--seed", "3",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    days, policies = doc["days"], doc["policies"]
    assert set(policies) == {"money", "threshold", "never"}
    reachable_days = [d["index"] for d in days if d["target_reachable"]]
    assert reachable_days  # the property is not empty
    for brief in policies.values():
        assert brief["days_target_reachable"] == len(reachable_days)
    money = doc["summary"]
    assert money["days_target_met"] == sum(1 for d in days if d["answer_rate_met"])
    missed = [d["index"] for d in days if d["target_reachable"] and not d["answer_rate_met"]]
    assert missed == money["days_missed_where_reachable"] == []
    assert money["holds_target_on_reachable_days"] is True
    assert policies["money"]["net_value"] == pytest.approx(money["net_value"])
    assert money["net_value"] > policies["never"]["net_value"]
    assert doc["comparison"] == {
        "money_beats_threshold": money["net_value"] > policies["threshold"]["net_value"],
        "money_beats_never": True,
        "money_holds_target_on_reachable_days": True,
    }


def test_each_simulated_day_is_reforecast_from_the_days_played_before(
    centre: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the live service centres the reforecast on the stored days before today, a simulated
    day gets the run's days before it: their arrivals and forecasts per queue."""
    import numpy as np

    from wfm.db.session import make_engine, unit_of_work
    from wfm.services import simulate_days as module

    seen: list[tuple[int, Any]] = []
    real = module.reforecast_queue

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append((len(seen), kwargs.get("recent")))
        return real(*args, **kwargs)

    worlds: list[Any] = []
    real_world = module._world

    def keep(*args: Any, **kwargs: Any) -> Any:
        world = real_world(*args, **kwargs)
        worlds.append(world)
        return world

    monkeypatch.setattr(module, "reforecast_queue", spy)
    monkeypatch.setattr(module, "_world", keep)
    url, _ = centre
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        module.simulate_days(session, site_code="DUB", days=2, policies=["threshold"], seed=3)
    engine.dispose()
    first, second = worlds
    assert first.recent == {}
    assert set(second.recent) == set(first.arrived)
    for code, recent in second.recent.items():
        assert recent.actual_totals == (pytest.approx(float(np.sum(first.arrived[code]))),)
        planned = first.plan.forecast.offered.get(code)
        assert recent.forecast_totals == (pytest.approx(float(np.sum(planned))),)
    assert any(r is not None and r.actual_totals for _, r in seen)  # passed to the reforecast
