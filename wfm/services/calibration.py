"""Calibrating each queue's model against its history, storing it, and reporting its accuracy.

A queue's calibration (`erlang.fit_calibration`, `docs/erlang.md`) is fitted on the last
`lookback_days` local days of its interval history, with the agents serving it per interval
measured from the agents' state events (`wfm.domain.calibration.serving_seconds`), and stored
(`queue_calibrations`); `QueueModel.of_queue` then gives the calibrated model, so staffing
requirements, the intraday recommendation and the roster (the problem's `QueueSpec` carries the
calibration) use it. A queue that can't be fitted
(no agent events, too few intervals or calls, a fit the maths refuses) is refused with a reason,
stored nowhere, and keeps the calibration it had. The forecast run calls `calibrate_queues` after
the patience estimate; so do `wfm calibrate-queues` and `POST /v1/queues/calibrations`.

`accuracy_report` scores, per local week (Monday start, the site's timezone), the queue model's
prediction at what actually happened (offered contacts, handle time, agents serving) against the
answer rate and service level that happened, beside the textbook model's and the binomial noise
floor. A week without agent events says so and predicts nothing.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from wfm.db.repositories import AgentRepository, HistoryRepository, QueueRepository, SiteRepository
from wfm.db.repositories.calibrations import CalibrationRepository, StoredInterval
from wfm.db.repositories.intraday import AgentStateFeedRepository
from wfm.domain import Queue, Site
from wfm.domain.calibration import (
    DEFAULT_LOOKBACK_DAYS,
    MAX_ACCURACY_WEEKS,
    MAX_STATE_SECONDS,
    CalibrationRows,
    StateChange,
    StoredCalibration,
    WeekScore,
    refusal,
    score_week,
    serving_seconds,
)
from wfm.domain.errors import ValidationError
from wfm.domain.grid import local_date, local_midnight_utc
from wfm.domain.intraday.states import ActualActivity
from wfm.domain.patience import check_lookback_days, end_of_local_day_utc, patience_window
from wfm.domain.queue_model import ErlangError, QueueModel, fit_calibration


@dataclass(frozen=True, slots=True)
class QueueCalibrationResult:
    """One queue after a calibration: the calibration fitted and stored now, or why not (then
    `kept` is the one it keeps, if any)."""

    queue_code: str
    fitted: StoredCalibration | None
    refused: str | None
    kept: StoredCalibration | None = None


@dataclass(frozen=True, slots=True)
class CalibrationRun:
    site: Site
    window_start_utc: datetime | None  # None: the site has no history
    window_end_utc: datetime | None
    lookback_days: int
    queues: tuple[QueueCalibrationResult, ...]


@dataclass(frozen=True, slots=True)
class _Observed:
    """A queue's intervals over a span, with the agents serving them from agent events."""

    rows: CalibrationRows
    interval_minutes: int
    event_times: tuple[datetime, ...]  # events of the agents skilled on the queue, sorted

    def has_events(self, start_utc: datetime, end_utc: datetime) -> bool:
        return any(start_utc <= at < end_utc for at in self.event_times)


def calibrate_queues(
    session: Session,
    *,
    site_code: str,
    as_of_utc: datetime | None = None,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    fitted_at_utc: datetime | None = None,
) -> CalibrationRun:
    """Fit and store the calibration of every queue of the site that can be fitted.

    The window is the `lookback_days` local days before `as_of_utc` (default: the end of the
    site's last local day with history). The caller owns the transaction."""
    check_lookback_days(lookback_days)
    site = SiteRepository(session).get(site_code)
    queues = QueueRepository(session).list(site_code)
    end_utc = as_of_utc if as_of_utc is not None else _end_of_history(session, site, queues)
    if end_utc is None:
        return CalibrationRun(
            site,
            None,
            None,
            lookback_days,
            tuple(
                QueueCalibrationResult(q.code, None, "no interval history", _kept(session, q))
                for q in queues
            ),
        )
    window = patience_window(end_utc, site.timezone, lookback_days)
    now = fitted_at_utc or datetime.now(UTC)
    results = []
    floor = _Floor.read(session, site, window.start_utc, window.end_utc)
    for queue in queues:
        observed = _observe(session, site, queue, window.start_utc, window.end_utc, floor)
        fitted, reason = _fit(queue, site, observed, window.start_utc, window.end_utc, now)
        if fitted is not None:
            CalibrationRepository(session).store(fitted)
            results.append(QueueCalibrationResult(queue.code, fitted, None))
        else:
            results.append(QueueCalibrationResult(queue.code, None, reason, _kept(session, queue)))
    return CalibrationRun(site, window.start_utc, window.end_utc, lookback_days, tuple(results))


def _kept(session: Session, queue: Queue) -> StoredCalibration | None:
    return CalibrationRepository(session).get(queue.code)


def _fit(
    queue: Queue,
    site: Site,
    observed: _Observed | None,
    start_utc: datetime,
    end_utc: datetime,
    now_utc: datetime,
) -> tuple[StoredCalibration | None, str | None]:
    if observed is None:
        return None, "no interval history in the window"
    reason = refusal(observed.rows, has_agent_events=observed.has_events(start_utc, end_utc))
    if reason is not None:
        return None, reason
    base = QueueModel.of_queue(dataclasses.replace(queue, calibration=None), site, 1)
    base = dataclasses.replace(base, interval_minutes=observed.interval_minutes)
    rows = observed.rows.take(observed.rows.fittable)
    try:
        calibration = fit_calibration(
            rows.offered,
            rows.answered,
            rows.abandoned,
            rows.aht_seconds,
            rows.agents * base.concurrency,
            rows.interval_seconds,
            answered_within_threshold=rows.answered_within_threshold,
            threshold_seconds=queue.service_threshold_seconds,
            total_wait_seconds=rows.total_wait_seconds,
            fitted_from_utc=start_utc,
            fitted_until_utc=end_utc,
        )
        calibrated = _score(base.calibrated(calibration), rows)
        textbook = _score(base, rows)
    except ErlangError as exc:
        return None, f"the fit refused the history: {exc}"
    return (
        StoredCalibration(
            queue_code=queue.code,
            fitted_at_utc=now_utc,
            window_start_utc=start_utc,
            window_end_utc=end_utc,
            calibration=calibration,
            intervals=len(rows),
            calls=float(rows.offered.sum()),
            answer_rate_mae=calibrated.answer_rate.mae_call_weighted,
            textbook_answer_rate_mae=textbook.answer_rate.mae_call_weighted,
            answer_rate_noise_floor=calibrated.answer_rate.noise_floor.call_weighted,
            service_level_mae=None
            if calibrated.service_level is None
            else calibrated.service_level.mae_call_weighted,
            textbook_service_level_mae=None
            if textbook.service_level is None
            else textbook.service_level.mae_call_weighted,
        ),
        None,
    )


def _score(model: QueueModel, rows: CalibrationRows) -> WeekScore:
    """The model's prediction at what happened (offered, handle time, agents serving), scored."""
    return _model_week(model, rows).score


@dataclass(frozen=True, slots=True)
class _Floor:
    """The site's agents' queue skills and ACD state changes over a span (read once per run)."""

    skills: dict[str, tuple[str, ...]]
    changes: dict[str, list[StateChange]]

    @classmethod
    def read(cls, session: Session, site: Site, start_utc: datetime, end_utc: datetime) -> _Floor:
        """Events from `MAX_STATE_SECONDS` before the span, so a state entered before it
        counts."""
        skills = {a.code: a.queue_skills for a in AgentRepository(session).list(site.code)}
        carry = timedelta(seconds=MAX_STATE_SECONDS)
        events = AgentStateFeedRepository(session).events(site.code, start_utc - carry, end_utc)
        changes = {
            agent: [StateChange(e.occurred_at_utc, e.activity is ActualActivity.SERVE) for e in evs]
            for agent, evs in events.items()
        }
        return cls(skills, changes)


def _observe(
    session: Session,
    site: Site,
    queue: Queue,
    start_utc: datetime,
    end_utc: datetime,
    floor: _Floor | None = None,
) -> _Observed | None:
    """The queue's intervals of the span (those of its most common length) with the agents
    serving each from the events of the agents skilled on it; None without intervals."""
    stored = CalibrationRepository(session).intervals(queue.code, start_utc, end_utc)
    if not stored:
        return None
    minutes = Counter(i.interval_minutes for i in stored).most_common(1)[0][0]
    intervals: list[StoredInterval] = [i for i in stored if i.interval_minutes == minutes]
    buckets = [(i.start_utc, i.start_utc + timedelta(minutes=minutes)) for i in intervals]
    floor = floor if floor is not None else _Floor.read(session, site, start_utc, end_utc)
    skills = {a: s for a, s in floor.skills.items() if queue.code in s}
    changes = {a: c for a, c in floor.changes.items() if a in skills}
    seconds = serving_seconds(changes, skills, buckets, until_utc=end_utc).get(
        queue.code, [0.0] * len(buckets)
    )
    rows = CalibrationRows.of(
        [i.start_utc for i in intervals],
        [i.answered for i in intervals],
        [i.abandoned for i in intervals],
        [i.answered_within_threshold for i in intervals],
        [i.handle_seconds for i in intervals],
        [i.wait_seconds_answered + i.wait_seconds_abandoned for i in intervals],
        seconds,
        [minutes * 60.0] * len(intervals),
    )
    times = sorted(c.at_utc for evs in changes.values() for c in evs)
    return _Observed(rows, minutes, tuple(times))


def _end_of_history(session: Session, site: Site, queues: Sequence[Queue]) -> datetime | None:
    """The end of the site's last local day with history; None when it has none."""
    wanted = {q.code for q in queues}
    last = [
        s.last_interval_utc for s in HistoryRepository(session).spans() if s.queue_code in wanted
    ]
    if not last:
        return None
    return end_of_local_day_utc(max(last), site.timezone)


# --- the accuracy report ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelWeek:
    """One model's prediction over a week: the predicted total rates and their scores."""

    predicted_answer_rate: float
    predicted_service_level: float | None
    score: WeekScore


@dataclass(frozen=True, slots=True)
class AccuracyWeek:
    week_start: date  # the local Monday
    intervals: int  # intervals with calls
    calls: float  # answered + abandoned
    agent_events: bool
    actual_answer_rate: float | None
    actual_service_level: float | None
    mean_agents_serving: float | None  # over the intervals with calls; None without events
    model: ModelWeek | None  # the queue's model (calibrated when a calibration is stored)
    textbook: ModelWeek | None  # Erlang A with the agents as servers


@dataclass(frozen=True, slots=True)
class AccuracyReport:
    queue_code: str
    site_code: str
    timezone: str
    model_source: str  # "calibration" or "textbook"
    calibration: StoredCalibration | None
    weeks: tuple[AccuracyWeek, ...]


def accuracy_report(session: Session, *, queue_code: str, weeks: int = 8) -> AccuracyReport:
    """The last `weeks` local weeks of the queue's history, up to the week of its last interval,
    predicted by the queue's model (and the textbook's) at what happened."""
    if not 1 <= weeks <= MAX_ACCURACY_WEEKS:
        raise ValidationError(f"weeks must be 1 to {MAX_ACCURACY_WEEKS}, got {weeks}")
    queue = QueueRepository(session).get(queue_code)
    site = SiteRepository(session).get(queue.site_code)
    stored = CalibrationRepository(session).get(queue_code)
    model_source = "textbook" if stored is None else "calibration"
    spans = [s for s in HistoryRepository(session).spans() if s.queue_code == queue_code]
    empty = AccuracyReport(queue_code, site.code, site.timezone, model_source, stored, ())
    if not spans:
        return empty
    zone = ZoneInfo(site.timezone)
    last_day = local_date(spans[0].last_interval_utc, zone)
    first_monday = last_day - timedelta(days=last_day.weekday() + 7 * (weeks - 1))
    mondays = [first_monday + timedelta(days=7 * k) for k in range(weeks)]
    edges = [local_midnight_utc(m, zone) for m in (*mondays, mondays[-1] + timedelta(days=7))]
    observed = _observe(session, site, queue, edges[0], edges[-1])
    if observed is None:
        return empty
    textbook = QueueModel.of_queue(dataclasses.replace(queue, calibration=None), site, 1)
    textbook = dataclasses.replace(textbook, interval_minutes=observed.interval_minutes)
    model = textbook.calibrated(None if stored is None else stored.calibration)
    starts = np.array([s.timestamp() for s in observed.rows.starts_utc])
    result = []
    for monday, low, high in zip(mondays, edges, edges[1:], strict=False):
        in_week = (starts >= low.timestamp()) & (starts < high.timestamp())
        rows = observed.rows.take(in_week & (observed.rows.offered > 0))
        try:
            result.append(_week(monday, rows, observed.has_events(low, high), model, textbook))
        except ErlangError as exc:  # stored history is checked on import: should not happen
            raise ValidationError(
                f"queue {queue_code!r}, week of {monday}: the queue model refuses the history: "
                f"{exc}"
            ) from None
    return AccuracyReport(queue_code, site.code, site.timezone, model_source, stored, tuple(result))


def _week(
    monday: date, rows: CalibrationRows, events: bool, model: QueueModel, textbook: QueueModel
) -> AccuracyWeek:
    calls = float(rows.offered.sum())
    if len(rows) == 0:
        return AccuracyWeek(monday, 0, 0.0, events, None, None, None, None, None)
    within = rows.answered_within_threshold
    actual_sl = None if within is None else float(within.sum()) / calls
    actual_ar = float(rows.answered.sum()) / calls
    if not events:
        return AccuracyWeek(monday, len(rows), calls, False, actual_ar, actual_sl, None, None, None)
    return AccuracyWeek(
        week_start=monday,
        intervals=len(rows),
        calls=calls,
        agent_events=True,
        actual_answer_rate=actual_ar,
        actual_service_level=actual_sl,
        mean_agents_serving=float(rows.agents.mean()),
        model=_model_week(model, rows),
        textbook=_model_week(textbook, rows),
    )


def _model_week(model: QueueModel, rows: CalibrationRows) -> ModelWeek:
    kpis = model.kpis(rows.offered, rows.aht_seconds, rows.agents)
    assert kpis.answer_rate is not None  # a stored queue's model is Erlang A
    score = score_week(
        rows.offered,
        rows.answered,
        rows.answered_within_threshold,
        np.asarray(kpis.answer_rate),
        np.asarray(kpis.service_level),
    )
    calls = float(rows.offered.sum())
    service_level = float((np.asarray(kpis.service_level) * rows.offered).sum()) / calls
    return ModelWeek(
        predicted_answer_rate=score.answer_rate.predicted_total_rate,
        predicted_service_level=service_level,
        score=score,
    )


__all__ = [
    "AccuracyReport",
    "AccuracyWeek",
    "CalibrationRun",
    "ModelWeek",
    "QueueCalibrationResult",
    "accuracy_report",
    "calibrate_queues",
]
