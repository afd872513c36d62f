"""What the repositories' updates share: set a row's columns from the fields a caller changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def apply_fields(row: Any, fields: Mapping[str, Any]) -> None:
    """Set each named column of `row` to its value (the caller has validated the names)."""
    for name, value in fields.items():
        setattr(row, name, value)
