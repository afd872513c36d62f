"""Notifications, the pure part: event kinds, channels, the webhook signature, the retry
back-off and the e-mail text in the site's language (zh-CN or en).

An event (a roster published, a shift changed, an agent switched between sell and serve, a
request decided) is written to the outbox in the transaction of the change; each of its
deliveries (one per webhook subscription and per agent e-mail) is sent, retried with back-off and
given up after a number of attempts by `wfm.services.notifications.deliver_due`.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo


class EventKind(enum.StrEnum):
    ROSTER_PUBLISHED = "roster_published"
    SHIFT_CHANGED = "shift_changed"
    AGENT_SWITCHED = "agent_switched"
    REQUEST_DECIDED = "request_decided"


class Channel(enum.StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # due at next_attempt_at (again, after a failed attempt)
    DELIVERED = "delivered"
    FAILED = "failed"  # given up after the last attempt


# the agent channels a preference may name (webhooks are subscriptions admins manage)
AGENT_CHANNELS = (Channel.EMAIL,)

SECRET_MIN_LENGTH = 16
SECRET_MAX_LENGTH = 256
URL_MAX_LENGTH = 2000

# headers of a webhook delivery
EVENT_ID_HEADER = "X-WFM-Event-Id"
EVENT_KIND_HEADER = "X-WFM-Event-Kind"
TIMESTAMP_HEADER = "X-WFM-Timestamp"
SIGNATURE_HEADER = "X-WFM-Signature"
SIGNATURE_PREFIX = "sha256="


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the signature header: `sha256=` and the hex HMAC-SHA256, keyed with the
    subscription's secret (UTF-8), of the timestamp header's decimal digits, a full stop and
    the raw body."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential back-off with jitter and a cap; a delivery is given up after `max_attempts`."""

    base_seconds: float = 30.0
    cap_seconds: float = 3600.0
    max_attempts: int = 8


def retry_delay_seconds(
    policy: RetryPolicy, attempts: int, rng: random.Random | None = None
) -> float:
    """Seconds to wait after the `attempts`-th failed attempt (1 for the first): base doubled
    per attempt, capped, then drawn uniformly between half and all of it ("equal jitter"), so
    deliveries that failed together do not all come back at once."""
    ceiling = min(policy.cap_seconds, policy.base_seconds * 2 ** max(0, attempts - 1))
    draw = (rng or random).random()
    return ceiling / 2 + draw * ceiling / 2


def next_attempt_at(
    policy: RetryPolicy, attempts: int, now_utc: datetime, rng: random.Random | None = None
) -> datetime | None:
    """When to try again after the `attempts`-th failed attempt; None: give up."""
    if attempts >= policy.max_attempts:
        return None
    return now_utc + timedelta(seconds=retry_delay_seconds(policy, attempts, rng))


@dataclass(frozen=True, slots=True)
class EmailText:
    subject: str
    body: str


_SUBJECTS = {
    "en": {
        EventKind.ROSTER_PUBLISHED: "Your roster for the week of {week_start} is published",
        EventKind.SHIFT_CHANGED: "Your shift of {shift_date} has changed",
        EventKind.AGENT_SWITCHED: "You are switched to {activity} from {start}",
        EventKind.REQUEST_DECIDED: "Your request was {decision}",
    },
    "zh-CN": {
        EventKind.ROSTER_PUBLISHED: "您 {week_start} 当周的排班已发布",
        EventKind.SHIFT_CHANGED: "您 {shift_date} 的班次已变更",
        EventKind.AGENT_SWITCHED: "您已从 {start} 起切换为{activity}",
        EventKind.REQUEST_DECIDED: "您的申请已{decision}",
    },
}

_BODIES = {
    "en": {
        EventKind.ROSTER_PUBLISHED: "Hello {name},\n\nthe roster of site {site} for the week of "
        "{week_start} (version {version}) is published. Open My schedule to see your shifts.",
        EventKind.SHIFT_CHANGED: "Hello {name},\n\nyour shift of {shift_date} at site {site} "
        "was changed: {edit}.",
        EventKind.AGENT_SWITCHED: "Hello {name},\n\nyou are switched to {activity} at site "
        "{site} from {start} to {end} ({target}).",
        EventKind.REQUEST_DECIDED: "Hello {name},\n\nyour request {request} was {decision}. "
        "{reason}",
    },
    "zh-CN": {
        EventKind.ROSTER_PUBLISHED: "{name}，您好：\n\n站点 {site} {week_start} 当周的排班"
        "（第 {version} 版）已发布。请在“我的排班”中查看您的班次。",
        EventKind.SHIFT_CHANGED: "{name}，您好：\n\n您在站点 {site} {shift_date} 的班次已变更："
        "{edit}。",
        EventKind.AGENT_SWITCHED: "{name}，您好：\n\n您在站点 {site} 已切换为{activity}，"
        "时间 {start} 至 {end}（{target}）。",
        EventKind.REQUEST_DECIDED: "{name}，您好：\n\n您的申请 {request} 已{decision}。{reason}",
    },
}

_WORDS = {
    "en": {
        "sell": "selling",
        "serve": "serving",
        "approved": "approved",
        "refused": "refused",
        "accepted": "accepted",
    },
    "zh-CN": {
        "sell": "外呼销售",
        "serve": "接听服务",
        "approved": "批准",
        "refused": "拒绝",
        "accepted": "接受",
    },
}


def _local(text: Any, zone: ZoneInfo) -> str:
    """An ISO UTC moment as the site's local `YYYY-MM-DD HH:MM`; anything else as it is."""
    if not isinstance(text, str):
        return "" if text is None else str(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def email_text(
    kind: EventKind,
    *,
    language: str,
    timezone: str,
    site_code: str,
    agent_name: str,
    payload: Mapping[str, Any],
) -> EmailText:
    """The e-mail of an event to one agent, in the site's language (English unless zh-CN),
    times in the site's timezone."""
    lang = "zh-CN" if language == "zh-CN" else "en"
    zone = ZoneInfo(timezone)
    words = _WORDS[lang]
    reason = str(payload.get("reason") or "")
    fields = {
        "name": agent_name,
        "site": site_code,
        "week_start": payload.get("week_start", ""),
        "version": payload.get("version", ""),
        "shift_date": payload.get("shift_date", ""),
        "edit": payload.get("edit", ""),
        "activity": words.get(str(payload.get("to_activity")), payload.get("to_activity", "")),
        "start": _local(payload.get("start_utc"), zone),
        "end": _local(payload.get("end_utc"), zone),
        "target": payload.get("queue_code") or payload.get("campaign_code") or "",
        "request": payload.get("request_id", ""),
        "decision": words.get(str(payload.get("decision")), payload.get("decision", "")),
        "reason": reason,
    }
    return EmailText(
        subject=_SUBJECTS[lang][kind].format(**fields),
        body=_BODIES[lang][kind].format(**fields).rstrip() + "\n",
    )
