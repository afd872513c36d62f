"""The dashboard's catalogues and locale formats: every text the code translates has a Chinese
translation with the same fields, every catalogue entry is used, and numbers, money and dates
come out in each locale's CLDR format."""

from __future__ import annotations

import ast
import string
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from dashboard import i18n
from dashboard.i18n import (
    fmt_date,
    fmt_datetime,
    fmt_money,
    fmt_month,
    fmt_number,
    fmt_percent,
    fmt_time,
    t,
    use_locale,
)
from wfm.domain.notes import NOTES

DASHBOARD = Path(i18n.__file__).resolve().parent
MARKERS = {"t", "N_"}


def _marker_names(tree: ast.Module) -> set[str]:
    """The names a module calls the translation functions by (`t`, `N_`, or an alias)."""
    names = set(MARKERS)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "dashboard.i18n":
            for alias in node.names:
                if alias.name in MARKERS:
                    names.add(alias.asname or alias.name)
    return names


def extract(root: Path = DASHBOARD) -> dict[str, list[str]]:
    """Every literal msgid of a `t(...)` or `N_(...)` call in the dashboard's code, with where."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = _marker_names(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            first = node.args[0]
            if name in names and isinstance(first, ast.Constant) and isinstance(first.value, str):
                where = f"{path.relative_to(root.parent)}:{node.lineno}"
                found.setdefault(first.value, []).append(where)
    return found


def used_msgids() -> dict[str, list[str]]:
    """Every msgid the dashboard translates: its literal ones and the API's note templates
    (`wfm.domain.notes`, said by `dashboard.i18n.said`)."""
    return extract() | {note.text: ["wfm/domain/notes.py"] for note in NOTES}


def catalogue_entries() -> dict[str, list[tuple[str, str]]]:
    """msgid -> (domain, translation) of every zh_CN catalogue."""
    entries: dict[str, list[tuple[str, str]]] = {}
    for domain in i18n.DOMAINS:
        path = i18n.catalogue_path(domain)
        if not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="zh_CN", domain=domain)
        for message in catalog:
            if message.id:
                translated = message.string if isinstance(message.string, str) else ""
                entries.setdefault(str(message.id), []).append((domain, translated))
    return entries


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_scan_finds_calls_aliases_and_markers(tmp_path: Path) -> None:
    page = tmp_path / "dashboard" / "page.py"
    page.parent.mkdir()
    page.write_text(
        "from dashboard.i18n import t as tr, N_\n"
        "from dashboard import i18n\n"
        "LABELS = {'a': N_('Alpha')}\n"
        "tr('Hello {name}', name='x')\n"
        "i18n.t('Dotted')\n"
        "t(LABELS['a'])\n"
        "print('not this')\n",
        encoding="utf-8",
    )
    assert set(extract(page.parent)) == {"Alpha", "Hello {name}", "Dotted"}


def test_every_translated_text_has_a_chinese_translation() -> None:
    used = used_msgids()
    entries = catalogue_entries()
    missing = sorted(
        f"{msgid!r} ({where[0]})"
        for msgid, where in used.items()
        if not any(text.strip() for _, text in entries.get(msgid, []))
    )
    assert not missing, "no zh_CN translation in dashboard/locale for:\n" + "\n".join(missing)


def test_every_catalogue_entry_is_used_and_keeps_its_fields() -> None:
    used = used_msgids()
    entries = catalogue_entries()
    unused = sorted(
        f"{msgid!r} ({domains[0][0]}.po)" for msgid, domains in entries.items() if msgid not in used
    )
    assert not unused, "catalogue entries no code uses:\n" + "\n".join(unused)
    for msgid, domains in entries.items():
        for domain, text in domains:
            if text:
                assert _fields(text) == _fields(msgid), (domain, msgid, text)
    duplicated = {
        msgid: [d for d, _ in domains]
        for msgid, domains in entries.items()
        if len({text for _, text in domains}) > 1
    }
    assert not duplicated, f"one msgid translated differently in several catalogues: {duplicated}"


def test_t_translates_and_fills_fields_after_translation() -> None:
    entries = catalogue_entries()
    with_field = next(
        (m for m, ds in entries.items() if _fields(m) and any(text for _, text in ds)), None
    )
    with use_locale("en"):
        assert t("No such text {n}", n=3) == "No such text 3"
        assert t("Plain {braces} stay without fields") == "Plain {braces} stay without fields"
    with use_locale("zh-CN"):
        assert t("An English text no catalogue holds") == "An English text no catalogue holds"
        if with_field is not None:
            fields = dict.fromkeys(_fields(with_field), "7")
            chinese = next(text for _, text in entries[with_field] if text)
            assert t(with_field, **fields) == chinese.format(**fields)


def test_locale_of_the_query_parameter_spellings() -> None:
    assert i18n.locale_of("zh-CN") == "zh_CN"
    assert i18n.locale_of("zh") == "zh_CN"
    assert i18n.locale_of("EN") == "en"
    assert i18n.locale_of("fr") is None
    assert i18n.locale_of(None) is None
    assert i18n.language_tag("zh_CN") == "zh-CN"
    # outside a Streamlit run and without a forced locale: English; on a page without any
    # choice: Chinese
    assert i18n.current_locale() == "en"
    assert i18n.DEFAULT_LOCALE == "zh_CN"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", ["99.9%", "100%", "12.35%", "-", "1,234,568", "1,234,567.9"]),
        ("zh_CN", ["99.9%", "100%", "12.35%", "-", "1,234,568", "1,234,567.9"]),
    ],
)
def test_percent_and_number_formats(locale: str, expected: list[str]) -> None:
    with use_locale(locale):
        got = [
            fmt_percent(0.9988),
            fmt_percent(0.9988, digits=0),
            fmt_percent(0.12346, digits=2),
            fmt_percent(None),
            fmt_number(1234567.891),
            fmt_number(1234567.891, digits=1),
        ]
    assert got == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", ["CN¥1,234,567.50", "CN¥1,234,568", "$1,234.50", "€0.99"]),
        ("zh_CN", ["¥1,234,567.50", "¥1,234,568", "US$1,234.50", "€0.99"]),
    ],
)
def test_money_formats(locale: str, expected: list[str]) -> None:
    with use_locale(locale):
        got = [
            fmt_money(1234567.5, "CNY"),
            fmt_money(1234567.5, "CNY", digits=0),
            fmt_money(1234.5, "USD"),
            fmt_money(0.99, "EUR"),
        ]
    assert got == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", ["Dec 5, 2026", "Sat, Dec 5, 2026", "16:37", "Dec 5, 2026, 16:37", "Dec 6, 2026"]),
        (
            "zh_CN",
            ["2026年12月5日", "2026年12月5日周六", "16:37", "2026年12月5日 16:37", "2026年12月6日"],
        ),
    ],
)
def test_dates_and_times_in_site_local_time(locale: str, expected: list[str]) -> None:
    instant = datetime(2026, 12, 5, 8, 37, tzinfo=UTC)
    late = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)  # already the 6th in Shanghai
    with use_locale(locale):
        got = [
            fmt_date(date(2026, 12, 5)),
            fmt_date("2026-12-05", weekday=True),
            fmt_time(instant, "Asia/Shanghai"),
            fmt_datetime(instant.isoformat(), "Asia/Shanghai"),
            fmt_date(late.astimezone(ZoneInfo("Asia/Shanghai"))),
        ]
    assert got == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", ["Jan 2027", "Dec 2026", "Mar 2027"]),
        ("zh_CN", ["2027年1月", "2026年12月", "2027年3月"]),
    ],
)
def test_months_in_the_locale(locale: str, expected: list[str]) -> None:
    with use_locale(locale):
        got = [
            fmt_month(date(2027, 1, 1)),
            fmt_month("2026-12-31"),
            fmt_month(datetime(2027, 3, 15, 9, 0, tzinfo=UTC)),
        ]
    assert got == expected


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        fmt_time(datetime(2026, 12, 5, 8, 37), "Asia/Shanghai")
