"""`/v1/bid-rounds` (planners) and `/v1/me/bid-rounds` (agents): shift bidding. A planner
creates a round of shift patterns, opens it, closes it and assigns it; an agent sees the
patterns open to them, ranks them and reads their own award with its explanation, never another
agent's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from api.bidding.schemas import (
    BidAwardRead,
    BidRoundCreate,
    BidRoundRead,
    MyBidRoundRead,
    RankingUpdate,
)
from api.deps import PrincipalDep, SessionDep, own_agent_code, require
from api.errors import responses
from api.schemas import CODE_PATTERN
from wfm.db.repositories import SiteRepository
from wfm.db.repositories.bidding import BidRepository
from wfm.domain.access import Permission
from wfm.services import bidding

router = APIRouter(prefix="/bid-rounds", tags=["bidding"])
me_router = APIRouter(prefix="/me/bid-rounds", tags=["bidding"])
READ = [Depends(require(Permission.SCHEDULE_READ))]
WRITE = [Depends(require(Permission.SCHEDULE_WRITE))]
OWN = [Depends(require(Permission.BIDS_OWN))]
ROUND_ID = Path(ge=1, le=2**31 - 1, description="Identifier of the bid round.")


@router.post(
    "",
    response_model=BidRoundRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
    responses=responses(404),
)
def post_round(body: BidRoundCreate, session: SessionDep, response: Response) -> Any:
    """Create a draft round of shift patterns for a site's week(s). 422 naming each field that is
    wrong (a week that is not the site's first weekday, a closing time not in the future, a
    pattern with 0 places, off the site's start grid or hours or shift lengths, an unknown
    skill, a name given twice); nothing is stored then."""
    round_id = bidding.create_round(
        session,
        site_code=body.site,
        name=body.name,
        week_start=body.week_start,
        weeks=body.weeks,
        rule=body.rule,
        closes_at_utc=body.closes_at,
        patterns=[
            bidding.PatternInput(
                name=p.name,
                weekdays=tuple(p.weekdays),
                start_local=p.start_local,
                end_local=p.end_local,
                seats=p.seats,
                skills=tuple(p.skills),
            )
            for p in body.patterns
        ],
    )
    response.headers["Location"] = f"/v1/bid-rounds/{round_id}"
    return bidding.round_view(session, BidRepository(session).get(round_id))


@router.get("", response_model=list[BidRoundRead], dependencies=READ, responses=responses(404))
def list_rounds(
    session: SessionDep,
    site: str = Query(pattern=CODE_PATTERN, description="Site."),
    limit: int = Query(default=50, ge=1, le=500, description="Most rounds, newest first."),
) -> Any:
    """The site's rounds, newest first, with their patterns and count of bids."""
    SiteRepository(session).id_of(site)
    records = BidRepository(session).list(site, limit=limit)
    return [bidding.round_view(session, r) for r in records]


@router.get("/{round_id}", response_model=BidRoundRead, dependencies=READ, responses=responses(404))
def get_round(session: SessionDep, round_id: int = ROUND_ID) -> Any:
    """A round: its state, closing time, patterns and count of bids."""
    return bidding.round_view(session, BidRepository(session).get(round_id))


@router.post(
    "/{round_id}/open",
    response_model=BidRoundRead,
    dependencies=WRITE,
    responses=responses(404, 409),
)
def open_round(session: SessionDep, round_id: int = ROUND_ID) -> Any:
    """Publish a draft round to its site's agents (409 unless a draft before its closing time)."""
    return bidding.round_view(session, bidding.open_round(session, round_id))


@router.post(
    "/{round_id}/close",
    response_model=BidRoundRead,
    dependencies=WRITE,
    responses=responses(404, 409),
)
def close_round(session: SessionDep, round_id: int = ROUND_ID) -> Any:
    """Stop an open round's bids now (409 unless open)."""
    return bidding.round_view(session, bidding.close_round(session, round_id))


@router.post(
    "/{round_id}/assign",
    response_model=list[BidAwardRead],
    dependencies=WRITE,
    responses=responses(404, 409),
)
def assign_round(session: SessionDep, round_id: int = ROUND_ID) -> Any:
    """Give every active agent of the site a pattern (or none) by the round's rule and store each
    award with its explanation; the awards in turn order. 409 unless the round is closed."""
    return bidding.results_view(bidding.assign_round(session, round_id))


@router.post(
    "/{round_id}/apply",
    response_model=BidRoundRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
    responses=responses(404, 409),
)
def apply_round(session: SessionDep, round_id: int = ROUND_ID) -> Any:
    """Make one new draft schedule per week of an assigned round from its awards, each checked
    by the roster's evaluation (the rules it breaks are in its summary,
    `bid_round_violations`); the round, now applied, lists them. 409 unless assigned."""
    return bidding.round_view(session, bidding.apply_round(session, round_id))


@router.get(
    "/{round_id}/results",
    response_model=list[BidAwardRead],
    dependencies=READ,
    responses=responses(404, 409),
)
def round_results(session: SessionDep, round_id: int = ROUND_ID) -> Any:
    """Every agent's award of an assigned round, in turn order (409 before it is assigned)."""
    return bidding.results_view(BidRepository(session).get(round_id))


# ------------------------------------------------------------------------------ agents


@me_router.get("", response_model=list[MyBidRoundRead], dependencies=OWN, responses=responses(404))
def my_rounds(session: SessionDep, principal: PrincipalDep) -> Any:
    """The published rounds of the agent's site, newest first: the patterns open to the agent,
    the agent's ranking and, once assigned, the agent's own award."""
    return bidding.my_rounds(session, own_agent_code(principal))


@me_router.put(
    "/{round_id}/ranking",
    response_model=MyBidRoundRead,
    dependencies=OWN,
    responses=responses(404, 409),
)
def put_ranking(
    body: RankingUpdate, session: SessionDep, principal: PrincipalDep, round_id: int = ROUND_ID
) -> Any:
    """Rank patterns of an open round of the agent's site, best first (replaces an earlier
    ranking). 404: no such round of the agent's site; 409: a draft or closed round; 422 naming
    each position: a pattern ranked twice, not in the round, or not open to the agent (why)."""
    return bidding.put_ranking(session, own_agent_code(principal), round_id, body.pattern_ids)


@me_router.get(
    "/{round_id}/result",
    response_model=BidAwardRead,
    dependencies=OWN,
    responses=responses(404, 409),
)
def my_result(session: SessionDep, principal: PrincipalDep, round_id: int = ROUND_ID) -> Any:
    """The agent's own award of an assigned round with its explanation (409 before)."""
    return bidding.my_result(session, own_agent_code(principal), round_id)
