"""Dependencies: one database transaction per request, the caller's identity and permissions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.cache import TtlCache
from api.errors import ApiError
from api.settings import ApiSettings
from wfm.db.repositories import TokenEntry, TokenRepository
from wfm.db.session import unit_of_work
from wfm.domain.access import Permission, Principal, Role, hash_token

T = TypeVar("T")

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


async def in_transaction(request: Request, work: Callable[[Session], T]) -> T:
    """`work(session)` on a worker thread, in one transaction of its own: for async endpoints,
    which answer from memory when they can and reach the database only when they must."""

    def run() -> T:
        with unit_of_work(request.app.state.sessions) as session:
            return work(session)

    return await run_in_threadpool(run)


BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="wfm"'}
PRINCIPAL_KEY = "principal"  # where the request guard leaves the authenticated caller (scope state)
TOKEN_LOOKUPS = 2  # token look-ups in the database at once, per server process (own connections)


def bearer_secret(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, secret = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def _lookup(sessions: Any, token_hash: str) -> TokenEntry | str:
    """The usable token, or why it is refused (unknown, revoked, expired, agent deactivated)."""
    with unit_of_work(sessions) as session:
        return TokenRepository(session).lookup(token_hash)


def known_principal(state: Any, secret: str) -> Principal | None:
    """The owner of `secret` when the app `state`'s token cache vouches for it, else None."""
    known: Principal | None = state.token_cache.get(hash_token(secret))
    return known


async def authenticate(state: Any, secret: str | None) -> Principal:
    """The owner of the bearer token `secret`, from the app `state`'s token cache or the database;
    ApiError 401 without a token or with an unknown or revoked one.

    A known token's owner is kept in memory for `api_token_cache_seconds`, so most requests
    are authenticated without a database round trip (a revocation shows within that time). At
    most TOKEN_LOOKUPS look-ups run at once; the database pool keeps connections for them beside
    those of the admitted requests, so a flood of unknown tokens never holds up admitted work.
    """
    if not secret:
        raise ApiError(
            401,
            "unauthorized",
            "a bearer token is required (Authorization: Bearer <token>)",
            headers=BEARER_CHALLENGE,
        )
    token_hash = hash_token(secret)
    cache: TtlCache = state.token_cache
    known: Principal | None = cache.get(token_hash)
    if known is not None:
        return known
    generation = cache.generation
    async with state.token_lookups:
        entry = await run_in_threadpool(_lookup, state.sessions, token_hash)
    if isinstance(entry, str):
        raise ApiError(401, "unauthorized", entry, headers=BEARER_CHALLENGE)
    try:
        role = Role(entry.role)
    except ValueError:
        raise ApiError(
            401,
            "unauthorized",
            f"the token has an unknown role {entry.role!r}",
            headers=BEARER_CHALLENGE,
        ) from None
    principal = Principal(
        token_id=entry.id, name=entry.name, role=role, agent_code=entry.agent_code
    )
    cache.put(token_hash, principal, generation=generation)
    return principal


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The token's owner; 401 without a token or with an unknown or revoked one.

    The request guard (api.guard) has already authenticated every /v1 request before reading its
    body and left the owner in the request's state; the look-up here serves routes it does not
    guard.
    """
    known: Principal | None = request.scope.get("state", {}).get(PRINCIPAL_KEY)
    if known is not None:
        return known
    secret = credentials.credentials if credentials is not None else None
    return await authenticate(request.app.state, secret)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def own_agent_code(principal: Principal) -> str:
    """The agent a token belongs to, for the `/v1/me` endpoints; 404 for a token of no agent."""
    if principal.agent_code is None:
        raise ApiError(
            404, "not_found", "this token belongs to no agent (create one with --agent CODE)"
        )
    return principal.agent_code


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
