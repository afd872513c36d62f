"""Schemas of queues."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Code, Input, Name, Output
from wfm.domain import Channel


class QueueCreate(Input):
    site_code: Code = Field(description="Site the queue belongs to.", examples=["paris"])
    code: Code = Field(examples=["retail"])
    name: Name = Field(description="Display name.", examples=["Retail banking"])
    channel: Channel = Field(default=Channel.VOICE, description="Contact channel.")
    service_level_target: float = Field(
        default=0.8, gt=0, lt=1, description="Target share answered within the threshold."
    )
    service_threshold_seconds: float = Field(
        default=20.0, ge=0, le=86_400, description="Service threshold T, seconds."
    )
    max_occupancy: float = Field(
        default=0.85, gt=0, le=1, description="Occupancy cap used when staffing."
    )
    chat_concurrency: int = Field(
        default=1, ge=1, le=20, description="Contacts an agent handles at once (chat)."
    )
    mean_patience_seconds: float | None = Field(
        default=None,
        gt=0,
        le=86_400,
        description="Mean caller patience; when set, staffing uses Erlang A.",
    )
    value_per_answered_contact: float = Field(
        default=0.0, ge=0, le=1e9, description="Value of an answered contact (currency units)."
    )
    short_abandon_threshold_seconds: float = Field(
        default=5.0, ge=0, le=3_600, description="Abandons within this are short abandons."
    )


class QueueUpdate(Input):
    name: Name | None = Field(default=None, description="New display name.")
    channel: Channel | None = Field(default=None, description="New channel.")
    service_level_target: float | None = Field(default=None, gt=0, lt=1)
    service_threshold_seconds: float | None = Field(default=None, ge=0, le=86_400)
    max_occupancy: float | None = Field(default=None, gt=0, le=1)
    chat_concurrency: int | None = Field(default=None, ge=1, le=20)
    mean_patience_seconds: float | None = Field(
        default=None, gt=0, le=86_400, description="null: no patience (Erlang C)."
    )
    value_per_answered_contact: float | None = Field(default=None, ge=0, le=1e9)
    short_abandon_threshold_seconds: float | None = Field(default=None, ge=0, le=3_600)


class QueueRead(Output):
    site_code: str = Field(description="Site of the queue.", examples=["paris"])
    code: str = Field(description="Identifier.", examples=["retail"])
    name: str = Field(description="Display name.")
    channel: Channel = Field(description="Contact channel.")
    service_level_target: float = Field(description="Target service level, fraction.")
    service_threshold_seconds: float = Field(description="Service threshold T, seconds.")
    max_occupancy: float = Field(description="Occupancy cap, fraction.")
    chat_concurrency: int = Field(description="Contacts per agent at once.")
    mean_patience_seconds: float | None = Field(description="Mean patience, seconds.")
    value_per_answered_contact: float = Field(description="Value per answered contact.")
    short_abandon_threshold_seconds: float = Field(description="Short-abandon threshold, s.")
