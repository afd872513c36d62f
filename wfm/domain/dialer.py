"""The outbound side's own records: lead lists, callbacks and dialer attempts (pure types).

A lead list is the customers of one ARPU segment that a campaign may call, with its calling
hours and recontact rules; a callback is a promised call with a due instant (must-do work with
a deadline); a dialer attempt is one call the dialer placed and how it ended. Attempts come in
through the dialer outcome import (`wfm.adapters.dialer_files`, `wfm.services.outbound`), one
row per attempt with the fields of `ATTEMPT_FIELDS`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from wfm.domain.types import CallingWindow


class AttemptResult(enum.StrEnum):
    """How a dialer attempt ended."""

    NO_ANSWER = "no_answer"
    BUSY = "busy"
    CONTACT = "contact"  # reached the customer, no sale and no refusal recorded
    REFUSAL = "refusal"
    SALE = "sale"
    CALLBACK_REQUESTED = "callback_requested"


ATTEMPT_RESULTS: tuple[str, ...] = tuple(r.value for r in AttemptResult)
# the results that reached the customer (a contact in the contact-rate sense)
CONTACT_RESULTS: frozenset[str] = frozenset(
    {
        AttemptResult.CONTACT,
        AttemptResult.REFUSAL,
        AttemptResult.SALE,
        AttemptResult.CALLBACK_REQUESTED,
    }
)

# The import format: CSV columns and JSON fields have these names. Optional: lead_id, revenue.
ATTEMPT_FIELDS: dict[str, str] = {
    "attempt_id": "the dialer's id of the attempt, unique per site (re-imports are idempotent)",
    "attempted_at": "when the call was placed: ISO 8601 with an offset (Z or +01:00)",
    "agent": "code of the agent who took the call",
    "campaign": "code of the campaign it was made for",
    "segment": "code of the customer's segment",
    "lead_id": "the lead called (optional)",
    "result": "one of " + ", ".join(ATTEMPT_RESULTS),
    "revenue": "revenue (or margin) of a sale, >= 0; empty for other results",
    "talk_seconds": "talk time, seconds, >= 0",
    "wrap_seconds": "after-call work, seconds, >= 0",
}
REQUIRED_ATTEMPT_FIELDS: tuple[str, ...] = tuple(
    name for name in ATTEMPT_FIELDS if name not in ("lead_id", "revenue")
)
MAX_ID_LENGTH = 128


@dataclass(frozen=True, slots=True)
class DialerAttempt:
    """One dialer attempt as stored (codes instead of database ids)."""

    attempt_id: str
    attempted_at_utc: datetime
    agent_code: str
    campaign_code: str
    segment_code: str
    lead_id: str | None
    result: AttemptResult
    revenue: float | None
    talk_seconds: float
    wrap_seconds: float


class CallbackStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class LeadList:
    """The leads of one segment that a campaign may call, with its recontact rules."""

    campaign_code: str
    segment_code: str
    code: str
    size_leads: int
    calling_windows: tuple[CallingWindow, ...] = ()  # local hours; empty: the campaign's
    max_attempts_per_lead: int = 3
    cool_off_minutes: int = 240
    do_not_call_leads: int = 0
    created_at_utc: datetime | None = None
    updated_at_utc: datetime | None = None


@dataclass(frozen=True, slots=True)
class Callback:
    """A call promised to a customer by a due instant."""

    campaign_code: str
    due_at_utc: datetime
    id: int | None = None
    segment_code: str | None = None
    lead_id: str | None = None
    status: CallbackStatus = CallbackStatus.OPEN
    attempt_id: str | None = None  # the attempt (result callback_requested) it came from
    created_at_utc: datetime | None = None
    updated_at_utc: datetime | None = None
