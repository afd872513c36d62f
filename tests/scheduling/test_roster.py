"""Reading a roster document back: every agent's shifts, or an error naming the JSON path."""

from __future__ import annotations

import copy
from datetime import time
from typing import Any

import pytest
from roster_factories import MONDAY, at, roster, shift

from scheduling.roster import (
    ROSTER_FORMAT,
    ROSTER_VERSION,
    RosterFormatError,
    roster_from_json,
    shifts_to_json,
)


def document() -> dict[str, Any]:
    r = roster(
        shift("A", at(MONDAY, time(8)), 480, breaks=[(240, 30, "lunch")]),
        shift("B", at(MONDAY, time(22)), 480),
    )
    return {
        "format": ROSTER_FORMAT,
        "version": ROSTER_VERSION,
        "agents": shifts_to_json(r, ["A", "B", "C"]),
    }


def test_every_agent_is_listed_and_read_back() -> None:
    doc = document()
    assert [(a["code"], len(a["shifts"])) for a in doc["agents"]] == [("A", 1), ("B", 1), ("C", 0)]
    night = doc["agents"][1]["shifts"][0]
    assert (night["date"], night["start_utc"], night["end_utc"]) == (
        "2026-06-01",
        "2026-06-01T21:00:00Z",
        "2026-06-02T05:00:00Z",
    )
    lunch = doc["agents"][0]["shifts"][0]["breaks"][0]
    assert lunch == {
        "start_utc": "2026-06-01T11:00:00Z",
        "end_utc": "2026-06-01T11:30:00Z",
        "kind": "lunch",
    }
    back = roster_from_json(doc)
    assert [s.agent_code for s in back.shifts] == ["A", "B"]
    assert back.shifts[0].activities[1].activity == "lunch"


def test_offsets_other_than_utc_are_accepted() -> None:
    doc = document()
    doc["agents"][0]["shifts"][0]["start_utc"] = "2026-06-01T08:00:00+01:00"
    assert roster_from_json(doc).shifts[0].start_utc == at(MONDAY, time(8))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="other"), "$.format: must be 'wfm.roster'"),
        (lambda d: d.update(version=2), "$.version: must be 1"),
        (lambda d: d.update(agents={}), "$.agents: must be a list"),
        (lambda d: d["agents"][1].pop("code"), "$.agents[1].code: must be a string"),
        (
            lambda d: d["agents"][0]["shifts"][0].update(date="Monday"),
            "$.agents[0].shifts[0].date: 'Monday' is not a date (YYYY-MM-DD)",
        ),
        (
            lambda d: d["agents"][1]["shifts"][0].update(start_utc="2026-06-01T21:00:00"),
            "$.agents[1].shifts[0].start_utc: '2026-06-01T21:00:00' needs a UTC offset",
        ),
        (
            lambda d: d["agents"][0]["shifts"][0]["breaks"][0].update(kind=3),
            "$.agents[0].shifts[0].breaks[0].kind: must be a string",
        ),
        (
            lambda d: d["agents"][0]["shifts"][0]["activities"][2].update(end_utc="noon"),
            "$.agents[0].shifts[0].activities[2].end_utc: 'noon' is not an ISO 8601 instant",
        ),
        (
            lambda d: d["agents"][0]["shifts"][0].update(breaks="none"),
            "$.agents[0].shifts[0].breaks: must be a list of objects",
        ),
    ],
)
def test_malformed_documents_name_the_path(change, message: str) -> None:
    doc = copy.deepcopy(document())
    change(doc)
    with pytest.raises(RosterFormatError) as caught:
        roster_from_json(doc)
    assert str(caught.value).startswith(message)


def test_a_document_must_be_an_object() -> None:
    with pytest.raises(RosterFormatError, match=r"^\$: a roster document must be a JSON object"):
        roster_from_json([])
