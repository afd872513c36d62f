"""`wfm roster-example`, `wfm roster` and `wfm roster-check` as a planner runs them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scheduling.evaluate import evaluate
from scheduling.problem_json import load_problem
from scheduling.roster import roster_from_json
from tests.wfm.test_cli import run_wfm


@pytest.fixture(scope="module")
def solved(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("roster")
    problem, roster = folder / "problem.json", folder / "roster.json"
    made = run_wfm("roster-example", "--agents", "12", "--queues", "2", "--campaigns", "1",
                   "--seed", "3", "--out", str(problem))  # fmt: skip
    assert made.returncode == 0, made.stderr
    result = run_wfm("roster", str(problem), "--time-limit", "8", "--out", str(roster))
    return problem, roster, result


def test_roster_writes_a_roster_the_independent_evaluation_accepts(
    solved: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    problem_file, roster_file, result = solved
    assert result.returncode == 0, result.stderr
    assert "[100%] done" in result.stderr  # progress while it runs
    document = json.loads(roster_file.read_text())
    summary = document["summary"]
    for key in ("status", "objective", "bound", "gap", "solve_seconds", "hard_violations",
                "under_coverage_agent_hours", "sell_hours", "outbound_value"):  # fmt: skip
        assert key in summary
    problem = load_problem(problem_file)
    evaluation = evaluate(problem, roster_from_json(document))
    assert evaluation.hard_violations == summary["hard_violations"] == 0
    assert evaluation.objective == pytest.approx(summary["objective"], abs=0.01)
    assert summary["bound"] >= summary["objective"] - 0.01
    assert set(summary["queues"]) == {q.code for q in problem.queues}
    assert {a["code"] for a in document["agents"]} == {a.code for a in problem.agents}
    # the example's agents state preferences: counted a day at a time, said on standard error
    assert summary["preference_days_asked"] == evaluation.preferences.asked_days > 0
    assert summary["preference_days_honoured"] == evaluation.preferences.honoured_days
    assert (
        sum(a["preference_days_asked"] for a in document["agents"])
        == (summary["preference_days_asked"])
    )
    assert (
        f"preferences: {summary['preference_days_honoured']:,} of "
        f"{summary['preference_days_asked']:,} days honoured"
    ) in result.stderr
    # the gap's split is said exactly when the summary holds it (search stopped above 1 %)
    split = summary["gap_split"]
    if split is None:
        assert "of the gap:" not in result.stderr
    else:
        assert (
            f"of the gap: {100 * split['placement']:.2f} % at most in placing breaks and "
            f"activities on these shifts, {100 * split['shifts_or_bound']:.2f} % in the choice"
        ) in result.stderr
    check = run_wfm("roster-check", str(problem_file), str(roster_file), "--json")
    assert check.returncode == 0, check.stderr
    report = json.loads(check.stdout)
    assert report["hard_violations"] == 0
    assert report["outbound_value"] == pytest.approx(summary["outbound_value"], abs=0.01)


def test_roster_check_exits_1_on_a_broken_rule(
    solved: tuple[Path, Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    problem_file, roster_file, _ = solved
    document = json.loads(roster_file.read_text())
    worker = next(a for a in document["agents"] if len(a["shifts"]) >= 2)
    first, second = worker["shifts"][0], worker["shifts"][1]
    second["start_utc"] = first["start_utc"]  # two shifts on top of each other
    second["end_utc"] = first["end_utc"]
    second["date"] = first["date"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    check = run_wfm("roster-check", str(problem_file), str(broken))
    assert check.returncode == 1, check.stdout + check.stderr
    assert worker["code"] in check.stdout
    assert "Traceback" not in check.stderr


def test_bad_problem_files_get_json_paths_and_named_contradictions(tmp_path: Path) -> None:
    missing = run_wfm("roster", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    result = run_wfm("roster", str(garbage))
    assert result.returncode == 2 and "not valid JSON (line 1" in result.stderr
    made = run_wfm("roster-example", "--agents", "4", "--seed", "1")
    document = json.loads(made.stdout)
    document["agents"][0]["queues"] = "CARE"  # a string where a list belongs
    bad_type = tmp_path / "bad_type.json"
    bad_type.write_text(json.dumps(document))
    result = run_wfm("roster", str(bad_type))
    assert result.returncode == 2
    assert "$.agents[0].queues" in result.stderr
    assert "Traceback" not in result.stderr
    document = json.loads(made.stdout)
    document["agents"][1]["queues"] = []
    document["agents"][1]["campaigns"] = []
    no_skills = tmp_path / "no_skills.json"
    no_skills.write_text(json.dumps(document))
    result = run_wfm("roster", str(no_skills))
    assert result.returncode == 2
    assert document["agents"][1]["code"] in result.stderr
    assert "Traceback" not in result.stderr


def test_roster_example_rejects_bad_arguments() -> None:
    for args, fragment in (
        (("--agents", "0"), "--agents"),
        (("--queues", "9"), "--queues"),
        (("--start", "tomorrow"), "--start"),
        (("--interval-minutes", "7"), "interval_minutes"),
    ):
        result = run_wfm("roster-example", *args)
        assert result.returncode == 2, args
        assert fragment in result.stderr
        assert "Traceback" not in result.stderr


def test_one_worker_and_one_seed_give_the_same_roster(tmp_path: Path) -> None:
    problem = tmp_path / "problem.json"
    made = run_wfm("roster-example", "--agents", "6", "--queues", "2", "--campaigns", "1",
                   "--seed", "2", "--out", str(problem))  # fmt: skip
    assert made.returncode == 0, made.stderr
    rosters = []
    for run in ("first", "second"):
        out = tmp_path / f"{run}.json"
        result = run_wfm("roster", str(problem), "--workers", "1", "--seed", "5",
                         "--time-limit", "120", "--out", str(out))  # fmt: skip
        assert result.returncode == 0, result.stderr
        document = json.loads(out.read_text())
        assert document["summary"]["solve_seconds"] < 100  # ended before its limit
        rosters.append(document)
    assert rosters[0]["agents"] == rosters[1]["agents"]
    assert rosters[0]["summary"]["objective"] == rosters[1]["summary"]["objective"]
    refused = run_wfm("roster", str(problem), "--workers", "0")
    assert refused.returncode == 2 and "--workers" in refused.stderr
    assert "Traceback" not in refused.stderr
