"""An agent's calendar subscription link: a secret URL that calendar apps (Google Calendar,
Outlook, Apple Calendar) poll without a token, serving the agent's published shifts of a window
of weeks around the site's today.

The secret is `secrets.token_urlsafe(SECRET_BYTES)`, shown once when made; only its SHA-256 is
stored (`wfm.db.repositories.CalendarFeedRepository`), so a look-up by hash compares in the
database and never against the secret itself. The feed belongs to the agent, not to an API
token: revoking the agent's tokens leaves it working, deactivating the agent ends it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from wfm.db.repositories import CalendarFeedRepository, ScheduleRepository
from wfm.domain import Schedule
from wfm.domain.access import hash_token
from wfm.domain.errors import NotFoundError
from wfm.services.intraday.clock import site_now

SECRET_BYTES = 32  # of randomness: 43 URL-safe characters
MAX_SECRET_CHARS = 100  # longer path secrets are refused before any database work
FEED_WEEKS_BACK = 4  # the feed keeps the weeks that ended up to this many weeks ago
FEED_WEEKS_AHEAD = 12  # and serves the weeks starting up to this many weeks ahead
WEEK_DAYS = 7

_SECRET_CHARACTERS = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class NewFeed:
    """A feed just made: its secret (shown once, never stored) and when it was made."""

    secret: str
    created_at_utc: datetime


@dataclass(frozen=True, slots=True)
class Feed:
    """What a feed serves: the agent, their site's timezone, and the published schedules of the
    window's weeks (oldest first), each holding only the agent's shifts."""

    agent_code: str
    site_code: str
    timezone: str
    schedules: tuple[Schedule, ...]


def new_feed(session: Session, *, agent_code: str, now_utc: datetime | None = None) -> NewFeed:
    """Make the agent's feed, or a new secret for it: the old secret stops working."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    created = now_utc or datetime.now(UTC)
    CalendarFeedRepository(session).put(agent_code, hash_token(secret), created)
    return NewFeed(secret=secret, created_at_utc=created)


def feed_created_at(session: Session, *, agent_code: str) -> datetime | None:
    """When the agent's feed was made (or last given a new secret); None without one."""
    return CalendarFeedRepository(session).created_at(agent_code)


def revoke_feed(session: Session, *, agent_code: str) -> None:
    """End the agent's feed; NotFoundError when they have none."""
    if not CalendarFeedRepository(session).remove(agent_code):
        raise NotFoundError(f"agent {agent_code!r} has no calendar feed")


def well_formed(secret: str) -> bool:
    """Whether `secret` could be a feed's secret: URL-safe characters, at most MAX_SECRET_CHARS."""
    return 0 < len(secret) <= MAX_SECRET_CHARS and _SECRET_CHARACTERS.fullmatch(secret) is not None


def feed_weeks(today: date) -> tuple[date, date]:
    """The first and last week start a feed serves on the local day `today`: the weeks holding
    any day from FEED_WEEKS_BACK weeks before today on, up to the week starting FEED_WEEKS_AHEAD
    weeks after today."""
    return (
        _days_after(today, -(WEEK_DAYS * FEED_WEEKS_BACK + WEEK_DAYS - 1)),
        _days_after(today, WEEK_DAYS * FEED_WEEKS_AHEAD),
    )


def feed(session: Session, *, secret: str, now_utc: datetime | None = None) -> Feed | None:
    """The feed whose secret this is, or None: malformed, unknown, replaced, revoked, or its
    agent deactivated (all alike, so an answer says nothing of which)."""
    if not well_formed(secret):
        return None
    owner = CalendarFeedRepository(session).owner(hash_token(secret))
    if owner is None:
        return None
    now = now_utc if now_utc is not None else site_now(session, owner.site_code)
    first, last = feed_weeks(now.astimezone(ZoneInfo(owner.timezone)).date())
    schedules = ScheduleRepository(session).published_of_agent(
        owner.site_code, owner.agent_code, first, last
    )
    return Feed(
        agent_code=owner.agent_code,
        site_code=owner.site_code,
        timezone=owner.timezone,
        schedules=tuple(schedules),
    )


def _days_after(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min
