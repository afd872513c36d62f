"""Shift swaps and trades between a site's agents, on the published roster.

An agent offers one of their own future published shifts (`offer_shift`); the site's other
agents see the open offers they could take (`open_offers_for`: skilled for every queue and
campaign the shift serves or sells, and the shift's length one of their contract's); one takes
it (`take_offer`): given away to them, or swapped for one of their own future shifts. Before a
trade is accepted the changed published weeks are checked with the roster's evaluation, as a
planner's edit is (`schedule_edits.check_edits`), and the published week after each changed week
with its last week taken from the changed one (`schedule_edits.check_following_week`: rest and
consecutive days across the boundary): a trade that breaks a hard rule the roster did not
already break (skills, contract hours and days, rest, consecutive days, availability,
seats, ...) is refused naming each rule, and nothing is written. A site that needs approval
(`Site.swaps_need_approval`) keeps the trade `pending_approval` until a planner decides it
(`decide_trade`, checked again then); otherwise it is applied at once. Applying stores each
changed week as a new version of its schedule, published in the same transaction, its summary
naming the trade. An offer expires when its shift starts.

The functions return a `TradeDecided` when a trade is decided: the agents whose published shifts
changed, for notifications."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from wfm.db.repositories import (
    AgentRepository,
    ScheduleRepository,
    ShiftTradeRepository,
    SiteRepository,
)
from wfm.domain import Agent, Schedule, ScheduleStatus, Shift
from wfm.domain.errors import ConflictError, NotFoundError, ValidationError
from wfm.domain.shift_trades import (
    OfferMode,
    OfferStatus,
    ShiftOffer,
    ShiftTrade,
    TradeDecided,
    TradeKind,
    TradeStatus,
)
from wfm.services import notifications, schedule_edits
from wfm.services.intraday.clock import site_now

WEEK_DAYS = 7


def _active_agent(session: Session, agent_code: str) -> Agent:
    record = AgentRepository(session).get(agent_code)
    if not record.active:
        raise ConflictError(f"agent {agent_code!r} has left")
    return record.agent


class PublishedWeeks:
    """The site's published schedules, each read once when first needed."""

    def __init__(self, session: Session, site_code: str) -> None:
        self.repo = ScheduleRepository(session)
        self.summaries = [
            s for s in self.repo.list(site_code) if s.status is ScheduleStatus.PUBLISHED
        ]
        self.read: dict[int, Schedule] = {}

    def covering(self, day: date) -> Schedule | None:
        """The published schedule whose week holds the local day (at most one: a site's
        published weeks never overlap)."""
        for item in self.summaries:
            if item.week_start <= day < item.week_start + timedelta(days=WEEK_DAYS):
                assert item.id is not None
                if item.id not in self.read:
                    self.read[item.id] = self.repo.get(item.id)
                return self.read[item.id]
        return None

    def shift(self, agent_code: str, day: date) -> Shift | None:
        schedule = self.covering(day)
        if schedule is None:
            return None
        return next(
            (s for s in schedule.shifts if s.agent_code == agent_code and s.shift_date == day),
            None,
        )


def published_covering(session: Session, site_code: str, day: date) -> Schedule | None:
    """The site's published schedule whose week holds the local day."""
    return PublishedWeeks(session, site_code).covering(day)


def published_shift(session: Session, site_code: str, agent_code: str, day: date) -> Shift | None:
    return PublishedWeeks(session, site_code).shift(agent_code, day)


def _future_shift(
    session: Session, agent: Agent, day: date, now_utc: datetime, field: str
) -> Shift:
    shift = published_shift(session, agent.site_code, agent.code, day)
    if shift is None:
        raise ValidationError(f"{field}: {agent.code} has no published shift on {day}")
    if shift.start_utc <= now_utc:
        raise ValidationError(
            f"{field}: {agent.code}'s shift of {day} started at "
            f"{shift.start_utc:%Y-%m-%d %H:%M} UTC; only a future shift can be traded"
        )
    return shift


def offer_shift(
    session: Session,
    agent_code: str,
    shift_date: date,
    mode: OfferMode = OfferMode.ANY,
    *,
    now_utc: datetime | None = None,
) -> ShiftOffer:
    """Offer the agent's own future published shift of `shift_date` to the site's agents."""
    agent = _active_agent(session, agent_code)
    now = now_utc or site_now(session, agent.site_code)
    shift = _future_shift(session, agent, shift_date, now, "shift_date")
    return ShiftTradeRepository(session).add_offer(
        agent_code, shift_date, shift.start_utc, shift.end_utc, mode, now
    )


def cancel_offer(
    session: Session, agent_code: str, offer_id: int, *, now_utc: datetime | None = None
) -> ShiftOffer:
    """Cancel one of the agent's own open offers (another agent's is not found)."""
    repo = ShiftTradeRepository(session)
    offer = repo.offer(offer_id)
    if offer.agent_code != agent_code:
        raise NotFoundError(f"agent {agent_code!r} has no shift offer {offer_id}")
    repo.close_offer(offer_id, OfferStatus.CANCELLED, now_utc or datetime.now(UTC))
    return repo.offer(offer_id)


def could_take(agent: Agent, shift: Shift) -> bool:
    """Whether the agent could work the shift at all: skilled for every queue it serves and
    campaign it sells, and its length one of their contract's (the rest of the rules are
    checked when it is taken)."""
    queues = {a.queue_code for a in shift.activities if a.queue_code}
    campaigns = {a.campaign_code for a in shift.activities if a.campaign_code}
    minutes = round((shift.end_utc - shift.start_utc).total_seconds() / 60)
    return (
        queues <= set(agent.queue_skills)
        and campaigns <= set(agent.campaign_skills)
        and minutes in agent.contract.shift_lengths_minutes
    )


def open_offers_for(
    session: Session, agent_code: str, *, now_utc: datetime | None = None
) -> list[ShiftOffer]:
    """The open offers of the agent's site whose shift has not started, made by others, still
    in the published roster as offered, and that the agent could take (`could_take`)."""
    agent = _active_agent(session, agent_code)
    now = now_utc or site_now(session, agent.site_code)
    found = []
    weeks = PublishedWeeks(session, agent.site_code)
    for offer in ShiftTradeRepository(session).offers(
        site_code=agent.site_code, open_after_utc=now
    ):
        if offer.agent_code == agent_code:
            continue
        shift = weeks.shift(offer.agent_code, offer.shift_date)
        if (
            shift is not None
            and shift.start_utc == offer.shift_start_utc
            and could_take(agent, shift)
        ):
            found.append(offer)
    return found


def _edits(
    offer: ShiftOffer, taker: str, taker_shift_date: date | None
) -> list[schedule_edits.ShiftEdit]:
    """The roster edits of a trade: a same-day swap is one `SwapShifts`; otherwise each shift
    is transferred to the other agent."""
    if taker_shift_date == offer.shift_date:
        return [schedule_edits.SwapShifts(offer.agent_code, taker, offer.shift_date)]
    edits: list[schedule_edits.ShiftEdit] = [
        schedule_edits.TransferShift(offer.agent_code, offer.shift_date, taker)
    ]
    if taker_shift_date is not None:
        edits.append(schedule_edits.TransferShift(taker, taker_shift_date, offer.agent_code))
    return edits


def _apply(
    session: Session,
    site_code: str,
    edits: Sequence[schedule_edits.ShiftEdit],
    *,
    store: str | None,
    now_utc: datetime,
) -> tuple[int, ...]:
    """Check the edits on each published week they touch (all of a week's edits together);
    with `store` (the description), save each week as a new version and publish it. Returns
    the published schedules' ids (none when only checked)."""
    by_week: dict[int, list[schedule_edits.ShiftEdit]] = defaultdict(list)
    schedules: dict[int, Schedule] = {}
    for edit in edits:
        schedule = published_covering(session, site_code, edit.shift_date)
        if schedule is None or schedule.id is None:
            raise ConflictError(f"no published roster holds {edit.shift_date} any more")
        schedules[schedule.id] = schedule
        by_week[schedule.id].append(edit)
    checked = [
        schedule_edits.check_edits(session, schedules[i], by_week[i]) for i in sorted(by_week)
    ]
    _check_boundaries(session, site_code, checked)
    if store is None:
        return ()
    repo = ScheduleRepository(session)
    published = []
    for week in checked:
        draft = schedule_edits.store_draft(session, week, store, now_utc=now_utc)
        assert draft.id is not None
        published.append(repo.publish(draft.id, now_utc).id or draft.id)
    return tuple(published)


def _check_boundaries(
    session: Session, site_code: str, checked: Sequence[schedule_edits.CheckedEdit]
) -> None:
    """Each edited week's following published week (edited too, or as published) checked with
    its last week from the edited one: rest and consecutive days across the boundary."""
    edited = {c.schedule.week_start: c for c in checked}
    weeks = PublishedWeeks(session, site_code)
    for week in checked:
        start = week.schedule.week_start + timedelta(days=WEEK_DAYS)
        following = edited[start].schedule if start in edited else weeks.covering(start)
        if following is None or following.week_start != start:
            continue
        shifts = edited[start].shifts if start in edited else following.shifts
        schedule_edits.check_following_week(session, following, shifts, week.shifts)


def _describe(trade_id: int, offer: ShiftOffer, taker: str, taker_date: date | None) -> str:
    if taker_date is None:
        return (
            f"shift trade {trade_id}: {offer.agent_code} gave the shift of {offer.shift_date} "
            f"to {taker}"
        )
    return (
        f"shift trade {trade_id}: {offer.agent_code} swapped the shift of {offer.shift_date} for "
        f"{taker}'s of {taker_date}"
    )


def _takeable(session: Session, taker: Agent, offer_id: int, now: datetime) -> ShiftOffer:
    offer = ShiftTradeRepository(session).offer(offer_id)
    if offer.site_code != taker.site_code:
        raise NotFoundError(f"no shift offer {offer_id} at {taker.code}'s site")
    if offer.agent_code == taker.code:
        raise ValidationError(f"offer_id: offer {offer_id} is your own; cancel it instead")
    if offer.status is not OfferStatus.OPEN:
        raise ConflictError(f"shift offer {offer_id} is {offer.status}")
    if offer.shift_start_utc <= now:
        raise ConflictError(
            f"shift offer {offer_id} expired when its shift started at "
            f"{offer.shift_start_utc:%Y-%m-%d %H:%M} UTC"
        )
    return offer


def take_offer(
    session: Session,
    taker_code: str,
    offer_id: int,
    taker_shift_date: date | None = None,
    *,
    now_utc: datetime | None = None,
) -> tuple[ShiftTrade, TradeDecided | None]:
    """Take an open offer of another agent of the site: given away to the taker, or (with
    `taker_shift_date`) swapped for the taker's own future shift of that day. The trade is
    checked (`RuleViolationError` naming each broken rule; nothing written); then it waits for
    approval when the site needs it, else it is applied at once and decided (the event)."""
    taker = _active_agent(session, taker_code)
    now = now_utc or site_now(session, taker.site_code)
    offer = _takeable(session, taker, offer_id, now)
    kind = TradeKind.GIVE_AWAY if taker_shift_date is None else TradeKind.SWAP
    if not offer.allows(kind):
        raise ValidationError(
            f"taker_shift_date: offer {offer_id} is {offer.mode}: "
            + (
                "give one of your shifts in exchange"
                if kind is TradeKind.GIVE_AWAY
                else "take it without a swap"
            )
        )
    if published_shift(session, offer.site_code, offer.agent_code, offer.shift_date) is None:
        raise ConflictError(f"the shift of shift offer {offer_id} is no longer in the roster")
    if taker_shift_date is not None:
        _future_shift(session, taker, taker_shift_date, now, "taker_shift_date")
    edits = _edits(offer, taker_code, taker_shift_date)
    _apply(session, taker.site_code, edits, store=None, now_utc=now)
    repo = ShiftTradeRepository(session)
    repo.close_offer(offer_id, OfferStatus.TAKEN, now)
    site = SiteRepository(session).get(taker.site_code)
    trade_id = repo.add_trade(
        offer, taker_code, kind, taker_shift_date, TradeStatus.PENDING_APPROVAL, now
    )
    if site.swaps_need_approval:
        return repo.trade(trade_id), None
    return _settle(session, repo.trade(trade_id), TradeStatus.ACCEPTED, "", "", now)


def _settle(
    session: Session,
    trade: ShiftTrade,
    status: TradeStatus,
    reason: str,
    decided_by: str,
    now: datetime,
) -> tuple[ShiftTrade, TradeDecided]:
    """Apply a pending trade (accepted or approved) or refuse it, and say what changed."""
    repo = ShiftTradeRepository(session)
    offer = repo.offer(trade.offer_id)
    ids: tuple[int, ...] = ()
    changed: tuple[str, ...] = ()
    if status is not TradeStatus.REFUSED:
        if offer.shift_start_utc <= now or (
            trade.taker_shift_date is not None and _started(session, trade, now)
        ):
            raise ConflictError(f"shift trade {trade.id}: a shift it trades has started")
        edits = _edits(offer, trade.taker_agent_code, trade.taker_shift_date)
        ids = _apply(
            session,
            trade.site_code,
            edits,
            store=_describe(trade.id, offer, trade.taker_agent_code, trade.taker_shift_date),
            now_utc=now,
        )
        changed = tuple(sorted({offer.agent_code, trade.taker_agent_code}))
    decided = repo.decide_trade(
        trade.id,
        expect=TradeStatus.PENDING_APPROVAL,
        status=status,
        reason=reason,
        decided_by=decided_by,
        now_utc=now,
        schedule_ids=ids,
        changed_agents=changed,
    )
    event = TradeDecided(decided.id, decided.site_code, status, changed, ids, reason)
    notifications.enqueue(
        session,
        kind="request_decided",
        site_code=decided.site_code,
        agent_codes=[offer.agent_code, trade.taker_agent_code],
        payload={
            "request_kind": "shift_trade",
            "request_id": decided.id,
            "decision": status.value,
            "reason": reason,
            "decided_by": decided_by or "auto",
            "shift_date": offer.shift_date.isoformat(),
            "schedule_ids": list(ids),
        },
        now_utc=now,
    )
    return decided, event


def _started(session: Session, trade: ShiftTrade, now: datetime) -> bool:
    assert trade.taker_shift_date is not None
    shift = published_shift(
        session, trade.site_code, trade.taker_agent_code, trade.taker_shift_date
    )
    return shift is None or shift.start_utc <= now


def decide_trade(
    session: Session,
    trade_id: int,
    *,
    approve: bool,
    reason: str,
    decided_by: str,
    now_utc: datetime | None = None,
) -> tuple[ShiftTrade, TradeDecided]:
    """A planner's decision on a trade waiting for approval: approved, it is checked again on
    the roster as it is now and applied (`RuleViolationError` and nothing written when it no
    longer keeps the rules); refused (a reason is needed), the roster is left as it is."""
    repo = ShiftTradeRepository(session)
    trade = repo.trade(trade_id)
    if trade.status is not TradeStatus.PENDING_APPROVAL:
        raise ConflictError(f"shift trade {trade_id} is {trade.status}, not pending_approval")
    if not approve and not reason.strip():
        raise ValidationError("reason: say why the trade is refused")
    now = now_utc or site_now(session, trade.site_code)
    status = TradeStatus.APPROVED if approve else TradeStatus.REFUSED
    return _settle(session, trade, status, reason.strip(), decided_by, now)
