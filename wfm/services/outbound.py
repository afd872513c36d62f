"""Outbound data: the dialer outcome import (all or nothing, idempotent by attempt id) and the
lead lists, callbacks and campaign targets a planner keeps.

An import is refused, naming each bad row and field, when an attempt names an unknown agent,
campaign or segment, lies outside the plausible window around now (the interval history's
window: `HistoryWindow`, settings WFM_HISTORY_MAX_PAST_DAYS / WFM_HISTORY_MAX_FUTURE_DAYS), or
repeats an attempt id (within the file or already stored at the campaign's site) with other
content; the same id with the same content is left as it is and counted unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from wfm.adapters.acd_files import MAX_REPORTED_ERRORS, RowError
from wfm.adapters.dialer_files import ParsedAttempts
from wfm.db.repositories import (
    CallbackRepository,
    CampaignRepository,
    DialerAttemptRepository,
    LeadListRepository,
)
from wfm.db.repositories.dialer_attempts import (
    VALUE_FIELDS,
    AttemptColumns,
    AttemptReferences,
    CampaignProgress,
)
from wfm.domain import Campaign
from wfm.domain.dialer import AttemptResult, Callback, CallbackStatus, LeadList
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.services.history_import import HistoryWindow, ImportRejected

# the import's field of each stored value (VALUE_FIELDS order)
_FIELD_OF = dict(
    zip(
        VALUE_FIELDS,
        (
            "attempted_at",
            "agent",
            "campaign",
            "segment",
            "lead_id",
            "result",
            "revenue",
            "talk_seconds",
            "wrap_seconds",
        ),
        strict=True,
    )
)


@dataclass(frozen=True, slots=True)
class AttemptImportSummary:
    rows: int
    imported: int  # attempts stored (0 for a dry run)
    unchanged: int  # attempts already stored with the same content (or repeated in the file)
    dry_run: bool
    campaigns: tuple[str, ...]
    first_attempt_utc: datetime | None
    last_attempt_utc: datetime | None


def import_attempts(
    session: Session,
    parsed: ParsedAttempts,
    *,
    dry_run: bool = False,
    window: HistoryWindow | None = None,
    now_utc: datetime | None = None,
) -> AttemptImportSummary:
    """Store the parsed attempts in the caller's transaction, or raise ImportRejected naming
    every bad row and field (then nothing is stored)."""
    repository = DialerAttemptRepository(session)
    refs = repository.references()
    errors = list(parsed.errors)  # the values' problems, then the references' and the window's
    unlisted = parsed.error_count - len(parsed.errors)
    columns = _resolved(parsed, refs, errors)
    errors += _outside_window(parsed, window or HistoryWindow(), now_utc or datetime.now(UTC))
    keep = _first_of_each_id(parsed, columns, refs, errors) if parsed.ok else []
    if errors:
        _reject(errors, parsed.rows, unlisted)
    kept = _subset(columns, keep)
    store = repository.store(kept, dry_run=dry_run)
    if store.differing:
        names = _names(refs)
        for stored in store.differing:
            position = keep[stored.position]
            here = _values(columns, position)
            field, before, now = _first_difference(stored.values, here, names)
            errors.append(
                RowError(
                    parsed.row_numbers[position],
                    f"attempt_id {parsed.attempt_ids[position]!r} was imported before with "
                    f"{field} {before}, here {now}: an attempt cannot change",
                    field,
                    now,
                )
            )
        _reject(errors, parsed.rows)
    times = parsed.attempted_at_utc
    return AttemptImportSummary(
        rows=parsed.rows,
        imported=0 if dry_run else store.inserted,
        unchanged=store.unchanged + len(parsed.attempt_ids) - len(keep),
        dry_run=dry_run,
        campaigns=tuple(sorted(set(parsed.campaigns))),
        first_attempt_utc=min(times) if times else None,
        last_attempt_utc=max(times) if times else None,
    )


def _reject(errors: list[RowError], rows: int, unlisted: int = 0) -> None:
    errors.sort(key=lambda e: e.row)
    raise ImportRejected(tuple(errors[:MAX_REPORTED_ERRORS]), len(errors) + unlisted, rows)


def _resolved(
    parsed: ParsedAttempts, refs: AttemptReferences, errors: list[RowError]
) -> AttemptColumns:
    """The parsed columns with database ids; a RowError per unknown code."""

    def ids(codes: Sequence[str], known: Mapping[str, Any], field: str, what: str) -> list[Any]:
        found = [known.get(code) for code in codes]
        if None in found:
            errors.extend(
                RowError(row, f"{field}: no {what} {code!r}", field, code)
                for row, code, value in zip(parsed.row_numbers, codes, found, strict=True)
                if value is None and code is not None  # (None: a value refused already)
            )
        return found

    campaigns = ids(parsed.campaigns, refs.campaigns, "campaign", "campaign")
    return AttemptColumns(
        site_ids=[c[1] if c else 0 for c in campaigns],
        attempt_ids=parsed.attempt_ids,
        attempted_at_utc=parsed.attempted_at_utc,
        agent_ids=ids(parsed.agents, refs.agents, "agent", "agent"),
        campaign_ids=[c[0] if c else 0 for c in campaigns],
        segment_ids=ids(parsed.segments, refs.segments, "segment", "segment"),
        lead_ids=parsed.lead_ids,
        results=parsed.results,
        revenues=parsed.revenues,
        talk_seconds=parsed.talk_seconds,
        wrap_seconds=parsed.wrap_seconds,
    )


def _outside_window(
    parsed: ParsedAttempts, window: HistoryWindow, now_utc: datetime
) -> list[RowError]:
    earliest, latest = window.bounds(now_utc)
    times = [t for t in parsed.attempted_at_utc if t is not None]
    if not times or (earliest <= min(times) and max(times) <= latest):
        return []
    errors = []
    for row, moment in zip(parsed.row_numbers, parsed.attempted_at_utc, strict=True):
        if moment is None:
            continue
        if moment < earliest:
            why = f"more than {window.max_past_days} days before now (WFM_HISTORY_MAX_PAST_DAYS)"
        elif moment > latest:
            why = f"more than {window.max_future_days} days after now (WFM_HISTORY_MAX_FUTURE_DAYS)"
        else:
            continue
        errors.append(
            RowError(
                row,
                f"attempted_at {moment:%Y-%m-%d %H:%M} UTC lies {why}",
                "attempted_at",
                moment.isoformat(),
            )
        )
    return errors


def _values(columns: AttemptColumns, i: int) -> tuple[Any, ...]:
    """Attempt i's values in VALUE_FIELDS order."""
    return (
        columns.attempted_at_utc[i],
        columns.agent_ids[i],
        columns.campaign_ids[i],
        columns.segment_ids[i],
        columns.lead_ids[i],
        columns.results[i],
        columns.revenues[i],
        columns.talk_seconds[i],
        columns.wrap_seconds[i],
    )


def _first_of_each_id(
    parsed: ParsedAttempts,
    columns: AttemptColumns,
    refs: AttemptReferences,
    errors: list[RowError],
) -> list[int]:
    """The positions to store: the first of each (site, attempt id); a later row repeating it
    with the same content is dropped, with other content is a RowError."""
    n = len(columns.attempt_ids)
    if len(set(columns.attempt_ids)) == n:  # (ids unique at all: unique per site too)
        return list(range(n))
    keys = list(zip(columns.site_ids, columns.attempt_ids, strict=True))
    first: dict[tuple[int, str], int] = {}
    keep: list[int] = []
    names = _names(refs)
    for i, key in enumerate(keys):
        j = first.setdefault(key, i)
        if j == i:
            keep.append(i)
            continue
        before, here = _values(columns, j), _values(columns, i)
        if before != here:
            field, was, now = _first_difference(before, here, names)
            errors.append(
                RowError(
                    parsed.row_numbers[i],
                    f"attempt_id {key[1]!r} repeats row {parsed.row_numbers[j]} with {field} "
                    f"{was} there, {now} here",
                    field,
                    now,
                )
            )
    return keep


def _names(refs: AttemptReferences) -> dict[str, dict[Any, str]]:
    return {
        "agent": {i: c for c, i in refs.agents.items()},
        "campaign": {i: c for c, (i, _s) in refs.campaigns.items()},
        "segment": {i: c for c, i in refs.segments.items()},
    }


def _first_difference(
    before: tuple[Any, ...], here: tuple[Any, ...], names: dict[str, dict[Any, str]]
) -> tuple[str, str, str]:
    """The import field of the first value that differs, and both values as shown."""
    for name, a, b in zip(VALUE_FIELDS, before, here, strict=True):
        if a != b:
            field = _FIELD_OF[name]

            def shown(value: Any, field: str = field) -> str:
                if isinstance(value, datetime):
                    return value.astimezone(UTC).isoformat()
                return repr(names.get(field, {}).get(value, value))

            return field, shown(a), shown(b)
    return "attempt_id", "?", "?"


def _subset(columns: AttemptColumns, keep: list[int]) -> AttemptColumns:
    if len(keep) == len(columns.site_ids):
        return columns
    return AttemptColumns(
        *([values[i] for i in keep] for values in _as_lists(columns)),
    )


def _as_lists(columns: AttemptColumns) -> tuple[Sequence[Any], ...]:
    return (
        columns.site_ids,
        columns.attempt_ids,
        columns.attempted_at_utc,
        columns.agent_ids,
        columns.campaign_ids,
        columns.segment_ids,
        columns.lead_ids,
        columns.results,
        columns.revenues,
        columns.talk_seconds,
        columns.wrap_seconds,
    )


# --- lead lists, callbacks, targets ---------------------------------------------------------


def create_lead_list(session: Session, lead_list: LeadList, now_utc: datetime) -> LeadList:
    _check_lead_list(lead_list.size_leads, lead_list.do_not_call_leads)
    return LeadListRepository(session).add(lead_list, now_utc)


def update_lead_list(
    session: Session,
    campaign_code: str,
    code: str,
    fields: Mapping[str, Any],
    now_utc: datetime,
) -> LeadList:
    current = LeadListRepository(session).get(campaign_code, code)
    _check_lead_list(
        fields.get("size_leads", current.size_leads),
        fields.get("do_not_call_leads", current.do_not_call_leads),
    )
    return LeadListRepository(session).update(campaign_code, code, fields, now_utc)


def _check_lead_list(size_leads: int, do_not_call_leads: int) -> None:
    if do_not_call_leads > size_leads:
        raise ValidationError(
            f"do_not_call_leads ({do_not_call_leads}) exceeds the list's size_leads ({size_leads})"
        )


def create_callback(
    session: Session,
    *,
    campaign_code: str,
    due_at_utc: datetime,
    segment_code: str | None = None,
    lead_id: str | None = None,
    attempt_id: str | None = None,
    now_utc: datetime,
) -> Callback:
    """A new open callback; from an attempt (by the dialer's id, at the campaign's site) whose
    result is callback_requested, its segment and lead unless given."""
    CampaignRepository(session).get(campaign_code)
    if attempt_id is not None:
        attempt = DialerAttemptRepository(session).get(campaign_code, attempt_id)
        if attempt is None:
            raise NotFoundError(f"no dialer attempt {attempt_id!r} at the campaign's site")
        if attempt.result != AttemptResult.CALLBACK_REQUESTED:
            raise ValidationError(
                f"attempt {attempt_id!r} ended in {attempt.result}, not callback_requested"
            )
        segment_code = segment_code or attempt.segment_code
        lead_id = lead_id or attempt.lead_id
    callback = Callback(
        campaign_code=campaign_code,
        due_at_utc=due_at_utc,
        segment_code=segment_code,
        lead_id=lead_id,
        status=CallbackStatus.OPEN,
        attempt_id=attempt_id,
    )
    return CallbackRepository(session).add(callback, now_utc)


@dataclass(frozen=True, slots=True)
class CampaignTargets:
    """A campaign's targets and deadline, with what its imported attempts add up to."""

    campaign: Campaign
    progress: CampaignProgress
    lead_lists: int
    leads: int
    open_callbacks: int


def campaign_targets(session: Session, campaign_code: str) -> CampaignTargets:
    campaign = CampaignRepository(session).get(campaign_code)
    lists = LeadListRepository(session).list(campaign_code=campaign_code)
    open_callbacks = CallbackRepository(session).list(
        campaign_code=campaign_code, status=CallbackStatus.OPEN
    )
    return CampaignTargets(
        campaign=campaign,
        progress=DialerAttemptRepository(session).progress(campaign_code),
        lead_lists=len(lists),
        leads=sum(item.size_leads for item in lists),
        open_callbacks=len(open_callbacks),
    )
