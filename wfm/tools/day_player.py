"""The live-day player behind `wfm simulate-day`: a day played through the API as it happens.

It reads the day's forecast and effective plans from the API (`GET /v1/intraday/day`), runs the
site clock from the start of the play (`PUT /v1/intraday/clock`), and then, one simulated minute
at a time:

1. advances the site clock;
2. picks up authorised plan changes recorded since the last minute (a floor manager's switch, the
   auto mode's) and lays them over the agents' plans: **switches are honoured** from that minute;
3. lets every agent follow their plan (`wfm.domain.intraday.livesim.AgentBehaviour`: short random
   lags,
   sometimes a few minutes late, the odd not-ready spell) and posts the states they send
   (`POST /v1/agent-events`);
4. at each interval start, fixes each queue's servers for the interval (agents whose state is
   serving now) and re-plays the day's calls through the erlang queue simulator; the day's true
   arrivals are the forecast times the **surprise** (e.g. +30 % from 13:00);
5. posts a snapshot of every queue (`POST /v1/queue-snapshots`): answered and abandoned so far
   today (the current interval's counts spread evenly over it), contacts waiting and longest wait
   (Erlang A at the interval's servers; the simulator reports counts per interval, not the queue
   at an instant);
6. as each interval closes, imports its row per queue as interval history
   (`POST /v1/history/import`, the import real ACD exports go through): offered, answered,
   abandoned and answered within the threshold as simulated, handle time (answered x the
   interval's handle time) and the agents who served it (`agents`: ignored by the import until
   interval history stores staffed agents). Day sums, KPIs and forecast accuracy
   follow from the import as they do for real history. A token without the history write
   permission (a floor manager's) plays the day without recording it, and says so.

Switches recorded during an interval reach the queue simulation at the next interval start.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

import httpx
import numpy as np

from wfm.domain import Activity
from wfm.domain.intraday.livesim import (
    AgentBehaviour,
    BehaviourConfig,
    SimOutcome,
    SimQueue,
    erlang_queue_now,
    servers_at,
    simulate_day,
    surprise_factors,
)
from wfm.domain.intraday.plan import ChangeKind, PlanChange, PlanSpan, apply_change
from wfm.domain.queue_model import Patience, PatienceSource, QueueModel

SERVING_STATES = {"ready"}


def _queue_model(queue: dict[str, Any], interval_minutes: int) -> QueueModel:
    """The model of a queue of the API's day plan, with the patience the server uses.

    This is the played day's *world*, not a prediction: the player predicts nothing itself (the
    floor's predictions, the intraday recommendation and the day plan, come from the server's
    model of the queue, calibrated when the queue is). What it simulates is what happens:
    whole agents serving, all of them available to the queue, and callers with the patience the
    server publishes. So it is deliberately the textbook queue, never the calibration's
    availability and logistic recalibration: those describe how a model misses a world, and a
    world has no such error (a calibration fitted on played days then measures the player's
    world, as it would a real centre's)."""
    return QueueModel(
        code=queue["queue_code"],
        interval_minutes=interval_minutes,
        service_level_target=queue["service_level_target"],
        service_threshold_seconds=queue["service_threshold_seconds"],
        patience=Patience(queue["patience_seconds"], PatienceSource(queue["patience_source"])),
        concurrency=float(queue["concurrency"]),
        min_answer_rate=queue.get("min_answer_rate"),
        max_abandon_rate=queue.get("max_abandon_rate"),
    )


class PlayerError(Exception):
    """Something the user can act on (the API refused, is unreachable, has no plan ...)."""


@dataclass(frozen=True)
class PlayConfig:
    site: str
    day: date
    speed: float = 60.0  # simulated seconds per real second; 0: as fast as possible
    surge: float = 0.3
    surge_from: dtime = dtime(13, 0)
    surge_until: dtime | None = None
    record_history: bool = True  # import each closed interval as interval history
    start: dtime | None = None  # local; default: the first shift start
    end: dtime | None = None  # local; default: the last shift end
    seed: int = 1
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)


@dataclass
class PlaySummary:
    start_utc: datetime
    end_utc: datetime
    minutes: int = 0
    events_posted: int = 0
    events_rejected: int = 0
    snapshots_posted: int = 0
    changes_honoured: int = 0
    offered: dict[str, float] = field(default_factory=dict)
    answered: dict[str, float] = field(default_factory=dict)
    answered_within_threshold: dict[str, float] = field(default_factory=dict)
    # the interval history rows imported (one per queue and closed interval), as sent
    history_rows: list[dict[str, Any]] = field(default_factory=list)
    history_note: str | None = None  # why the day was not recorded, when it was not


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _span(raw: dict[str, Any]) -> PlanSpan:
    return PlanSpan(
        _dt(raw["start_utc"]),
        _dt(raw["end_utc"]),
        Activity(raw["activity"]),
        raw.get("queue_code"),
        raw.get("campaign_code"),
        bool(raw.get("authorised_change")),
    )


def _change(raw: dict[str, Any]) -> PlanChange:
    kind = ChangeKind(raw["kind"])
    activity = Activity(raw["activity"]) if raw.get("activity") else None
    replaces = None
    if kind is ChangeKind.SWITCH and activity is not None:
        replaces = frozenset({Activity.SELL if activity is Activity.SERVE else Activity.SERVE})
    return PlanChange(
        raw["agent_code"],
        _dt(raw["start_utc"]),
        _dt(raw["end_utc"]),
        activity,
        kind=kind,
        replaces=replaces,
        queue_code=raw.get("queue_code"),
        campaign_code=raw.get("campaign_code"),
        id=raw.get("id"),
    )


class DayPlayer:
    """Plays one site's day through the API (see the module docstring)."""

    def __init__(
        self,
        client: httpx.Client,
        config: PlayConfig,
        *,
        progress: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.config = config
        self.progress = progress or (lambda _m: None)
        self.sleep = sleep

    # --- HTTP ----------------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise PlayerError(f"cannot reach the API at {self.client.base_url}: {exc}") from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text[:200]
            raise PlayerError(f"{method} {path}: HTTP {response.status_code}: {detail}")
        return response.json()

    # --- the play ------------------------------------------------------------------------------

    def load(self) -> None:
        cfg = self.config
        day = self._call(
            "GET", "/v1/intraday/day", params={"site": cfg.site, "date": cfg.day.isoformat()}
        )
        self.timezone = day["timezone"]
        self.interval_minutes = int(day["interval_minutes"])
        self.starts = [_dt(x) for x in day["interval_starts_utc"]]
        factors = surprise_factors(
            self.starts,
            self.timezone,
            surge=cfg.surge,
            from_local=cfg.surge_from,
            until_local=cfg.surge_until,
        )
        self.queues = [
            SimQueue(
                _queue_model(q, self.interval_minutes),
                list(np.asarray(q["forecast_offered"]) * factors),
                q["aht_seconds"],
            )
            for q in day["queues"]
        ]
        self.plans: dict[str, list[PlanSpan]] = {
            a["agent_code"]: [_span(s) for s in a["plan"]] for a in day["agents"]
        }
        if not self.plans:
            raise PlayerError(
                f"no agent has a published shift on {cfg.day.isoformat()} at site {cfg.site!r}"
            )
        self.default_queue = {
            a["agent_code"]: (a["queue_skills"][0] if a["queue_skills"] else None)
            for a in day["agents"]
        }
        self.behaviour = {
            code: AgentBehaviour(code, cfg.seed, cfg.behaviour) for code in self.plans
        }
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(self.timezone)
        first = min(s.start_utc for p in self.plans.values() for s in p)
        last = max(s.end_utc for p in self.plans.values() for s in p)

        def local(t: dtime) -> datetime:
            return datetime.combine(cfg.day, t, tzinfo=tz).astimezone(UTC)

        start = local(cfg.start) if cfg.start else first - timedelta(minutes=5)
        end = local(cfg.end) if cfg.end else last + timedelta(minutes=5)
        day_start, day_end = (
            self.starts[0],
            self.starts[-1] + timedelta(minutes=self.interval_minutes),
        )
        self.start = max(start.replace(second=0, microsecond=0), day_start)
        self.end = min(end, day_end)
        if self.end <= self.start:
            raise PlayerError("the play would end before it starts (check --start and --end)")
        self.last_change_id = max(
            (c["id"] for c in self._changes(after_id=None) if c.get("id") is not None), default=0
        )
        n = len(self.starts)
        self.decided = {q.queue_code: np.zeros(n, dtype=np.int64) for q in self.queues}
        self.outcomes: dict[str, SimOutcome] = {}
        self.reported = {q.queue_code: (0, 0) for q in self.queues}
        self.recorded: set[int] = set()

    def _changes(self, after_id: int | None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "site": self.config.site,
            "start_utc": self.starts[0].isoformat(),
            "end_utc": (self.starts[-1] + timedelta(days=1)).isoformat(),
        }
        if after_id is not None:
            params["after_id"] = after_id
        result: list[dict[str, Any]] = self._call("GET", "/v1/intraday/plan-changes", params=params)
        return result

    def _set_clock(self, now: datetime) -> None:
        self._call(
            "PUT",
            "/v1/intraday/clock",
            json={"site": self.config.site, "now_utc": now.isoformat(), "speed": self.config.speed},
        )

    def _interval_index(self, moment: datetime) -> int:
        length = timedelta(minutes=self.interval_minutes)
        for i, s in enumerate(self.starts):
            if s <= moment < s + length:
                return i
        return len(self.starts) - 1

    def _decide_interval(self, i: int) -> None:
        """Fix each queue's servers for interval i from who is serving now; re-play the calls."""
        serving: dict[str, int] = {}
        moment = self.starts[i]
        for code, agent in self.behaviour.items():
            if agent.current[0] in SERVING_STATES:
                queue = next(
                    (
                        s.queue_code
                        for s in self.plans[code]
                        if s.start_utc <= moment < s.end_utc and s.queue_code
                    ),
                    None,
                ) or self.default_queue.get(code)
                if queue is not None:
                    serving[queue] = serving.get(queue, 0) + 1
        length = timedelta(minutes=self.interval_minutes)
        staffing = {}
        for q in self.queues:
            self.decided[q.queue_code][i] = serving.get(q.queue_code, 0)
            ahead = np.array(
                [
                    servers_at(self.plans, self.default_queue, s + length / 2).get(q.queue_code, 0)
                    for s in self.starts
                ],
                dtype=np.int64,
            )
            ahead[: i + 1] = self.decided[q.queue_code][: i + 1]
            staffing[q.queue_code] = ahead
        self.outcomes = simulate_day(
            self.queues, staffing, interval_minutes=self.interval_minutes, seed=self.config.seed
        )

    def _snapshots(self, now: datetime) -> list[dict[str, Any]]:
        i = self._interval_index(now - timedelta(microseconds=1))
        length = timedelta(minutes=self.interval_minutes)
        fraction = min(max((now - self.starts[i]) / length, 0.0), 1.0)
        out = []
        for q in self.queues:
            o = self.outcomes[q.queue_code]
            answered = float(o.answered[:i].sum() + fraction * o.answered[i])
            abandoned = float(o.abandoned[:i].sum() + fraction * o.abandoned[i])
            prev_answered, prev_abandoned = self.reported[q.queue_code]
            answered_i = max(int(math.floor(answered + 1e-9)), prev_answered)
            abandoned_i = max(int(math.floor(abandoned + 1e-9)), prev_abandoned)
            self.reported[q.queue_code] = (answered_i, abandoned_i)
            servers = int(self.decided[q.queue_code][i])
            waiting, longest = erlang_queue_now(
                q.model, float(q.arrivals[i]), float(q.aht_seconds[i]), servers
            )
            load = float(q.arrivals[i]) * float(q.aht_seconds[i]) / q.model.interval_seconds
            ready = max(servers - load / q.model.concurrency, 0.0) if servers else 0.0
            out.append(
                {
                    "queue_code": q.queue_code,
                    "observed_at_utc": now.isoformat(),
                    "contacts_waiting": int(round(waiting)),
                    "longest_wait_seconds": round(longest, 1),
                    "agents_ready": int(round(ready)),
                    "answered_today": answered_i,
                    "abandoned_today": abandoned_i,
                }
            )
        return out

    def history_rows(self, i: int) -> list[dict[str, Any]]:
        """Interval i of every queue as an interval history row, from the simulation as it
        stands (the interval's servers are decided, so its calls are settled)."""
        rows = []
        for q in self.queues:
            o = self.outcomes[q.queue_code]
            offered = int(round(float(o.offered[i])))
            answered = min(int(round(float(o.answered[i]))), offered)
            abandoned = min(int(round(float(o.abandoned[i]))), offered - answered)
            within = min(int(round(float(o.answered_within_threshold[i]))), answered)
            rows.append(
                {
                    "queue_code": q.queue_code,
                    "interval_start": self.starts[i].isoformat(),
                    "interval_minutes": self.interval_minutes,
                    "offered": offered,
                    "answered": answered,
                    "abandoned": abandoned,
                    "answered_within_threshold": within,
                    "handle_seconds": round(answered * float(q.aht_seconds[i]), 1),
                    "agents": int(self.decided[q.queue_code][i]),
                }
            )
        return rows

    def _record(self, i: int, summary: PlaySummary) -> None:
        """Import interval i's rows as interval history (once; not when recording is off)."""
        if not self.config.record_history or summary.history_note is not None:
            return
        if i < 0 or i in self.recorded:
            return
        rows = self.history_rows(i)
        try:
            response = self.client.post(
                "/v1/history/import", json=rows, params={"unmapped": "ignore"}
            )
        except httpx.HTTPError as exc:
            raise PlayerError(f"cannot reach the API at {self.client.base_url}: {exc}") from None
        if response.status_code == 403:
            summary.history_note = (
                "the token may not write interval history (history:write): the played day is "
                "not recorded"
            )
            self.progress(summary.history_note)
            return
        if response.status_code >= 400:
            raise PlayerError(
                f"POST /v1/history/import: HTTP {response.status_code}: {response.text[:300]}"
            )
        self.recorded.add(i)
        summary.history_rows.extend(rows)

    def play(self) -> PlaySummary:
        if not hasattr(self, "plans"):
            self.load()
        cfg = self.config
        summary = PlaySummary(self.start, self.end)
        self._set_clock(self.start)
        # Calls before the play: nobody serves them yet (the roster's servers start later).
        self._decide_interval(self._interval_index(self.start))
        real_start = time.monotonic()
        now = self.start
        step = timedelta(minutes=1)
        seq = 0
        while now < self.end:
            nxt = min(now + step, self.end)
            if cfg.speed > 0:
                due = real_start + (nxt - self.start).total_seconds() / cfg.speed
                delay = due - time.monotonic()
                if delay > 0:
                    self.sleep(delay)
            self._set_clock(nxt)
            for raw in self._changes(after_id=self.last_change_id):
                change = _change(raw)
                if change.agent_code in self.plans:
                    self.plans[change.agent_code] = apply_change(
                        self.plans[change.agent_code], change
                    )
                    summary.changes_honoured += 1
                self.last_change_id = max(self.last_change_id, int(raw["id"]))
            events = []
            for code, agent in self.behaviour.items():
                for sent in agent.follow(self.plans[code], now, nxt):
                    seq += 1
                    events.append(
                        {
                            "event_id": f"sim{cfg.seed}-{cfg.day:%Y%m%d}-{code}-{seq}",
                            "agent_code": code,
                            "occurred_at_utc": sent.at_utc.isoformat(),
                            "state": sent.state,
                            **({"reason": sent.reason} if sent.reason else {}),
                        }
                    )
            if events:
                result = self._call("POST", "/v1/agent-events", json={"events": events})
                summary.events_posted += result["accepted"]
                summary.events_rejected += len(result["rejected"]) - result["duplicates"]
            i = self._interval_index(nxt)
            if self.starts[i] == nxt:  # a new interval: fix its servers, re-play the calls
                self._decide_interval(i)
                self._record(i - 1, summary)  # the interval that just closed
            snaps = self._snapshots(nxt)
            result = self._call("POST", "/v1/queue-snapshots", json={"snapshots": snaps})
            summary.snapshots_posted += result["accepted"]
            summary.minutes += 1
            if summary.minutes % 60 == 0:
                self.progress(
                    f"{nxt.isoformat()}: {summary.events_posted} events, "
                    f"{summary.changes_honoured} plan changes honoured"
                )
            now = nxt
        self._call(
            "PUT",
            "/v1/intraday/clock",
            json={"site": cfg.site, "now_utc": self.end.isoformat(), "speed": 0},
        )
        first = self._interval_index(self.start)
        last = self._interval_index(self.end - timedelta(microseconds=1))
        if self.end >= self.starts[last] + timedelta(minutes=self.interval_minutes):
            self._record(last, summary)  # the play ends as its last interval closes
        played = slice(first, last + 1)
        for code, o in self.outcomes.items():
            summary.offered[code] = float(o.offered[played].sum())
            summary.answered[code] = float(o.answered[played].sum())
            summary.answered_within_threshold[code] = float(
                o.answered_within_threshold[played].sum()
            )
        return summary
