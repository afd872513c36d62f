"""A site's roster rules: the version valid for a week, a new version, and the rules in the
optimizer's terms (`scheduling.problem`): shift rules, contracts narrowed to the site's rules,
fairness and objective weights. See `wfm.domain.site_rules` for what each rule means."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduling.checks import shift_rule_issues
from scheduling.problem import BreakRule, Contract, Fairness, ObjectiveWeights, ShiftRules
from wfm.db.repositories import AgentRepository, SiteRepository, SiteRulesRepository
from wfm.domain import Contract as DomainContract
from wfm.domain.errors import ValidationError
from wfm.domain.grid import week_start_problem
from wfm.domain.labour_cost import ContractWage, Premium, unknown_contracts
from wfm.domain.site_rules import (
    DAY_MINUTES,
    DEFAULT_SITE_RULES,
    GRID_MINUTES,
    SiteRules,
    SiteRulesVersion,
    site_hours_minutes,
    validate_rules,
)

WEEK_HOURS = 7 * 24


def rules_for_week(session: Session, site_code: str, week_start: date) -> SiteRules:
    """The site's rules valid for the week (`DEFAULT_SITE_RULES` when it has no version yet)."""
    found = SiteRulesRepository(session).valid_for(site_code, week_start)
    return DEFAULT_SITE_RULES if found is None else found.rules


def latest_or_for_week(
    session: Session, site_code: str, week_start: date | None
) -> SiteRulesVersion | None:
    """The stored version valid for the week (`week_start` None: the latest version); None when
    there is none, and the defaults apply."""
    repo = SiteRulesRepository(session)
    if week_start is not None:
        return repo.valid_for(site_code, week_start)
    versions = repo.list(site_code)
    return versions[-1] if versions else None


def set_rules(
    session: Session, *, site_code: str, valid_from: date, rules: SiteRules, note: str = ""
) -> SiteRulesVersion:
    """Store the rules as the site's next version, valid from the week starting on
    `valid_from` (the site's first weekday). ValidationError naming each field that is wrong:
    values out of range, rules that contradict each other (`wfm.domain.site_rules`), rules the
    site's contracts can't keep (a contract left with no shift length that fits, a break
    window past the end of a shift), and seats that can't hold the contracts' minimum hours
    inside the site's hours. Nothing is written then."""
    site = SiteRepository(session).get(site_code)
    trouble = week_start_problem(valid_from, ZoneInfo(site.timezone))
    if trouble is not None:
        raise ValidationError(f"valid_from: {trouble}")
    rules = checked_rules(session, site_code, rules, rules.seats_for(site))
    repo = SiteRulesRepository(session)
    version = repo.add(site_code, valid_from=valid_from, rules=rules, note=note)
    return next(v for v in repo.list(site_code) if v.version == version)


def checked_rules(
    session: Session, site_code: str, rules: SiteRules, seats: int | None
) -> SiteRules:
    """The rules with their contracts named by roster code (`with_contract_codes`), checked as
    a version is stored: values and contradictions, the site's contracts, the wages' contracts,
    the `seats`. ValidationError naming each field that is wrong."""
    rules = with_contract_codes(session, rules)
    validate_rules(rules)
    found = contract_issues(session, site_code, rules)
    if rules.labour_cost is not None:
        known = {contract_code(c.name) for c in AgentRepository(session).contracts()}
        found += unknown_contracts(rules.labour_cost, known)
    found += seat_issues(session, site_code, seats, rules)
    if found:
        raise ValidationError("; ".join(found))
    return rules


def with_contract_codes(session: Session, rules: SiteRules) -> SiteRules:
    """The rules with each contract its labour cost names by its stored name (say
    "Full-time 40 h") named by its code in the roster ("Full-time-40-h") instead."""
    labour = rules.labour_cost
    if labour is None:
        return rules
    codes = {c.name: contract_code(c.name) for c in AgentRepository(session).contracts()}

    def code(name: str) -> str:
        return codes.get(name, name)

    wages: tuple[ContractWage, ...] = tuple(
        replace(w, contract=code(w.contract)) for w in labour.wages
    )
    premiums: tuple[Premium, ...] = tuple(
        p if p.contracts is None else replace(p, contracts=tuple(map(code, p.contracts)))
        for p in labour.premiums
    )
    return replace(rules, labour_cost=replace(labour, wages=wages, premiums=premiums))


def contract_issues(session: Session, site_code: str, rules: SiteRules) -> list[str]:
    """What the site's active agents' contracts, narrowed by the rules, can't keep (on the
    finest interval), each naming the rule's field."""
    contracts: dict[str, Contract] = {}
    refused: set[str] = set()
    found: list[str] = []
    for agent in AgentRepository(session).list(site_code):
        base = roster_contract(agent.contract)
        if base.code in contracts or base.code in refused:
            continue
        narrowed = narrow_contract(base, rules)
        if narrowed is None:
            refused.add(base.code)
            found.append(
                f"earliest_start_local, latest_end_local: the site's hours leave contract "
                f"{base.code} no time to work"
            )
            continue
        if not narrowed.shift_lengths_minutes:
            refused.add(base.code)
            found.append(
                f"shift_lengths_minutes: contract {base.code} has none of these lengths "
                f"(its lengths: {list(base.shift_lengths_minutes)} min)"
            )
            continue
        hours = site_hours_minutes(narrowed.earliest_start_local, narrowed.latest_end_local)
        if narrowed.latest_end_local == time(0, 0):  # the end of the start day
            hours = DAY_MINUTES - (
                narrowed.earliest_start_local.hour * 60 + narrowed.earliest_start_local.minute
            )
        if min(narrowed.shift_lengths_minutes) > hours:
            refused.add(base.code)
            found.append(
                f"earliest_start_local, latest_end_local: the site's hours leave contract "
                f"{base.code} {hours} min a day, shorter than its shifts "
                f"({list(narrowed.shift_lengths_minutes)} min)"
            )
            continue
        off = narrowed.min_consecutive_days_off
        if off and narrowed.days_per_week_min > 7 - off:
            refused.add(base.code)
            found.append(
                f"min_consecutive_days_off: contract {base.code} works at least "
                f"{narrowed.days_per_week_min} days a week, which leaves no {off} days off in a row"
            )
            continue
        contracts[base.code] = narrowed
    for issue in shift_rule_issues(shift_rules_of(rules), list(contracts.values()), GRID_MINUTES):
        found.append(f"rules: {issue}")
    return found


def seat_issues(session: Session, site_code: str, seats: int | None, rules: SiteRules) -> list[str]:
    """Seats below the minimum the site needs: its active agents' contracts ask more paid hours
    a week than the seats hold inside the site's hours (every day, all week)."""
    if seats is None:
        return []
    agents = AgentRepository(session).list(site_code)
    needed = sum(agent.contract.weekly_hours_min for agent in agents)
    hours: float = WEEK_HOURS
    if rules.earliest_start_local is not None and rules.latest_end_local is not None:
        hours = 7 * site_hours_minutes(rules.earliest_start_local, rules.latest_end_local) / 60
    if needed > seats * hours + 1e-9:
        return [
            f"seats: {seats} seats hold at most {seats * hours:,.0f} agent-hours a week in the "
            f"site's hours, and the contracts of its {len(agents)} agents need at least "
            f"{needed:,.0f}"
        ]
    return []


def check_seats(session: Session, site_code: str, seats: int | None) -> None:
    """ValidationError naming seats when they can't hold the site's contracts' minimum hours
    (inside the hours of its latest rules version, unless that version sets its own seats)."""
    versions = SiteRulesRepository(session).list(site_code)
    rules = versions[-1].rules if versions else DEFAULT_SITE_RULES
    if rules.seats is not None:
        return  # that version's own seats hold for its weeks, not the site's
    found = seat_issues(session, site_code, seats, rules)
    if found:
        raise ValidationError("; ".join(found))


def shift_rules_of(rules: SiteRules) -> ShiftRules:
    """The start grid and breaks in the optimizer's terms."""
    return ShiftRules(
        start_step_minutes=rules.start_step_minutes,
        breaks=tuple(
            BreakRule(
                kind=b.kind,
                minutes=b.minutes,
                earliest_start_after_shift_start_minutes=b.earliest_start_after_shift_start_minutes,
                latest_start_after_shift_start_minutes=b.latest_start_after_shift_start_minutes,
                min_shift_minutes=b.min_shift_minutes,
                max_shift_minutes=b.max_shift_minutes,
                paid=b.paid,
            )
            for b in rules.breaks
        ),
    )


def fairness_of(rules: SiteRules) -> Fairness:
    """Unpopular shifts and their weight; fields the rules leave None keep the defaults."""
    fairness = Fairness(late_start_from_local=rules.late_start_from_local)
    if rules.weekend_weekdays is not None:
        fairness = replace(fairness, weekend_weekdays=rules.weekend_weekdays)
    if rules.fairness_weight_per_shift is not None:
        fairness = replace(fairness, weight_per_shift=rules.fairness_weight_per_shift)
    return fairness


def objective_of(rules: SiteRules) -> ObjectiveWeights:
    """The objective's weights; fields the rules leave None keep the defaults."""
    weights = ObjectiveWeights(
        under_target_penalty_per_agent_hour=rules.under_target_penalty_per_agent_hour
    )
    if rules.contract_shortfall_penalty_per_hour is not None:
        weights = replace(
            weights, contract_shortfall_penalty_per_hour=rules.contract_shortfall_penalty_per_hour
        )
    if rules.campaign_shortfall_penalty_per_hour is not None:
        weights = replace(
            weights, campaign_shortfall_penalty_per_hour=rules.campaign_shortfall_penalty_per_hour
        )
    return weights


def contract_code(name: str) -> str:
    """A code made of the letters, digits, dots, dashes and underscores of a contract's name."""
    code = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    return code or "contract"


def roster_contract(contract: DomainContract) -> Contract:
    """A stored contract in the optimizer's terms (before any site rule)."""
    latest_end = contract.latest_end_local
    if latest_end >= time(23, 59):
        latest_end = time(0, 0)  # the end of the start day
    return Contract(
        code=contract_code(contract.name),
        weekly_paid_hours_min=contract.weekly_hours_min,
        weekly_paid_hours_max=contract.weekly_hours_max,
        days_per_week_min=contract.days_per_week_min,
        days_per_week_max=contract.days_per_week_max,
        shift_lengths_minutes=tuple(contract.shift_lengths_minutes),
        earliest_start_local=contract.earliest_start_local,
        latest_end_local=latest_end,
        min_rest_hours=contract.min_rest_hours,
        max_consecutive_days=contract.max_consecutive_days,
    )


def narrow_contract(contract: Contract, rules: SiteRules) -> Contract | None:
    """The contract inside the site's rules: only the site's shift lengths, its hours of the day
    inside the site's hours, at least the site's rest, at most its consecutive days, at least
    its run of days off. None when the site's hours and the contract's don't overlap."""
    lengths = contract.shift_lengths_minutes
    if rules.shift_lengths_minutes is not None:
        lengths = tuple(length for length in lengths if length in rules.shift_lengths_minutes)
    earliest, latest_end = contract.earliest_start_local, contract.latest_end_local
    if rules.earliest_start_local is not None and rules.latest_end_local is not None:
        window = _intersection(
            (earliest, latest_end), (rules.earliest_start_local, rules.latest_end_local)
        )
        if window is None:
            return None
        earliest, latest_end = window
    rest = contract.min_rest_hours
    if rules.min_rest_hours is not None:
        rest = max(rest, rules.min_rest_hours)
    run = contract.max_consecutive_days
    if rules.max_consecutive_days is not None:
        run = min(run, rules.max_consecutive_days)
    days_off = max(contract.min_consecutive_days_off, rules.min_consecutive_days_off or 0)
    return replace(
        contract,
        shift_lengths_minutes=lengths,
        earliest_start_local=earliest,
        latest_end_local=latest_end,
        min_rest_hours=rest,
        max_consecutive_days=run,
        min_consecutive_days_off=days_off,
    )


def _intersection(first: tuple[time, time], second: tuple[time, time]) -> tuple[time, time] | None:
    """Two windows of a start day (earliest start, latest end; an end at or before the start is
    on the next day) as one, None when they don't overlap."""

    def span(window: tuple[time, time]) -> tuple[int, int]:
        begin = window[0].hour * 60 + window[0].minute
        return begin, begin + site_hours_minutes(*window)

    (a, b), (c, d) = span(first), span(second)
    begin, end = max(a, c), min(b, d)
    if end <= begin:
        return None
    return _clock(begin), _clock(end % DAY_MINUTES)


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)
