"""Dialer attempts as columns: what the outbound estimates read.

An `AttemptTable` holds one position per attempt: the site-local hour of week (0 = Monday
00:00-01:00), indices into its tuples of segment, campaign and agent codes, whether the attempt
reached a person (a **contact**: contact, refusal, sale or callback requested) and whether it sold,
the revenue of a sale and the agent's talk plus wrap seconds. It is built from rows in the import
format (`wfm.domain.dialer.ATTEMPT_FIELDS`: `attempted_at`, `agent`, `campaign`, ...), from stored
records (`wfm.domain.dialer.DialerAttempt`), or from one sequence per field (`from_columns`, the
cheapest for a million attempts read column-wise).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from wfm.domain.dialer import ATTEMPT_RESULTS, CONTACT_RESULTS, DialerAttempt

HOURS_PER_WEEK = 168
RESULTS = frozenset(ATTEMPT_RESULTS)


@dataclass(frozen=True, slots=True, eq=False)
class AttemptTable:
    """Attempts as equal-length columns (see the module docstring)."""

    segments: tuple[str, ...]
    campaigns: tuple[str, ...]
    agents: tuple[str, ...]
    hour_of_week: NDArray[np.int64]
    segment: NDArray[np.int64]
    campaign: NDArray[np.int64]
    agent: NDArray[np.int64]
    contact: NDArray[np.bool_]
    sale: NDArray[np.bool_]
    revenue: NDArray[np.float64]
    handle_seconds: NDArray[np.float64]  # talk + wrap

    def __len__(self) -> int:
        return int(self.hour_of_week.size)

    @classmethod
    def from_columns(
        cls,
        *,
        attempted_at: Sequence[datetime],
        segments: Sequence[str],
        campaigns: Sequence[str],
        agents: Sequence[str],
        results: Sequence[str],
        revenues: Sequence[float | None],
        talk_seconds: Sequence[float],
        wrap_seconds: Sequence[float],
        timezone: str,
    ) -> AttemptTable:
        """From one sequence per field, position i of each being attempt i (the form a
        column-wise import or a database read gives); codes are indexed in sorted order."""
        n = len(attempted_at)
        columns = (segments, campaigns, agents, results, revenues, talk_seconds, wrap_seconds)
        if any(len(c) != n for c in columns):
            raise ValueError("every column needs one value per attempt")
        unknown = set(results) - RESULTS
        if unknown:
            raise ValueError(f"result {sorted(unknown)[0]!r} is not one of {sorted(RESULTS)}")
        sale = np.fromiter((r == "sale" for r in results), dtype=bool, count=n)
        contact = np.fromiter((r in CONTACT_RESULTS for r in results), dtype=bool, count=n)
        revenue = np.array([r or 0.0 for r in revenues], dtype=float).reshape(n)
        codes = [_indexed(c, n) for c in (segments, campaigns, agents)]
        return cls(
            segments=codes[0][0],
            campaigns=codes[1][0],
            agents=codes[2][0],
            hour_of_week=_hours_of_week(attempted_at, ZoneInfo(timezone)),
            segment=codes[0][1],
            campaign=codes[1][1],
            agent=codes[2][1],
            contact=contact,
            sale=sale,
            revenue=np.where(sale, revenue, 0.0),
            handle_seconds=np.asarray(talk_seconds, dtype=float).reshape(n)
            + np.asarray(wrap_seconds, dtype=float).reshape(n),
        )

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], timezone: str) -> AttemptTable:
        """From rows in the import format (`attempted_at` a timezone-aware datetime)."""
        rows = list(rows)
        return cls.from_columns(
            attempted_at=[r["attempted_at"] for r in rows],
            segments=[r["segment"] for r in rows],
            campaigns=[r["campaign"] for r in rows],
            agents=[r["agent"] for r in rows],
            results=[str(r["result"]) for r in rows],
            revenues=[r.get("revenue") for r in rows],
            talk_seconds=[r["talk_seconds"] for r in rows],
            wrap_seconds=[r["wrap_seconds"] for r in rows],
            timezone=timezone,
        )

    @classmethod
    def from_records(cls, records: Iterable[DialerAttempt], timezone: str) -> AttemptTable:
        """From stored attempts."""
        records = list(records)
        return cls.from_columns(
            attempted_at=[r.attempted_at_utc for r in records],
            segments=[r.segment_code for r in records],
            campaigns=[r.campaign_code for r in records],
            agents=[r.agent_code for r in records],
            results=[str(r.result) for r in records],
            revenues=[r.revenue for r in records],
            talk_seconds=[r.talk_seconds for r in records],
            wrap_seconds=[r.wrap_seconds for r in records],
            timezone=timezone,
        )


def _indexed(codes: Sequence[str], n: int) -> tuple[tuple[str, ...], NDArray[np.int64]]:
    """The distinct codes, sorted, and each position's index among them."""
    distinct = tuple(sorted(set(codes)))
    position = {code: i for i, code in enumerate(distinct)}
    return distinct, np.fromiter((position[c] for c in codes), dtype=np.int64, count=n)


def _hours_of_week(moments: Sequence[datetime], zone: ZoneInfo) -> NDArray[np.int64]:
    """Site-local hour of week of each instant; each distinct quarter hour is converted once
    (every time zone's offset is a whole number of quarter hours)."""
    if any(m.tzinfo is None for m in moments):
        raise ValueError("attempted_at needs a time zone offset")
    quarters = np.array([int(m.timestamp() // 900) for m in moments], dtype=np.int64)
    distinct, index = np.unique(quarters, return_inverse=True)
    hours = np.empty(distinct.size, dtype=np.int64)
    for i, quarter in enumerate(distinct.tolist()):
        local = datetime.fromtimestamp(quarter * 900, zone)
        hours[i] = local.weekday() * 24 + local.hour
    return hours[index].reshape(len(moments))
