"""Sending notifications: a webhook's POST over HTTP(S) (httpx) and an e-mail through SMTP
(smtplib). Each returns None when the message was accepted, else one line saying why not."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import httpx

ERROR_MAX_CHARS = 500


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str | None
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "wfm@localhost"
    starttls: bool = False
    timeout_seconds: float = 10.0


def _short(text: str) -> str:
    return text if len(text) <= ERROR_MAX_CHARS else text[: ERROR_MAX_CHARS - 1] + "…"


def post_webhook(
    url: str, body: bytes, headers: Mapping[str, str], *, timeout_seconds: float
) -> str | None:
    """POST `body` (JSON) to `url`; accepted when the receiver answers 2xx. Redirects are not
    followed (a redirect is an error: the receiver's address should be fixed)."""
    try:
        response = httpx.post(
            url,
            content=body,
            headers={"Content-Type": "application/json", **headers},
            timeout=timeout_seconds,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        return _short(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    if 200 <= response.status_code < 300:
        return None
    return _short(f"HTTP {response.status_code} {response.reason_phrase}".strip())


def send_email(
    config: SmtpConfig,
    *,
    to: str,
    subject: str,
    body: str,
    headers: Mapping[str, str],
    message_id: str,
) -> str | None:
    """Send a plain-text UTF-8 e-mail through the configured SMTP server."""
    if not config.host:
        return "WFM_SMTP_HOST is not set"
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name] = value
    message.set_content(body)
    try:
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds) as smtp:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.user:
                smtp.login(config.user, config.password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        return _short(f"{type(exc).__name__}: {exc}")
    return None
