"""Shift offers and trades between a site's agents, and agents' roster preferences.

Offers and trades change state by compare-and-set (`UPDATE ... WHERE status = expected`), so of
two requests racing for one offer or one decision exactly one wins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.orm import Session, aliased

from wfm.db.models import (
    AgentPreferenceRow,
    AgentRow,
    ShiftOfferRow,
    ShiftTradeRow,
    SiteRow,
)
from wfm.domain.errors import ConflictError, NotFoundError
from wfm.domain.shift_trades import (
    AgentPreference,
    OfferMode,
    OfferStatus,
    PreferenceKind,
    ShiftOffer,
    ShiftTrade,
    TradeKind,
    TradeStatus,
)


def _agent(session: Session, code: str) -> AgentRow:
    row = session.scalar(select(AgentRow).where(AgentRow.code == code))
    if row is None:
        raise NotFoundError(f"no agent {code!r}")
    return row


class ShiftTradeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- offers --------------------------------------------------------------------------------

    def add_offer(
        self,
        agent_code: str,
        shift_date: date,
        shift_start_utc: datetime,
        shift_end_utc: datetime,
        mode: OfferMode,
        now_utc: datetime,
    ) -> ShiftOffer:
        """A new open offer; ConflictError when the agent already offers that day's shift."""
        agent = _agent(self.session, agent_code)
        clash = self.session.scalar(
            select(ShiftOfferRow.id).where(
                ShiftOfferRow.agent_id == agent.id,
                ShiftOfferRow.shift_date == shift_date,
                ShiftOfferRow.status == OfferStatus.OPEN.value,
            )
        )
        if clash is not None:
            raise ConflictError(f"shift_date: {shift_date} is already offered (offer {clash})")
        row = ShiftOfferRow(
            site_id=agent.site_id,
            agent_id=agent.id,
            shift_date=shift_date,
            shift_start_utc=shift_start_utc,
            shift_end_utc=shift_end_utc,
            mode=mode.value,
            status=OfferStatus.OPEN.value,
            created_at=now_utc,
        )
        self.session.add(row)
        self.session.flush()
        return self.offer(row.id)

    def _offers(self) -> Select[ShiftOfferRow, str, str, str]:
        return (
            select(ShiftOfferRow, AgentRow.code, AgentRow.name, SiteRow.code)
            .join(AgentRow, ShiftOfferRow.agent_id == AgentRow.id)
            .join(SiteRow, ShiftOfferRow.site_id == SiteRow.id)
        )

    def offer(self, offer_id: int) -> ShiftOffer:
        found = self.session.execute(self._offers().where(ShiftOfferRow.id == offer_id)).first()
        if found is None:
            raise NotFoundError(f"no shift offer {offer_id}")
        return _offer(*found)

    def offers(
        self,
        *,
        site_code: str | None = None,
        agent_code: str | None = None,
        open_after_utc: datetime | None = None,
        limit: int = 500,
    ) -> list[ShiftOffer]:
        """Offers of the site or the agent, by shift start; with `open_after_utc`, only the open
        ones whose shift starts after it."""
        stmt = self._offers().order_by(ShiftOfferRow.shift_start_utc, ShiftOfferRow.id)
        if site_code is not None:
            stmt = stmt.where(SiteRow.code == site_code)
        if agent_code is not None:
            stmt = stmt.where(AgentRow.code == agent_code)
        if open_after_utc is not None:
            stmt = stmt.where(
                ShiftOfferRow.status == OfferStatus.OPEN.value,
                ShiftOfferRow.shift_start_utc > open_after_utc,
            )
        return [_offer(*found) for found in self.session.execute(stmt.limit(limit))]

    def close_offer(self, offer_id: int, status: OfferStatus, now_utc: datetime) -> None:
        """Close an open offer (taken or cancelled); ConflictError when it is no longer open
        (of two takers of one offer, one wins)."""
        claimed = self.session.execute(
            update(ShiftOfferRow)
            .where(ShiftOfferRow.id == offer_id, ShiftOfferRow.status == OfferStatus.OPEN.value)
            .values(status=status.value, closed_at=now_utc)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(f"shift offer {offer_id} is {self.offer(offer_id).status}")

    # --- trades --------------------------------------------------------------------------------

    def add_trade(
        self,
        offer: ShiftOffer,
        taker_code: str,
        kind: TradeKind,
        taker_shift_date: date | None,
        status: TradeStatus,
        now_utc: datetime,
    ) -> int:
        taker = _agent(self.session, taker_code)
        row = ShiftTradeRow(
            site_id=taker.site_id,
            offer_id=offer.id,
            taker_agent_id=taker.id,
            kind=kind.value,
            taker_shift_date=taker_shift_date,
            status=status.value,
            reason="",
            decided_by="",
            schedule_ids=[],
            changed_agents=[],
            created_at=now_utc,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def _trades(
        self, agent_code: str | None = None
    ) -> Select[ShiftTradeRow, ShiftOfferRow, str, str, str]:
        """Trades with their offer, offerer, taker and site; with `agent_code`, only those the
        agent offered or took."""
        taker = aliased(AgentRow)
        offerer = aliased(AgentRow)
        stmt = (
            select(ShiftTradeRow, ShiftOfferRow, offerer.code, taker.code, SiteRow.code)
            .join(ShiftOfferRow, ShiftTradeRow.offer_id == ShiftOfferRow.id)
            .join(offerer, ShiftOfferRow.agent_id == offerer.id)
            .join(taker, ShiftTradeRow.taker_agent_id == taker.id)
            .join(SiteRow, ShiftTradeRow.site_id == SiteRow.id)
        )
        if agent_code is not None:
            stmt = stmt.where(or_(offerer.code == agent_code, taker.code == agent_code))
        return stmt

    def trade(self, trade_id: int) -> ShiftTrade:
        found = self.session.execute(self._trades().where(ShiftTradeRow.id == trade_id)).first()
        if found is None:
            raise NotFoundError(f"no shift trade {trade_id}")
        return _trade(*found)

    def trades(
        self,
        *,
        site_code: str | None = None,
        status: TradeStatus | None = None,
        agent_code: str | None = None,
        limit: int = 500,
    ) -> list[ShiftTrade]:
        """Trades of the site (in a status; of the agent, offering or taking), newest first."""
        stmt = self._trades(agent_code).order_by(ShiftTradeRow.id.desc())
        if site_code is not None:
            stmt = stmt.where(SiteRow.code == site_code)
        if status is not None:
            stmt = stmt.where(ShiftTradeRow.status == status.value)
        return [_trade(*f) for f in self.session.execute(stmt.limit(limit))]

    def decide_trade(
        self,
        trade_id: int,
        *,
        expect: TradeStatus,
        status: TradeStatus,
        reason: str,
        decided_by: str,
        now_utc: datetime,
        schedule_ids: Sequence[int],
        changed_agents: Sequence[str],
    ) -> ShiftTrade:
        """Move a trade from `expect` to `status`; ConflictError when it is no longer in
        `expect` (of two decisions, one wins)."""
        claimed = self.session.execute(
            update(ShiftTradeRow)
            .where(ShiftTradeRow.id == trade_id, ShiftTradeRow.status == expect.value)
            .values(
                status=status.value,
                reason=reason,
                decided_by=decided_by,
                decided_at=now_utc,
                schedule_ids=list(schedule_ids),
                changed_agents=list(changed_agents),
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(
                f"shift trade {trade_id} is {self.trade(trade_id).status}, not {expect}"
            )
        self.session.expire_all()
        return self.trade(trade_id)

    # --- preferences ---------------------------------------------------------------------------

    def preferences(self, agent_code: str) -> list[AgentPreference]:
        agent = _agent(self.session, agent_code)
        rows = self.session.scalars(
            select(AgentPreferenceRow)
            .where(AgentPreferenceRow.agent_id == agent.id)
            .order_by(AgentPreferenceRow.id)
        )
        return [_preference(r) for r in rows]

    def site_preferences(self, site_code: str) -> dict[str, list[AgentPreference]]:
        """Every agent of the site with preferences: theirs, by agent code."""
        stmt = (
            select(AgentPreferenceRow, AgentRow.code)
            .join(AgentRow, AgentPreferenceRow.agent_id == AgentRow.id)
            .join(SiteRow, AgentRow.site_id == SiteRow.id)
            .where(SiteRow.code == site_code)
            .order_by(AgentRow.code, AgentPreferenceRow.id)
        )
        found: dict[str, list[AgentPreference]] = {}
        for row, code in self.session.execute(stmt):
            found.setdefault(code, []).append(_preference(row))
        return found

    def replace_preferences(
        self, agent_code: str, preferences: Sequence[AgentPreference]
    ) -> list[AgentPreference]:
        agent = _agent(self.session, agent_code)
        self.session.execute(
            delete(AgentPreferenceRow).where(AgentPreferenceRow.agent_id == agent.id)
        )
        self.session.add_all(
            AgentPreferenceRow(
                agent_id=agent.id,
                kind=p.kind.value,
                weight=p.weight,
                dates=[d.isoformat() for d in p.dates],
                weekdays=list(p.weekdays),
                earliest_start_local=p.earliest_start_local,
                latest_start_local=p.latest_start_local,
                max_evening_shifts=p.max_evening_shifts,
                evening_from_local=p.evening_from_local,
                vto_hours_max=p.vto_hours_max,
            )
            for p in preferences
        )
        self.session.flush()
        return self.preferences(agent_code)


def _offer(row: ShiftOfferRow, agent_code: str, agent_name: str, site_code: str) -> ShiftOffer:
    return ShiftOffer(
        id=row.id,
        site_code=site_code,
        agent_code=agent_code,
        agent_name=agent_name,
        shift_date=row.shift_date,
        shift_start_utc=row.shift_start_utc,
        shift_end_utc=row.shift_end_utc,
        mode=OfferMode(row.mode),
        status=OfferStatus(row.status),
        created_at_utc=row.created_at,
        closed_at_utc=row.closed_at,
    )


def _trade(
    row: ShiftTradeRow, offer: ShiftOfferRow, offerer: str, taker: str, site_code: str
) -> ShiftTrade:
    return ShiftTrade(
        id=row.id,
        site_code=site_code,
        offer_id=offer.id,
        offer_agent_code=offerer,
        offer_shift_date=offer.shift_date,
        taker_agent_code=taker,
        kind=TradeKind(row.kind),
        taker_shift_date=row.taker_shift_date,
        status=TradeStatus(row.status),
        reason=row.reason,
        decided_by=row.decided_by,
        decided_at_utc=row.decided_at,
        schedule_ids=tuple(int(i) for i in row.schedule_ids),
        changed_agents=tuple(str(c) for c in row.changed_agents),
        created_at_utc=row.created_at,
    )


def _preference(row: AgentPreferenceRow) -> AgentPreference:
    return AgentPreference(
        kind=PreferenceKind(row.kind),
        weight=row.weight,
        dates=tuple(date.fromisoformat(str(d)) for d in row.dates),
        weekdays=tuple(int(w) for w in row.weekdays),
        earliest_start_local=row.earliest_start_local,
        latest_start_local=row.latest_start_local,
        max_evening_shifts=row.max_evening_shifts,
        evening_from_local=row.evening_from_local,
        vto_hours_max=row.vto_hours_max,
    )
