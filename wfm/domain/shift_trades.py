"""Shift offers and trades between agents, and agents' own roster preferences: the values and
records the services pass around (no I/O)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time


class OfferMode(enum.StrEnum):
    ANY = "any"  # given away or swapped, whichever a taker asks
    SWAP_ONLY = "swap_only"
    GIVE_AWAY = "give_away"


class OfferStatus(enum.StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    CANCELLED = "cancelled"


class TradeKind(enum.StrEnum):
    GIVE_AWAY = "give_away"  # the offered shift moves to the taker
    SWAP = "swap"  # and the taker's shift of `taker_shift_date` moves to the offerer


class TradeStatus(enum.StrEnum):
    PENDING_APPROVAL = "pending_approval"
    ACCEPTED = "accepted"  # applied at once (the site needs no approval)
    APPROVED = "approved"  # applied on a planner's approval
    REFUSED = "refused"  # by a planner, with a reason; the roster did not change


@dataclass(frozen=True, slots=True)
class ShiftOffer:
    id: int
    site_code: str
    agent_code: str
    agent_name: str
    shift_date: date
    shift_start_utc: datetime
    shift_end_utc: datetime
    mode: OfferMode
    status: OfferStatus
    created_at_utc: datetime
    closed_at_utc: datetime | None

    def allows(self, kind: TradeKind) -> bool:
        """Whether a taker may ask for this kind of trade."""
        if self.mode is OfferMode.ANY:
            return True
        return (self.mode is OfferMode.SWAP_ONLY) == (kind is TradeKind.SWAP)


@dataclass(frozen=True, slots=True)
class ShiftTrade:
    id: int
    site_code: str
    offer_id: int
    offer_agent_code: str
    offer_shift_date: date
    taker_agent_code: str
    kind: TradeKind
    taker_shift_date: date | None
    status: TradeStatus
    reason: str
    decided_by: str
    decided_at_utc: datetime | None
    schedule_ids: tuple[int, ...]
    changed_agents: tuple[str, ...]
    created_at_utc: datetime


@dataclass(frozen=True, slots=True)
class TradeDecided:
    """What a decided trade changed, for whoever tells the agents (notifications): the trade,
    its status, and the agents whose published shifts changed (none when refused)."""

    trade_id: int
    site_code: str
    status: TradeStatus
    changed_agents: tuple[str, ...]
    schedule_ids: tuple[int, ...]
    reason: str = ""


class PreferenceKind(enum.StrEnum):
    DAY_OFF = "day_off"
    WORK_DAY = "work_day"
    START_BETWEEN = "start_between"
    MAX_EVENINGS = "max_evenings"
    VOLUNTARY_TIME_OFF = "voluntary_time_off"


@dataclass(frozen=True, slots=True)
class AgentPreference:
    """An agent's soft wish for the roster (`scheduling.problem.Preference` in the problem)."""

    kind: PreferenceKind
    weight: float = 1.0
    dates: tuple[date, ...] = ()
    weekdays: tuple[int, ...] = ()
    earliest_start_local: time | None = None
    latest_start_local: time | None = None
    max_evening_shifts: int | None = None
    evening_from_local: time | None = None
    vto_hours_max: float | None = None
