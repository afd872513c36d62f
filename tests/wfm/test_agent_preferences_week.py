"""An agent's stored preferences as a week's roster problem sees them, and which trades an offer
allows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from wfm.domain.shift_trades import (
    AgentPreference,
    OfferMode,
    OfferStatus,
    PreferenceKind,
    ShiftOffer,
    TradeKind,
)
from wfm.services.scheduling import week_preferences

WEEK = {date(2026, 11, 9) + timedelta(days=d) for d in range(7)}


def test_dates_outside_the_week_are_left_out_and_never_widen_to_every_day() -> None:
    inside, outside = date(2026, 11, 10), date(2026, 12, 1)
    wishes = [
        AgentPreference(PreferenceKind.DAY_OFF, 3.0, dates=(inside, outside)),
        AgentPreference(PreferenceKind.DAY_OFF, dates=(outside,)),  # no day of the week left
        AgentPreference(PreferenceKind.WORK_DAY, dates=(outside,), weekdays=(2,)),
        AgentPreference(PreferenceKind.START_BETWEEN, earliest_start_local=time(9)),
    ]
    found = week_preferences(wishes, WEEK)
    assert [(p.kind, p.dates, p.weekdays, p.weight) for p in found] == [
        ("day_off", (inside,), (), 3.0),
        ("work_day", (), (2,), 1.0),
        ("start_between", (), (), 1.0),
    ]
    assert found[2].earliest_start_local == time(9) and found[2].latest_start_local is None


@pytest.mark.parametrize(
    ("mode", "give_away", "swap"),
    [
        (OfferMode.ANY, True, True),
        (OfferMode.SWAP_ONLY, False, True),
        (OfferMode.GIVE_AWAY, True, False),
    ],
)
def test_an_offer_allows_the_trades_of_its_mode(
    mode: OfferMode, give_away: bool, swap: bool
) -> None:
    now = datetime(2026, 11, 8, tzinfo=UTC)
    offer = ShiftOffer(
        1, "S", "A", "Agent A", date(2026, 11, 10), now, now, mode, OfferStatus.OPEN, now, None
    )
    assert offer.allows(TradeKind.GIVE_AWAY) is give_away
    assert offer.allows(TradeKind.SWAP) is swap
