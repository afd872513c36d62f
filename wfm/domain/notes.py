"""The notes the software writes for people (why a recommendation stopped, what a plan left
out), each from one template.

A template is English text with `{field}` places and no format specs: the code that writes a
note formats its values first (`f"{rate:.1%}"`) and fills the template; the API sends the filled
English text. A reader in another language gets the template's translation, filled with the
same values: `NOTES` lists every template, and `fields_of` finds which one a note came from and
the values it was filled with (the dashboard's `said`). A note no template matches is shown as
written.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from forecasting.capacity import HANDLE_TIME_TREND_HELD, NO_HOLIDAY_IN_HISTORY


@dataclass(frozen=True)
class NoteTemplate:
    """English text with `{field}` places (no format specs, no positional fields). `nested`
    names the fields that hold another note (said by their own template), `words` those that
    hold a word of the catalogues (a weekday); every other field is a value, shown as written."""

    text: str
    nested: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = []
        names = set()
        for literal, name, spec, conversion in string.Formatter().parse(self.text):
            parts.append(re.escape(literal))
            if name is None:
                continue
            if not name.isidentifier() or spec or conversion:
                raise ValueError(f"note template {self.text!r}: {{{name}}} is not a plain field")
            names.add(name)
            parts.append(f"(?P<{name}>.+?)")
        unknown = (self.nested | self.words) - names
        if unknown or self.nested & self.words:
            raise ValueError(f"note template {self.text!r}: nested or word fields {unknown}")
        object.__setattr__(self, "_pattern", re.compile("".join(parts), re.DOTALL))

    def __call__(self, **fields: object) -> str:
        """The note, the template filled with `fields` (already formatted)."""
        return self.text.format(**fields)

    def fields_of(self, note: str) -> dict[str, str] | None:
        """The values `note` was filled with, if it came from this template; else None."""
        found = self._pattern.fullmatch(note)
        return None if found is None else found.groupdict()


# The floor's sell/serve recommendation (wfm.domain.intraday.recommendation).
MOVE_CAPPED = NoteTemplate("limited to {agents} agents per move")
CALLBACKS_DUE = NoteTemplate("sellers of {campaign} stay: callbacks are due in the horizon")
TARGET_NO_SELLER_LEFT = NoteTemplate(
    "queue {queue}: the day's answer-rate target needs {needed} over the horizon, {predicted} "
    "predicted, and no seller is left to pull"
)
SELLERS_PULLED = NoteTemplate("sellers pulled to {queue} to hold the day's answer-rate target")
TARGET_OUT_OF_REACH = NoteTemplate(
    "queue {queue}: the day's answer-rate target needs {needed} over the horizon; every seller "
    "who can serve it would give {most}: sellers are pulled to within {points} points of that"
)
SHORT_FEW_SELLERS = NoteTemplate(
    "queue {queue} is short by {agents} agents but only {sellers} sellers on shift can serve it"
)
LEADS_EXHAUSTED = NoteTemplate("campaign {campaign}: its lead list is exhausted")
CAMPAIGN_HOURS_FULL = NoteTemplate("campaign {campaign}: its weekly maximum hours leave no room")
NO_RELEASE = NoteTemplate("no release from {queue}: its day's answer-rate target needs its servers")
NOTHING_TO_SELL = NoteTemplate("servers to spare, but none can sell a campaign open now")

# What was sold against the plan (wfm.services.outbound_results).
NO_PLAN_IN_WINDOW = NoteTemplate("no published roster covers the window: no plan to compare")
NO_ATTEMPTS_IN_WINDOW = NoteTemplate("no dialer attempts in the window")

# A schedule's evaluation (wfm.services.schedule_views).
SHRINKAGE_NOT_STORED = NoteTemplate(
    "the schedule was stored without its shrinkage: evaluated at the site's unplanned "
    "shrinkage, {shrinkage}"
)
NO_FORECAST_FOR_WEEK = NoteTemplate(
    "no forecast covers the week: no demand, so no predicted service"
)

# The capacity plan (wfm.services.capacity_plan, forecasting.capacity).
QUEUE_LEFT_OUT = NoteTemplate("queue {queue} left out: {reason}")
NO_HANDLE_TIME = NoteTemplate(
    "queue {queue}: no handled contact in its last {weeks} weeks, so no handle time: it needs "
    "no staff in this plan"
)
NO_TREND = NoteTemplate(
    "queue {queue}: {days} days of history, fewer than {least}: forecast without trend (level, "
    "weekdays, holidays)"
)
HISTORY_INTO_PLAN = NoteTemplate(
    "queue {queue}: its history reaches into the plan; the forecast starts on {day}"
)
HOLIDAYS_LIKE_QUIET_DAY = NoteTemplate(NO_HOLIDAY_IN_HISTORY, words=frozenset({"weekday"}))
AHT_TREND_HELD = NoteTemplate(HANDLE_TIME_TREND_HELD)
# a model's note, said of its queue
OF_QUEUE = NoteTemplate("queue {queue}: {note}", nested=frozenset({"note"}))

# Every template, the most specific first: a note is said by the first that matches.
NOTES: tuple[NoteTemplate, ...] = (
    MOVE_CAPPED,
    CALLBACKS_DUE,
    TARGET_NO_SELLER_LEFT,
    SELLERS_PULLED,
    TARGET_OUT_OF_REACH,
    SHORT_FEW_SELLERS,
    LEADS_EXHAUSTED,
    CAMPAIGN_HOURS_FULL,
    NO_RELEASE,
    NOTHING_TO_SELL,
    NO_PLAN_IN_WINDOW,
    NO_ATTEMPTS_IN_WINDOW,
    SHRINKAGE_NOT_STORED,
    NO_FORECAST_FOR_WEEK,
    NO_HANDLE_TIME,
    NO_TREND,
    HISTORY_INTO_PLAN,
    HOLIDAYS_LIKE_QUIET_DAY,
    AHT_TREND_HELD,
    QUEUE_LEFT_OUT,
    OF_QUEUE,
)


def template_of(note: str) -> tuple[NoteTemplate, dict[str, str]] | None:
    """The template `note` was written from and its values; None for a note of no template."""
    for template in NOTES:
        fields = template.fields_of(note)
        if fields is not None:
            return template, fields
    return None
