"""Agents' self-service under `/v1/me` (their own availability, roster preferences, shift
offers and trades), planners' preferences of any agent, and planners' decisions on trades
(`/v1/shift-trades`). An agent token reads and changes its own agent's data only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, status

from api.agents.schemas import AvailabilityRead, AvailabilityReplace
from api.cache import invalidate_kpis
from api.deps import PrincipalDep, SessionDep, own_agent_code, require
from api.errors import ApiError, responses
from api.me.schemas import (
    PreferenceRead,
    PreferencesReplace,
    ShiftOfferCreate,
    ShiftOfferRead,
    ShiftOfferTake,
    ShiftTradeRead,
    TradeDecision,
)
from api.schemas import CODE_PATTERN, code_path
from wfm.db.repositories import AgentRepository, ShiftTradeRepository, SiteRepository
from wfm.domain.access import Permission
from wfm.domain.errors import ValidationError
from wfm.domain.shift_trades import AgentPreference, ShiftTrade, TradeStatus
from wfm.services import shift_trades
from wfm.services.schedule_edits import RuleViolationError

router = APIRouter(tags=["self-service"])
SELF = [Depends(require(Permission.SELF_SERVICE))]
OFFER_ID = Path(ge=1, le=2**31 - 1, description="Identifier of the shift offer.")
TRADE_ID = Path(ge=1, le=2**31 - 1, description="Identifier of the shift trade.")


def _refused(exc: RuleViolationError | ValidationError) -> ApiError:
    """A trade breaking the roster's rules (each rule named) or a field that does not fit."""
    if isinstance(exc, RuleViolationError):
        return ApiError(
            422,
            "rule_violation",
            str(exc),
            [
                {"field": f"rule.{v.rule}", "value": v.subject, "message": v.detail}
                for v in exc.violations
            ],
        )
    field, _, message = str(exc).partition(": ")
    return ApiError(
        422, "invalid", f"body.{exc}", [{"field": f"body.{field}", "message": message or str(exc)}]
    )


def _trade(trade: ShiftTrade) -> dict[str, Any]:
    return asdict(trade)


# --- availability and preferences ----------------------------------------------------------------


@router.get(
    "/me/availability",
    response_model=list[AvailabilityRead],
    dependencies=SELF,
    responses=responses(404),
)
def my_availability(session: SessionDep, principal: PrincipalDep) -> Any:
    """Your weekly availability windows (site-local time); none: available at any time."""
    return AgentRepository(session).agent_availability(own_agent_code(principal))


@router.put(
    "/me/availability",
    response_model=list[AvailabilityRead],
    dependencies=SELF,
    responses=responses(404),
)
def replace_my_availability(
    body: AvailabilityReplace, session: SessionDep, principal: PrincipalDep
) -> Any:
    """Replace your whole weekly availability (windows on a day must not overlap; each ends
    after it starts). Rosters built from now on keep every shift inside a window of its day."""
    return AgentRepository(session).replace_availability(
        own_agent_code(principal), [(w.weekday, w.start_local, w.end_local) for w in body.windows]
    )


def _preferences(body: PreferencesReplace) -> list[AgentPreference]:
    return [
        AgentPreference(
            kind=p.kind,
            weight=p.weight,
            dates=tuple(sorted(set(p.dates))),
            weekdays=tuple(sorted(set(p.weekdays))),
            earliest_start_local=p.earliest_start_local,
            latest_start_local=p.latest_start_local,
            max_evening_shifts=p.max_evening_shifts,
            evening_from_local=p.evening_from_local,
            vto_hours_max=p.vto_hours_max,
        )
        for p in body.preferences
    ]


@router.get(
    "/me/preferences",
    response_model=list[PreferenceRead],
    dependencies=SELF,
    responses=responses(404),
)
def my_preferences(session: SessionDep, principal: PrincipalDep) -> Any:
    """Your roster preferences (days off, work days, start windows, at most so many evenings)
    and voluntary-time-off offers."""
    return [asdict(p) for p in ShiftTradeRepository(session).preferences(own_agent_code(principal))]


@router.put(
    "/me/preferences",
    response_model=list[PreferenceRead],
    dependencies=SELF,
    responses=responses(404),
)
def replace_my_preferences(
    body: PreferencesReplace, session: SessionDep, principal: PrincipalDep
) -> Any:
    """Replace your whole set of roster preferences; rosters built from now on weigh them."""
    stored = ShiftTradeRepository(session).replace_preferences(
        own_agent_code(principal), _preferences(body)
    )
    return [asdict(p) for p in stored]


@router.get(
    "/agents/{code}/preferences",
    response_model=list[PreferenceRead],
    dependencies=[Depends(require(Permission.AGENTS_READ))],
    responses=responses(404),
    tags=["agents"],
)
def agent_preferences(session: SessionDep, code: str = code_path("agent")) -> Any:
    """The agent's roster preferences."""
    return [asdict(p) for p in ShiftTradeRepository(session).preferences(code)]


@router.put(
    "/agents/{code}/preferences",
    response_model=list[PreferenceRead],
    dependencies=[Depends(require(Permission.AGENTS_WRITE))],
    responses=responses(404),
    tags=["agents"],
)
def replace_agent_preferences(
    body: PreferencesReplace, session: SessionDep, code: str = code_path("agent")
) -> Any:
    """Replace the agent's whole set of roster preferences."""
    stored = ShiftTradeRepository(session).replace_preferences(code, _preferences(body))
    return [asdict(p) for p in stored]


# --- shift offers and trades -------------------------------------------------------------------


@router.post(
    "/me/shift-offers",
    response_model=ShiftOfferRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=SELF,
    responses=responses(404, 409),
)
def offer_shift(body: ShiftOfferCreate, session: SessionDep, principal: PrincipalDep) -> Any:
    """Offer your own future published shift of a day to your site's agents (`mode`: any,
    swap_only or give_away). 422 naming `shift_date` when you have no published shift that day
    or it has started; 409 when you already offer it."""
    try:
        offer = shift_trades.offer_shift(
            session, own_agent_code(principal), body.shift_date, body.mode
        )
    except ValidationError as exc:
        raise _refused(exc) from None
    return asdict(offer)


@router.get(
    "/me/shift-offers",
    response_model=list[ShiftOfferRead],
    dependencies=SELF,
    responses=responses(404),
)
def list_offers(
    session: SessionDep,
    principal: PrincipalDep,
    mine: bool = Query(default=False, description="Your own offers (every status) instead."),
) -> Any:
    """The open offers of other agents of your site whose shift has not started and that you
    could take (skilled for its queues and campaigns, its length one of your contract's); with
    `mine=true`, your own offers."""
    code = own_agent_code(principal)
    if mine:
        return [asdict(o) for o in ShiftTradeRepository(session).offers(agent_code=code)]
    return [asdict(o) for o in shift_trades.open_offers_for(session, code)]


@router.delete(
    "/me/shift-offers/{offer_id}",
    response_model=ShiftOfferRead,
    dependencies=SELF,
    responses=responses(404, 409),
)
def cancel_offer(session: SessionDep, principal: PrincipalDep, offer_id: int = OFFER_ID) -> Any:
    """Cancel your own open offer (404 for another agent's; 409 once taken or cancelled)."""
    return asdict(shift_trades.cancel_offer(session, own_agent_code(principal), offer_id))


@router.post(
    "/me/shift-offers/{offer_id}/take",
    response_model=ShiftTradeRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=SELF,
    responses=responses(404, 409),
)
def take_offer(
    request: Request,
    body: ShiftOfferTake,
    session: SessionDep,
    principal: PrincipalDep,
    offer_id: int = OFFER_ID,
) -> Any:
    """Take another agent's open offer: the shift is given to you, or (with
    `taker_shift_date`) swapped for your own future shift of that day. Both agents' weeks are
    checked with the roster's rules first: 422 `rule_violation` names each rule the trade would
    break (skills, contract hours and days, rest, consecutive days, availability, seats), and
    nothing changes. Then the trade is `pending_approval` when the site needs a planner's
    approval, else `accepted` and the published roster changes at once. 409 when the offer was
    taken, cancelled or has expired."""
    try:
        trade, decided = shift_trades.take_offer(
            session, own_agent_code(principal), offer_id, body.taker_shift_date
        )
    except (RuleViolationError, ValidationError) as exc:
        raise _refused(exc) from None
    if decided is not None and decided.schedule_ids:
        invalidate_kpis(request.app)
    return _trade(trade)


@router.get(
    "/me/shift-trades",
    response_model=list[ShiftTradeRead],
    dependencies=SELF,
    responses=responses(404),
)
def my_trades(session: SessionDep, principal: PrincipalDep) -> Any:
    """The trades you offered or took, newest first."""
    code = own_agent_code(principal)
    site = AgentRepository(session).get(code).agent.site_code
    return [
        _trade(t) for t in ShiftTradeRepository(session).trades(site_code=site, agent_code=code)
    ]


@router.get(
    "/shift-trades",
    response_model=list[ShiftTradeRead],
    dependencies=[Depends(require(Permission.SCHEDULE_READ))],
    responses=responses(404),
)
def list_trades(
    session: SessionDep,
    site: str = Query(pattern=CODE_PATTERN, description="Site."),
    trade_status: TradeStatus | None = Query(
        default=None, alias="status", description="Only trades in this status."
    ),
) -> Any:
    """The site's shift trades (in a status, e.g. pending_approval), newest first (at most 500)."""
    SiteRepository(session).id_of(site)
    return [
        _trade(t) for t in ShiftTradeRepository(session).trades(site_code=site, status=trade_status)
    ]


@router.post(
    "/shift-trades/{trade_id}/decision",
    response_model=ShiftTradeRead,
    dependencies=[Depends(require(Permission.SCHEDULE_PUBLISH))],
    responses=responses(404, 409),
)
def decide_trade(
    request: Request,
    body: TradeDecision,
    session: SessionDep,
    principal: PrincipalDep,
    trade_id: int = TRADE_ID,
) -> Any:
    """Approve or refuse a trade waiting for approval. Approved, it is checked again on the
    roster as published now (422 `rule_violation` naming each rule, and nothing changes) and the
    published roster changes; refused (a `reason` is required), the roster stays as it is. 409
    when the trade is already decided or a shift it trades has started."""
    try:
        trade, decided = shift_trades.decide_trade(
            session,
            trade_id,
            approve=body.approve,
            reason=body.reason,
            decided_by=principal.name,
        )
    except (RuleViolationError, ValidationError) as exc:
        raise _refused(exc) from None
    if decided.schedule_ids:
        invalidate_kpis(request.app)
    return _trade(trade)
