"""Loading a whole contact centre (sites, queues, campaigns, agents, history) in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from wfm.db.repositories import (
    AgentRepository,
    CallbackRepository,
    CampaignRepository,
    HistoryRepository,
    QueueRepository,
    SegmentRepository,
    SiteRepository,
)
from wfm.db.repositories.dialer_attempts import AttemptColumns, DialerAttemptRepository
from wfm.domain import (
    Agent,
    Availability,
    Campaign,
    IntervalRecord,
    Queue,
    Segment,
    Site,
    TimeOff,
)
from wfm.domain.dialer import Callback
from wfm.domain.errors import AlreadyExistsError
from wfm.domain.patience import keep_only_estimates
from wfm.services.patience import estimate_patience

if TYPE_CHECKING:
    from wfm.tools.demo.generator import DemoCentre


@dataclass(frozen=True, slots=True)
class CentreData:
    sites: Sequence[Site]
    queues: Sequence[Queue]
    segments: Sequence[Segment]
    campaigns: Sequence[Campaign]
    agents: Sequence[Agent]
    availability: Sequence[Availability]
    time_off: Sequence[TimeOff]
    history: Sequence[IntervalRecord]
    # dialer attempts as rows of the import format (`wfm.domain.dialer.ATTEMPT_FIELDS`)
    outbound_attempts: Sequence[Mapping[str, Any]] = ()
    callbacks: Sequence[Callback] = ()

    @classmethod
    def of_demo(cls, demo: DemoCentre) -> CentreData:
        """The entities of a generated demo centre (`wfm.tools.demo.generate_demo_centre`)."""
        return cls(
            sites=demo.sites,
            queues=demo.queues,
            segments=demo.segments,
            campaigns=demo.campaigns,
            agents=demo.agents,
            availability=demo.availability,
            time_off=demo.time_off,
            history=demo.history,
            outbound_attempts=demo.outbound_attempts,
            callbacks=demo.callbacks,
        )


@dataclass(frozen=True, slots=True)
class LoadSummary:
    sites: int
    queues: int
    segments: int
    campaigns: int
    agents: int
    availability_windows: int
    time_off_entries: int
    history_intervals: int
    offered_contacts: int
    outbound_attempts: int = 0
    callbacks: int = 0


def load_centre(
    session: Session,
    centre: CentreData,
    *,
    progress: Callable[[str], None] | None = None,
) -> LoadSummary:
    """Write the centre through the repositories; refuses if any of its sites already exists.

    A queue's patience is kept only as an estimate with its date; a bare value (the demo
    generator's design patience, say) is dropped, and each site's queues are then estimated
    from the loaded history (`wfm.services.patience`), so they show source "history" where the
    history has enough abandons. The caller owns the transaction: on any error nothing is kept.
    """
    say = progress or (lambda _message: None)
    sites = SiteRepository(session)
    existing = {s.code for s in sites.list()}
    clash = sorted(existing & {s.code for s in centre.sites})
    if clash:
        raise AlreadyExistsError(
            f"the database already holds site {clash[0]!r}; use an empty database "
            "(another --database-url, or delete the SQLite file) to generate it again"
        )
    for site in centre.sites:
        sites.add(site)
    queues = QueueRepository(session)
    for queue in centre.queues:
        queues.add(keep_only_estimates(queue))
    segments = SegmentRepository(session)
    for segment in centre.segments:
        segments.add(segment)
    campaigns = CampaignRepository(session)
    for campaign in centre.campaigns:
        campaigns.add(campaign)
    say(f"{len(centre.queues)} queues and {len(centre.campaigns)} campaigns")
    agents = AgentRepository(session)
    agents.add_many(centre.agents)
    agents.add_availability(centre.availability)
    agents.add_time_off(centre.time_off)
    say(f"{len(centre.agents)} agents with contracts, skills, availability and time off")
    history = HistoryRepository(session)
    chunk = 20_000
    for start in range(0, len(centre.history), chunk):
        history.upsert(centre.history[start : start + chunk])
        done = min(start + chunk, len(centre.history))
        say(f"history: {done}/{len(centre.history)} intervals written")
    stored = _store_attempts(session, centre.outbound_attempts)
    say(f"{stored} dialer attempts written")
    callbacks = CallbackRepository(session).add_many(centre.callbacks)
    say(f"{callbacks} callbacks written")
    for site in centre.sites:
        estimates = estimate_patience(session, site_code=site.code)
        say(
            f"patience of site {site.code}: "
            + ", ".join(f"{q.queue_code} {q.patience.source}" for q in estimates.queues)
        )
    return LoadSummary(
        sites=len(centre.sites),
        queues=len(centre.queues),
        segments=len(centre.segments),
        campaigns=len(centre.campaigns),
        agents=len(centre.agents),
        availability_windows=len(centre.availability),
        time_off_entries=len(centre.time_off),
        history_intervals=len(centre.history),
        offered_contacts=sum(r.offered for r in centre.history),
        outbound_attempts=stored,
        callbacks=callbacks,
    )


def _store_attempts(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Store dialer attempts given as import rows naming loaded campaigns, agents and segments
    (the bulk store of `DialerAttemptRepository`); returns how many were inserted."""
    if not rows:
        return 0
    repository = DialerAttemptRepository(session)
    refs = repository.references()
    campaigns = [refs.campaigns[r["campaign"]] for r in rows]
    stored = repository.store(
        AttemptColumns(
            site_ids=[site_id for _, site_id in campaigns],
            attempt_ids=[r["attempt_id"] for r in rows],
            attempted_at_utc=[r["attempted_at"] for r in rows],
            agent_ids=[refs.agents[r["agent"]] for r in rows],
            campaign_ids=[campaign_id for campaign_id, _ in campaigns],
            segment_ids=[refs.segments[r["segment"]] for r in rows],
            lead_ids=[r.get("lead_id") for r in rows],
            results=[str(r["result"]) for r in rows],
            revenues=[r.get("revenue") for r in rows],
            talk_seconds=[float(r["talk_seconds"]) for r in rows],
            wrap_seconds=[float(r["wrap_seconds"]) for r in rows],
        )
    )
    return stored.inserted
