"""Estimating each queue's mean patience from its stored history and storing the estimates.

The product's one patience policy (`wfm.domain.queue_model`): a queue's patience is its own
estimate from history, stored with the estimate's date, 95 % interval and abandons; a queue
without one takes its site's `default_patience_seconds`. This use-case makes the estimates
(`wfm.domain.patience`) from the last `lookback_days` local days of the site's interval history
and stores them on the queues; a queue with too few abandons in the window loses any estimate it
had. The forecast run calls it, so nightly forecasting keeps the estimates current; so do
`wfm patience`, `POST /v1/queues/patience-estimates` and the loading of a centre.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from wfm.db.repositories import HistoryRepository, QueueRepository, SiteRepository
from wfm.db.repositories.kpis import KpiRepository
from wfm.domain import Site
from wfm.domain.errors import ValidationError
from wfm.domain.patience import (
    DEFAULT_LOOKBACK_DAYS,
    MIN_ABANDONED_FOR_ESTIMATE,
    PatienceHistory,
    PatienceWindow,
    check_lookback_days,
    end_of_local_day_utc,
    estimate_from_history,
    patience_window,
    sum_history,
)
from wfm.domain.queue_model import Patience


@dataclass(frozen=True, slots=True)
class QueuePatience:
    """One queue after an estimate: the patience in use (its estimate, else the site's setting)
    and the history of the window (its abandons say why there is no estimate)."""

    queue_code: str
    patience: Patience
    history: PatienceHistory


@dataclass(frozen=True, slots=True)
class PatienceEstimates:
    """The result of estimating a site's queues; `window` is None when the site has no history."""

    site: Site
    window: PatienceWindow | None
    lookback_days: int
    min_abandoned: int
    queues: tuple[QueuePatience, ...]


def estimate_patience(
    session: Session,
    *,
    site_code: str,
    as_of_utc: datetime | None = None,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    min_abandoned: int = MIN_ABANDONED_FOR_ESTIMATE,
) -> PatienceEstimates:
    """Estimate and store the mean patience of every queue of the site.

    The window is the `lookback_days` local days before `as_of_utc` (default: the end of the
    site's last local day with history, so the estimate covers the latest history whatever
    today's date); that instant is the estimate's date. A queue with fewer than `min_abandoned`
    abandons in the window keeps no estimate. The caller owns the transaction.
    """
    check_lookback_days(lookback_days)
    if min_abandoned < 1:
        raise ValidationError(f"min_abandoned must be at least 1, got {min_abandoned}")
    site = SiteRepository(session).get(site_code)
    queues = QueueRepository(session)
    codes = [q.code for q in queues.list(site_code)]
    _, ids = KpiRepository(session).site_queues(site_code)
    end_utc = as_of_utc if as_of_utc is not None else _end_of_history(session, site, codes)
    window = None if end_utc is None else patience_window(end_utc, site.timezone, lookback_days)
    by_queue: dict[str, list[tuple[int, int, float, float]]] = defaultdict(list)
    if window is not None:
        for row in KpiRepository(session).sums_by_interval(ids, window.start_utc, window.end_utc):
            by_queue[row.queue_code].append(
                (row.answered, row.abandoned, row.wait_seconds_answered, row.wait_seconds_abandoned)
            )
    histories = {code: sum_history(code, by_queue.get(code, ())) for code in codes}
    for code in codes:
        estimate = None
        if window is not None:
            estimate = estimate_from_history(
                histories[code], estimated_at_utc=window.end_utc, min_abandoned=min_abandoned
            )
        queues.set_patience_estimate(code, estimate)
    return PatienceEstimates(
        site=site,
        window=window,
        lookback_days=lookback_days,
        min_abandoned=min_abandoned,
        queues=tuple(
            QueuePatience(q.code, Patience.of_queue(q, site), histories[q.code])
            for q in queues.list(site_code)
        ),
    )


def _end_of_history(session: Session, site: Site, queue_codes: list[str]) -> datetime | None:
    """The end of the site's last local day with history; None when it has none."""
    wanted = set(queue_codes)
    last = [
        s.last_interval_utc for s in HistoryRepository(session).spans() if s.queue_code in wanted
    ]
    if not last:
        return None
    return end_of_local_day_utc(max(last), site.timezone)
