"""Schemas of the outbound data: dialer outcome imports, lead lists, callbacks, targets."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from api.campaigns.schemas import CallingWindowRead, CallingWindowSchema
from api.schemas import AwareMoment, Code, Input, Output
from wfm.domain.dialer import CallbackStatus

LEAD_ID = Field(default=None, min_length=1, max_length=128, description="The lead's id.")


class AttemptImportRead(Output):
    rows: int = Field(description="Data rows read.", examples=[1000])
    imported: int = Field(description="Attempts stored (new ids); 0 for a dry run.")
    unchanged: int = Field(
        description="Attempts whose id was already stored (or repeated in the upload) with the "
        "same content: left as they were."
    )
    dry_run: bool = Field(description="true: checked only, nothing stored.")
    campaigns: list[str] = Field(description="Campaigns the rows name.")
    first_attempt_utc: datetime | None = Field(description="Earliest attempt.")
    last_attempt_utc: datetime | None = Field(description="Latest attempt.")


class LeadListCreate(Input):
    campaign_code: Code = Field(description="Campaign calling the list.", examples=["renewals"])
    segment_code: Code = Field(description="ARPU segment of its leads.", examples=["gold"])
    code: Code = Field(description="Unique within the campaign.", examples=["gold-march"])
    size_leads: int = Field(ge=0, le=1_000_000_000, description="Leads on the list.")
    calling_windows: list[CallingWindowSchema] = Field(
        default_factory=list,
        max_length=70,
        description="Local hours its leads may be called; empty: the campaign's.",
    )
    max_attempts_per_lead: int = Field(
        default=3, ge=1, le=100, description="Attempts at most per lead."
    )
    cool_off_minutes: int = Field(
        default=240, ge=0, le=525_600, description="Least minutes between two attempts on a lead."
    )
    do_not_call_leads: int = Field(
        default=0, ge=0, le=1_000_000_000, description="Leads on a do-not-call list (not called)."
    )


class LeadListUpdate(Input):
    segment_code: Code | None = Field(default=None)
    size_leads: int | None = Field(default=None, ge=0, le=1_000_000_000)
    calling_windows: list[CallingWindowSchema] | None = Field(default=None, max_length=70)
    max_attempts_per_lead: int | None = Field(default=None, ge=1, le=100)
    cool_off_minutes: int | None = Field(default=None, ge=0, le=525_600)
    do_not_call_leads: int | None = Field(default=None, ge=0, le=1_000_000_000)


class LeadListRead(Output):
    campaign_code: str = Field(description="Campaign.")
    segment_code: str = Field(description="Segment.")
    code: str = Field(description="Code within the campaign.")
    size_leads: int = Field(description="Leads on the list.")
    calling_windows: list[CallingWindowRead] = Field(description="Calling hours; [] campaign's.")
    max_attempts_per_lead: int = Field(description="Attempts at most per lead.")
    cool_off_minutes: int = Field(description="Least minutes between two attempts on a lead.")
    do_not_call_leads: int = Field(description="Leads not to be called.")
    created_at_utc: datetime = Field(description="When it was created.")
    updated_at_utc: datetime = Field(description="When it last changed.")


class CallbackCreate(Input):
    campaign_code: Code = Field(description="Campaign that owes the call.")
    due_at: AwareMoment = Field(description="When the call is due (with an offset).")
    segment_code: Code | None = Field(default=None, description="Segment of the customer.")
    lead_id: str | None = LEAD_ID
    attempt_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="The dialer attempt it came from (result callback_requested, at the "
        "campaign's site); its segment and lead fill those not given.",
    )


class CallbackUpdate(Input):
    due_at: AwareMoment | None = Field(default=None, description="New due instant.")
    status: CallbackStatus | None = Field(default=None, description="open, done or missed.")
    segment_code: Code | None = Field(default=None, description="Segment; null: none.")
    lead_id: str | None = LEAD_ID


class CallbackRead(Output):
    id: int = Field(description="Identifier.")
    campaign_code: str = Field(description="Campaign.")
    due_at_utc: datetime = Field(description="When the call is due, UTC.")
    segment_code: str | None = Field(description="Segment.")
    lead_id: str | None = Field(description="Lead.")
    status: CallbackStatus = Field(description="open, done or missed.")
    attempt_id: str | None = Field(description="The attempt it came from.")
    created_at_utc: datetime = Field(description="When it was created.")
    updated_at_utc: datetime = Field(description="When it last changed.")


class CampaignTargetsRead(Output):
    campaign_code: str = Field(description="Campaign.")
    target_sales: int | None = Field(description="Sales target; null: none.")
    target_hours: float | None = Field(description="Hours target; null: none.")
    target_completes: int | None = Field(description="Completed-calls target; null: none.")
    deadline: date | None = Field(description="Last day of the campaign (site's calendar).")
    attempts: int = Field(description="Dialer attempts imported for it.")
    contacts: int = Field(
        description="Of which reached the customer (contact, refusal, sale, callback requested)."
    )
    sales: int = Field(description="Of which sales.")
    revenue: float = Field(description="Revenue of those sales.")
    handled_hours: float = Field(description="Talk plus wrap time of the attempts, hours.")
    lead_lists: int = Field(description="Its lead lists.")
    leads: int = Field(description="Leads on them.")
    open_callbacks: int = Field(description="Callbacks still open.")


class SoldFiguresRead(Output):
    attempts: int = Field(description="Dialer attempts placed.")
    contacts: int = Field(description="Attempts that reached the customer.")
    sales: int = Field(description="Attempts that sold.")
    revenue: float = Field(description="Revenue (or margin) of the sales.")
    planned_revenue: float | None = Field(
        description="What the published rosters planned to sell; null where the plan has no "
        "such figure (segments, or no published roster covers the window)."
    )
    revenue_in_plan: float = Field(
        description="Revenue of the attempts in the time a published roster covers."
    )
    revenue_vs_plan: float | None = Field(description="revenue_in_plan - planned_revenue.")
    contact_rate: float | None = Field(description="contacts / attempts; null without attempts.")
    conversion: float | None = Field(description="sales / contacts; null without contacts.")


class CampaignSoldRead(SoldFiguresRead):
    campaign_code: str


class SegmentSoldRead(SoldFiguresRead):
    segment_code: str


class CampaignSegmentSoldRead(SoldFiguresRead):
    campaign_code: str
    segment_code: str


class HourSoldRead(SoldFiguresRead):
    hour: int = Field(ge=0, le=23, description="Local hour of day.")


class ValuePerPaidHourRead(Output):
    paid_hours: float = Field(description="Paid hours of the published rosters in the window.")
    selling_hours: float = Field(description="Their selling hours.")
    serving_hours: float = Field(description="Their serving hours.")
    revenue: float = Field(description="Outbound revenue placed in the rostered time.")
    answered_contacts: int = Field(description="Inbound contacts answered in that time.")
    answered_value: float = Field(
        description="Their value (each queue's value per answered contact)."
    )
    revenue_per_selling_hour: float | None = Field(description="revenue / selling_hours.")
    answered_value_per_serving_hour: float | None = Field(
        description="answered_value / serving_hours."
    )
    value_per_paid_hour: float | None = Field(
        description="(revenue + answered_value) / paid_hours."
    )


class OutboundResultsRead(Output):
    site_code: str
    timezone: str
    start: date = Field(description="First local day of the window.")
    end: date = Field(description="Last local day of the window (inclusive).")
    start_utc: datetime
    end_utc: datetime = Field(description="The window's end, or the site's now if earlier.")
    schedule_ids: list[int] = Field(description="Published rosters the plan comes from.")
    total: SoldFiguresRead
    campaigns: list[CampaignSoldRead]
    segments: list[SegmentSoldRead]
    campaign_segments: list[CampaignSegmentSoldRead]
    hours: list[HourSoldRead] = Field(description="24 rows, local hour of day.")
    per_paid_hour: ValuePerPaidHourRead
    notes: list[str]
