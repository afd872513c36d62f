"""`/v1/webhooks` (admins: subscriptions and their deliveries) and agents' notification
preferences (`/v1/me/notification-preferences` for the agent, `/v1/agents/{code}/...` for
planners and admins). A subscription's secret is never read back."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from api.deps import PrincipalDep, SessionDep, own_agent_code, require
from api.errors import ApiError, responses
from api.notifications.schemas import (
    DeliveryRead,
    NotificationPreferencesRead,
    NotificationPreferencesUpdate,
    WebhookCreate,
    WebhookRead,
)
from api.schemas import code_path
from wfm.db.repositories import NotificationRepository, PreferenceRecord, SiteRepository
from wfm.domain.access import Permission
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.domain.notifications import DeliveryStatus
from wfm.services import notifications

router = APIRouter(tags=["notifications"])
MANAGE = [Depends(require(Permission.WEBHOOKS_MANAGE))]
AGENTS = [Depends(require(Permission.AGENTS_WRITE))]
WEBHOOK_ID = Path(ge=1, le=2**31 - 1, description="Identifier of the webhook subscription.")


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", f"{field}: {message}", [{"field": field, "message": message}])


@router.post(
    "/webhooks",
    response_model=WebhookRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=MANAGE,
    responses=responses(),
)
def create_webhook(
    body: WebhookCreate, session: SessionDep, principal: PrincipalDep, response: Response
) -> Any:
    """Subscribe a URL to event kinds (of one site, or of every site); 201 without the secret.
    422 naming the field: a URL that is not http(s), a secret shorter than 16 characters, an
    unknown event kind or site."""
    if body.site_code is not None:
        try:
            SiteRepository(session).id_of(body.site_code)
        except NotFoundError as exc:
            raise _invalid("body.site_code", str(exc)) from None
    created = NotificationRepository(session).add_webhook(
        url=body.url,
        secret=body.secret,
        event_kinds=list(dict.fromkeys(k.value for k in body.event_kinds)),
        site_code=body.site_code,
        created_by=principal.name,
        now_utc=datetime.now(UTC),
    )
    response.headers["Location"] = f"/v1/webhooks/{created.id}"
    return asdict(created)


@router.get(
    "/webhooks", response_model=list[WebhookRead], dependencies=MANAGE, responses=responses()
)
def list_webhooks(session: SessionDep) -> Any:
    """Every webhook subscription (without secrets)."""
    return [asdict(w) for w in NotificationRepository(session).list_webhooks()]


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=MANAGE,
    responses=responses(404),
)
def delete_webhook(session: SessionDep, webhook_id: int = WEBHOOK_ID) -> Response:
    """Delete the subscription and its deliveries (pending ones are no longer sent)."""
    NotificationRepository(session).delete_webhook(webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=list[DeliveryRead],
    dependencies=MANAGE,
    responses=responses(404),
)
def list_deliveries(
    session: SessionDep,
    webhook_id: int = WEBHOOK_ID,
    status_: DeliveryStatus | None = Query(
        default=None, alias="status", description="Only deliveries in this status."
    ),
    limit: int = Query(default=100, ge=1, le=1000, description="Most deliveries, newest first."),
) -> Any:
    """The subscription's deliveries, newest first: status (pending, delivered, failed: given
    up), attempts, next attempt, last error, when delivered."""
    found = NotificationRepository(session).deliveries(
        webhook_id, status=None if status_ is None else status_.value, limit=limit
    )
    return [asdict(d) for d in found]


def _preferences(record: PreferenceRecord) -> dict[str, Any]:
    return asdict(record)


def _set(session: Any, agent_code: str, body: NotificationPreferencesUpdate) -> Any:
    try:
        record = notifications.set_preferences(
            session,
            agent_code,
            email=body.email,
            channels={c.value: [k.value for k in kinds] for c, kinds in body.channels.items()},
        )
    except ValidationError as exc:
        field, _, message = str(exc).partition(": ")
        raise _invalid(f"body.{field}", message) from None
    return _preferences(record)


@router.get(
    "/me/notification-preferences",
    response_model=NotificationPreferencesRead,
    responses=responses(404),
)
def my_preferences(session: SessionDep, principal: PrincipalDep) -> Any:
    """The calling agent's e-mail address and the event kinds sent to it per channel."""
    return _preferences(notifications.preferences(session, own_agent_code(principal)))


@router.put(
    "/me/notification-preferences",
    response_model=NotificationPreferencesRead,
    responses=responses(404),
)
def set_my_preferences(
    body: NotificationPreferencesUpdate, session: SessionDep, principal: PrincipalDep
) -> Any:
    """Replace the calling agent's preferences; 422 naming the field (an e-mail channel
    without an address, a channel agents do not choose, an unknown event kind)."""
    return _set(session, own_agent_code(principal), body)


@router.get(
    "/agents/{code}/notification-preferences",
    response_model=NotificationPreferencesRead,
    dependencies=AGENTS,
    responses=responses(404),
)
def agent_preferences(session: SessionDep, code: str = code_path("agent")) -> Any:
    """An agent's notification preferences (planners and admins)."""
    return _preferences(notifications.preferences(session, code))


@router.put(
    "/agents/{code}/notification-preferences",
    response_model=NotificationPreferencesRead,
    dependencies=AGENTS,
    responses=responses(404),
)
def set_agent_preferences(
    body: NotificationPreferencesUpdate, session: SessionDep, code: str = code_path("agent")
) -> Any:
    """Replace an agent's notification preferences (planners and admins); 422 as for the
    agent's own."""
    return _set(session, code, body)
