"""Values made ready for JSON: what job results, stored summaries and CLI reports hold."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any


def json_safe(value: Any) -> Any:
    """`value` with mappings keyed by strings, tuples as lists, dates as ISO text, non-finite
    floats as None and anything else unknown as its text."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str | int | bool) or value is None:
        return value
    return str(value)
