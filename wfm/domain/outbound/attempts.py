"""Dialer attempts as columns: what the outbound estimates read.

An `AttemptTable` holds one position per attempt: the site-local hour of week (0 = Monday
00:00-01:00), indices into its tuples of segment, campaign and agent codes, whether the attempt
reached a person (a **contact**: contact, refusal, sale or callback requested) and whether it sold,
the revenue of a sale and the agent's talk plus wrap seconds. It is built either from rows in the
import format (`wfm.domain.dialer.ATTEMPT_FIELDS`: `attempted_at`, `agent`, `campaign`, ...) or
from stored records (`wfm.domain.dialer.DialerAttempt`: `attempted_at_utc`, `agent_code`, ...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], timezone: str) -> AttemptTable:
        """From rows in the import format (`attempted_at` a timezone-aware datetime)."""
        columns = _Columns(ZoneInfo(timezone))
        for row in rows:
            columns.add(
                row["attempted_at"],
                row["segment"],
                row["campaign"],
                row["agent"],
                str(row["result"]),
                row.get("revenue"),
                float(row["talk_seconds"]) + float(row["wrap_seconds"]),
            )
        return columns.table()

    @classmethod
    def from_records(cls, records: Iterable[DialerAttempt], timezone: str) -> AttemptTable:
        """From stored attempts."""
        columns = _Columns(ZoneInfo(timezone))
        for r in records:
            columns.add(
                r.attempted_at_utc,
                r.segment_code,
                r.campaign_code,
                r.agent_code,
                r.result.value,
                r.revenue,
                float(r.talk_seconds) + float(r.wrap_seconds),
            )
        return columns.table()


class _Columns:
    """Accumulates attempts one by one; codes become indices in order of first appearance."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.codes: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
        self.hour_cache: dict[int, int] = {}
        self.ints: list[tuple[int, int, int, int, bool, bool]] = []
        self.floats: list[tuple[float, float]] = []

    def add(
        self,
        attempted_at: datetime,
        segment: str,
        campaign: str,
        agent: str,
        result: str,
        revenue: float | None,
        handle_seconds: float,
    ) -> None:
        if attempted_at.tzinfo is None:
            raise ValueError("attempted_at needs a time zone offset")
        if result not in RESULTS:
            raise ValueError(f"result {result!r} is not one of {sorted(RESULTS)}")
        sale = result == "sale"
        seg, camp, ag = self.codes
        self.ints.append(
            (
                self._hour_of_week(attempted_at),
                seg.setdefault(segment, len(seg)),
                camp.setdefault(campaign, len(camp)),
                ag.setdefault(agent, len(ag)),
                result in CONTACT_RESULTS,
                sale,
            )
        )
        self.floats.append((float(revenue or 0.0) if sale else 0.0, handle_seconds))

    def _hour_of_week(self, moment: datetime) -> int:
        # every time zone's offset is a whole number of quarter hours
        quarter = int(moment.timestamp() // 900)
        hour = self.hour_cache.get(quarter)
        if hour is None:
            local = moment.astimezone(self.zone)
            hour = self.hour_cache[quarter] = local.weekday() * 24 + local.hour
        return hour

    def table(self) -> AttemptTable:
        ints = np.array(self.ints, dtype=np.int64).reshape(-1, 6)
        floats = np.array(self.floats, dtype=float).reshape(-1, 2)
        return AttemptTable(
            segments=tuple(self.codes[0]),
            campaigns=tuple(self.codes[1]),
            agents=tuple(self.codes[2]),
            hour_of_week=ints[:, 0].copy(),
            segment=ints[:, 1].copy(),
            campaign=ints[:, 2].copy(),
            agent=ints[:, 3].copy(),
            contact=ints[:, 4].astype(bool),
            sale=ints[:, 5].astype(bool),
            revenue=floats[:, 0].copy(),
            handle_seconds=floats[:, 1].copy(),
        )
