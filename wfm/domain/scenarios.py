"""What-if scenarios: a named set of variants, each a set of changes to a site's base week.

A scenario document (the body of `POST /v1/scenarios`, the file of `wfm scenario run`) is read
and checked here, without a database: `parse_scenario` refuses a malformed document naming
each field (`variants[2].changes.volume_percent`), `code_problems` the changes that name
queues, skills, campaigns or contracts the site does not have. The changes are applied to a
roster problem by `scheduling.scenario`; the comparison of the solved variants with the base
(`ScenarioFigures`, `difference`) is computed here too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from wfm.domain.errors import ValidationError
from wfm.domain.site_rules import RULE_FIELDS, SEATS_MAX, SHRINKAGE_MAX

# limits of a scenario document
MAX_VARIANTS = 10
MAX_NAME_LENGTH = 100
MAX_HEADCOUNT_CHANGES = 20
MAX_AGENTS_PER_CHANGE = 500
MAX_CODES_PER_MAP = 200
PERCENT_MIN = -90.0  # a volume or handle time may fall by at most 90 %
PERCENT_MAX = 300.0  # and rise by at most 300 %
VALUE_PERCENT_MIN = -100.0  # a campaign's value may fall to nothing
VALUE_PERCENT_MAX = 500.0
TIME_LIMIT_MAX_SECONDS = 600.0
DEFAULT_TIME_LIMIT_SECONDS = 20.0
BASE = "base"  # the name of the base week in a comparison


class ScenarioError(ValidationError):
    """A scenario document that can't be used: each problem as (field, why)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        shown = "; ".join(f"{name}: {why}" for name, why in problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__(shown + more)


@dataclass(frozen=True, slots=True)
class QueueChanges:
    """Changes to one queue: its volume and handle time by percent, its targets (fractions)."""

    volume_percent: float | None = None
    aht_percent: float | None = None
    service_level_target: float | None = None
    answer_rate_target: float | None = None  # the least answer rate (the queue's min_answer_rate)


@dataclass(frozen=True, slots=True)
class HeadcountChange:
    """`agents` more (positive) or fewer (negative) agents with the skill (a queue or campaign
    code). Added agents are synthetic and copy `contract` (a contract's name or roster code),
    by default the contract of the first agent, by code, who has the skill; removed ones are
    the agents with the skill last by code."""

    skill: str
    agents: int
    contract: str | None = None


@dataclass(frozen=True, slots=True)
class VariantChanges:
    """One variant's changes. The top-level volume, handle time and targets apply to every
    queue; a queue's own entry in `queues` applies after them (percents multiply, targets
    replace). `unplanned_shrinkage` and `seats` override the site's rules for the variant.
    `rules` is a partial site-rules document (`wfm.domain.site_rules.RULE_FIELDS`: shift
    lengths, start step, the site's hours, breaks, rest, days, fairness, weights, wages): its
    fields replace those of the week's rules for the variant, and the whole is checked as a
    version of the rules would be."""

    volume_percent: float | None = None
    aht_percent: float | None = None
    service_level_target: float | None = None
    answer_rate_target: float | None = None
    queues: Mapping[str, QueueChanges] = field(default_factory=dict)
    headcount: tuple[HeadcountChange, ...] = ()
    campaign_value_percent: Mapping[str, float] = field(default_factory=dict)
    unplanned_shrinkage: float | None = None
    seats: int | None = None
    rules: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    changes: VariantChanges


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named what-if on a site's week (which starts on `week_start`): the base and variants."""

    name: str
    site_code: str
    week_start: date
    variants: tuple[Variant, ...]
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS  # per solve (the base and each variant)


# --- reading a document ------------------------------------------------------------------------

_TOP_FIELDS = {"name", "site", "week_start", "variants", "time_limit_seconds"}
_VARIANT_FIELDS = {"name", "changes"}
_PERCENTS = ("volume_percent", "aht_percent")
_TARGETS = ("service_level_target", "answer_rate_target")
_CHANGE_FIELDS = {
    *_PERCENTS,
    *_TARGETS,
    "queues",
    "headcount",
    "campaigns",
    "unplanned_shrinkage",
    "seats",
    "rules",
}
_HEADCOUNT_FIELDS = {"skill", "agents", "contract"}


class _Found:
    """Problems found so far, as (field, why)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, name: str, why: str) -> None:
        self.items.append((name, why))

    def unknown(self, path: str, doc: Mapping[str, Any], known: Collection[str]) -> None:
        for name in sorted(set(doc) - set(known), key=str):
            self.add(_join(path, str(name)), "unknown field")

    def number(
        self, path: str, value: Any, low: float, high: float, *, low_open: bool = False
    ) -> float | None:
        """The value when it is a number in range (None: absent), else None with a problem."""
        if value is None:
            return None
        if not _is_number(value):
            self.add(path, f"{_show(value)} is not a number")
            return None
        number = float(value)
        if not math.isfinite(number) or number < low or number > high or low_open and number <= low:
            bracket = "(" if low_open else "["
            self.add(path, f"{_show(value)} is out of range {bracket}{low:g}, {high:g}]")
            return None
        return number


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(found: _Found, path: str, value: Any, *, required: bool = True) -> str | None:
    if value is None:
        if required:
            found.add(path, "required")
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_LENGTH:
        found.add(path, f"must be text of 1 to {MAX_NAME_LENGTH} characters")
        return None
    return value.strip()


def parse_scenario(doc: Any) -> Scenario:
    """A scenario from its JSON document; ScenarioError naming every field that is wrong (an
    unknown field, a value of the wrong type or out of range, too many variants)."""
    found = _Found()
    if not isinstance(doc, dict):
        raise ScenarioError([("scenario", "must be a JSON object")])
    found.unknown("", doc, _TOP_FIELDS)
    name = _text(found, "name", doc.get("name"))
    site = _text(found, "site", doc.get("site"))
    week_start = _date(found, "week_start", doc.get("week_start"))
    limit = found.number(
        "time_limit_seconds",
        doc.get("time_limit_seconds"),
        0.0,
        TIME_LIMIT_MAX_SECONDS,
        low_open=True,
    )
    raw_variants = doc.get("variants")
    variants: list[Variant] = []
    if not isinstance(raw_variants, list) or not 1 <= len(raw_variants) <= MAX_VARIANTS:
        found.add("variants", f"must be a list of 1 to {MAX_VARIANTS} variants")
    else:
        for i, raw in enumerate(raw_variants):
            variant = _variant(found, f"variants[{i}]", raw)
            if variant is not None:
                variants.append(variant)
        names = [v.name for v in variants]
        for i, name_i in enumerate(names):
            if name_i == BASE or name_i in names[:i]:
                found.add(f"variants[{i}].name", f"{name_i!r} is taken (base or another variant)")
    if found.items:
        raise ScenarioError(found.items)
    assert name is not None and site is not None and week_start is not None
    return Scenario(
        name=name,
        site_code=site,
        week_start=week_start,
        variants=tuple(variants),
        time_limit_seconds=DEFAULT_TIME_LIMIT_SECONDS if limit is None else limit,
    )


def _date(found: _Found, path: str, value: Any) -> date | None:
    if value is None:
        found.add(path, "required")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        pass
    found.add(path, f"{_show(value)} is not a date (YYYY-MM-DD)")
    return None


def _variant(found: _Found, path: str, raw: Any) -> Variant | None:
    if not isinstance(raw, dict):
        found.add(path, "must be an object with a name and changes")
        return None
    found.unknown(path, raw, _VARIANT_FIELDS)
    name = _text(found, f"{path}.name", raw.get("name"))
    changes_doc = raw.get("changes", {})
    if not isinstance(changes_doc, dict):
        found.add(f"{path}.changes", "must be an object")
        return None
    changes = _changes(found, f"{path}.changes", changes_doc)
    return None if name is None or changes is None else Variant(name, changes)


def _changes(found: _Found, path: str, doc: dict[str, Any]) -> VariantChanges | None:
    before = len(found.items)
    found.unknown(path, doc, _CHANGE_FIELDS)
    top = _queue_changes(found, path, doc)
    queues: dict[str, QueueChanges] = {}
    for code, item in _code_map(found, f"{path}.queues", doc.get("queues")).items():
        where = f"{path}.queues.{code}"
        if not isinstance(item, dict):
            found.add(where, "must be an object")
            continue
        found.unknown(where, item, (*_PERCENTS, *_TARGETS))
        queues[code] = _queue_changes(found, where, item)
    values: dict[str, float] = {}
    for code, item in _code_map(found, f"{path}.campaigns", doc.get("campaigns")).items():
        where = f"{path}.campaigns.{code}"
        if not isinstance(item, dict):
            found.add(where, "must be an object")
            continue
        found.unknown(where, item, ("value_percent",))
        value = found.number(
            f"{where}.value_percent",
            item.get("value_percent"),
            VALUE_PERCENT_MIN,
            VALUE_PERCENT_MAX,
        )
        if value is not None:
            values[code] = value
    headcount = _headcount(found, f"{path}.headcount", doc.get("headcount"))
    shrinkage = found.number(
        f"{path}.unplanned_shrinkage", doc.get("unplanned_shrinkage"), 0.0, SHRINKAGE_MAX
    )
    seats = doc.get("seats")
    if seats is not None and not (_is_int(seats) and 1 <= seats <= SEATS_MAX):
        found.add(f"{path}.seats", f"{_show(seats)} is not a whole number in [1, {SEATS_MAX}]")
    rules = doc.get("rules") or {}
    if not isinstance(rules, dict):
        found.add(f"{path}.rules", "must be an object of site-rule fields")
    else:
        found.unknown(f"{path}.rules", rules, RULE_FIELDS)
        for name in ("seats", "unplanned_shrinkage"):  # one place for each, not two
            if doc.get(name) is not None and rules.get(name) is not None:
                found.add(
                    f"{path}.rules.{name}",
                    f"set twice: give {name} either in changes or in changes.rules",
                )
    if len(found.items) > before:
        return None
    return VariantChanges(
        volume_percent=top.volume_percent,
        aht_percent=top.aht_percent,
        service_level_target=top.service_level_target,
        answer_rate_target=top.answer_rate_target,
        queues=queues,
        headcount=headcount,
        campaign_value_percent=values,
        unplanned_shrinkage=shrinkage,
        seats=seats,
        rules=dict(rules),
    )


def _queue_changes(found: _Found, path: str, doc: Mapping[str, Any]) -> QueueChanges:
    percents = [
        found.number(f"{path}.{name}", doc.get(name), PERCENT_MIN, PERCENT_MAX)
        for name in _PERCENTS
    ]
    targets = [
        found.number(f"{path}.{name}", doc.get(name), 0.0, 1.0, low_open=True) for name in _TARGETS
    ]
    return QueueChanges(*percents, *targets)


def _code_map(found: _Found, path: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_CODES_PER_MAP:
        found.add(path, f"must be an object keyed by code (at most {MAX_CODES_PER_MAP})")
        return {}
    return value


def _headcount(found: _Found, path: str, value: Any) -> tuple[HeadcountChange, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_HEADCOUNT_CHANGES:
        found.add(path, f"must be a list of at most {MAX_HEADCOUNT_CHANGES} changes")
        return ()
    out = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(item, dict):
            found.add(where, "must be an object with a skill and agents")
            continue
        found.unknown(where, item, _HEADCOUNT_FIELDS)
        skill = _text(found, f"{where}.skill", item.get("skill"))
        agents: Any = item.get("agents")
        if not (_is_int(agents) and agents != 0 and abs(agents) <= MAX_AGENTS_PER_CHANGE):
            found.add(
                f"{where}.agents",
                f"{_show(agents)} is not a whole number in [-{MAX_AGENTS_PER_CHANGE}, "
                f"{MAX_AGENTS_PER_CHANGE}] other than 0",
            )
            continue
        contract = _text(found, f"{where}.contract", item.get("contract"), required=False)
        if skill is not None:
            out.append(HeadcountChange(skill=skill, agents=agents, contract=contract))
    return tuple(out)


# --- the site's codes --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SiteCodes:
    """What a scenario's changes may name: the site's queues, campaigns and its agents'
    contracts (names and roster codes), and how many agents have each skill."""

    queues: frozenset[str]
    campaigns: frozenset[str]
    contracts: frozenset[str]
    agents_by_skill: Mapping[str, int] = field(default_factory=dict)


def code_problems(scenario: Scenario, site: SiteCodes) -> list[tuple[str, str]]:
    """Each change that names a queue, campaign, skill or contract the site does not have, and
    each removal of more agents than have the skill, as (field, why)."""
    found = _Found()
    for i, variant in enumerate(scenario.variants):
        path = f"variants[{i}].changes"
        changes = variant.changes
        for code in changes.queues:
            if code not in site.queues:
                found.add(f"{path}.queues.{code}", _unknown("queue", code, site.queues))
        for code in changes.campaign_value_percent:
            if code not in site.campaigns:
                found.add(f"{path}.campaigns.{code}", _unknown("campaign", code, site.campaigns))
        removed: dict[str, int] = {}
        for j, change in enumerate(changes.headcount):
            where = f"{path}.headcount[{j}]"
            skills = site.queues | site.campaigns
            if change.skill not in skills:
                found.add(f"{where}.skill", _unknown("queue or campaign", change.skill, skills))
                continue
            if change.contract is not None and change.contract not in site.contracts:
                found.add(
                    f"{where}.contract", f"no agent of the site has contract {change.contract!r}"
                )
            if change.agents < 0:
                removed[change.skill] = removed.get(change.skill, 0) - change.agents
                having = site.agents_by_skill.get(change.skill, 0)
                if removed[change.skill] > having:
                    found.add(
                        f"{where}.agents",
                        f"removes {removed[change.skill]} agents with skill {change.skill!r}; "
                        f"the site has {having}",
                    )
    return found.items


def _unknown(kind: str, code: str, known: Collection[str]) -> str:
    listed = ", ".join(sorted(known)[:20]) or "none"
    return f"the site has no {kind} {code!r} (it has: {listed})"


def validate_scenario(doc: Any, site_codes: Callable[[str], SiteCodes]) -> Scenario:
    """`parse_scenario`, then `code_problems` against what `site_codes(site_code)` returns
    (a `SiteCodes`); ScenarioError naming every field that is wrong."""
    scenario = parse_scenario(doc)
    problems = code_problems(scenario, site_codes(scenario.site_code))
    if problems:
        raise ScenarioError(problems)
    return scenario


# --- documents and figures ---------------------------------------------------------------------


def scenario_to_document(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the JSON document `parse_scenario` reads (absent changes left out)."""
    return {
        "name": scenario.name,
        "site": scenario.site_code,
        "week_start": scenario.week_start.isoformat(),
        "time_limit_seconds": scenario.time_limit_seconds,
        "variants": [
            {"name": v.name, "changes": changes_to_document(v.changes)} for v in scenario.variants
        ],
    }


def changes_to_document(changes: VariantChanges) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for name in (*_PERCENTS, *_TARGETS, "unplanned_shrinkage", "seats"):
        if getattr(changes, name) is not None:
            doc[name] = getattr(changes, name)
    if changes.queues:
        doc["queues"] = {
            code: {f.name: getattr(q, f.name) for f in fields(q) if getattr(q, f.name) is not None}
            for code, q in changes.queues.items()
        }
    if changes.headcount:
        doc["headcount"] = [
            {"skill": h.skill, "agents": h.agents}
            | ({} if h.contract is None else {"contract": h.contract})
            for h in changes.headcount
        ]
    if changes.campaign_value_percent:
        doc["campaigns"] = {
            code: {"value_percent": value} for code, value in changes.campaign_value_percent.items()
        }
    if changes.rules:
        doc["rules"] = dict(changes.rules)
    return doc


@dataclass(frozen=True, slots=True)
class ScenarioFigures:
    """One solved week (the base or a variant) as the comparison shows it. Rates are fractions
    over every queue (answered / offered; service level weighted by contacts); money is in the
    site's currency; labour figures are None where the site's rules set no wages."""

    contacts: float
    answered_contacts: float
    answer_rate: float | None
    service_level: float | None
    outbound_value: float  # sales: the value of the outbound selling hours
    paid_hours: float
    hours_short: float  # agent-hours under the queues' requirements
    agents: int  # agents rostered (with at least one shift)
    labour_cost: float | None = None
    cost_per_answered_contact: float | None = None
    sales_per_paid_hour: float | None = None


FIGURE_NAMES = tuple(f.name for f in fields(ScenarioFigures))


def difference(variant: ScenarioFigures, base: ScenarioFigures) -> dict[str, float | None]:
    """Each figure of the variant less the base's (None where either is None)."""
    out: dict[str, float | None] = {}
    for name in FIGURE_NAMES:
        mine, theirs = getattr(variant, name), getattr(base, name)
        out[name] = None if mine is None or theirs is None else mine - theirs
    return out
