"""Schemas of shift bidding (`scheduling.bidding`): ranges and rules are checked there, so every
refusal names the field the same way."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from api.schemas import CODE_PATTERN, AwareMoment, Day, Input, LocalTime, Name, Output
from scheduling.bidding import MAX_NAME_LENGTH, MAX_PATTERNS, MAX_SEATS, MAX_WEEKS

BidRule = Literal["seniority", "rotation"]
BidStatus = Literal["draft", "open", "closed", "assigned", "applied"]


class ShiftPatternCreate(Input):
    name: Name = Field(max_length=MAX_NAME_LENGTH, examples=["Early"])
    weekdays: list[int] = Field(
        min_length=1,
        max_length=7,
        description="Working weekdays, 0 = Monday.",
        examples=[[0, 1, 2, 3, 4]],
    )
    start_local: LocalTime = Field(description="Shift start, local, on the site's start grid.")
    end_local: LocalTime = Field(
        description="Shift end, local; at or before the start: the next day. The site's breaks "
        "for the shift's length apply."
    )
    seats: int = Field(
        ge=0, le=MAX_SEATS, description=f"Places in the pattern, 1 to {MAX_SEATS} (0 is refused)."
    )
    skills: list[Annotated[str, StringConstraints(pattern=CODE_PATTERN)]] = Field(
        default_factory=list,
        max_length=50,
        description="Queue or campaign codes of the site an agent needs all of.",
    )


class BidRoundCreate(Input):
    site: str = Field(max_length=64, description="Site code.", examples=["DUB"])
    name: Name = Field(max_length=MAX_NAME_LENGTH, examples=["Spring rota"])
    week_start: Day = Field(description="First week of the round (the site's first weekday).")
    weeks: int = Field(default=1, ge=1, le=MAX_WEEKS, description="Weeks the patterns repeat over.")
    rule: BidRule = Field(
        default="seniority",
        description="Turn order: seniority (earliest hire_date first) or rotation (whoever got "
        "the lowest choice in the site's previous assigned round first, then seniority).",
    )
    closes_at: AwareMoment = Field(description="When bids close; in the future.")
    patterns: list[ShiftPatternCreate] = Field(min_length=1, max_length=MAX_PATTERNS)


class ShiftPatternRead(Output):
    id: int
    name: str
    label: str = Field(description='Name, days and hours, e.g. "Early Mon–Fri 07:00-15:00".')
    weekdays: list[int]
    start_local: LocalTime
    end_local: LocalTime
    seats: int
    skills: list[str]
    shift_minutes: int
    weekly_paid_hours: float = Field(description="Paid hours a week (unpaid breaks deducted).")


class BidRoundRead(Output):
    id: int
    site: str
    name: str
    week_start: date
    weeks: int
    rule: BidRule
    status: BidStatus = Field(description="An open round past its closing time reads closed.")
    closes_at_utc: datetime
    created_at_utc: datetime
    assigned_at_utc: datetime | None
    patterns: list[ShiftPatternRead]
    bids: int = Field(description="Agents who have ranked patterns.")
    schedule_ids: list[int] = Field(
        description="Once applied: the draft schedules made from the awards, one per week."
    )


class BidAwardRead(Output):
    agent_code: str
    pattern_id: int | None = Field(description="The pattern given; null: none.")
    pattern: str | None = Field(description="Its label.")
    choice: int | None = Field(description="Which of the agent's choices it was; null: not ranked.")
    turn: int = Field(description="The agent's turn in the round's order, 1 first.")
    explanation: str = Field(description="Why the agent got it, in one paragraph.")
    reasons: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The explanation's parts as data, in order, for a reader in another "
        'language: `{"kind": "got", "choice", "pattern"}`, `none_of_choices` (`choices`), '
        "`no_bid`, `full` (`choice`, `pattern`, `seats`), `not_open` (`choice`, `pattern`, "
        "`why`: English), `fallback` (`pattern`), `none_open`, `all_full`, and last `turn` "
        "(`position`, `rule`, `hired`: a date or null, `last`: rotation's previous result, "
        '"missed", a choice or null).',
    )
    ranking: list[int] = Field(description="The agent's ranking (pattern ids, best first).")


class MyBidRoundRead(Output):
    id: int
    name: str
    week_start: date
    weeks: int
    rule: BidRule
    status: BidStatus
    closes_at_utc: datetime
    patterns: list[ShiftPatternRead] = Field(description="The patterns open to the agent.")
    ranking: list[int] | None = Field(description="The agent's ranking; null: no bid yet.")
    result: BidAwardRead | None = Field(description="Once assigned, the agent's own award.")


class RankingUpdate(Input):
    pattern_ids: list[int] = Field(
        min_length=1,
        max_length=MAX_PATTERNS,
        description="Pattern ids, best first, each once, each open to the agent.",
        examples=[[12, 10]],
    )
