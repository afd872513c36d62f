"""The callbacks due in a roster's week, for the idle time inside serving that the schedule
evaluation reports against them (`wfm.domain.deferred`, docs/roster-problem.md, "Idle time inside
serving").

A campaign's open callbacks due in the week (local midnight to local midnight) each take the mean
talk plus wrap time of the campaign's dialer attempts that reached a customer in the
`DEFAULT_LOOKBACK_DAYS` before the week (the same window the selling values are learned from), at
least two of them; without those, the week's inbound handle time (contact-weighted mean of the
roster problem's forecast), since a serving agent makes the call; the source says which.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from scheduling.problem import Problem
from wfm.db.repositories import CallbackRepository, DialerAttemptRepository
from wfm.domain.deferred import CallbacksDue
from wfm.domain.dialer import CONTACT_RESULTS, CallbackStatus
from wfm.services.selling_value import DEFAULT_LOOKBACK_DAYS


def callbacks_due(session: Session, problem: Problem) -> tuple[CallbacksDue, ...]:
    """Each campaign of the problem's site with open callbacks due in the problem's horizon:
    their due instants and the minutes each takes (see the module docstring)."""
    due: dict[str, list[datetime]] = defaultdict(list)
    for callback in CallbackRepository(session).list(
        site_code=problem.site_code,
        status=CallbackStatus.OPEN,
        due_from_utc=problem.start_utc,
        due_before_utc=problem.end_utc,
    ):
        due[callback.campaign_code].append(callback.due_at_utc)
    if not due:
        return ()
    handled = DialerAttemptRepository(session).handle_seconds_in_window(
        campaign_codes=sorted(due),
        start_utc=problem.start_utc - timedelta(days=DEFAULT_LOOKBACK_DAYS),
        end_utc=problem.start_utc,
        results=CONTACT_RESULTS,
    )
    inbound = _inbound_handle_minutes(problem)
    out = []
    for code in sorted(due):
        reached, seconds = handled.get(code, (0, 0.0))
        if reached >= 2:
            minutes = seconds / reached / 60.0
            source = (
                f"mean talk + wrap of the campaign's {reached} attempts that reached a "
                f"customer in the {DEFAULT_LOOKBACK_DAYS} days before the week"
            )
        elif inbound is not None:
            minutes = inbound
            source = (
                f"the week's inbound handle time: the campaign has {reached} attempts that "
                f"reached a customer in the {DEFAULT_LOOKBACK_DAYS} days before the week "
                "(2 needed)"
            )
        else:
            minutes = 0.0
            source = "unknown: no attempts of the campaign and no forecast of the week"
        out.append(CallbacksDue(code, tuple(due[code]), minutes, source))
    return tuple(out)


def _inbound_handle_minutes(problem: Problem) -> float | None:
    """The contact-weighted mean handle time of the problem's queues, minutes (None without
    contacts)."""
    contacts = handle = 0.0
    for queue in problem.queues:
        if queue.contacts is None or queue.aht_seconds is None:
            continue
        calls = np.asarray(queue.contacts, dtype=float)
        contacts += float(calls.sum())
        handle += float((calls * np.asarray(queue.aht_seconds, dtype=float)).sum())
    return None if contacts <= 0.0 else handle / contacts / 60.0
