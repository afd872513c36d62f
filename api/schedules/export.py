"""Schedule exports: CSV (one row per activity) and iCalendar (one event per shift)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from wfm.domain import Schedule, Shift


def schedule_csv(schedule: Schedule, timezone: str) -> str:
    """Rows: agent, local date, local start and end, activity, queue, campaign, UTC start/end."""
    zone = ZoneInfo(timezone)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
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
    )
    for shift in schedule.shifts:
        spans = shift.activities or ()
        if not spans:
            writer.writerow(_row(shift, shift.start_utc, shift.end_utc, "shift", None, None, zone))
        for span in spans:
            writer.writerow(
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
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
