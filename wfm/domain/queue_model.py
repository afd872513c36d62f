"""The queue model: one value object per queue that every figure about a queue comes from.

A stored `Queue` and its `Site`, on an interval grid, become a `QueueModel` in one place
(`QueueModel.of_queue`). Staffing, roster building and evaluation, the intraday recommendation,
the live simulator, the demo generator and the API's calculators ask the model, and this module is
the only code outside `erlang/` that maps a queue's fields to `erlang` arguments, so two views of
the same queue always agree.

Patience policy (one for the whole product): a queue's mean patience is estimated from its own
history (abandons and waits; `erlang.estimate_patience_seconds`) and stored with the date and
confidence interval of the estimate. A queue without an estimate takes its site's setting
(`Site.default_patience_seconds`). Either way the model is Erlang A and predicts answer rate;
`Patience.source` says which value is in use. Erlang C (no abandonment) is only for a calculator
that is explicitly given no patience (`wfm erlang` without `--patience-seconds`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import ArrayLike, NDArray

import erlang
from wfm.domain.types import Queue, Site

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class PatienceSource(enum.StrEnum):
    HISTORY = "history"  # estimated from the queue's own abandons and waits
    SITE = "site"  # the site's setting: the queue has no estimate yet
    GIVEN = "given"  # given with the request or the problem file
    NONE = "none"  # no abandonment (Erlang C): calculators only


class QueueModelKind(enum.StrEnum):
    ERLANG_A = "erlang_a"
    ERLANG_C = "erlang_c"


@dataclass(frozen=True, slots=True)
class Patience:
    """The mean patience a model uses and where it came from."""

    seconds: float | None
    source: PatienceSource
    estimated_at_utc: datetime | None = None
    ci_low_seconds: float | None = None
    ci_high_seconds: float | None = None
    abandoned_count: int | None = None

    @classmethod
    def of_queue(cls, queue: Queue, site: Site) -> Patience:
        """The queue's own estimate where it has one, else the site's setting."""
        if queue.mean_patience_seconds is not None:
            return cls(
                seconds=queue.mean_patience_seconds,
                source=PatienceSource.HISTORY,
                estimated_at_utc=queue.patience_estimated_at_utc,
                ci_low_seconds=queue.patience_ci_low_seconds,
                ci_high_seconds=queue.patience_ci_high_seconds,
                abandoned_count=queue.patience_abandoned_count,
            )
        return cls(seconds=site.default_patience_seconds, source=PatienceSource.SITE)

    @classmethod
    def given(cls, seconds: float | None) -> Patience:
        """A patience passed in by a caller (None: no abandonment, Erlang C)."""
        if seconds is None:
            return cls(seconds=None, source=PatienceSource.NONE)
        return cls(seconds=float(seconds), source=PatienceSource.GIVEN)


@dataclass(frozen=True, slots=True)
class QueueKpis:
    """Predicted service per interval at a staffing. `answer_rate` and `abandon_rate` are None
    under Erlang C, which can't predict them."""

    service_level: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray
    p_wait: FloatArray
    answered: FloatArray
    answer_rate: FloatArray | None
    abandon_rate: FloatArray | None


@dataclass(frozen=True, slots=True)
class Staffing:
    """Least agents serving per interval that meet every target, the agents to schedule for
    them after shrinkage, and the KPIs predicted at the agents serving."""

    agents: IntArray
    scheduled_agents: IntArray
    kpis: QueueKpis


@dataclass(frozen=True, slots=True)
class QueueModel:
    """A queue's service targets, patience, concurrency and economics on an interval grid."""

    code: str
    interval_minutes: int
    service_level_target: float | None
    service_threshold_seconds: float
    patience: Patience
    max_occupancy: float | None = None
    concurrency: float = 1.0
    value_per_answered_contact: float = 0.0
    max_asa_seconds: float | None = None
    min_answer_rate: float | None = None

    @classmethod
    def of_queue(cls, queue: Queue, site: Site, interval_minutes: int) -> QueueModel:
        """The model of a stored queue: the one place its fields become model parameters."""
        return cls(
            code=queue.code,
            interval_minutes=interval_minutes,
            service_level_target=queue.service_level_target,
            service_threshold_seconds=queue.service_threshold_seconds,
            patience=Patience.of_queue(queue, site),
            max_occupancy=queue.max_occupancy,
            concurrency=float(max(1, queue.chat_concurrency)),
            value_per_answered_contact=queue.value_per_answered_contact,
        )

    @property
    def kind(self) -> QueueModelKind:
        if self.patience.seconds is None:
            return QueueModelKind.ERLANG_C
        return QueueModelKind.ERLANG_A

    @property
    def interval_seconds(self) -> float:
        return self.interval_minutes * 60.0

    def offered_load_erlangs(self, contacts: ArrayLike, aht_seconds: ArrayLike) -> FloatArray:
        """Offered load per interval (Erlangs, before concurrency)."""
        calls = np.asarray(contacts, dtype=float)
        return np.asarray(
            erlang.offered_load(calls, self.interval_seconds, handle_time(calls, aht_seconds))
        )

    def requirement(
        self, contacts: ArrayLike, aht_seconds: ArrayLike, *, shrinkage: float = 0.0
    ) -> Staffing:
        """Least agents serving per interval meeting every target of the queue; scheduled agents
        are agents / (1 - shrinkage), rounded up."""
        calls = np.asarray(contacts, dtype=float)
        result = erlang.required_agents(
            calls,
            self.interval_seconds,
            handle_time(calls, aht_seconds),
            service_level=self.service_level_target,
            threshold_seconds=self.service_threshold_seconds,
            max_asa_seconds=self.max_asa_seconds,
            min_answer_rate=self.min_answer_rate,
            patience_seconds=self.patience.seconds,
            max_occupancy=self.max_occupancy,
            concurrency=self.concurrency,
            shrinkage=shrinkage,
        )
        answered = calls * (1.0 if result.answer_rate is None else result.answer_rate)
        kpis = QueueKpis(
            service_level=np.asarray(result.service_level, dtype=float),
            asa_seconds=np.asarray(result.asa_seconds, dtype=float),
            occupancy=np.asarray(result.occupancy, dtype=float),
            p_wait=np.asarray(result.p_wait, dtype=float),
            answered=np.asarray(answered, dtype=float),
            answer_rate=_optional(result.answer_rate),
            abandon_rate=_optional(result.abandon_rate),
        )
        return Staffing(
            agents=np.asarray(result.agents, dtype=np.int64),
            scheduled_agents=np.asarray(result.scheduled_agents, dtype=np.int64),
            kpis=kpis,
        )

    def kpis(self, contacts: ArrayLike, aht_seconds: ArrayLike, agents: ArrayLike) -> QueueKpis:
        """Predicted KPIs per interval with `agents` serving (fractional agents allowed; arrays
        broadcast, so several staffings of the same intervals can be stacked)."""
        calls = np.asarray(contacts, dtype=float)
        aht = handle_time(calls, aht_seconds)
        if self.patience.seconds is None:
            c = erlang.erlang_c(
                calls,
                self.interval_seconds,
                aht,
                agents,
                self.service_threshold_seconds,
                concurrency=self.concurrency,
            )
            return QueueKpis(
                service_level=np.asarray(c.service_level, dtype=float),
                asa_seconds=np.asarray(c.asa_seconds, dtype=float),
                occupancy=np.asarray(c.occupancy, dtype=float),
                p_wait=np.asarray(c.p_wait, dtype=float),
                answered=np.asarray(calls * np.ones_like(c.service_level), dtype=float),
                answer_rate=None,
                abandon_rate=None,
            )
        a = erlang.erlang_a(
            calls,
            self.interval_seconds,
            aht,
            agents,
            self.patience.seconds,
            self.service_threshold_seconds,
            concurrency=self.concurrency,
        )
        return QueueKpis(
            service_level=np.asarray(a.service_level, dtype=float),
            asa_seconds=np.asarray(a.asa_seconds, dtype=float),
            occupancy=np.asarray(a.occupancy, dtype=float),
            p_wait=np.asarray(a.p_wait, dtype=float),
            answered=np.asarray(a.answered_per_interval, dtype=float),
            answer_rate=np.asarray(a.answer_rate, dtype=float),
            abandon_rate=np.asarray(a.abandon_rate, dtype=float),
        )


def handle_time(contacts: ArrayLike, aht_seconds: ArrayLike) -> FloatArray:
    """Handle time the queueing maths uses: at least one second where there are contacts (a
    forecast's handle time can dip to zero in a quiet interval), never negative."""
    calls = np.asarray(contacts, dtype=float)
    aht = np.asarray(aht_seconds, dtype=float)
    return np.where(calls > 0, np.maximum(aht, 1.0), np.maximum(aht, 0.0))


def weighted_mean(values: ArrayLike, weights: ArrayLike) -> float | None:
    """The `weights`-weighted mean of `values` (contact-weighted KPIs over a day or week); None
    when the weights add up to nothing."""
    w = np.asarray(weights, dtype=float)
    total = float(w.sum())
    if total <= 0.0:
        return None
    return float(np.sum(np.asarray(values, dtype=float) * w) / total)


def _optional(values: ArrayLike | None) -> FloatArray | None:
    return None if values is None else np.asarray(values, dtype=float)
