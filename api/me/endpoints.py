"""`/v1/me`: who the token belongs to and what it may do."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import Permission, Role
from api.deps import PrincipalDep
from api.errors import responses

router = APIRouter(tags=["me"])


class MeRead(BaseModel):
    token_id: int = Field(description="Identifier of the token (for `wfm token revoke`).")
    name: str = Field(description="Name given to the token.", examples=["planning team"])
    role: Role = Field(description="Role of the token.")
    agent_code: str | None = Field(description="For agent tokens, the agent they belong to.")
    permissions: list[Permission] = Field(description="What the role may do.")


@router.get("/me", response_model=MeRead, responses=responses())
def me(principal: PrincipalDep) -> Any:
    """The caller's token, role and permissions."""
    return MeRead(
        token_id=principal.token_id,
        name=principal.name,
        role=principal.role,
        agent_code=principal.agent_code,
        permissions=sorted(principal.permissions),
    )
