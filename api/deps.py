"""Dependencies: one database transaction per request, the caller's identity and permissions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth import Permission, Principal, Role, hash_token
from api.errors import ApiError
from api.settings import ApiSettings
from wfm.db.repositories.edits import TokenLookup
from wfm.db.session import unit_of_work

_bearer = HTTPBearer(
    auto_error=False,
    description="A token from `wfm token create --role ROLE --name NAME`.",
)


async def get_settings(request: Request) -> ApiSettings:
    """The server's settings (async: no I/O, so FastAPI need not hand it to a worker thread)."""
    settings: ApiSettings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the endpoint returns, rolled back on error."""
    with unit_of_work(request.app.state.sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]


def get_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The token's owner; 401 without a token or with an unknown or revoked one."""
    challenge = {"WWW-Authenticate": 'Bearer realm="wfm"'}
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise ApiError(
            401,
            "unauthorized",
            "a bearer token is required (Authorization: Bearer <token>)",
            headers=challenge,
        )
    entry = TokenLookup(session).active(hash_token(credentials.credentials))
    if entry is None:
        raise ApiError(
            401, "unauthorized", "the bearer token is unknown or revoked", headers=challenge
        )
    try:
        role = Role(entry.role)
    except ValueError:
        raise ApiError(
            401, "unauthorized", f"the token has an unknown role {entry.role!r}", headers=challenge
        ) from None
    return Principal(token_id=entry.id, name=entry.name, role=role, agent_code=entry.agent_code)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*permissions: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets the request through when the token has any of the permissions."""

    async def check(principal: PrincipalDep) -> Principal:  # no I/O: on the event loop
        if not any(principal.can(p) for p in permissions):
            needed = " or ".join(p.value for p in permissions)
            raise ApiError(
                403,
                "forbidden",
                f"role {principal.role.value!r} lacks the permission {needed}",
            )
        return principal

    return check
