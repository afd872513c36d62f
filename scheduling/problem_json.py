"""The roster problem's JSON format (version 1): schema validation with JSON paths, parsing into
`Problem`, and writing a `Problem` back. The schema is `roster_problem.schema.json` next to this
module; docs/roster-problem.md describes every field."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from scheduling.checks import ProblemError, check_problem
from scheduling.problem import (
    PROBLEM_FORMAT,
    PROBLEM_VERSION,
    Absence,
    AgentSpec,
    AvailabilityWindow,
    BreakRule,
    CallingWindow,
    CampaignSpec,
    Contract,
    Fairness,
    Horizon,
    LastWeek,
    ObjectiveWeights,
    Preference,
    Problem,
    QueueSpec,
    ShiftRules,
)
from wfm.domain.labour_cost import (
    LabourCost,
    labour_cost_document_problems,
    labour_cost_from_document,
    labour_cost_problems,
    labour_cost_to_document,
    unknown_contracts,
)
from wfm.domain.queue_model import Calibration

T = TypeVar("T")


@cache
def problem_schema() -> dict[str, Any]:
    """The JSON Schema of the problem format."""
    text = resources.files("scheduling").joinpath("roster_problem.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def json_path(parts: Iterable[str | int]) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def schema_errors(document: Any) -> list[str]:
    """Every schema violation as 'path: message', in document order."""
    validator = Draft202012Validator(problem_schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: _path_key(e.absolute_path))
    return [f"{json_path(e.absolute_path)}: {_message(e)}" for e in errors]


def _path_key(parts: Iterable[str | int]) -> list[tuple[int, int, str]]:
    """Sorts paths in document order: list indexes as numbers ($.agents[2] before [10])."""
    return [(0, p, "") if isinstance(p, int) else (1, 0, p) for p in parts]


def _message(error: ValidationError) -> str:
    if error.validator in ("anyOf", "oneOf") and error.context:
        best = min(error.context, key=lambda e: len(e.message))
        if (
            error.validator == "anyOf"
            and error.validator_value
            and "required" in str(error.validator_value)
        ):
            return "needs either contacts and aht_seconds, or required_agents"
        return best.message
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    return error.message


def problem_from_json(document: Any) -> Problem:
    """Validate a decoded JSON document and build the `Problem`; raises `ProblemError` listing
    every schema error (with its JSON path) or every contradiction found in the content."""
    errors = schema_errors(document)
    if errors:
        raise ProblemError(errors)
    parser = _Parser()
    problem = parser.problem(document)
    if parser.errors:
        raise ProblemError(parser.errors)
    issues = check_problem(problem)
    if issues:
        raise ProblemError(issues)
    return problem


def load_problem(path: str | Path) -> Problem:
    """Read and validate a problem file; `ProblemError` for unreadable or invalid content."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProblemError([f"cannot read {file}: {exc.strerror or exc}"]) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError(
            [f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"]
        ) from None
    return problem_from_json(document)


class _Parser:
    """Turns a schema-valid document into dataclasses, collecting value errors with paths."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def _convert(self, path: list[str | int], raw: Any, convert: Callable[[Any], T]) -> T | None:
        try:
            return convert(raw)
        except ValueError as exc:
            self.errors.append(f"{json_path(path)}: {raw!r} is not valid ({exc})")
            return None

    def date(self, path: list[str | int], raw: str) -> date:
        value = self._convert(path, raw, date.fromisoformat)
        return value if value is not None else date(1970, 1, 1)

    def instant(self, path: list[str | int], raw: str) -> datetime:
        value = self._convert(path, raw, datetime.fromisoformat)
        if value is None:
            return datetime.fromisoformat("1970-01-01T00:00:00+00:00")
        return value

    @staticmethod
    def clock(raw: str) -> time:
        if raw == "24:00":
            return time(0, 0)
        hours, minutes = raw.split(":")
        return time(int(hours), int(minutes))

    def problem(self, doc: dict[str, Any]) -> Problem:
        horizon_doc = doc["horizon"]
        horizon = Horizon(
            start_date=self.date(["horizon", "start_date"], horizon_doc["start_date"]),
            days=horizon_doc.get("days", 7),
            interval_minutes=horizon_doc.get("interval_minutes", 15),
        )
        contracts: dict[str, Contract] = {}
        for i, c in enumerate(doc["contracts"]):
            if c["code"] in contracts:
                self.errors.append(
                    f"{json_path(['contracts', i, 'code'])}: contract code {c['code']!r} is "
                    "already used by an earlier contract"
                )
                continue
            contracts[c["code"]] = self.contract(c)
        rules_doc = doc.get("shift_rules", {})
        shift_rules = ShiftRules(
            start_step_minutes=rules_doc.get("start_step_minutes", 30),
            breaks=tuple(
                BreakRule(
                    kind=b["kind"],
                    minutes=b["minutes"],
                    earliest_start_after_shift_start_minutes=b[
                        "earliest_start_after_shift_start_minutes"
                    ],
                    latest_start_after_shift_start_minutes=b[
                        "latest_start_after_shift_start_minutes"
                    ],
                    min_shift_minutes=b.get("min_shift_minutes", 0),
                    max_shift_minutes=b.get("max_shift_minutes"),
                    paid=b.get("paid", True),
                )
                for b in rules_doc.get("breaks", [])
            ),
        )
        fairness_doc = doc.get("fairness", {})
        late = fairness_doc.get("late_start_from_local")
        fairness = Fairness(
            weekend_weekdays=tuple(fairness_doc.get("weekend_weekdays", [5, 6])),
            late_start_from_local=self.clock(late) if late is not None else None,
            weight_per_shift=fairness_doc.get("weight_per_shift", 5.0),
        )
        objective_doc = doc.get("objective", {})
        objective = ObjectiveWeights(
            under_target_penalty_per_agent_hour=objective_doc.get(
                "under_target_penalty_per_agent_hour"
            ),
            contract_shortfall_penalty_per_hour=objective_doc.get(
                "contract_shortfall_penalty_per_hour", 1000.0
            ),
            campaign_shortfall_penalty_per_hour=objective_doc.get(
                "campaign_shortfall_penalty_per_hour", 500.0
            ),
        )
        agents = tuple(self.agent(["agents", i], a, contracts) for i, a in enumerate(doc["agents"]))
        return Problem(
            site_code=doc["site"]["code"],
            timezone=doc["site"]["timezone"],
            horizon=horizon,
            queues=tuple(self.queue(["queues", i], q) for i, q in enumerate(doc["queues"])),
            agents=agents,
            campaigns=tuple(self.campaign(c) for c in doc.get("campaigns", [])),
            shift_rules=shift_rules,
            shrinkage=doc.get("shrinkage", 0.0),
            fairness=fairness,
            objective=objective,
            name=doc.get("name", ""),
            seats=doc.get("seats"),
            labour_cost=self.labour_cost(doc.get("labour_cost"), set(contracts)),
        )

    def labour_cost(self, doc: Any, contracts: set[str]) -> LabourCost | None:
        """The wages and premiums, each problem named by its path (`$.labour_cost...`)."""
        if doc is None:
            return None
        found = labour_cost_document_problems(doc, "$.labour_cost")
        if not found:
            labour = labour_cost_from_document(doc)
            found = labour_cost_problems(labour, "$.labour_cost")
            found += unknown_contracts(labour, contracts, "$.labour_cost")
        if found:
            self.errors += found
            return None
        return labour

    def queue(self, path: list[str | int], q: dict[str, Any]) -> QueueSpec:
        contacts = q.get("contacts")
        aht = q.get("aht_seconds")
        if isinstance(aht, int | float) and contacts is not None:
            aht = [aht] * len(contacts)
        required = q.get("required_agents")
        return QueueSpec(
            code=q["code"],
            name=q.get("name", ""),
            service_level_target=q.get("service_level_target"),
            min_answer_rate=q.get("min_answer_rate"),
            max_abandon_rate=q.get("max_abandon_rate"),
            service_threshold_seconds=q["service_threshold_seconds"],
            patience_seconds=q["patience_seconds"],
            value_per_answered_contact=q["value_per_answered_contact"],
            concurrency=q.get("concurrency", 1.0),
            max_occupancy=q.get("max_occupancy"),
            contacts=tuple(float(x) for x in contacts) if contacts is not None else None,
            aht_seconds=tuple(float(x) for x in aht) if isinstance(aht, list) else None,
            required_agents=tuple(int(x) for x in required) if required is not None else None,
            calibration=(
                self.calibration([*path, "calibration"], q["calibration"])
                if q.get("calibration") is not None
                else None
            ),
        )

    def calibration(self, path: list[str | int], c: dict[str, Any]) -> Calibration:
        """A queue's calibration: the fit's parameters as given, the rest (defaults as
        `Calibration`'s) read when present."""
        values: dict[str, Any] = {
            "availability": float(c["availability"]),
            "patience_seconds": float(c["patience_seconds"]),
            "patience_method": c["patience_method"],
        }
        for key in ("answer_rate_coefficients", "service_level_coefficients"):
            if key in c:
                values[key] = tuple(float(x) for x in c[key])
        for key in ("threshold_seconds", "offered", "answered", "abandoned", "half_life_days"):
            if c.get(key) is not None:
                values[key] = float(c[key])
        if "intervals" in c:
            values["intervals"] = int(c["intervals"])
        for key in ("fitted_from_utc", "fitted_until_utc"):
            if c.get(key) is not None:
                values[key] = self.instant([*path, key], c[key])
        return Calibration(**values)

    def campaign(self, c: dict[str, Any]) -> CampaignSpec:
        return CampaignSpec(
            code=c["code"],
            name=c.get("name", ""),
            value_per_productive_hour_by_hour=tuple(
                float(v) for v in c["value_per_productive_hour_by_hour"]
            ),
            calling_hours=tuple(
                CallingWindow(
                    w["weekday"], self.clock(w["start_local"]), self.clock(w["end_local"])
                )
                for w in c["calling_hours"]
            ),
            min_hours_per_week=c.get("min_hours_per_week", 0.0),
            max_hours_per_week=c.get("max_hours_per_week"),
            efficiency=c.get("efficiency", 0.8),
            value_source=c.get("value_source", ""),
        )

    def contract(self, c: dict[str, Any]) -> Contract:
        return Contract(
            code=c["code"],
            weekly_paid_hours_min=c["weekly_paid_hours_min"],
            weekly_paid_hours_max=c["weekly_paid_hours_max"],
            days_per_week_min=c["days_per_week_min"],
            days_per_week_max=c["days_per_week_max"],
            shift_lengths_minutes=tuple(c["shift_lengths_minutes"]),
            earliest_start_local=self.clock(c.get("earliest_start_local", "00:00")),
            latest_end_local=self.clock(c.get("latest_end_local", "24:00")),
            min_rest_hours=c.get("min_rest_hours", 11.0),
            max_consecutive_days=c.get("max_consecutive_days", 6),
            min_consecutive_days_off=c.get("min_consecutive_days_off", 0),
        )

    def agent(
        self, path: list[str | int], a: dict[str, Any], contracts: dict[str, Contract]
    ) -> AgentSpec:
        contract = contracts.get(a["contract"])
        if contract is None:
            self.errors.append(
                f"{json_path([*path, 'contract'])}: agent {a['code']} names contract "
                f"{a['contract']!r}, which is not in $.contracts"
            )
            contract = Contract(a["contract"], 0, 0, 0, 0, (60,))

        def absences(key: str) -> tuple[Absence, ...]:
            return tuple(
                Absence(
                    start_utc=self.instant([*path, key, i, "start_utc"], t["start_utc"]),
                    end_utc=self.instant([*path, key, i, "end_utc"], t["end_utc"]),
                    paid_hours=t.get("paid_hours", 0.0),
                    reason=t.get("reason", ""),
                )
                for i, t in enumerate(a.get(key, []))
            )

        preferences = []
        for i, p in enumerate(a.get("preferences", [])):
            earliest = p.get("earliest_start_local")
            latest = p.get("latest_start_local")
            evening = p.get("evening_from_local")
            preferences.append(
                Preference(
                    kind=p["kind"],
                    weight=p.get("weight", 1.0),
                    dates=tuple(
                        self.date([*path, "preferences", i, "dates", j], d)
                        for j, d in enumerate(p.get("dates", []))
                    ),
                    weekdays=tuple(p.get("weekdays", [])),
                    earliest_start_local=self.clock(earliest) if earliest else None,
                    latest_start_local=self.clock(latest) if latest else None,
                    max_evening_shifts=p.get("max_evening_shifts"),
                    evening_from_local=self.clock(evening) if evening else None,
                    vto_hours_max=p.get("vto_hours_max"),
                )
            )
        last = a.get("last_week")
        last_week = None
        if last is not None:
            last_week = LastWeek(
                final_shift_start_utc=self.instant(
                    [*path, "last_week", "final_shift_start_utc"], last["final_shift_start_utc"]
                ),
                final_shift_end_utc=self.instant(
                    [*path, "last_week", "final_shift_end_utc"], last["final_shift_end_utc"]
                ),
                consecutive_days_worked=last.get("consecutive_days_worked", 0),
            )
        return AgentSpec(
            code=a["code"],
            name=a.get("name", ""),
            contract=contract,
            queue_skills=tuple(a.get("queues", [])),
            campaign_skills=tuple(a.get("campaigns", [])),
            availability=tuple(
                AvailabilityWindow(
                    w["weekday"], self.clock(w["start_local"]), self.clock(w["end_local"])
                )
                for w in a.get("availability", [])
            ),
            unavailable=absences("unavailable"),
            time_off=absences("time_off"),
            preferences=tuple(preferences),
            last_week=last_week,
        )


# --------------------------------------------------------------------------------------------
# Writing


def _clock(value: time, *, end: bool = False) -> str:
    if end and value == time(0, 0):
        return "24:00"
    return f"{value.hour:02d}:{value.minute:02d}"


def _instant(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def problem_to_json(problem: Problem) -> dict[str, Any]:
    """The problem as a version-1 JSON document (contracts listed once, by code)."""
    contracts: dict[str, Contract] = {}
    for agent in problem.agents:
        known = contracts.setdefault(agent.contract.code, agent.contract)
        if known != agent.contract:
            raise ProblemError(
                [f"agent {agent.code}: two different contracts share the code {known.code!r}"]
            )
    doc: dict[str, Any] = {
        "format": PROBLEM_FORMAT,
        "version": PROBLEM_VERSION,
        "site": {"code": problem.site_code, "timezone": problem.timezone},
        "horizon": {
            "start_date": problem.horizon.start_date.isoformat(),
            "days": problem.horizon.days,
            "interval_minutes": problem.horizon.interval_minutes,
        },
        "shrinkage": problem.shrinkage,
        **({} if problem.seats is None else {"seats": problem.seats}),
        **(
            {}
            if problem.labour_cost is None
            else {"labour_cost": labour_cost_to_document(problem.labour_cost)}
        ),
        "queues": [_queue_doc(q) for q in problem.queues],
        "campaigns": [_campaign_doc(c) for c in problem.campaigns],
        "shift_rules": {
            "start_step_minutes": problem.shift_rules.start_step_minutes,
            "breaks": [
                {
                    "kind": b.kind,
                    "minutes": b.minutes,
                    "earliest_start_after_shift_start_minutes": (
                        b.earliest_start_after_shift_start_minutes
                    ),
                    "latest_start_after_shift_start_minutes": (
                        b.latest_start_after_shift_start_minutes
                    ),
                    "min_shift_minutes": b.min_shift_minutes,
                    "max_shift_minutes": b.max_shift_minutes,
                    "paid": b.paid,
                }
                for b in problem.shift_rules.breaks
            ],
        },
        "contracts": [_contract_doc(c) for c in contracts.values()],
        "agents": [_agent_doc(a) for a in problem.agents],
        "fairness": {
            "weekend_weekdays": list(problem.fairness.weekend_weekdays),
            "late_start_from_local": (
                _clock(problem.fairness.late_start_from_local)
                if problem.fairness.late_start_from_local is not None
                else None
            ),
            "weight_per_shift": problem.fairness.weight_per_shift,
        },
        "objective": {
            "under_target_penalty_per_agent_hour": (
                problem.objective.under_target_penalty_per_agent_hour
            ),
            "contract_shortfall_penalty_per_hour": (
                problem.objective.contract_shortfall_penalty_per_hour
            ),
            "campaign_shortfall_penalty_per_hour": (
                problem.objective.campaign_shortfall_penalty_per_hour
            ),
        },
    }
    if problem.name:
        doc["name"] = problem.name
    return doc


def _campaign_doc(c: CampaignSpec) -> dict[str, Any]:
    """A campaign as the document lists it."""
    return {
        "code": c.code,
        "name": c.name,
        "value_per_productive_hour_by_hour": list(c.value_per_productive_hour_by_hour),
        "calling_hours": [
            {
                "weekday": w.weekday,
                "start_local": _clock(w.start_local),
                "end_local": _clock(w.end_local, end=True),
            }
            for w in c.calling_hours
        ],
        "min_hours_per_week": c.min_hours_per_week,
        "max_hours_per_week": c.max_hours_per_week,
        "efficiency": c.efficiency,
        "value_source": c.value_source,
    }


def _contract_doc(c: Contract) -> dict[str, Any]:
    """A contract as the document lists it, once per code."""
    return {
        "code": c.code,
        "weekly_paid_hours_min": c.weekly_paid_hours_min,
        "weekly_paid_hours_max": c.weekly_paid_hours_max,
        "days_per_week_min": c.days_per_week_min,
        "days_per_week_max": c.days_per_week_max,
        "shift_lengths_minutes": list(c.shift_lengths_minutes),
        "earliest_start_local": _clock(c.earliest_start_local),
        "latest_end_local": _clock(c.latest_end_local, end=True),
        "min_rest_hours": c.min_rest_hours,
        "max_consecutive_days": c.max_consecutive_days,
        **(
            {"min_consecutive_days_off": c.min_consecutive_days_off}
            if c.min_consecutive_days_off
            else {}
        ),
    }


def _queue_doc(q: QueueSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "code": q.code,
        "name": q.name,
        "service_level_target": q.service_level_target,
        "service_threshold_seconds": q.service_threshold_seconds,
        "patience_seconds": q.patience_seconds,
        "value_per_answered_contact": q.value_per_answered_contact,
        "concurrency": q.concurrency,
        "max_occupancy": q.max_occupancy,
    }
    for target in ("min_answer_rate", "max_abandon_rate"):  # written only when the queue has it
        if getattr(q, target) is not None:
            doc[target] = getattr(q, target)
    if q.contacts is not None and q.aht_seconds is not None:
        # full precision: JSON numbers written by Python read back as the same floats
        doc["contacts"] = list(q.contacts)
        ahts = set(q.aht_seconds)
        doc["aht_seconds"] = next(iter(ahts)) if len(ahts) == 1 else list(q.aht_seconds)
    if q.required_agents is not None:
        doc["required_agents"] = list(q.required_agents)
    if q.calibration is not None:
        doc["calibration"] = _calibration_doc(q.calibration)
    return doc


def _calibration_doc(calibration: Calibration) -> dict[str, Any]:
    """A calibration's values (instants as the format writes them; empty ones left out)."""
    doc = {key: value for key, value in calibration.to_dict().items() if value is not None}
    for key in ("fitted_from_utc", "fitted_until_utc"):
        moment = getattr(calibration, key)
        if moment is not None:
            doc[key] = _instant(moment)
    return doc


def _agent_doc(a: AgentSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "code": a.code,
        "name": a.name,
        "contract": a.contract.code,
        "queues": list(a.queue_skills),
        "campaigns": list(a.campaign_skills),
    }
    if a.availability:
        doc["availability"] = [
            {
                "weekday": w.weekday,
                "start_local": _clock(w.start_local),
                "end_local": _clock(w.end_local, end=True),
            }
            for w in a.availability
        ]
    if a.unavailable:
        doc["unavailable"] = [
            {"start_utc": _instant(u.start_utc), "end_utc": _instant(u.end_utc), "reason": u.reason}
            for u in a.unavailable
        ]
    if a.time_off:
        doc["time_off"] = [
            {
                "start_utc": _instant(t.start_utc),
                "end_utc": _instant(t.end_utc),
                "paid_hours": t.paid_hours,
                "reason": t.reason,
            }
            for t in a.time_off
        ]
    if a.preferences:
        prefs = []
        for p in a.preferences:
            item: dict[str, Any] = {"kind": p.kind, "weight": p.weight}
            if p.dates:
                item["dates"] = [d.isoformat() for d in p.dates]
            if p.weekdays:
                item["weekdays"] = list(p.weekdays)
            if p.earliest_start_local is not None:
                item["earliest_start_local"] = _clock(p.earliest_start_local)
            if p.latest_start_local is not None:
                item["latest_start_local"] = _clock(p.latest_start_local)
            if p.max_evening_shifts is not None:
                item["max_evening_shifts"] = p.max_evening_shifts
            if p.evening_from_local is not None:
                item["evening_from_local"] = _clock(p.evening_from_local)
            if p.vto_hours_max is not None:
                item["vto_hours_max"] = p.vto_hours_max
            prefs.append(item)
        doc["preferences"] = prefs
    if a.last_week is not None:
        doc["last_week"] = {
            "final_shift_start_utc": _instant(a.last_week.final_shift_start_utc),
            "final_shift_end_utc": _instant(a.last_week.final_shift_end_utc),
            "consecutive_days_worked": a.last_week.consecutive_days_worked,
        }
    return doc
