"""Agents' calendar subscription links: `/v1/me/calendar-feed` makes, reads and revokes the
agent's link; `GET /v1/calendar-feeds/{secret}.ics` serves it without a token, since calendar
apps (Google Calendar, Outlook, Apple Calendar) poll a URL and send no Authorization header.
The request guard (`api.guard.OPEN_PATH_PREFIXES`) lets that path through unauthenticated."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel, Field

from api.deps import PrincipalDep, SessionDep, in_transaction, own_agent_code, require
from api.errors import ApiError, responses
from api.schedules.export import schedules_ical
from wfm.domain.access import Permission
from wfm.services import calendar_feeds

router = APIRouter(tags=["me"])

FEED_PREFIX = "/calendar-feeds/"
REFRESH_MINUTES = 60  # how often the calendar asks subscribing apps to poll it
OWN = [Depends(require(Permission.SCHEDULE_READ_OWN))]
NO_FEED = "no such calendar feed"  # one answer for unknown, replaced, revoked and malformed


class CalendarFeedCreated(BaseModel):
    url: str = Field(
        description="The feed's path on this server, with its secret: shown this once only.",
        examples=["/v1/calendar-feeds/4f3KQ0c3nL1a7p9YwXh2s8dVbq5zT6mRjGkE0uA1oNc.ics"],
    )
    created_at_utc: datetime = Field(description="When the link was made.")


class CalendarFeedRead(BaseModel):
    exists: bool = Field(description="Whether the agent has a calendar subscription link.")
    created_at_utc: datetime | None = Field(
        default=None, description="When the link was made (or last replaced); null without one."
    )


@router.post(
    "/me/calendar-feed",
    response_model=CalendarFeedCreated,
    status_code=status.HTTP_201_CREATED,
    dependencies=OWN,
    responses=responses(404),
)
def create_calendar_feed(session: SessionDep, principal: PrincipalDep) -> Any:
    """Make the caller's calendar subscription link, or a new one in place of the old (which
    stops working at once). The URL holds a secret and is shown in this answer only (agent
    tokens)."""
    made = calendar_feeds.new_feed(session, agent_code=own_agent_code(principal))
    return CalendarFeedCreated(
        url=f"/v1{FEED_PREFIX}{made.secret}.ics", created_at_utc=made.created_at_utc
    )


@router.get(
    "/me/calendar-feed", response_model=CalendarFeedRead, dependencies=OWN, responses=responses(404)
)
def read_calendar_feed(session: SessionDep, principal: PrincipalDep) -> Any:
    """Whether the caller has a calendar subscription link, and since when; never its URL
    (agent tokens)."""
    created = calendar_feeds.feed_created_at(session, agent_code=own_agent_code(principal))
    return CalendarFeedRead(exists=created is not None, created_at_utc=created)


@router.delete(
    "/me/calendar-feed",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    dependencies=OWN,
    responses=responses(404),
)
def delete_calendar_feed(session: SessionDep, principal: PrincipalDep) -> Response:
    """Revoke the caller's calendar subscription link; 404 when there is none (agent tokens)."""
    calendar_feeds.revoke_feed(session, agent_code=own_agent_code(principal))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    FEED_PREFIX + "{secret}.ics",
    response_class=Response,
    responses={
        404: responses(404)[404],
        200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)."},
    },
    openapi_extra={"security": []},
)
async def calendar_feed(request: Request, secret: str) -> Response:
    """An agent's published shifts as one iCalendar, for calendar apps to subscribe to: the
    weeks from four weeks back to twelve ahead of the site's today. Needs no token: the secret
    in the path is the credential. Unknown, replaced or revoked secrets, and those of
    deactivated agents, are all 404."""
    if not calendar_feeds.well_formed(secret):  # before any database work
        raise ApiError(404, "not_found", NO_FEED)
    found = await in_transaction(
        request, lambda session: calendar_feeds.feed(session, secret=secret)
    )
    if found is None:
        raise ApiError(404, "not_found", NO_FEED)
    content = schedules_ical(
        found.schedules, found.agent_code, found.timezone, refresh_minutes=REFRESH_MINUTES
    )
    return Response(
        content=content,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "private, no-store, max-age=0",
            "Content-Disposition": f'inline; filename="{found.agent_code}.ics"',
        },
    )


# Access logs -------------------------------------------------------------------------------------

_FEED_SECRET = re.compile(r"(/v1/calendar-feeds/)[^/?\s]+?(\.ics)")


class FeedSecretFilter(logging.Filter):
    """Hides feed secrets in the server's access log lines (the path is the credential)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                _FEED_SECRET.sub(r"\1***\2", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def hide_feed_secrets(logger_name: str = "uvicorn.access") -> None:
    """Install FeedSecretFilter on the access logger once."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, FeedSecretFilter) for f in logger.filters):
        logger.addFilter(FeedSecretFilter())
