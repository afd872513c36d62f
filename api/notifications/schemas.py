"""Schemas of webhook subscriptions, their deliveries and agents' notification preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from api.schemas import Code, Text
from wfm.domain.notifications import (
    SECRET_MAX_LENGTH,
    SECRET_MIN_LENGTH,
    URL_MAX_LENGTH,
    Channel,
    DeliveryStatus,
    EventKind,
)


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError("must be an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("must name a host")
    return value


WebhookUrl = Annotated[
    Text,
    StringConstraints(min_length=1, max_length=URL_MAX_LENGTH),
    AfterValidator(_http_url),
]

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,255}$"
EmailAddress = Annotated[Text, StringConstraints(pattern=EMAIL_PATTERN, max_length=320)]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl = Field(
        description="Where deliveries are POSTed: an http:// or https:// URL.",
        examples=["https://chat.example.com/hooks/wfm"],
    )
    secret: Annotated[
        Text, StringConstraints(min_length=SECRET_MIN_LENGTH, max_length=SECRET_MAX_LENGTH)
    ] = Field(
        description=f"Key of the HMAC-SHA256 signature, {SECRET_MIN_LENGTH} to "
        f"{SECRET_MAX_LENGTH} characters; never shown again.",
        examples=["a-long-random-shared-secret"],
    )
    event_kinds: list[EventKind] = Field(
        min_length=1, max_length=len(EventKind), description="The event kinds delivered."
    )
    site_code: Code | None = Field(
        default=None, description="Only this site's events (null: every site's)."
    )


class WebhookRead(BaseModel):
    id: int = Field(description="Identifier of the subscription.")
    url: str = Field(description="Where deliveries are POSTed.")
    event_kinds: list[EventKind] = Field(description="The event kinds delivered.")
    site_code: str | None = Field(description="Only this site's events (null: every site's).")
    created_by: str = Field(description="Name of the token that created it.")
    created_at_utc: datetime = Field(description="When it was created.")


class DeliveryRead(BaseModel):
    id: int = Field(description="Identifier of the delivery.")
    event_id: str = Field(description="The event's id (the X-WFM-Event-Id header).")
    event_kind: EventKind = Field(description="The event's kind.")
    status: DeliveryStatus = Field(description="pending, delivered or failed (given up).")
    attempts: int = Field(description="Attempts made so far.")
    next_attempt_at_utc: datetime | None = Field(description="When a pending one is tried next.")
    last_error: str | None = Field(description="Why the last attempt failed.")
    delivered_at_utc: datetime | None = Field(description="When the receiver accepted it.")
    created_at_utc: datetime = Field(description="When the event was written to the outbox.")


class NotificationPreferencesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailAddress | None = Field(default=None, description="The agent's e-mail address.")
    channels: dict[Channel, list[EventKind]] = Field(
        default_factory=dict,
        description='Per channel the event kinds sent by it, e.g. {"email": '
        '["roster_published", "agent_switched"]}; agents choose `email` (webhooks are '
        "subscriptions admins manage).",
    )


class NotificationPreferencesRead(BaseModel):
    agent_code: str = Field(description="The agent.")
    email: str | None = Field(description="The agent's e-mail address.")
    channels: dict[str, list[EventKind]] = Field(description="Per channel the event kinds.")
    updated_at_utc: datetime | None = Field(description="When last set (null: never).")
