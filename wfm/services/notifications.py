"""Notifications through an outbox in the database.

`enqueue` writes an event and one delivery per destination (each webhook subscribed to its kind
and site, each concerned agent who asked for it by e-mail) in the caller's transaction: a change
rolled back takes its notifications with it, one committed keeps them until sent. `deliver_due`
sends what is due, records each attempt and retries failures with exponential back-off and
jitter, giving up after `WFM_NOTIFY_MAX_ATTEMPTS`. Delivery is at least once: a receiver drops
duplicates by the event id every delivery of an event carries (the same on every retry).

Hooked to: publishing a schedule (`scheduling.publish_schedule`), editing one
(`schedule_edits.edit_schedule`), sell/serve switches (`intraday.switches.record_switch`, by a
manager or auto mode); decisions on requests call `enqueue` with kind `request_decided`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from wfm.adapters.notify_transport import SmtpConfig, post_webhook, send_email
from wfm.db.repositories import DueDelivery, NotificationRepository, PreferenceRecord
from wfm.domain import Schedule
from wfm.domain.errors import ValidationError
from wfm.domain.intraday import PlanChange
from wfm.domain.jsonvalues import json_safe
from wfm.domain.notifications import (
    AGENT_CHANNELS,
    EVENT_ID_HEADER,
    EVENT_KIND_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Channel,
    DeliveryStatus,
    EventKind,
    RetryPolicy,
    email_text,
    next_attempt_at,
    signature,
)
from wfm.settings import Settings, get_settings


def enqueue(
    session: Session,
    *,
    kind: str,
    site_code: str,
    agent_codes: Sequence[str],
    payload: Mapping[str, Any],
    now_utc: datetime | None = None,
) -> str:
    """Put an event in the outbox, in the caller's transaction; returns its event id.

    `kind` is one of `EventKind` (`roster_published`, `shift_changed`, `agent_switched`,
    `request_decided`); `agent_codes` the agents it concerns (e-mailed per their preferences);
    `payload` JSON values (a `request_decided` event's e-mail reads `request_id`, `decision`
    (approved/refused) and `reason`). ValidationError for an unknown kind, NotFoundError for an
    unknown site."""
    try:
        event_kind = EventKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in EventKind)
        raise ValidationError(f"kind: {kind!r} is not an event kind ({known})") from None
    event_id, _ = NotificationRepository(session).add_event(
        kind=event_kind.value,
        site_code=site_code,
        agent_codes=list(dict.fromkeys(agent_codes)),
        payload=json_safe(dict(payload)),
        now_utc=now_utc or datetime.now(UTC),
    )
    return event_id


def roster_published(session: Session, schedule: Schedule) -> str:
    """The event of a published schedule, for every agent with a shift in it."""
    return enqueue(
        session,
        kind=EventKind.ROSTER_PUBLISHED,
        site_code=schedule.site_code,
        agent_codes=sorted({s.agent_code for s in schedule.shifts}),
        payload={
            "schedule_id": schedule.id,
            "week_start": schedule.week_start.isoformat(),
            "version": schedule.version,
        },
    )


def shift_changed(
    session: Session,
    draft: Schedule,
    *,
    edited_from_schedule_id: int,
    agent_codes: Sequence[str],
    shift_date: str,
    edit: str,
) -> str:
    """The event of a hand edit of a shift, saved as the draft `draft`."""
    return enqueue(
        session,
        kind=EventKind.SHIFT_CHANGED,
        site_code=draft.site_code,
        agent_codes=agent_codes,
        payload={
            "schedule_id": draft.id,
            "schedule_status": draft.status.value,
            "edited_from_schedule_id": edited_from_schedule_id,
            "week_start": draft.week_start.isoformat(),
            "shift_date": shift_date,
            "edit": edit,
        },
    )


def agents_switched(
    session: Session, site_code: str, changes: Sequence[PlanChange], *, source: str
) -> list[str]:
    """One event per agent switched between sell and serve (by a manager or auto mode)."""
    return [
        enqueue(
            session,
            kind=EventKind.AGENT_SWITCHED,
            site_code=site_code,
            agent_codes=[change.agent_code],
            payload={
                "plan_change_id": change.id,
                "to_activity": None if change.activity is None else change.activity.value,
                "start_utc": change.start_utc,
                "end_utc": change.end_utc,
                "queue_code": change.queue_code,
                "campaign_code": change.campaign_code,
                "source": source,
                "reason": change.reason,
            },
        )
        for change in changes
    ]


# --- agents' preferences ----------------------------------------------------------------------


def preferences(session: Session, agent_code: str) -> PreferenceRecord:
    return NotificationRepository(session).preferences(agent_code)


def set_preferences(
    session: Session,
    agent_code: str,
    *,
    email: str | None,
    channels: Mapping[str, Sequence[str]],
) -> PreferenceRecord:
    """Replace the agent's address and channels. ValidationError naming the field for an
    unknown channel or event kind, or e-mails asked for without an address."""
    known_channels = {c.value for c in AGENT_CHANNELS}
    known_kinds = {k.value for k in EventKind}
    for channel, kinds in channels.items():
        if channel not in known_channels:
            raise ValidationError(
                f"channels.{channel}: not a channel agents choose ({', '.join(known_channels)})"
            )
        for index, kind in enumerate(kinds):
            if kind not in known_kinds:
                raise ValidationError(f"channels.{channel}.{index}: {kind!r} is not an event kind")
    if channels.get(Channel.EMAIL.value) and not email:
        raise ValidationError("email: an address is needed to receive e-mails")
    order = [k.value for k in EventKind]
    cleaned = {c: sorted(set(k), key=order.index) for c, k in channels.items()}
    return NotificationRepository(session).set_preferences(
        agent_code, email=email, channels=cleaned, now_utc=datetime.now(UTC)
    )


# --- delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0  # failed now, pending again
    failed: int = 0  # given up


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        base_seconds=settings.notify_retry_base_seconds,
        cap_seconds=settings.notify_retry_cap_seconds,
        max_attempts=settings.notify_max_attempts,
    )


def smtp_config(settings: Settings) -> SmtpConfig:
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        user=settings.smtp_user,
        password=settings.smtp_password,
        sender=settings.smtp_from,
        starttls=settings.smtp_starttls,
        timeout_seconds=settings.smtp_timeout_seconds,
    )


def deliver_due(
    session: Session,
    now_utc: datetime,
    *,
    settings: Settings | None = None,
    rng: random.Random | None = None,
    limit: int | None = None,
) -> DeliveryReport:
    """Send the deliveries due at `now_utc` (at most `limit`, default `WFM_NOTIFY_BATCH_SIZE`),
    each claimed so no other worker sends it too, and record every attempt: delivered, pending
    again after the back-off, or failed once `WFM_NOTIFY_MAX_ATTEMPTS` attempts have failed."""
    settings = settings or get_settings()
    policy = retry_policy(settings)
    smtp = smtp_config(settings)
    repo = NotificationRepository(session)
    counts = {s: 0 for s in DeliveryStatus}
    for due in repo.claim_due(now_utc, limit or settings.notify_batch_size):
        if due.channel == Channel.WEBHOOK.value:
            error = _send_webhook(due, now_utc, settings.webhook_timeout_seconds)
        else:
            error = _send_email(due, smtp)
        retry_at = None if error is None else next_attempt_at(policy, due.attempts, now_utc, rng)
        status = repo.record_attempt(due.id, now_utc=now_utc, error=error, retry_at_utc=retry_at)
        counts[DeliveryStatus(status)] += 1
    return DeliveryReport(
        delivered=counts[DeliveryStatus.DELIVERED],
        retrying=counts[DeliveryStatus.PENDING],
        failed=counts[DeliveryStatus.FAILED],
    )


def webhook_body(due: DueDelivery) -> bytes:
    """The JSON a webhook receives: the event's id, kind, site, time, agents and payload."""
    document = {
        "event_id": due.event_id,
        "kind": due.kind,
        "site_code": due.site_code,
        "occurred_at": due.occurred_at_utc.astimezone(UTC).isoformat(),
        "agent_codes": list(due.agent_codes),
        "data": due.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _send_webhook(due: DueDelivery, now_utc: datetime, timeout_seconds: float) -> str | None:
    if due.secret is None:
        return "the webhook subscription is gone"
    body = webhook_body(due)
    timestamp = int(now_utc.timestamp())
    headers = {
        EVENT_ID_HEADER: due.event_id,
        EVENT_KIND_HEADER: due.kind,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(due.secret, timestamp, body),
    }
    return post_webhook(due.recipient, body, headers, timeout_seconds=timeout_seconds)


def _send_email(due: DueDelivery, smtp: SmtpConfig) -> str | None:
    text = email_text(
        EventKind(due.kind),
        language=due.language,
        timezone=due.timezone,
        site_code=due.site_code,
        agent_name=due.agent_name or due.agent_code or "",
        payload=due.payload,
    )
    return send_email(
        smtp,
        to=due.recipient,
        subject=text.subject,
        body=text.body,
        headers={EVENT_ID_HEADER: due.event_id, EVENT_KIND_HEADER: due.kind},
        message_id=f"<{due.event_id}.{due.id}@wfm>",
    )
