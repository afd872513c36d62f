"""The queue model: one value object per queue that every figure about a queue comes from.

A stored `Queue` and its `Site`, on an interval grid, become a `QueueModel` in one place
(`QueueModel.of_queue`). Staffing, roster building and evaluation, the intraday recommendation,
the live simulator, the demo generator and the API's calculators ask the model, and this module is
the only code outside `erlang/` that maps a queue's fields to `erlang` arguments, so two views of
the same queue always agree. `requirement_of_queues` and `kpis_of_queues` ask several queues'
models in one `erlang` evaluation (the intraday recommendation, which answers within a request).

Patience policy (one for the whole product): a queue's mean patience is estimated from its own
history (abandons and waits; `erlang.estimate_patience_seconds`) and stored with the date and
confidence interval of the estimate. A queue without an estimate takes its site's setting
(`Site.default_patience_seconds`). Either way the model is Erlang A and predicts answer rate;
`Patience.source` says which value is in use. Erlang C (no abandonment) is only for a calculator
that is explicitly given no patience (`wfm erlang` without `--patience-seconds`).

Calibration: a model given an `erlang.Calibration` (`QueueModel.calibrated`, fitted on the queue's
past intervals by `erlang.fit_calibration`) counts availability x agents as servers, uses the
calibration's patience (source "calibration") and recalibrates answer rate and service level;
its requirement is the least staffing meeting the targets as recalibrated.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import binom

import erlang
from erlang.patience import estimate_patience_from_totals
from wfm.domain.types import Queue, Site

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# What the model raises on an argument the queueing maths refuses (`.argument` names it, as
# `erlang` spells it: "calls", "aht_seconds", "patience_seconds", ...; `.problem` says why).
ErlangError = erlang.ErlangError

# Calibration on a queue's past intervals (`erlang.calibration`): fitted by `fit_calibration`,
# given to a model by `QueueModel.calibrated`, scored by `rate_accuracy` (MAE, bias of the total
# and the binomial noise floor); `recency_weights` weighs older intervals less.
Calibration = erlang.Calibration
fit_calibration = erlang.fit_calibration
rate_accuracy = erlang.rate_accuracy
RateAccuracy = erlang.calibration.RateAccuracy
recency_weights = erlang.recency_weights


class PatienceSource(enum.StrEnum):
    HISTORY = "history"  # estimated from the queue's own abandons and waits
    SITE = "site"  # the site's setting: the queue has no estimate yet
    GIVEN = "given"  # given with the request or the problem file
    CALIBRATION = "calibration"  # fitted with the queue's calibration (`QueueModel.calibrated`)
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
        """The calibration's patience when the queue has a stored calibration, else the queue's
        own estimate where it has one, else the site's setting."""
        calibration = _calibration_of(queue)
        if calibration is not None:
            return cls.of_calibration(calibration)
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
    def of_calibration(cls, calibration: Calibration) -> Patience:
        """The patience fitted with a calibration (dated the end of the history it was fitted
        on)."""
        return cls(
            seconds=calibration.patience_seconds,
            source=PatienceSource.CALIBRATION,
            estimated_at_utc=calibration.fitted_until_utc,
            abandoned_count=int(round(calibration.abandoned)),
        )

    @classmethod
    def from_history(
        cls, total_wait_seconds: float, abandoned_count: int, estimated_at_utc: datetime
    ) -> Patience:
        """The estimate from a queue's history: every caller's wait summed and the abandons
        (`erlang.patience.estimate_patience_from_totals`: maximum likelihood under exponential
        patience, chi-square 95 % interval), dated `estimated_at_utc`."""
        estimate = estimate_patience_from_totals(total_wait_seconds, abandoned_count)
        return cls(
            seconds=estimate.patience_seconds,
            source=PatienceSource.HISTORY,
            estimated_at_utc=estimated_at_utc,
            ci_low_seconds=estimate.ci_low_seconds,
            ci_high_seconds=estimate.ci_high_seconds,
            abandoned_count=estimate.abandoned_count,
        )

    @classmethod
    def given(cls, seconds: float | None) -> Patience:
        """A patience passed in by a caller (None: no abandonment, Erlang C)."""
        if seconds is None:
            return cls(seconds=None, source=PatienceSource.NONE)
        return cls(seconds=float(seconds), source=PatienceSource.GIVEN)


def _calibration_of(queue: Queue) -> Calibration | None:
    """The queue's stored calibration (`Queue.calibration`), checked."""
    calibration = queue.calibration
    if calibration is not None and not isinstance(calibration, Calibration):
        raise TypeError(f"queue {queue.code!r}: calibration must be an erlang.Calibration")
    return calibration


class ShrinkageSource(enum.StrEnum):
    SITE = "site"  # the site's unplanned shrinkage (`Site.unplanned_shrinkage`)
    RULES = "rules"  # the week's site-rules version's own (`SiteRules.unplanned_shrinkage`)
    GIVEN = "given"  # given with the request, the command or the problem file


@dataclass(frozen=True, slots=True)
class Shrinkage:
    """The share of rostered serving time lost, and where it came from.

    Shrinkage is counted once. Planned time off the phones (breaks, lunches, meetings, training)
    is rostered explicitly; only unplanned shrinkage (absence, lateness, unplanned aux), a site
    setting, reduces the rostered agents: each is absent with probability `fraction`, and a
    rostered staffing's KPIs are expected over the agents present
    (`QueueModel.kpis_under_absence`). A one-interval calculator with no roster may be given a
    total shrinkage instead, grossed up as agents / (1 - fraction)."""

    fraction: float
    source: ShrinkageSource

    @classmethod
    def of_site(cls, site: Site) -> Shrinkage:
        return cls(fraction=site.unplanned_shrinkage, source=ShrinkageSource.SITE)

    @classmethod
    def given(cls, fraction: float) -> Shrinkage:
        return cls(fraction=float(fraction), source=ShrinkageSource.GIVEN)

    @classmethod
    def of_site_unless_given(cls, site: Site, fraction: float | None) -> Shrinkage:
        """The given fraction when there is one, else the site's setting."""
        return cls.of_site(site) if fraction is None else cls.given(fraction)

    @classmethod
    def of_week(
        cls, site: Site, rules_fraction: float | None, fraction: float | None = None
    ) -> Shrinkage:
        """A week's shrinkage: the given `fraction` when there is one, else the week's rules
        version's own (`rules_fraction`), else the site's setting."""
        if fraction is None and rules_fraction is not None:
            return cls(fraction=float(rules_fraction), source=ShrinkageSource.RULES)
        return cls.of_site_unless_given(site, fraction)


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
    load_erlangs: FloatArray  # offered load, before concurrency
    # The detail `kpis()` gives (None in a requirement's KPIs; the two service-level variants
    # also None under Erlang C): the mean wait of every caller, abandoners until they hang up;
    # answered within T / answered; (answered + abandoned within T) / offered.
    mean_wait_seconds: FloatArray | None = None
    service_level_of_answered: FloatArray | None = None
    service_level_abandons_count: FloatArray | None = None


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
    interval_minutes: float  # whole minutes on the product's grids; a calculator takes any length
    service_level_target: float | None
    service_threshold_seconds: float
    patience: Patience
    max_occupancy: float | None = None
    concurrency: float = 1.0
    value_per_answered_contact: float = 0.0
    max_asa_seconds: float | None = None
    min_answer_rate: float | None = None
    max_abandon_rate: float | None = None
    # What the queue's history says the textbook model misses (`erlang.fit_calibration`): every
    # figure then counts availability x agents as servers, uses the fitted patience and
    # recalibrates answer rate and service level. None: the textbook Erlang A/C.
    calibration: Calibration | None = None
    # KPIs of the cells already evaluated under absence, kept for one piece of work
    # (`memoised`); not part of the model's value.
    memo: KpiMemo | None = dataclasses.field(default=None, compare=False, repr=False)

    @classmethod
    def of_queue(cls, queue: Queue, site: Site, interval_minutes: int) -> QueueModel:
        """The model of a stored queue: the one place its fields become model parameters. A
        queue with a stored calibration (`Queue.calibration`) gets the calibrated model."""
        return cls(
            code=queue.code,
            interval_minutes=interval_minutes,
            service_level_target=queue.service_level_target,
            service_threshold_seconds=queue.service_threshold_seconds,
            patience=Patience.of_queue(queue, site),
            max_occupancy=queue.max_occupancy,
            concurrency=float(max(1, queue.chat_concurrency)),
            value_per_answered_contact=queue.value_per_answered_contact,
            min_answer_rate=queue.min_answer_rate,
            max_abandon_rate=queue.max_abandon_rate,
        ).calibrated(_calibration_of(queue))

    def calibrated(self, calibration: Calibration | None) -> QueueModel:
        """The model with `calibration` (None: without one). Its patience becomes the
        calibration's (source "calibration", dated the end of the history it was fitted on)."""
        if calibration is None:
            return dataclasses.replace(self, calibration=None)
        return dataclasses.replace(
            self, calibration=calibration, patience=Patience.of_calibration(calibration)
        )

    def memoised(self) -> QueueModel:
        """The model keeping the KPIs of every (contacts, handle time, whole agents present)
        cell it evaluates under absence (`kpis_under_absence`, `requirement_under_absence`), so
        that one piece of work asking the same cells again (a roster's requirement, serve
        value and predicted service) computes each once, with the same figures. For one piece
        of work only: the memo grows with every new cell. A model derived from it
        (`calibrated`, `dataclasses.replace`) shares the memo under its own key."""
        return dataclasses.replace(self, memo=KpiMemo())

    @property
    def availability(self) -> float:
        """The share of an agent's time the queue effectively has (1 without a calibration)."""
        return 1.0 if self.calibration is None else self.calibration.availability

    @property
    def answer_rate_target(self) -> float | None:
        """The answer rate the queue is held to (`answer_rate_target`); None: no such target."""
        return answer_rate_target(self.min_answer_rate, self.max_abandon_rate)

    def targets_met(
        self,
        service_level: ArrayLike,
        answer_rate: ArrayLike | None,
        *,
        tolerance: float = 1e-9,
    ) -> TargetsMet:
        """Whether each of the queue's targets is met by predicted (or actual) `service_level`
        and `answer_rate` (arrays or one value): None for a target the queue does not have, or
        that can't be judged (no answer rate: Erlang C)."""
        met_service_level = None
        if self.service_level_target is not None:
            met_service_level = np.asarray(
                np.asarray(service_level, dtype=float) >= self.service_level_target - tolerance
            )
        met_answer_rate = None
        target = self.answer_rate_target
        if target is not None and answer_rate is not None:
            met_answer_rate = np.asarray(np.asarray(answer_rate, dtype=float) >= target - tolerance)
        return TargetsMet(service_level=met_service_level, answer_rate=met_answer_rate)

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
        return requirement_of_queues([self], [contacts], [aht_seconds], shrinkage=shrinkage)[0]

    def kpis(self, contacts: ArrayLike, aht_seconds: ArrayLike, agents: ArrayLike) -> QueueKpis:
        """Predicted KPIs per interval with `agents` serving (fractional agents allowed; arrays
        broadcast, so several staffings of the same intervals can be stacked)."""
        return kpis_of_queues([self], [contacts], [aht_seconds], [agents])[0]

    def kpis_under_absence(
        self,
        contacts: ArrayLike,
        aht_seconds: ArrayLike,
        rostered: ArrayLike,
        shrinkage: float,
    ) -> QueueKpis:
        """Expected KPIs per interval with `rostered` agents rostered to serve, each of them
        absent with probability `shrinkage` (unplanned shrinkage: absence takes whole agents).

        The agents serving are N ~ Binomial(rostered, 1 - shrinkage), not rostered x (1 -
        shrinkage): answered and answered within the threshold are concave in the agents, so the
        KPIs at the mean staffing overstate what the expected staffing gives (Jensen). The KPIs
        are evaluated at every whole k in the band holding all but `ABSENCE_TAIL` of N's mass
        and weighed by its probability: rates per offered contact (service level, answer and
        abandon rate, P(wait), mean wait) are expected counts over the interval's contacts, ASA
        and service level of answered are weighed by the contacts answered, occupancy by the
        agents serving. A fractional `rostered` mixes its two whole neighbours. Without
        shrinkage these are `kpis` at `rostered`."""
        fraction = float(shrinkage)
        if not 0.0 <= fraction < 1.0:
            raise ErlangError("shrinkage", f"must be in [0, 1), got {fraction}")
        if fraction == 0.0:
            return self.kpis(contacts, aht_seconds, rostered)
        return _expected_kpis(self, contacts, aht_seconds, rostered, 1.0 - fraction)

    def requirement_under_absence(
        self, contacts: ArrayLike, aht_seconds: ArrayLike, shrinkage: float
    ) -> Staffing:
        """Least agents to roster per interval whose expected KPIs under whole-agent absence
        (`kpis_under_absence`) meet every target of the queue. `agents` are the agents serving
        that the targets need (`requirement`), `scheduled_agents` the rostered heads and `kpis`
        the expected KPIs at them. The expected KPIs never fall as heads are added (more heads
        rostered are stochastically more agents serving), so the least is found by counting up
        from the plain gross-up and down while one fewer still meets the targets."""
        fraction = float(shrinkage)
        plain = self.requirement(contacts, aht_seconds, shrinkage=fraction)
        if fraction == 0.0:
            return plain
        calls, aht, gross = np.broadcast_arrays(
            np.asarray(contacts, dtype=float),
            np.asarray(aht_seconds, dtype=float),
            plain.scheduled_agents.astype(float),
        )
        shape = calls.shape
        calls, aht, heads = calls.ravel(), aht.ravel(), gross.ravel().copy()
        # A window of head counts around the plain gross-up in one evaluation (neighbouring
        # head counts share most of their whole staffings), moved down or up where the least
        # head count meeting the targets lies outside it.
        offsets = np.arange(-2.0, 3.0)
        # The occupancy cap on the offered load, as `requirement` has it, with the expected
        # agents serving: heads x (1 - shrinkage) >= load / (max occupancy x servers per agent).
        floor = np.zeros(heads.shape)
        if self.max_occupancy is not None:
            servers_per_agent = self.concurrency * self.availability * (1.0 - fraction)
            load = self.offered_load_erlangs(calls, aht)
            floor = np.ceil(load / (self.max_occupancy * servers_per_agent) - 1e-9)
        open_ = np.flatnonzero(calls > 0.0)
        # the KPIs at the head counts found, kept from the windows they were found in
        found_kpis = self.kpis_under_absence(calls, aht, np.zeros(heads.shape), fraction)
        columns: dict[str, Any] = {
            item.name: None
            if getattr(found_kpis, item.name) is None
            else np.array(getattr(found_kpis, item.name), dtype=float)
            for item in dataclasses.fields(QueueKpis)
        }
        for _ in range(MAX_RECALIBRATION_STEPS):
            if open_.size == 0:
                break
            window = np.maximum(heads[open_, None] + offsets, 0.0)
            kpis = self.kpis_under_absence(calls[open_, None], aht[open_, None], window, fraction)
            met = self.targets_met(kpis.service_level, kpis.answer_rate).all
            ok = np.ones(window.shape, dtype=bool) if met is None else np.asarray(met)
            if self.max_asa_seconds is not None:
                ok &= kpis.asa_seconds <= self.max_asa_seconds + 1e-9
            ok &= window >= floor[open_, None]
            lower = ok[:, 0] & (window[:, 0] > 0.0)  # the least may lie below the window
            higher = ~ok.any(axis=1)  # above it
            found = ~lower & ~higher
            first = ok[found].argmax(axis=1)
            heads[open_[found]] = window[found, first]
            for name, column in columns.items():
                if column is not None:
                    column[open_[found]] = np.asarray(getattr(kpis, name))[found, first]
            heads[open_[lower]] = window[lower, 0] - offsets[-1]
            heads[open_[higher]] = window[higher, -1] + 1.0 - offsets[0]
            open_ = open_[~found]
        return Staffing(
            agents=plain.agents,
            scheduled_agents=heads.astype(np.int64).reshape(shape),
            kpis=QueueKpis(**{name: _reshaped(column, shape) for name, column in columns.items()}),
        )

    def simulate(
        self,
        arrivals: ArrayLike,
        aht_seconds: ArrayLike,
        agents: ArrayLike,
        *,
        seed: int,
        replications: int = 1,
    ) -> erlang.SimulationResult:
        """One simulated day of the queue (`erlang.simulate_queue`): Poisson arrivals with mean
        `arrivals` per interval, whole `agents` serving per interval (a chat agent is
        `concurrency` parallel servers), exponential handle times and patience."""
        calls = np.asarray(arrivals, dtype=float)
        aht = handle_time(calls, aht_seconds)
        servers = np.asarray(agents, dtype=float) * self.concurrency
        if self.calibration is not None:  # whole effective servers for the simulator
            servers = np.round(servers * self.availability)
        return erlang.simulate_queue(
            calls,
            servers,
            interval_seconds=self.interval_seconds,
            # the simulator wants a positive handle time even where nothing arrives
            aht_seconds=np.where(aht > 0, aht, 1.0),
            patience_seconds=self.patience.seconds,
            threshold_seconds=self.service_threshold_seconds,
            replications=replications,
            seed=seed,
        )


def requirement_of_queues(
    models: Sequence[QueueModel],
    contacts: Sequence[ArrayLike],
    aht_seconds: Sequence[ArrayLike],
    *,
    shrinkage: float = 0.0,
) -> list[Staffing]:
    """`QueueModel.requirement` of several queues at once, each with its own intervals: one
    `erlang` evaluation for all the queues whose targets are of the same kinds (the queues of a
    site usually are), which costs about what one queue's does."""
    by_position: dict[int, Staffing] = {}
    for group in _groups(models, _requirement_kind):
        cells = _Cells.of([models[i] for i in group], contacts, aht_seconds, None, group)
        by_position.update(zip(group, _requirement(cells, shrinkage), strict=True))
    for position, model in enumerate(models):
        calibration = model.calibration
        if calibration is not None and (
            calibration.answer_rate_coefficients != erlang.calibration.IDENTITY
            or calibration.service_level_coefficients != erlang.calibration.IDENTITY
        ):
            by_position[position] = _recalibrated_requirement(
                model, contacts[position], aht_seconds[position], by_position[position], shrinkage
            )
    return [by_position[i] for i in range(len(models))]


MAX_RECALIBRATION_STEPS = 200


def _recalibrated_requirement(
    model: QueueModel,
    contacts: ArrayLike,
    aht_seconds: ArrayLike,
    queue_layer: Staffing,
    shrinkage: float,
) -> Staffing:
    """The least agents meeting every target once answer rate and service level are
    recalibrated: from the queue layer's requirement (Erlang A with the calibration's servers and
    patience), agents are added where a target fails and removed while one fewer still meets
    every target (the occupancy cap and the ASA are the queue layer's, unchanged)."""
    agents = queue_layer.agents.astype(float)
    calls, aht, agents = np.broadcast_arrays(
        np.asarray(contacts, dtype=float), np.asarray(aht_seconds, dtype=float), agents
    )
    lower = np.zeros_like(agents)
    if model.max_occupancy is not None:
        load = model.offered_load_erlangs(calls, aht)
        servers_per_agent = model.concurrency * model.availability
        lower = np.ceil(load / (model.max_occupancy * servers_per_agent) - 1e-9)

    def meets(staffing: FloatArray) -> NDArray[np.bool_]:
        kpis = model.kpis(calls, aht, staffing)
        met = model.targets_met(kpis.service_level, kpis.answer_rate).all
        ok = np.ones(staffing.shape, dtype=bool) if met is None else np.asarray(met)
        if model.max_asa_seconds is not None:
            ok &= kpis.asa_seconds <= model.max_asa_seconds + 1e-9
        return np.asarray(ok | (calls <= 0.0))

    for _ in range(MAX_RECALIBRATION_STEPS):
        short = ~meets(agents)
        if not short.any():
            break
        agents = agents + short
    for _ in range(MAX_RECALIBRATION_STEPS):
        fewer = np.maximum(agents - 1.0, lower)
        spare = (fewer < agents) & meets(fewer)
        if not spare.any():
            break
        agents = np.where(spare, fewer, agents)
    whole = agents.astype(np.int64)
    return Staffing(
        agents=whole,
        scheduled_agents=scheduled_agents(whole, shrinkage),
        kpis=model.kpis(calls, aht, whole),
    )


# The mass of the agents serving (Binomial) left out of an expectation under absence.
ABSENCE_TAIL = 1e-9


def _expected_kpis(
    model: QueueModel,
    contacts: ArrayLike,
    aht_seconds: ArrayLike,
    rostered: ArrayLike,
    present: float,
) -> QueueKpis:
    """`QueueModel.kpis_under_absence` with each rostered agent present with probability
    `present` (0 < present < 1): one `kpis` evaluation of the distinct (contacts, handle time,
    whole agents serving) cells of every interval's band."""
    calls, aht, heads = np.broadcast_arrays(
        np.asarray(contacts, dtype=float),
        np.asarray(aht_seconds, dtype=float),
        np.asarray(rostered, dtype=float),
    )
    shape = calls.shape
    calls, aht, heads = calls.ravel(), aht.ravel(), heads.ravel()
    if heads.size and (not np.all(np.isfinite(heads)) or heads.min() < 0.0):
        raise ErlangError("agents", "rostered agents must be finite and non-negative")
    low = np.floor(heads)
    high = np.ceil(heads)
    upper_share = heads - low  # a fractional head count mixes its two whole neighbours
    first = binom.ppf(ABSENCE_TAIL / 2.0, low, present)
    last = binom.isf(ABSENCE_TAIL / 2.0, high, present)
    first = np.where(np.isfinite(first), np.maximum(first, 0.0), 0.0)
    last = np.where(np.isfinite(last), np.minimum(last, high), high)
    band = int((last - first).max(initial=0.0)) + 1
    serving = first[:, None] + np.arange(band, dtype=float)[None, :]
    inside = serving <= last[:, None]
    weight = (1.0 - upper_share)[:, None] * binom.pmf(serving, low[:, None], present)
    weight += upper_share[:, None] * binom.pmf(serving, high[:, None], present)
    weight = np.where(inside, weight, 0.0)
    weight /= weight.sum(axis=1, keepdims=True)
    rows = np.broadcast_to(np.arange(calls.size)[:, None], serving.shape)[inside]
    cells = np.stack([calls[rows], aht[rows], serving[inside]], axis=1)
    distinct, back = np.unique(cells, axis=0, return_inverse=True)
    if model.memo is None:
        at = model.kpis(distinct[:, 0], distinct[:, 1], distinct[:, 2])
    else:
        at = model.memo.kpis(model, distinct)

    def grid(values: FloatArray) -> FloatArray:
        """A KPI of the distinct cells laid on the (interval, band) grid."""
        out = np.zeros(serving.shape)
        out[inside] = np.asarray(values, dtype=float)[np.ravel(back)]
        return out

    def expected(values: FloatArray | None, by: FloatArray | None = None) -> FloatArray | None:
        """The expectation of a rate, per offered contact (`by` None) or per unit of `by`."""
        if values is None:
            return None
        v = grid(values)
        # an infinite KPI (an unstable staffing's ASA) counts only where it has probability
        mean = np.sum(weight * np.where(weight > 0.0, v, 0.0), axis=1)
        if by is not None:
            share = weight * by
            mass = np.sum(share, axis=1)
            total = np.sum(share * np.where(share > 0.0, v, 0.0), axis=1)
            mean = np.where(mass > 0.0, total / np.where(mass > 0.0, mass, 1.0), mean)
        return np.asarray(mean.reshape(shape), dtype=float)

    answered = grid(at.answered)
    staffed = np.where(inside, serving, 0.0)
    expected_answered = expected(at.answered)
    assert expected_answered is not None
    service_level = expected(at.service_level)
    asa = expected(at.asa_seconds, answered)
    occupancy = expected(at.occupancy, staffed)
    p_wait = expected(at.p_wait)
    load = expected(at.load_erlangs)
    assert service_level is not None and asa is not None and occupancy is not None
    assert p_wait is not None and load is not None
    answer_rate = expected(at.answer_rate)
    return QueueKpis(
        service_level=service_level,
        asa_seconds=asa,
        occupancy=occupancy,
        p_wait=p_wait,
        answered=expected_answered,
        answer_rate=answer_rate,
        abandon_rate=None if answer_rate is None else expected(at.abandon_rate),
        load_erlangs=load,
        mean_wait_seconds=expected(at.mean_wait_seconds),
        service_level_of_answered=expected(at.service_level_of_answered, answered),
        service_level_abandons_count=expected(at.service_level_abandons_count),
    )


class KpiMemo:
    """`QueueModel.kpis` of the distinct cells (contacts, handle time, agents) a memoised model
    has evaluated, per model (a model derived from a memoised one shares the memo, under its own
    key): each new cell is evaluated once, in one `kpis` call per batch of new cells."""

    def __init__(self) -> None:
        self._models: dict[QueueModel, _MemoCells] = {}

    def known(self, model: QueueModel, cells: FloatArray) -> NDArray[np.bool_]:
        """Which of `cells` (rows of contacts, handle time, agents) the memo holds for `model`."""
        known = self._models.get(model)
        if known is None:
            return np.zeros(len(cells), dtype=bool)
        index = known.index
        return np.fromiter((key in index for key in map(tuple, cells.tolist())), bool, len(cells))

    def kpis(self, model: QueueModel, cells: FloatArray) -> QueueKpis:
        """The KPIs of `cells` (rows of contacts, handle time, agents; distinct), the new ones
        evaluated now."""
        if len(cells) == 0:
            return model.kpis(cells[:, 0], cells[:, 1], cells[:, 2])
        known = self._models.setdefault(model, _MemoCells())
        keys = list(map(tuple, cells.tolist()))
        positions = np.fromiter(
            (known.index.get(key, -1) for key in keys), dtype=np.int64, count=len(keys)
        )
        new = np.flatnonzero(positions < 0)
        if new.size:
            fresh = model.kpis(cells[new, 0], cells[new, 1], cells[new, 2])
            first = len(known.index)
            positions[new] = first + np.arange(new.size)
            known.index.update((keys[i], first + k) for k, i in enumerate(new.tolist()))
            known.batches.append(fresh)
            known.joined = None
        if known.joined is None:
            known.joined = {
                item.name: None
                if getattr(known.batches[0], item.name) is None
                else np.concatenate([getattr(b, item.name) for b in known.batches])
                for item in dataclasses.fields(QueueKpis)
            }
        rows: dict[str, Any] = {
            name: None if column is None else column[positions]
            for name, column in known.joined.items()
        }
        return QueueKpis(**rows)


@dataclass
class _MemoCells:
    """One model's evaluated cells: each cell's row in the KPIs of the batches joined."""

    index: dict[tuple[float, ...], int] = dataclasses.field(default_factory=dict)
    batches: list[QueueKpis] = dataclasses.field(default_factory=list)
    joined: dict[str, FloatArray | None] | None = None


def kpis_of_queues(
    models: Sequence[QueueModel],
    contacts: Sequence[ArrayLike],
    aht_seconds: Sequence[ArrayLike],
    agents: Sequence[ArrayLike],
) -> list[QueueKpis]:
    """`QueueModel.kpis` of several queues at once, each with its own intervals and agents: one
    `erlang` evaluation per model kind (Erlang A, Erlang C)."""
    by_position: dict[int, QueueKpis] = {}
    for group in _groups(models, lambda model: model.kind):
        cells = _Cells.of([models[i] for i in group], contacts, aht_seconds, agents, group)
        by_position.update(zip(group, _kpis(cells), strict=True))
    return [by_position[i] for i in range(len(models))]


def _requirement_kind(model: QueueModel) -> tuple[bool, ...]:
    """Queues whose targets are given or absent alike can share one `required_agents` call."""
    return (
        model.patience.seconds is None,
        model.service_level_target is None,
        model.max_asa_seconds is None,
        model.min_answer_rate is None,
        model.max_abandon_rate is None,
        model.max_occupancy is None,
    )


def _availability(cells: _Cells) -> float | FloatArray:
    """Each cell's availability (1 unless its queue is calibrated)."""
    return cells.value([m.availability for m in cells.models])


def _groups(
    models: Sequence[QueueModel], kind: Callable[[QueueModel], Hashable]
) -> list[list[int]]:
    """Positions of the models, grouped by kind, in order of first appearance."""
    groups: dict[Hashable, list[int]] = {}
    for position, model in enumerate(models):
        groups.setdefault(kind(model), []).append(position)
    return list(groups.values())


@dataclass(frozen=True, slots=True)
class _Cells:
    """The intervals of a group of queues as the arrays of one `erlang` call.

    One queue's arrays go as given (`erlang` broadcasts them and names a bad value by its own
    index); several queues' are broadcast each, flattened and laid one after another, and the
    results cut back into each queue's shape. A group with no interval at all is evaluated on one
    idle cell (no contacts, no agents), which `split` drops: `erlang` refuses empty arrays."""

    models: tuple[QueueModel, ...]
    calls: FloatArray
    aht_seconds: FloatArray
    agents: FloatArray | None
    shapes: tuple[tuple[int, ...], ...] | None  # None: one queue, arrays as given
    sizes: IntArray

    @classmethod
    def of(
        cls,
        models: Sequence[QueueModel],
        contacts: Sequence[ArrayLike],
        aht_seconds: Sequence[ArrayLike],
        agents: Sequence[ArrayLike] | None,
        positions: Sequence[int],
    ) -> _Cells:
        calls = np.asarray(contacts[positions[0]], dtype=float)
        if len(positions) == 1 and calls.size > 0:
            return cls(
                models=tuple(models),
                calls=calls,
                aht_seconds=handle_time(calls, aht_seconds[positions[0]]),
                agents=None if agents is None else np.asarray(agents[positions[0]], dtype=float),
                shapes=None,
                sizes=np.array([calls.size], dtype=np.int64),
            )
        columns: list[list[FloatArray]] = [[], [], []]
        shapes = []
        for model, position in zip(models, positions, strict=True):
            given = [contacts[position], aht_seconds[position]]
            if agents is not None:
                given.append(agents[position])
            try:
                arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in given))
            except ValueError:
                raise ErlangError(
                    "calls",
                    f"of queue {model.code!r} has a shape that does not broadcast with its "
                    "aht_seconds" + (" and agents" if agents is not None else ""),
                ) from None
            shapes.append(arrays[0].shape)
            for column, array in zip(columns, arrays, strict=False):
                column.append(array.ravel())
        sizes = np.array([int(np.prod(shape)) for shape in shapes], dtype=np.int64)
        if sizes.sum() == 0:
            columns = [[np.zeros(1)] for _ in columns]  # one idle cell
        calls, aht = np.concatenate(columns[0]), np.concatenate(columns[1])
        return cls(
            models=tuple(models),
            calls=calls,
            aht_seconds=handle_time(calls, aht),
            agents=None if agents is None else np.concatenate(columns[2]),
            shapes=tuple(shapes),
            sizes=sizes,
        )

    def value(self, values: Sequence[float]) -> float | FloatArray:
        """One value per queue as an `erlang` argument: one number when the queues agree
        (always for one queue), else one value per cell."""
        numbers = np.asarray(values, dtype=float)
        if self.shapes is None or np.all(numbers == numbers[0]) or self.sizes.sum() == 0:
            return float(numbers[0])
        return np.repeat(numbers, self.sizes)

    def optional(self, values: Sequence[float | None]) -> float | FloatArray | None:
        """An optional target: None when the queues have none (a group's queues have it or lack
        it alike), else as `value`."""
        given = [v for v in values if v is not None]
        return None if not given else self.value(given)

    def split(self, values: ArrayLike) -> list[NDArray[Any]]:
        """A result over the cells, cut back into each queue's shape."""
        array = np.asarray(values)
        if self.shapes is None:
            return [array]
        pieces = np.split(array.ravel(), np.cumsum(self.sizes))
        return [piece.reshape(shape) for piece, shape in zip(pieces, self.shapes, strict=False)]


def _requirement(cells: _Cells, shrinkage: float) -> list[Staffing]:
    models = cells.models
    result = erlang.required_agents(
        cells.calls,
        cells.value([m.interval_seconds for m in models]),
        cells.aht_seconds,
        service_level=cells.optional([m.service_level_target for m in models]),
        threshold_seconds=cells.value([m.service_threshold_seconds for m in models]),
        max_asa_seconds=cells.optional([m.max_asa_seconds for m in models]),
        max_abandon_rate=cells.optional([m.max_abandon_rate for m in models]),
        min_answer_rate=cells.optional([m.min_answer_rate for m in models]),
        patience_seconds=cells.optional([m.patience.seconds for m in models]),
        max_occupancy=cells.optional([m.max_occupancy for m in models]),
        concurrency=cells.value([m.concurrency for m in models]),
        shrinkage=shrinkage,
        availability=_availability(cells),
    )
    answered = cells.calls * (1.0 if result.answer_rate is None else result.answer_rate)
    kpis = QueueKpis(
        service_level=np.asarray(result.service_level, dtype=float),
        asa_seconds=np.asarray(result.asa_seconds, dtype=float),
        occupancy=np.asarray(result.occupancy, dtype=float),
        p_wait=np.asarray(result.p_wait, dtype=float),
        answered=np.asarray(answered, dtype=float),
        answer_rate=_optional(result.answer_rate),
        abandon_rate=_optional(result.abandon_rate),
        load_erlangs=np.asarray(result.load_erlangs, dtype=float),
    )
    agents = cells.split(np.asarray(result.agents, dtype=np.int64))
    scheduled = cells.split(np.asarray(result.scheduled_agents, dtype=np.int64))
    return [
        Staffing(agents=a, scheduled_agents=s, kpis=k)
        for a, s, k in zip(agents, scheduled, _split_kpis(kpis, cells), strict=True)
    ]


def _kpis(cells: _Cells) -> list[QueueKpis]:
    models = cells.models
    assert cells.agents is not None
    interval_seconds = cells.value([m.interval_seconds for m in models])
    threshold_seconds = cells.value([m.service_threshold_seconds for m in models])
    concurrency = cells.value([m.concurrency for m in models])
    patience_seconds = cells.optional([m.patience.seconds for m in models])
    if patience_seconds is None:
        c = erlang.erlang_c(
            cells.calls,
            interval_seconds,
            cells.aht_seconds,
            cells.agents,
            threshold_seconds,
            concurrency=concurrency,
            availability=_availability(cells),
        )
        kpis = QueueKpis(
            service_level=np.asarray(c.service_level, dtype=float),
            asa_seconds=np.asarray(c.asa_seconds, dtype=float),
            occupancy=np.asarray(c.occupancy, dtype=float),
            p_wait=np.asarray(c.p_wait, dtype=float),
            answered=np.asarray(cells.calls * np.ones_like(c.service_level), dtype=float),
            answer_rate=None,
            abandon_rate=None,
            load_erlangs=np.asarray(c.load_erlangs, dtype=float),
            # nobody hangs up: every caller's wait is an answered caller's
            mean_wait_seconds=np.asarray(c.asa_seconds, dtype=float),
        )
        return _split_kpis(kpis, cells)
    a = erlang.erlang_a(
        cells.calls,
        interval_seconds,
        cells.aht_seconds,
        cells.agents,
        patience_seconds,
        threshold_seconds,
        concurrency=concurrency,
        availability=_availability(cells),
    )
    kpis = QueueKpis(
        service_level=np.asarray(a.service_level, dtype=float),
        asa_seconds=np.asarray(a.asa_seconds, dtype=float),
        occupancy=np.asarray(a.occupancy, dtype=float),
        p_wait=np.asarray(a.p_wait, dtype=float),
        answered=np.asarray(a.answered_per_interval, dtype=float),
        answer_rate=np.asarray(a.answer_rate, dtype=float),
        abandon_rate=np.asarray(a.abandon_rate, dtype=float),
        load_erlangs=np.asarray(a.load_erlangs, dtype=float),
        mean_wait_seconds=np.asarray(a.mean_wait_seconds, dtype=float),
        service_level_of_answered=np.asarray(a.service_level_of_answered, dtype=float),
        service_level_abandons_count=np.asarray(a.service_level_abandons_count, dtype=float),
    )
    pieces = _split_kpis(kpis, cells)
    if all(m.calibration is None for m in models):
        return pieces
    calls = cells.split(np.broadcast_to(cells.calls, np.shape(a.answer_rate)))
    agents = cells.split(np.broadcast_to(cells.agents, np.shape(a.answer_rate)))
    return [
        piece if model.calibration is None else _recalibrated(model, piece, c, n)
        for model, piece, c, n in zip(models, pieces, calls, agents, strict=True)
    ]


def _recalibrated(
    model: QueueModel, kpis: QueueKpis, calls: FloatArray, agents: FloatArray
) -> QueueKpis:
    """A calibrated queue's answer rate and service level through the calibration's logistic
    layer (where there are calls); the other KPIs are the queue layer's."""
    calibration = model.calibration
    assert calibration is not None and kpis.answer_rate is not None
    servers = agents * model.concurrency * calibration.availability
    busy = calls > 0.0
    answer_rate = np.where(
        busy, calibration.adjust_answer_rate(kpis.answer_rate, calls, servers), kpis.answer_rate
    )
    service_level = np.where(
        busy,
        calibration.adjust_service_level(
            kpis.service_level, calls, servers, model.service_threshold_seconds
        ),
        kpis.service_level,
    )
    return dataclasses.replace(
        kpis,
        answer_rate=answer_rate,
        abandon_rate=1.0 - answer_rate,
        answered=calls * answer_rate,
        service_level=np.minimum(service_level, answer_rate),
    )


def _split_kpis(kpis: QueueKpis, cells: _Cells) -> list[QueueKpis]:
    if cells.shapes is None:
        return [kpis]
    columns: dict[str, list[Any]] = {}
    for item in dataclasses.fields(QueueKpis):
        values = getattr(kpis, item.name)
        columns[item.name] = [None] * len(cells.models) if values is None else cells.split(values)
    return [
        QueueKpis(**{name: pieces[k] for name, pieces in columns.items()})
        for k in range(len(cells.models))
    ]


@dataclass(frozen=True, slots=True)
class TargetsMet:
    """Per interval, whether each target of a queue is met (None: the queue has no such
    target). `answer_rate` covers both the least answer rate and the abandon cap (the same
    target, `answer_rate_target`)."""

    service_level: NDArray[np.bool_] | None
    answer_rate: NDArray[np.bool_] | None

    @property
    def all(self) -> NDArray[np.bool_] | None:
        """Every target the queue has met; None when it has none that can be judged."""
        given = [m for m in (self.service_level, self.answer_rate) if m is not None]
        if not given:
            return None
        return np.logical_and.reduce(np.broadcast_arrays(*given))


def answer_rate_target(
    min_answer_rate: float | None, max_abandon_rate: float | None
) -> float | None:
    """The answer rate a queue is held to: its least answer rate, or 1 - its most abandon rate,
    the stricter when it has both (they are one target: answered + abandoned = offered); None
    when it has neither."""
    given = [
        r
        for r in (min_answer_rate, None if max_abandon_rate is None else 1.0 - max_abandon_rate)
        if r is not None
    ]
    return max(given) if given else None


def handle_time(contacts: ArrayLike, aht_seconds: ArrayLike) -> FloatArray:
    """Handle time the queueing maths uses: at least one second where there are contacts (a
    forecast's handle time can dip to zero in a quiet interval). A negative or non-finite handle
    time is passed on for `erlang` to refuse by name (`ErlangError` on "aht_seconds")."""
    calls = np.asarray(contacts, dtype=float)
    aht = np.asarray(aht_seconds, dtype=float)
    return np.where((calls > 0) & (aht >= 0.0) & (aht < 1.0), 1.0, aht)


def scheduled_agents(agents: ArrayLike, shrinkage: ArrayLike) -> IntArray:
    """Agents to schedule so that `agents` remain serving after shrinkage (rounded up)."""
    return np.asarray(erlang.scheduled_from_required(agents, shrinkage), dtype=np.int64)


def weighted_mean(values: ArrayLike, weights: ArrayLike) -> float | None:
    """The `weights`-weighted mean of `values` (contact-weighted KPIs over a day or week); None
    when the weights add up to nothing."""
    w = np.asarray(weights, dtype=float)
    total = float(w.sum())
    if total <= 0.0:
        return None
    return float(np.sum(np.asarray(values, dtype=float) * w) / total)


def _reshaped(values: Any, shape: tuple[int, ...]) -> Any:
    """A KPI column in `shape` (None stays None)."""
    return None if values is None else np.reshape(values, shape)


def _optional(values: ArrayLike | None) -> FloatArray | None:
    return None if values is None else np.asarray(values, dtype=float)
