"""The money side of the sell/serve recommendation: what an hour of selling is worth, what room a
campaign has, and the trade a move makes, stated in both currencies (points of answer rate and
service level; expected sales and the value of the service in money).

`SellingValue` is the one input for "what this agent selling this campaign in this interval is
expected to earn": today the service fills it from the campaign's typed value per productive
hour (source "typed"); learned values per agent, campaign and interval fill the same type
(source "estimated"). `CampaignRoom` holds what limits a release or a pull: the calling window
open now, the hours left under the weekly cap, how much of the lead list is left and the callback
minutes that must be worked in the horizon; each defaults to "no limit".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from wfm.domain.money import DEFAULT_CURRENCY, money_text, points_text

SOURCE_TYPED = "typed"  # the campaign's value per productive hour as entered, by local hour
SOURCE_ESTIMATED = "estimated"  # learned from dialer outcomes
SELLING_VALUE_SOURCES = (SOURCE_TYPED, SOURCE_ESTIMATED)


@dataclass(frozen=True, slots=True)
class SellingValue:
    """Expected sales of one scheduled hour of selling `campaign_code` in the interval starting
    `interval_start_utc`: `value_per_productive_hour` x `productive_share` (the share of a
    scheduled hour spent selling, the campaign's efficiency). `agent_code` None: the value of
    any agent selling the campaign; else this agent's, which takes precedence. A campaign without
    a value in an interval earns nothing in it."""

    campaign_code: str
    interval_start_utc: datetime
    value_per_productive_hour: float
    productive_share: float = 1.0
    agent_code: str | None = None
    source: str = SOURCE_TYPED

    def __post_init__(self) -> None:
        if not (
            math.isfinite(self.value_per_productive_hour) and self.value_per_productive_hour >= 0
        ):
            raise ValueError(
                f"campaign {self.campaign_code!r}: value_per_productive_hour must be finite "
                f"and >= 0, got {self.value_per_productive_hour!r}"
            )
        if not 0 < self.productive_share <= 1:
            raise ValueError(
                f"campaign {self.campaign_code!r}: productive_share must be in (0, 1], got "
                f"{self.productive_share!r}"
            )
        if self.source not in SELLING_VALUE_SOURCES:
            raise ValueError(f"source must be one of {SELLING_VALUE_SOURCES}, got {self.source!r}")
        if self.interval_start_utc.tzinfo is None:
            raise ValueError("interval_start_utc must be timezone-aware")

    @property
    def value_per_hour(self) -> float:
        """Expected sales per scheduled hour."""
        return self.value_per_productive_hour * self.productive_share


@dataclass(frozen=True, slots=True)
class CampaignRoom:
    """What a campaign can take now. Each limit defaults to none.

    - `calling_until_utc`: the end of the calling window open now (None: not calling now, so
      nobody is released to it);
    - `hours_left_this_week`: the weekly maximum minus the selling hours of the week already
      sold and still planned (None: no cap); a release never takes more;
    - `list_remaining_fraction`: the share of the lead list still to call (1: no limit); at 0
      the list is exhausted: nobody is released to it, and its sellers give up nothing when
      pulled;
    - `callback_minutes_due`: callback minutes that must be worked in the horizon (deadlines):
      a pull never leaves the campaign fewer selling minutes in the horizon than these.
    """

    campaign_code: str
    calling_until_utc: datetime | None = None
    hours_left_this_week: float | None = None
    list_remaining_fraction: float = 1.0
    callback_minutes_due: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.list_remaining_fraction <= 1:
            raise ValueError(
                f"campaign {self.campaign_code!r}: list_remaining_fraction must be in [0, 1], "
                f"got {self.list_remaining_fraction!r}"
            )
        if not (math.isfinite(self.callback_minutes_due) and self.callback_minutes_due >= 0):
            raise ValueError(
                f"campaign {self.campaign_code!r}: callback_minutes_due must be >= 0, got "
                f"{self.callback_minutes_due!r}"
            )
        if self.hours_left_this_week is not None and math.isnan(self.hours_left_this_week):
            raise ValueError(f"campaign {self.campaign_code!r}: hours_left_this_week is NaN")

    @property
    def exhausted(self) -> bool:
        return self.list_remaining_fraction <= 0


@dataclass(frozen=True, slots=True)
class ValueSource:
    """Where a campaign's value of a selling hour comes from, for the people reading the trade:
    `source` "estimated" (learned from the site's dialer attempts), "typed" (the value entered,
    with `reason` why the data could not carry it) or "partly estimated", and the attempts
    the estimate rests on."""

    campaign_code: str
    source: str
    reason: str
    attempts: int = 0

    @property
    def text(self) -> str:
        """ "estimated from 1,234 attempts in the 28 days before", "typed: no attempts ..."."""
        if self.source == SOURCE_ESTIMATED:
            return f"estimated {self.reason}"
        return f"{self.source}: {self.reason}"


@dataclass(frozen=True, slots=True)
class FloorEconomics:
    """The money the recommendation weighs: the roster's under-target penalty per agent-hour
    (the same definition as the roster optimizer's, `docs/roster-problem.md`), the selling
    values over the horizon, each campaign's room, and the currency of all of them."""

    under_target_penalty_per_agent_hour: float
    selling: tuple[SellingValue, ...] = ()
    campaigns: tuple[CampaignRoom, ...] = ()
    currency: str = DEFAULT_CURRENCY
    value_sources: tuple[ValueSource, ...] = ()  # per campaign, for display
    _values: dict[tuple[str | None, str, datetime], float] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _rooms: dict[str, CampaignRoom] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        penalty = self.under_target_penalty_per_agent_hour
        if not (math.isfinite(penalty) and penalty >= 0):
            raise ValueError(f"under_target_penalty_per_agent_hour must be >= 0, got {penalty!r}")
        for v in self.selling:
            self._values[(v.agent_code, v.campaign_code, v.interval_start_utc)] = v.value_per_hour
        for room in self.campaigns:
            if room.campaign_code in self._rooms:
                raise ValueError(f"campaign {room.campaign_code!r} has two rooms")
            self._rooms[room.campaign_code] = room

    def value_per_hour(self, agent_code: str, campaign_code: str, start_utc: datetime) -> float:
        """Expected sales per scheduled hour of `agent_code` selling `campaign_code` in the
        interval starting `start_utc`: the agent's own value, else the campaign's, else 0; 0
        as well when the campaign's list is exhausted."""
        room = self._rooms.get(campaign_code)
        if room is not None and room.exhausted:
            return 0.0
        own = self._values.get((agent_code, campaign_code, start_utc))
        if own is not None:
            return own
        return self._values.get((None, campaign_code, start_utc), 0.0)

    def room(self, campaign_code: str) -> CampaignRoom:
        """The campaign's room; a campaign without one is not calling now."""
        return self._rooms.get(campaign_code, CampaignRoom(campaign_code))


@dataclass(frozen=True, slots=True)
class Trade:
    """What a move (or a whole recommendation) trades: points of answer rate and service level
    over the horizon (contact-weighted, from the queue model), the value of the service in money
    (answered contacts x value per answered contact, plus the under-target penalty avoided) and
    the expected sales (+ gained, - given up), in `currency`."""

    answer_rate_points: float
    service_level_points: float
    value_of_service: float
    expected_sales_value: float
    currency: str = DEFAULT_CURRENCY

    @property
    def net_value(self) -> float:
        return self.value_of_service + self.expected_sales_value

    @property
    def text(self) -> str:
        """The trade in both currencies: "+1.2 pts answer rate, +3.4 pts service level, −¥380
        expected sales"."""
        return ", ".join(
            (
                points_text(self.answer_rate_points, "answer rate"),
                points_text(self.service_level_points, "service level"),
                f"{money_text(self.expected_sales_value, self.currency)} expected sales",
            )
        )

    @classmethod
    def nothing(cls, currency: str = DEFAULT_CURRENCY) -> Trade:
        return cls(0.0, 0.0, 0.0, 0.0, currency)
