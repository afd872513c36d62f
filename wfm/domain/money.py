"""Money as the product states it: the currency a site's figures are in, and how an amount reads.

Sites have no currency setting yet: every figure in money (values per answered contact, per
selling hour, penalties) is in the one currency `DEFAULT_CURRENCY`, which the services pass on
explicitly so that a site setting can replace it in one place.
"""

from __future__ import annotations

import math

DEFAULT_CURRENCY = "CNY"

# Symbols of the currencies a centre is likely to use; any other code is written out ("CHF 12").
CURRENCY_SYMBOLS: dict[str, str] = {
    "CNY": "¥",
    "JPY": "¥",
    "EUR": "€",
    "GBP": "£",
    "USD": "$",
    "INR": "₹",
    "KRW": "₩",
}

MINUS = "\u2212"  # the typographic minus sign, as in "−¥380"


def money_text(amount: float, currency: str = DEFAULT_CURRENCY, *, signed: bool = True) -> str:
    """`amount` rounded to whole units with its currency: "+¥380", "−¥380" ("¥380" unsigned);
    a currency without a symbol reads "+CHF 380". Zero is "¥0" either way."""
    if not math.isfinite(amount):
        raise ValueError(f"amount must be finite, got {amount!r}")
    whole = round(amount)
    symbol = CURRENCY_SYMBOLS.get(currency)
    body = f"{symbol}{abs(whole):,}" if symbol is not None else f"{currency} {abs(whole):,}"
    if not signed or whole == 0:
        return body
    return ("+" if whole > 0 else MINUS) + body


def points_text(points: float, what: str) -> str:
    """A change in percentage points to one decimal: "+1.2 pts answer rate", "−0.4 pts service
    level" ("±0.0 pts ..." when it rounds to nothing)."""
    if not math.isfinite(points):
        raise ValueError(f"points must be finite, got {points!r}")
    tenths = round(points * 10)
    if tenths == 0:
        return f"±0.0 pts {what}"
    sign = "+" if tenths > 0 else MINUS
    return f"{sign}{abs(tenths) / 10:.1f} pts {what}"
