"""Schedule exports: CSV (one row per activity), Excel (a sheet of activities, a sheet of shifts)
and iCalendar (one event per shift)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from wfm.domain import Schedule, Shift

ACTIVITY_COLUMNS = [
    "agent_code",
    "shift_date",
    "start_local",
    "end_local",
    "activity",
    "queue_code",
    "campaign_code",
    "start_utc",
    "end_utc",
]


def _activity_rows(schedule: Schedule, zone: ZoneInfo) -> list[list[str]]:
    rows = []
    for shift in schedule.shifts:
        spans = shift.activities or ()
        if not spans:
            rows.append(_row(shift, shift.start_utc, shift.end_utc, "shift", None, None, zone))
        for span in spans:
            rows.append(
                _row(
                    shift,
                    span.start_utc,
                    span.end_utc,
                    span.activity.value,
                    span.queue_code,
                    span.campaign_code,
                    zone,
                )
            )
    return rows


def schedule_csv(schedule: Schedule, timezone: str) -> str:
    """Rows: agent, local date, local start and end, activity, queue, campaign, UTC start/end."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ACTIVITY_COLUMNS)
    writer.writerows(_activity_rows(schedule, ZoneInfo(timezone)))
    return out.getvalue()


SHIFT_COLUMNS = [
    "agent_code",
    "agent_name",
    "shift_date",
    "start_local",
    "end_local",
    "shift_minutes",
    "breaks",
]


def schedule_xlsx(schedule: Schedule, timezone: str, agent_names: dict[str, str]) -> bytes:
    """An Excel workbook of the schedule: sheet `Activities` holds the CSV export's rows, sheet
    `Shifts` one row per shift (agent, name, local date, local start and end, minutes from start to
    end, and its breaks as `HH:MM-HH:MM kind`, local). Times are
    text as in the CSV (local `YYYY-MM-DD HH:MM`, UTC ISO), so no spreadsheet reads them in
    another zone."""
    from openpyxl import Workbook

    zone = ZoneInfo(timezone)
    book = Workbook()
    activities = book.active
    assert activities is not None
    activities.title = "Activities"
    activities.append(ACTIVITY_COLUMNS)
    for row in _activity_rows(schedule, zone):
        activities.append(row)
    shifts = book.create_sheet("Shifts")
    shifts.append(SHIFT_COLUMNS)
    for shift in schedule.shifts:
        minutes = (shift.end_utc - shift.start_utc).total_seconds() / 60.0
        shifts.append(
            [
                shift.agent_code,
                agent_names.get(shift.agent_code, ""),
                shift.shift_date.isoformat(),
                shift.start_utc.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                shift.end_utc.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                round(minutes),
                ", ".join(
                    f"{b.start_utc.astimezone(zone):%H:%M}-{b.end_utc.astimezone(zone):%H:%M} "
                    f"{b.kind}"
                    for b in shift.breaks
                ),
            ]
        )
    for sheet in (activities, shifts):
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(
    shift: Shift,
    start: datetime,
    end: datetime,
    activity: str,
    queue: str | None,
    campaign: str | None,
    zone: ZoneInfo,
) -> list[str]:
    return [
        shift.agent_code,
        shift.shift_date.isoformat(),
        start.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        end.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        activity,
        queue or "",
        campaign or "",
        start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    ]


def _ical_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    while data:
        limit = 75 if not parts else 74
        cut = min(limit, len(data))
        while cut > 0 and cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut -= 1  # never split a UTF-8 character
        parts.append(data[:cut].decode("utf-8"))
        data = data[cut:]
    return "\r\n ".join(parts)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def schedule_ical(schedule: Schedule, agent_code: str, timezone: str) -> str:
    """An iCalendar (RFC 5545) of the agent's shifts; each event lists its activities."""
    return schedules_ical((schedule,), agent_code, timezone)


def schedules_ical(
    schedules: Sequence[Schedule],
    agent_code: str,
    timezone: str,
    *,
    refresh_minutes: int | None = None,
) -> str:
    """One iCalendar (RFC 5545) of the agent's shifts in several schedules (weeks), an event per
    shift listing its activities. With `refresh_minutes`, the calendar asks subscribing apps to
    poll it that often (REFRESH-INTERVAL, and X-PUBLISHED-TTL for Outlook)."""
    zone = ZoneInfo(timezone)
    now = _stamp(datetime.now(UTC))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//wfm//schedule export//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        _fold(f"X-WR-CALNAME:{_ical_text(f'Shifts of {agent_code}')}"),
    ]
    if refresh_minutes is not None:
        every = _duration(refresh_minutes)
        lines += [f"REFRESH-INTERVAL;VALUE=DURATION:{every}", f"X-PUBLISHED-TTL:{every}"]
    for schedule in schedules:
        lines += _shift_events(schedule, agent_code, zone, now)
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def _duration(minutes: int) -> str:
    """An RFC 5545 duration of whole minutes (at least one): 60 -> PT1H, 90 -> PT1H30M."""
    hours, rest = divmod(max(1, minutes), 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{rest}M" if rest else "")


def _shift_events(schedule: Schedule, agent_code: str, zone: ZoneInfo, now: str) -> list[str]:
    """The VEVENT lines of the agent's shifts in the schedule."""
    lines: list[str] = []
    for shift in schedule.shifts:
        if shift.agent_code != agent_code:
            continue
        details = [
            f"{a.start_utc.astimezone(zone):%H:%M}-{a.end_utc.astimezone(zone):%H:%M} "
            f"{a.activity.value}"
            + (f" {a.queue_code}" if a.queue_code else "")
            + (f" {a.campaign_code}" if a.campaign_code else "")
            for a in shift.activities
        ]
        uid = f"wfm-{schedule.site_code}-{schedule.week_start:%Y%m%d}-{agent_code}-" + _stamp(
            shift.start_utc
        )
        lines += [
            "BEGIN:VEVENT",
            _fold(f"UID:{_ical_text(uid)}@wfm"),
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(shift.start_utc)}",
            f"DTEND:{_stamp(shift.end_utc)}",
            _fold(f"SUMMARY:{_ical_text(f'Shift ({schedule.site_code})')}"),
            _fold(f"DESCRIPTION:{_ical_text(chr(10).join(details))}"),
            f"SEQUENCE:{schedule.version}",
            "END:VEVENT",
        ]
    return lines
