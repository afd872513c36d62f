"""Notifications: webhook subscriptions, agents' preferences and the outbox (events and their
deliveries, claimed for sending so that two workers never send the same row)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from wfm.db.models import (
    AgentRow,
    NotificationDeliveryRow,
    NotificationEventRow,
    NotificationPreferenceRow,
    SiteRow,
    WebhookSubscriptionRow,
)
from wfm.db.repositories.sites import SiteRepository
from wfm.domain.errors import NotFoundError
from wfm.domain.notifications import Channel, DeliveryStatus


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    """A webhook subscription as shown to admins (its secret is never read back)."""

    id: int
    url: str
    event_kinds: tuple[str, ...]
    site_code: str | None
    created_by: str
    created_at_utc: datetime


@dataclass(frozen=True, slots=True)
class PreferenceRecord:
    agent_code: str
    email: str | None
    channels: dict[str, list[str]]  # channel -> event kinds
    updated_at_utc: datetime | None  # None: never set


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    id: int
    event_id: str
    event_kind: str
    channel: str
    status: str
    attempts: int
    next_attempt_at_utc: datetime | None  # None once delivered or given up
    last_error: str | None
    delivered_at_utc: datetime | None
    created_at_utc: datetime


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A delivery claimed for sending, with what its message is made of."""

    id: int
    event_id: str
    kind: str
    channel: str
    recipient: str
    secret: str | None  # the subscription's, for webhooks
    attempts: int  # counting this one
    site_code: str
    language: str
    timezone: str
    agent_code: str | None
    agent_name: str | None
    agent_codes: tuple[str, ...]
    payload: dict[str, Any]
    occurred_at_utc: datetime


class NotificationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- webhook subscriptions ---

    def add_webhook(
        self,
        *,
        url: str,
        secret: str,
        event_kinds: Sequence[str],
        site_code: str | None,
        created_by: str,
        now_utc: datetime,
    ) -> WebhookRecord:
        site_id = None if site_code is None else SiteRepository(self.session).id_of(site_code)
        row = WebhookSubscriptionRow(
            site_id=site_id,
            url=url,
            secret=secret,
            event_kinds=list(event_kinds),
            created_by=created_by,
            created_at=now_utc,
        )
        self.session.add(row)
        self.session.flush()
        return self.get_webhook(row.id)

    def list_webhooks(self) -> list[WebhookRecord]:
        rows = self.session.execute(
            select(WebhookSubscriptionRow, SiteRow.code)
            .outerjoin(SiteRow, SiteRow.id == WebhookSubscriptionRow.site_id)
            .order_by(WebhookSubscriptionRow.id)
        )
        return [_webhook(row, code) for row, code in rows]

    def get_webhook(self, webhook_id: int) -> WebhookRecord:
        found = self.session.execute(
            select(WebhookSubscriptionRow, SiteRow.code)
            .outerjoin(SiteRow, SiteRow.id == WebhookSubscriptionRow.site_id)
            .where(WebhookSubscriptionRow.id == webhook_id)
        ).first()
        if found is None:
            raise NotFoundError(f"no webhook {webhook_id}")
        return _webhook(found[0], found[1])

    def delete_webhook(self, webhook_id: int) -> None:
        """Delete the subscription and its deliveries (pending ones are not sent)."""
        self.get_webhook(webhook_id)
        self.session.execute(
            delete(NotificationDeliveryRow).where(
                NotificationDeliveryRow.subscription_id == webhook_id
            )
        )
        self.session.execute(
            delete(WebhookSubscriptionRow).where(WebhookSubscriptionRow.id == webhook_id)
        )
        self.session.flush()

    def deliveries(
        self, webhook_id: int, *, status: str | None, limit: int
    ) -> list[DeliveryRecord]:
        """The subscription's deliveries, newest first."""
        self.get_webhook(webhook_id)
        query = (
            select(NotificationDeliveryRow, NotificationEventRow.kind)
            .join(NotificationEventRow, NotificationEventRow.id == NotificationDeliveryRow.event_id)
            .where(NotificationDeliveryRow.subscription_id == webhook_id)
            .order_by(NotificationDeliveryRow.id.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(NotificationDeliveryRow.status == status)
        return [_delivery(row, kind) for row, kind in self.session.execute(query)]

    # --- agents' preferences ---

    def preferences(self, agent_code: str) -> PreferenceRecord:
        agent_id = self._agent_id(agent_code)
        row = self.session.get(NotificationPreferenceRow, agent_id)
        if row is None:
            return PreferenceRecord(agent_code, None, {}, None)
        return PreferenceRecord(agent_code, row.email, _channels(row.channels), row.updated_at)

    def set_preferences(
        self,
        agent_code: str,
        *,
        email: str | None,
        channels: Mapping[str, Sequence[str]],
        now_utc: datetime,
    ) -> PreferenceRecord:
        agent_id = self._agent_id(agent_code)
        row = self.session.get(NotificationPreferenceRow, agent_id)
        stored = {channel: list(kinds) for channel, kinds in channels.items()}
        if row is None:
            row = NotificationPreferenceRow(agent_id=agent_id)
            self.session.add(row)
        row.email = email
        row.channels = stored
        row.updated_at = now_utc
        self.session.flush()
        return self.preferences(agent_code)

    def _agent_id(self, agent_code: str) -> int:
        agent_id = self.session.scalar(select(AgentRow.id).where(AgentRow.code == agent_code))
        if agent_id is None:
            raise NotFoundError(f"no agent {agent_code!r}")
        return agent_id

    # --- the outbox ---

    def add_event(
        self,
        *,
        kind: str,
        site_code: str,
        agent_codes: Sequence[str],
        payload: Mapping[str, Any],
        now_utc: datetime,
    ) -> tuple[str, int]:
        """Write the event and one pending delivery per destination: each webhook subscribed to
        the kind (for the site or every site), each agent of `agent_codes` at the site who gets
        the kind by e-mail and has an address. Returns the event id and the deliveries' count."""
        site_id = SiteRepository(self.session).id_of(site_code)
        event_id = str(uuid.uuid4())
        self.session.add(
            NotificationEventRow(
                id=event_id,
                kind=kind,
                site_id=site_id,
                agent_codes=list(agent_codes),
                payload=dict(payload),
                occurred_at=now_utc,
            )
        )
        self.session.flush()
        deliveries = self._webhook_deliveries(event_id, kind, site_id, now_utc)
        deliveries += self._email_deliveries(event_id, kind, site_id, agent_codes, now_utc)
        self.session.add_all(deliveries)
        self.session.flush()
        return event_id, len(deliveries)

    def _webhook_deliveries(
        self, event_id: str, kind: str, site_id: int, now_utc: datetime
    ) -> list[NotificationDeliveryRow]:
        subscriptions = self.session.scalars(
            select(WebhookSubscriptionRow)
            .where(
                (WebhookSubscriptionRow.site_id.is_(None))
                | (WebhookSubscriptionRow.site_id == site_id)
            )
            .order_by(WebhookSubscriptionRow.id)
        )
        return [
            _pending(event_id, Channel.WEBHOOK, s.url, now_utc, subscription_id=s.id)
            for s in subscriptions
            if kind in s.event_kinds
        ]

    def _email_deliveries(
        self, event_id: str, kind: str, site_id: int, agent_codes: Sequence[str], now_utc: datetime
    ) -> list[NotificationDeliveryRow]:
        if not agent_codes:
            return []
        found = self.session.execute(
            select(AgentRow.id, NotificationPreferenceRow)
            .join(NotificationPreferenceRow, NotificationPreferenceRow.agent_id == AgentRow.id)
            .where(AgentRow.site_id == site_id, AgentRow.code.in_(sorted(set(agent_codes))))
            .order_by(AgentRow.code)
        )
        return [
            _pending(event_id, Channel.EMAIL, pref.email, now_utc, agent_id=agent_id)
            for agent_id, pref in found
            if pref.email and kind in _channels(pref.channels).get(Channel.EMAIL.value, [])
        ]

    def claim_due(self, now_utc: datetime, limit: int) -> list[DueDelivery]:
        """Claim up to `limit` pending deliveries due at `now_utc` (oldest due first) for this
        transaction, counting the attempt. On PostgreSQL the rows are locked with FOR UPDATE
        SKIP LOCKED, so another worker's transaction passes over them; on both backends each
        row is taken by a compare-and-set UPDATE (status still pending, attempts unchanged), so
        a row another transaction has just sent is never taken again."""
        rows = self.session.execute(
            select(NotificationDeliveryRow.id, NotificationDeliveryRow.attempts)
            .where(
                NotificationDeliveryRow.status == DeliveryStatus.PENDING.value,
                NotificationDeliveryRow.next_attempt_at <= now_utc,
            )
            .order_by(NotificationDeliveryRow.next_attempt_at, NotificationDeliveryRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = []
        for delivery_id, attempts in rows:
            taken = self.session.execute(
                update(NotificationDeliveryRow)
                .where(
                    NotificationDeliveryRow.id == delivery_id,
                    NotificationDeliveryRow.status == DeliveryStatus.PENDING.value,
                    NotificationDeliveryRow.attempts == attempts,
                )
                .values(attempts=attempts + 1)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(delivery_id)
        return self._due(claimed)

    def _due(self, ids: Sequence[int]) -> list[DueDelivery]:
        if not ids:
            return []
        found = self.session.execute(
            select(NotificationDeliveryRow, NotificationEventRow, SiteRow, WebhookSubscriptionRow)
            .join(NotificationEventRow, NotificationEventRow.id == NotificationDeliveryRow.event_id)
            .join(SiteRow, SiteRow.id == NotificationEventRow.site_id)
            .outerjoin(
                WebhookSubscriptionRow,
                WebhookSubscriptionRow.id == NotificationDeliveryRow.subscription_id,
            )
            .where(NotificationDeliveryRow.id.in_(ids))
            .order_by(NotificationDeliveryRow.next_attempt_at, NotificationDeliveryRow.id)
            .execution_options(populate_existing=True)
        ).all()
        agents = {
            agent_id: (code, name)
            for agent_id, code, name in self.session.execute(
                select(AgentRow.id, AgentRow.code, AgentRow.name).where(
                    AgentRow.id.in_({d.agent_id for d, *_ in found if d.agent_id is not None})
                )
            )
        }
        return [_due(d, e, s, w, agents.get(d.agent_id or 0)) for d, e, s, w in found]

    def record_attempt(
        self,
        delivery_id: int,
        *,
        now_utc: datetime,
        error: str | None,
        retry_at_utc: datetime | None,
    ) -> str:
        """Record the outcome of a claimed delivery's attempt: delivered (no error), pending
        again at `retry_at_utc`, or failed (an error and no retry). Returns the new status."""
        row = self.session.get(NotificationDeliveryRow, delivery_id)
        assert row is not None
        if error is None:
            row.status = DeliveryStatus.DELIVERED.value
            row.delivered_at = now_utc
            row.last_error = None
        elif retry_at_utc is None:
            row.status = DeliveryStatus.FAILED.value
            row.last_error = error
        else:
            row.next_attempt_at = retry_at_utc
            row.last_error = error
        self.session.flush()
        return row.status


def _channels(stored: Any) -> dict[str, list[str]]:
    if not isinstance(stored, dict):
        return {}
    return {str(k): [str(x) for x in v] for k, v in stored.items() if isinstance(v, list)}


def _pending(
    event_id: str,
    channel: Channel,
    recipient: str,
    now_utc: datetime,
    *,
    subscription_id: int | None = None,
    agent_id: int | None = None,
) -> NotificationDeliveryRow:
    return NotificationDeliveryRow(
        event_id=event_id,
        channel=channel.value,
        subscription_id=subscription_id,
        agent_id=agent_id,
        recipient=recipient,
        status=DeliveryStatus.PENDING.value,
        attempts=0,
        next_attempt_at=now_utc,
        last_error=None,
        delivered_at=None,
        created_at=now_utc,
    )


def _webhook(row: WebhookSubscriptionRow, site_code: str | None) -> WebhookRecord:
    return WebhookRecord(
        id=row.id,
        url=row.url,
        event_kinds=tuple(row.event_kinds),
        site_code=site_code,
        created_by=row.created_by,
        created_at_utc=row.created_at,
    )


def _delivery(row: NotificationDeliveryRow, kind: str) -> DeliveryRecord:
    pending = row.status == DeliveryStatus.PENDING.value
    return DeliveryRecord(
        id=row.id,
        event_id=row.event_id,
        event_kind=kind,
        channel=row.channel,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at_utc=row.next_attempt_at if pending else None,
        last_error=row.last_error,
        delivered_at_utc=row.delivered_at,
        created_at_utc=row.created_at,
    )


def _due(
    d: NotificationDeliveryRow,
    e: NotificationEventRow,
    s: SiteRow,
    w: WebhookSubscriptionRow | None,
    agent: tuple[str, str] | None,
) -> DueDelivery:
    return DueDelivery(
        id=d.id,
        event_id=e.id,
        kind=e.kind,
        channel=d.channel,
        recipient=d.recipient,
        secret=None if w is None else w.secret,
        attempts=d.attempts,
        site_code=s.code,
        language=s.default_language,
        timezone=s.timezone,
        agent_code=None if agent is None else agent[0],
        agent_name=None if agent is None else agent[1],
        agent_codes=tuple(e.agent_codes),
        payload=dict(e.payload),
        occurred_at_utc=e.occurred_at,
    )
