"""Schemas of customer segments."""

from __future__ import annotations

from pydantic import Field, model_validator

from api.schemas import Code, Input, Name, Output


class SegmentCreate(Input):
    code: Code = Field(examples=["high-arpu"])
    name: Name = Field(description="Display name.", examples=["High ARPU customers"])
    arpu_min_per_month: float | None = Field(
        default=None, ge=0, le=1e9, description="Lowest monthly revenue per user in the segment."
    )
    arpu_max_per_month: float | None = Field(
        default=None, ge=0, le=1e9, description="Highest monthly revenue per user in the segment."
    )
    customer_count: int = Field(default=0, ge=0, le=10**10, description="Customers in the segment.")

    @model_validator(mode="after")
    def _range(self) -> SegmentCreate:
        low, high = self.arpu_min_per_month, self.arpu_max_per_month
        if low is not None and high is not None and low > high:
            raise ValueError("arpu_min_per_month must not exceed arpu_max_per_month")
        return self


class SegmentUpdate(Input):
    name: Name | None = Field(default=None, description="New display name.")
    arpu_min_per_month: float | None = Field(default=None, ge=0, le=1e9)
    arpu_max_per_month: float | None = Field(default=None, ge=0, le=1e9)
    customer_count: int | None = Field(default=None, ge=0, le=10**10)


class SegmentRead(Output):
    code: str = Field(description="Identifier.", examples=["high-arpu"])
    name: str = Field(description="Display name.")
    arpu_min_per_month: float | None = Field(description="Lowest monthly ARPU.")
    arpu_max_per_month: float | None = Field(description="Highest monthly ARPU.")
    customer_count: int = Field(description="Customers in the segment.")
