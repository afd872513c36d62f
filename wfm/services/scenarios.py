"""What-if scenarios on the database: a scenario is checked and stored, then solved (in the
worker, or in-process by `wfm scenario run`): the base week and each variant built as the roster
job builds it (`wfm.services.scheduling.build_problem`), changed in memory
(`scheduling.scenario.apply_changes`), solved and evaluated by the one evaluation
(`wfm.services.schedule_evaluation.evaluate_roster`). Only the scenario's own row is written:
no roster, forecast or requirement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from scheduling.checks import ProblemError
from scheduling.problem import Problem
from scheduling.scenario import apply_changes
from scheduling.solver import solve
from wfm.db.repositories import (
    AgentRepository,
    CampaignRepository,
    QueueRepository,
    ScenarioRecord,
    ScenarioRepository,
    SiteRepository,
)
from wfm.domain import Job
from wfm.domain.errors import ValidationError
from wfm.domain.jsonvalues import json_safe
from wfm.domain.scenarios import (
    BASE,
    Scenario,
    ScenarioError,
    ScenarioFigures,
    SiteCodes,
    Variant,
    VariantChanges,
    difference,
    parse_scenario,
    scenario_to_document,
    validate_scenario,
)
from wfm.domain.site_rules import SiteRules, parse_rules, rules_to_document
from wfm.services.jobs import enqueue
from wfm.services.schedule_evaluation import ScheduleEvaluation, evaluate_roster
from wfm.services.schedule_views import require_forecast_for_week
from wfm.services.scheduling import build_problem, require_week_start
from wfm.services.site_rules import checked_rules, contract_code, rules_for_week

Progress = Callable[[float, str], None]


def site_codes(session: Session, site_code: str) -> SiteCodes:
    """What the site's scenarios may name (ValidationError naming `site` for an unknown site)."""
    if site_code not in {s.code for s in SiteRepository(session).list()}:
        raise ScenarioError([("site", f"no site {site_code!r}")])
    agents = AgentRepository(session).list(site_code)
    by_skill: dict[str, int] = {}
    for agent in agents:
        for skill in {*agent.queue_skills, *agent.campaign_skills}:
            by_skill[skill] = by_skill.get(skill, 0) + 1
    contracts = {a.contract.name for a in agents} | {contract_code(a.contract.name) for a in agents}
    return SiteCodes(
        queues=frozenset(q.code for q in QueueRepository(session).list(site_code)),
        campaigns=frozenset(c.code for c in CampaignRepository(session).list(site_code)),
        contracts=frozenset(contracts),
        agents_by_skill=by_skill,
    )


def check_scenario(session: Session, doc: Any) -> Scenario:
    """The scenario of a document, checked against the site (`validate_scenario`) and its week:
    the site's first weekday, inside a stored forecast. ScenarioError naming each field."""
    scenario = validate_scenario(doc, lambda code: site_codes(session, code))
    try:
        require_week_start(session, scenario.site_code, scenario.week_start)
        require_forecast_for_week(session, scenario.site_code, scenario.week_start)
    except ValidationError as exc:
        raise ScenarioError([("week_start", str(exc).removeprefix("week_start: "))]) from None
    problems: list[tuple[str, str]] = []
    for i, variant in enumerate(scenario.variants):
        try:
            variant_rules(session, scenario, variant)
        except ValidationError as exc:
            path = f"variants[{i}].changes.rules"
            problems += [(_rule_field(path, part), part) for part in str(exc).split("; ")]
    if problems:
        raise ScenarioError(problems)
    return scenario


def variant_rules(session: Session, scenario: Scenario, variant: Variant) -> SiteRules | None:
    """The variant's rules: the week's with the variant's `rules` fields over them, checked as
    a stored version would be (`parse_rules`, then `checked_rules` with the variant's seats);
    None when the variant changes no rule. ValidationError naming each field."""
    if not variant.changes.rules:
        return None
    week = rules_for_week(session, scenario.site_code, scenario.week_start)
    rules = parse_rules({**rules_to_document(week), **variant.changes.rules})
    site = SiteRepository(session).get(scenario.site_code)
    seats = variant.changes.seats or rules.seats_for(site)
    return checked_rules(session, scenario.site_code, rules, seats)


def _rule_field(path: str, problem: str) -> str:
    """The field a rules problem names ("shift_lengths_minutes: ..."), under the variant's
    path; the path alone when it names none."""
    name = problem.split(":", 1)[0].strip()
    return f"{path}.{name}" if name and " " not in name else path


def create_scenario(
    session: Session, doc: Any, *, queue_job: bool = True
) -> tuple[int, Job | None]:
    """Check and store a scenario and (by default) queue the job that solves it."""
    scenario = check_scenario(session, doc)
    repo = ScenarioRepository(session)
    scenario_id = repo.add(
        scenario.site_code,
        name=scenario.name,
        week_start=scenario.week_start,
        document=scenario_to_document(scenario),
    )
    if not queue_job:
        return scenario_id, None
    job = enqueue(
        session,
        "scenario",
        {"scenario_id": scenario_id},
        message=f"queued: scenario {scenario.name!r} ({len(scenario.variants)} variants)",
    )
    repo.set_job(scenario_id, job.id)
    return scenario_id, job


def run_scenario(
    session: Session, scenario_id: int, *, progress: Progress | None = None
) -> dict[str, Any]:
    """Solve the stored scenario's base and variants and store the comparison; returns it."""
    repo = ScenarioRepository(session)
    record = repo.get(scenario_id)
    scenario = parse_scenario(record.document)

    def tell(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    tell(0.01, f"building the roster problem of {scenario.site_code} for {scenario.week_start}")
    base_problem, run_id = build_problem(
        session, site_code=scenario.site_code, week_start=scenario.week_start
    )
    currency = SiteRepository(session).get(scenario.site_code).currency
    parts = (Variant(BASE, VariantChanges()), *scenario.variants)
    solved: list[dict[str, Any]] = []
    for index, variant in enumerate(parts):
        low, high = 0.02 + 0.96 * index / len(parts), 0.02 + 0.96 * (index + 1) / len(parts)
        tell(low, f"solving {variant.name} ({index + 1} of {len(parts)})")
        rules = variant_rules(session, scenario, variant)
        own_base = base_problem
        if rules is not None:  # the week built again under the variant's rules
            own_base, _ = build_problem(
                session,
                site_code=scenario.site_code,
                week_start=scenario.week_start,
                forecast_run_id=run_id,
                rules=rules,
            )
        solved.append(
            _solve_variant(
                own_base,
                variant,
                time_limit_seconds=scenario.time_limit_seconds,
                currency=currency,
                progress=_scaled(tell, low, high),
            )
        )
    result = comparison(scenario, solved, forecast_run_id=run_id, currency=currency)
    repo.set_result(scenario_id, result)
    tell(1.0, "compared")
    return result


def _scaled(progress: Progress, low: float, high: float) -> Progress:
    def report(fraction: float, message: str) -> None:
        progress(low + (high - low) * max(0.0, min(1.0, fraction)), message)

    return report


def _solve_variant(
    base: Problem,
    variant: Variant,
    *,
    time_limit_seconds: float,
    currency: str,
    progress: Progress,
) -> dict[str, Any]:
    """One variant's problem solved and evaluated: its figures, per queue, and the solve."""
    changes = replace(variant.changes, headcount=_coded(variant.changes, base))
    problem = apply_changes(base, changes, name=variant.name)
    started = datetime.now(UTC)
    try:
        result = solve(problem, time_limit_seconds=time_limit_seconds, progress=progress)
    except ProblemError as exc:
        return {"name": variant.name, "error": "; ".join(exc.issues[:10])}
    evaluation = evaluate_roster(problem, result.roster, currency=currency)
    return {
        "name": variant.name,
        "figures": figures_of(evaluation),
        "queues": {
            q.queue_code: {
                "contacts": q.contacts,
                "answer_rate": q.predicted_answer_rate,
                "service_level": q.predicted_service_level,
                "hours_short": q.under_coverage_agent_hours,
                "answer_rate_target": q.answer_rate_target,
                "service_level_target": q.service_level_target,
            }
            for q in evaluation.queues
        },
        "solve": {
            "status": result.status,
            "seconds": round((datetime.now(UTC) - started).total_seconds(), 2),
            "agents_in_problem": len(problem.agents),
            "hard_violations": evaluation.hard_violations,
        },
    }


def _coded(changes: VariantChanges, problem: Problem) -> Any:
    """Headcount changes with each contract named by its roster code."""
    codes = {a.contract.code for a in problem.agents}
    return tuple(
        h
        if h.contract is None or h.contract in codes
        else replace(h, contract=contract_code(h.contract))
        for h in changes.headcount
    )


def figures_of(evaluation: ScheduleEvaluation) -> ScenarioFigures:
    """The comparison's figures of one evaluation. Labour cost, cost per answered contact and
    sales per paid hour are the evaluation's (None where the site's rules set no wages)."""
    contacts = sum(q.contacts for q in evaluation.queues)
    answered = sum(
        q.contacts * q.predicted_answer_rate
        for q in evaluation.queues
        if q.predicted_answer_rate is not None
    )
    served = [q for q in evaluation.queues if q.predicted_service_level is not None]
    weight = sum(q.contacts for q in served)
    level = (
        sum(q.contacts * (q.predicted_service_level or 0.0) for q in served) / weight
        if weight > 0
        else None
    )
    return ScenarioFigures(
        contacts=contacts,
        answered_contacts=answered,
        answer_rate=answered / contacts if contacts > 0 else None,
        service_level=level,
        outbound_value=evaluation.outbound_value,
        paid_hours=evaluation.paid_hours,
        hours_short=evaluation.under_coverage_agent_hours,
        agents=evaluation.agents,
        labour_cost=evaluation.labour_cost,
        cost_per_answered_contact=evaluation.cost_per_answered_contact,
        sales_per_paid_hour=evaluation.sales_per_paid_hour,
    )


def comparison(
    scenario: Scenario, solved: list[dict[str, Any]], *, forecast_run_id: int, currency: str
) -> dict[str, Any]:
    """The side-by-side comparison: the base first, then each variant with its difference to
    the base (JSON values)."""
    base = solved[0].get("figures")
    rows = []
    for item in solved:
        figures = item.get("figures")
        row = {k: v for k, v in item.items() if k != "figures"}
        row["changes"] = None
        row["figures"] = None if figures is None else asdict(figures)
        row["difference"] = (
            None
            if figures is None or base is None or item is solved[0]
            else difference(figures, base)
        )
        rows.append(row)
    documents = scenario_to_document(scenario)["variants"]
    for row, doc in zip(rows[1:], documents, strict=True):
        row["changes"] = doc["changes"]
    return json_safe(
        {
            "forecast_run_id": forecast_run_id,
            "currency": currency,
            "time_limit_seconds": scenario.time_limit_seconds,
            "base": rows[0],
            "variants": rows[1:],
        }
    )


def scenario_status(session: Session, record: ScenarioRecord) -> dict[str, Any]:
    """The scenario with its job's status and progress (`succeeded` once solved in-process)."""
    from wfm.db.repositories import JobRepository

    job = None if record.job_id is None else JobRepository(session).get(record.job_id)
    if job is None:
        status = "succeeded" if record.result is not None else "queued"
        progress, message, error = (1.0 if record.result else 0.0), "", None
    else:
        status, progress, message, error = job.status.value, job.progress, job.message, job.error
    return {
        "id": record.id,
        "site": record.site_code,
        "name": record.name,
        "week_start": record.week_start,
        "created_at_utc": record.created_at_utc,
        "job_id": record.job_id,
        "status": status,
        "progress": progress,
        "message": message,
        "error": error,
        "document": record.document,
        "comparison": record.result,
    }
