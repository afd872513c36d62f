"""Schemas of interval history."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.schemas import Output


class ColumnMappingRead(Output):
    column: str = Field(description="Column of the input.", examples=["ACDCALLS"])
    field: str = Field(description="Field it fills.", examples=["answered"])
    source: str = Field(
        description="Why: `wfm` (own name), an ACD (`Avaya CMS`, `Cisco`, `Genesys`), "
        "`common` (usual spelling) or `mapping` (the request's explicit mapping).",
        examples=["Avaya CMS"],
    )


class ImportRead(Output):
    rows: int = Field(description="Data rows read.", examples=[2976])
    imported: int = Field(
        description="Intervals stored (new or replacing the same queue and interval); "
        "0 for a dry run.",
        examples=[2976],
    )
    dry_run: bool = Field(description="true: checked only, nothing stored.")
    queues: list[str] = Field(description="Queues the rows belong to.", examples=[["retail"]])
    first_interval_utc: datetime | None = Field(description="Earliest interval start.")
    last_interval_utc: datetime | None = Field(description="Latest interval start.")
    columns: list[ColumnMappingRead] = Field(description="How each column was mapped.")
    unmapped_columns: list[str] = Field(
        description="Columns not mapped to any field (ignored, since `unmapped=ignore`)."
    )


class ImportErrorRead(Output):
    """The 422 body of a rejected import: nothing was stored."""

    error: str = Field(description="`import_rejected` or `import_unreadable`.")
    detail: str = Field(description="One line: how many rows failed, the first reason.")
    errors: list[dict[str, object]] = Field(
        description="Up to 200 problems: `row` (CSV line, header = 1; or JSON position from "
        "1), `field` (the column; `reason_counts.<code>` for one count of a `reason_counts` "
        "object, `reason_counts` for reasons that add up to more than offered), `value`, "
        "`message`."
    )
    error_count: int = Field(default=0, description="All problems, reported or not.")
    unmapped_columns: list[str] = Field(default_factory=list, description="Unmapped columns.")


class IntervalRead(Output):
    queue_code: str = Field(description="Queue.")
    interval_start_utc: datetime = Field(description="Start of the interval, UTC.")
    interval_minutes: int = Field(description="Length, minutes.")
    offered: int = Field(description="Contacts offered.")
    answered: int = Field(description="Contacts answered.")
    abandoned: int = Field(description="Contacts abandoned (short ones included).")
    short_abandoned: int = Field(description="Abandons within the short-abandon threshold.")
    answered_within_threshold: int = Field(description="Answered within the service threshold.")
    handle_seconds: float = Field(description="Total handle time, seconds.")
    wait_seconds_answered: float = Field(description="Total wait of answered contacts, s.")
    wait_seconds_abandoned: float = Field(description="Total wait of abandoned contacts, s.")
    reason_counts: dict[str, int] = Field(
        description="Contacts per contact reason (reason code: count) where the export recorded "
        "them; reasons with no contacts are left out, and an interval without a recorded reason "
        "mix has `{}`. The counts add up to at most `offered`.",
        examples=[{"billing": 12, "card_lost": 3}],
    )


class CoverageRead(Output):
    queue_code: str = Field(description="Queue.")
    first_interval_utc: datetime = Field(description="Earliest interval stored.")
    last_interval_utc: datetime = Field(description="Latest interval stored.")
    intervals: int = Field(description="Intervals stored.")
    offered: int = Field(description="Contacts offered over them.")


class AliasRead(Output):
    column: str = Field(description="Column name recognised (case and punctuation ignored).")
    field: str = Field(description="Field it fills.")
    source: str = Field(description="Where the name comes from.")
    scale: float = Field(description="Factor applied (0.001: milliseconds to seconds).")


class FieldRead(Output):
    field: str = Field(description="Field name, usable in `mapping=COLUMN=field`.")
    description: str = Field(description="What it means.")


class MappingsRead(Output):
    fields: list[FieldRead] = Field(description="The fields an import fills.")
    aliases: list[AliasRead] = Field(description="Column names mapped without being told.")


class HistoryDeletionRead(Output):
    queue_code: str = Field(description="Queue.", examples=["retail"])
    start_utc: datetime = Field(description="Start of the range (inclusive), UTC.")
    end_utc: datetime = Field(description="End of the range (exclusive), UTC.")
    deleted: int = Field(description="Intervals deleted.", examples=[96])
    rescored_forecast_runs: list[int] = Field(
        description="Forecast runs whose horizon overlaps the range: their accuracy scores were "
        "recomputed without the deleted intervals."
    )
    patience_reestimated_site: str | None = Field(
        description="The site whose queues' patience was re-estimated; null when nothing was "
        "deleted."
    )
