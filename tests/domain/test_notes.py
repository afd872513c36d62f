"""The notes the software writes for people: each from one template, read back to its template
and values, and said in Chinese by the dashboard with the same values."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pytest

from dashboard.i18n import EN, ZH, said, translations, use_locale
from forecasting.capacity import fit_handle_time
from wfm.domain.notes import (
    AHT_TREND_HELD,
    HOLIDAYS_LIKE_QUIET_DAY,
    NO_ATTEMPTS_IN_WINDOW,
    NOTES,
    OF_QUEUE,
    QUEUE_LEFT_OUT,
    TARGET_NO_SELLER_LEFT,
    TARGET_OUT_OF_REACH,
    NoteTemplate,
    template_of,
)


def _filled(template: NoteTemplate) -> tuple[str, dict[str, str]]:
    """The template filled with a distinct value per field (a code, a percent, a number)."""
    names = [name for _, name, _, _ in string.Formatter().parse(template.text) if name]
    values = {
        name: ["Q_CARE", "93.4%", "12", "2026-03-02", "C-1"][i % 5] for i, name in enumerate(names)
    }
    return template(**values), values


@pytest.mark.parametrize("template", NOTES, ids=lambda n: n.text[:40])
def test_every_note_reads_back_to_its_own_template_and_values(template: NoteTemplate) -> None:
    note, values = _filled(template)
    found = template_of(note)
    assert found is not None
    assert found == (template, values)


def test_the_two_answer_rate_notes_are_told_apart_by_their_punctuation() -> None:
    fields = {"queue": "CARE", "needed": "90.0%"}
    short = TARGET_NO_SELLER_LEFT(**fields, predicted="85.1%")
    reach = TARGET_OUT_OF_REACH(**fields, most="88.0%", points="0.5")
    assert template_of(short) == (TARGET_NO_SELLER_LEFT, {**fields, "predicted": "85.1%"})
    assert template_of(reach) == (TARGET_OUT_OF_REACH, {**fields, "most": "88.0%", "points": "0.5"})


def test_a_template_with_a_format_spec_or_a_positional_field_is_refused() -> None:
    with pytest.raises(ValueError, match="plain field"):
        NoteTemplate("needs {rate:.1%}")
    with pytest.raises(ValueError, match="plain field"):
        NoteTemplate("needs {}")


def test_every_template_has_a_chinese_translation_with_its_fields() -> None:
    catalogue = translations(ZH)
    for template in NOTES:
        chinese = catalogue.get(template.text, "")
        assert chinese and chinese != template.text, template.text
        fields = {name for _, name, _, _ in string.Formatter().parse(chinese) if name}
        assert fields == set(template.fields_of(_filled(template)[0]) or {}), template.text


def test_a_note_is_said_in_chinese_with_its_own_values() -> None:
    note = TARGET_OUT_OF_REACH(queue="CARE", needed="90.0%", most="88.4%", points="0.5")
    with use_locale(ZH):
        chinese = said(note)
    assert chinese.startswith("队列 CARE")
    for value in ("90.0%", "88.4%", "0.5"):
        assert value in chinese
    assert not any(word in chinese for word in ("seller", "horizon", "target"))
    with use_locale(EN):
        assert said(note) == note


def test_a_model_s_note_inside_a_queue_s_note_is_said_too() -> None:
    """The capacity plan prefixes a model's warning with its queue: both parts are said."""
    days = pd.date_range("2025-01-01", periods=200, freq="D").date
    growth = np.exp(np.log1p(1.5) * np.arange(200) / 365.0)
    handled = pd.Series(100.0, index=days)
    model = fit_handle_time(pd.Series(100.0 * 300.0 * growth, index=days), handled)
    (warning,) = model.warnings
    assert template_of(warning) == (AHT_TREND_HELD, {"fitted": "+150%", "held": "+25%"})
    note = OF_QUEUE(queue="SALES", note=warning)
    with use_locale(ZH):
        chinese = said(note)
    assert chinese == "队列 SALES：处理时长的拟合趋势每年 +150%，限定为 +25%"


def test_a_note_of_no_template_is_shown_as_written_and_a_reason_stays_as_given() -> None:
    with use_locale(ZH):
        assert said("the dialer said something new") == "the dialer said something new"
        left_out = said(QUEUE_LEFT_OUT(queue="CARE", reason="too few days"))
    assert left_out == "队列 CARE 未纳入：too few days"


def test_the_quiet_weekday_of_a_holiday_warning_is_said_in_the_reader_s_language() -> None:
    note = OF_QUEUE(queue="CARE", note=HOLIDAYS_LIKE_QUIET_DAY(weekday="Sun"))
    with use_locale(ZH):
        chinese = said(note)
    assert chinese.startswith("队列 CARE") and "周日" in chinese
    assert "Sun" not in chinese
    with use_locale(EN):
        assert said(note) == note


def test_only_a_nested_note_is_said_again_a_value_stays_as_written() -> None:
    """A reason that reads like a note is a value: shown as written, not translated."""
    reason = NO_ATTEMPTS_IN_WINDOW()
    with use_locale(ZH):
        left_out = said(QUEUE_LEFT_OUT(queue="CARE", reason=reason))
        nested = said(OF_QUEUE(queue="CARE", note=reason))
    assert left_out == f"队列 CARE 未纳入：{reason}"
    assert reason not in nested and nested.startswith("队列 CARE")


def test_a_template_refuses_nested_or_word_fields_it_does_not_have() -> None:
    with pytest.raises(ValueError, match="nested or word fields"):
        NoteTemplate("queue {queue}", nested=frozenset({"note"}))
    with pytest.raises(ValueError, match="nested or word fields"):
        NoteTemplate("{a} and {b}", nested=frozenset({"a"}), words=frozenset({"a"}))
