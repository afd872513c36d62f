"""The dashboard's two languages, English and 简体中文, from gettext catalogues.

Every label, message and caption goes through `t(msgid, **fields)`: the msgid is the English
text; the Chinese comes from the `.po` catalogues under `dashboard/locale/zh_CN/LC_MESSAGES/`,
one per page or domain (`common`, `executive`, `my_schedule`, `floor`, `planner`), read with
Babel (no compile step) and merged into one lookup, cached for the process. Fields are
`str.format` fields filled after translation, so a translation may move them:
`t("{n} agents on shift", n=12)` -> "12 名坐席在班". A text that is not a literal at the call
(a table of labels) is marked with `N_("...")` where it is written, so the catalogue test finds it.

Numbers, money and dates follow the locale too (Babel's CLDR data): `fmt_percent`, `fmt_number`,
`fmt_money`, `fmt_datetime`, `fmt_time`, `fmt_date` and `fmt_month`; times are shown in the
site's local time.

The language of a session: the `?lang=zh-CN` / `?lang=en` query parameter (wins, and is
remembered for the session), else the reader's pick in the sidebar, else the site's default
language (`sites.default_language`, kept by `pick_site`), else Chinese. Outside a Streamlit run
(tests, scripts) texts are English unless `use_locale` says otherwise; Streamlit may call a
widget's `format_func` outside the run, so translate its labels while drawing (a dict's
`__getitem__`), not inside the function.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent

from wfm.domain.notes import template_of

log = logging.getLogger("wfm.dashboard")

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAINS = ("common", "executive", "my_schedule", "floor", "planner")

ZH = "zh_CN"
EN = "en"
LOCALES = (ZH, EN)
LANGUAGE_NAMES = {ZH: "简体中文", EN: "English"}
DEFAULT_LOCALE = ZH  # a site without a default language, and the sign-in page before any

LANGUAGE_KEY = "wfm_language"  # the session's choice ("zh_CN" or "en"; "zh" is read as zh_CN)
SITE_LANGUAGE_KEY = "wfm_site_language"  # the chosen site's default language
QUERY_PARAMETER = "lang"
MISSING = "-"  # how a number that is not there is shown

# How the API and the query parameter spell a language, and the dashboard's locale of each.
_LOCALE_OF = {"zh-cn": ZH, "zh_cn": ZH, "zh": ZH, "zh-hans": ZH, "en": EN, "en-us": EN}

_forced: ContextVar[str | None] = ContextVar("wfm_forced_locale", default=None)


def locale_of(code: object) -> str | None:
    """The dashboard locale of a language code ("zh-CN", "zh", "en", ...), or None."""
    if not isinstance(code, str):
        return None
    return _LOCALE_OF.get(code.strip().lower())


def language_tag(locale: str) -> str:
    """The BCP 47 tag of a dashboard locale, as the API and `?lang=` spell it."""
    return "zh-CN" if locale == ZH else "en"


# --- catalogues ------------------------------------------------------------------------------


def catalogue_path(domain: str, locale: str = ZH) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"


@cache
def translations(locale: str = ZH) -> dict[str, str]:
    """Every domain's translations for a locale merged into one lookup (msgid -> text);
    untranslated and fuzzy entries are left out (the English shows)."""
    merged: dict[str, str] = {}
    for domain in DOMAINS:
        path = catalogue_path(domain, locale)
        if not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=domain)
        for message in catalog:
            if not message.id or message.fuzzy or not isinstance(message.id, str):
                continue
            if isinstance(message.string, str) and message.string:
                merged[message.id] = message.string
    return merged


def reload_catalogues() -> None:
    """Read the catalogues again on the next lookup (after editing a `.po` file)."""
    translations.cache_clear()


def t(msgid: str, **fields: Any) -> str:
    """`msgid` (English) in the session's language, its `{fields}` filled after translation."""
    found = msgid if current_locale() == EN else translations(ZH).get(msgid, msgid)
    return found.format(**fields) if fields else found


def said(note: str) -> str:
    """A note the API wrote in English (`wfm.domain.notes`) in the session's language: its
    template's translation, filled with the note's own values as written, except a nested note
    (a queue's note holds a model's), said too, and a catalogue word (a weekday), translated.
    A note of no known template is shown as written."""
    found = template_of(note)
    if found is None:
        return note
    template, fields = found

    def value(name: str, text: str) -> str:
        if name in template.nested:
            return said(text)
        return t(text) if name in template.words else text

    return t(template.text, **{name: value(name, text) for name, text in fields.items()})


def N_(msgid: str) -> str:  # noqa: N802 - the gettext name for "mark for translation"
    """Marks a text for the catalogues where it is written; translated later with `t`."""
    return msgid


# --- the session's language -----------------------------------------------------------------


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Format and translate in `locale` inside the block (tests, exports)."""
    token = _forced.set(locale_of(locale) or locale)
    try:
        yield
    finally:
        _forced.reset(token)


def _session() -> Any:
    """Streamlit's session state, or None outside a running page."""
    try:
        import streamlit as st
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        if get_script_run_ctx(suppress_warning=True) is None:
            return None
        return st.session_state
    except Exception:  # outside Streamlit: no session
        return None


def _query_locale() -> str | None:
    try:
        import streamlit as st

        return locale_of(st.query_params.get(QUERY_PARAMETER))
    except Exception:
        return None


def current_locale() -> str:
    """ "zh_CN" or "en": inside `use_locale`, its locale; on a page, `?lang=` (remembered), else
    the sidebar pick, else the site's default, else Chinese; outside a page, English."""
    forced = _forced.get()
    if forced is not None:
        return forced
    state = _session()
    if state is None:
        return EN  # outside a page (tests, scripts): the msgids themselves
    asked = _query_locale()
    if asked is not None:
        if locale_of(state.get(LANGUAGE_KEY)) != asked:
            state[LANGUAGE_KEY] = asked
        return asked
    return (
        locale_of(state.get(LANGUAGE_KEY))
        or locale_of(state.get(SITE_LANGUAGE_KEY))
        or DEFAULT_LOCALE
    )


_PICKER_KEY = f"{LANGUAGE_KEY}_picker"


def _picked() -> None:
    import streamlit as st

    chosen = str(st.session_state[_PICKER_KEY])
    st.session_state[LANGUAGE_KEY] = chosen
    if QUERY_PARAMETER in st.query_params:
        st.query_params[QUERY_PARAMETER] = language_tag(chosen)


def pick_language() -> str:
    """The language picker in the sidebar; returns the session's locale ("zh_CN" or "en").
    A pick is remembered for the session (and rewrites `?lang=` when the address has one).
    Drawn once per run however often it is called."""
    import streamlit as st
    from streamlit.errors import StreamlitAPIException, StreamlitDuplicateElementKey

    current = current_locale()
    try:
        if st.session_state.get(_PICKER_KEY) != current:
            st.session_state[_PICKER_KEY] = current
        st.sidebar.selectbox(
            "语言 / Language",
            list(LOCALES),
            format_func=LANGUAGE_NAMES.__getitem__,
            key=_PICKER_KEY,
            on_change=_picked,
        )
    except (StreamlitDuplicateElementKey, StreamlitAPIException):
        pass  # already drawn in this run (by the sign-in guard and again by a page)
    return current


# --- numbers, money, dates -------------------------------------------------------------------


def _with_decimals(pattern: str, digits: int) -> str:
    """A CLDR number pattern with exactly `digits` decimals ("#,##0%" -> "#,##0.0%")."""
    head = pattern.split(";")[0]
    if "." in head:
        integer, rest = head.split(".", 1)
        tail = rest.lstrip("0#")
    else:
        last = head.rfind("0")
        integer, tail = head[: last + 1], head[last + 1 :]
    return integer + ("." + "0" * digits if digits > 0 else "") + tail


def fmt_percent(fraction: float | None, digits: int = 1) -> str:
    """A fraction as a percentage in the locale's format: 0.9988 -> "99.9%"."""
    if fraction is None or fraction != fraction:
        return MISSING
    locale = current_locale()
    pattern = Locale.parse(locale).percent_formats[None].pattern
    return format_percent(fraction, _with_decimals(pattern, digits), locale=locale)


def fmt_number(x: float | None, digits: int = 0) -> str:
    """A number with the locale's grouping and `digits` decimals: 1234.5 -> "1,234" (digits 0)."""
    if x is None or x != x:
        return MISSING
    locale = current_locale()
    pattern = Locale.parse(locale).decimal_formats[None].pattern
    return format_decimal(x, _with_decimals(pattern, digits), locale=locale)


def fmt_money(amount: float | None, currency: str, digits: int | None = None) -> str:
    """An amount in an ISO 4217 currency in the locale's format: 1234.5 CNY -> "¥1,234.50"
    (zh_CN) or "CN¥1,234.50" (en); `digits` decimals instead of the currency's."""
    if amount is None or amount != amount:
        return MISSING
    locale = current_locale()
    if digits is None:
        return format_currency(amount, currency, locale=locale)
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    return format_currency(
        amount, currency, _with_decimals(pattern, digits), locale=locale, currency_digits=False
    )


def _local(ts_utc: datetime | str, tz: str) -> datetime:
    moment = datetime.fromisoformat(ts_utc) if isinstance(ts_utc, str) else ts_utc
    if moment.tzinfo is None:
        raise ValueError(f"a naive time {moment!r}: times are timezone-aware")
    return moment.astimezone(ZoneInfo(tz))


def fmt_date(d: date | datetime | str, weekday: bool = False) -> str:
    """A day in the locale's medium format: "Dec 5, 2026" / "2026年12月5日" (with the weekday:
    "Sat, Dec 5, 2026" / "2026年12月5日周六")."""
    day = date.fromisoformat(d[:10]) if isinstance(d, str) else d
    if isinstance(day, datetime):
        day = day.date()
    locale = current_locale()
    skeleton = "yMMMEd" if weekday else "yMMMd"
    pattern = Locale.parse(locale).datetime_skeletons[skeleton]
    return _babel_date(day, pattern, locale=locale)


def fmt_month(d: date | datetime | str) -> str:
    """A calendar month (of a day in it) in the locale's format: "Jan 2027" / "2027年1月"."""
    day = date.fromisoformat(d[:10]) if isinstance(d, str) else d
    if isinstance(day, datetime):
        day = day.date()
    locale = current_locale()
    pattern = Locale.parse(locale).datetime_skeletons["yMMM"]
    return _babel_date(day, pattern, locale=locale)


def fmt_time(ts_utc: datetime | str, tz: str) -> str:
    """The site-local clock time of an instant, 24-hour: "08:37"."""
    locale = current_locale()
    pattern = Locale.parse(locale).datetime_skeletons["Hm"]
    return _babel_time(_local(ts_utc, tz), pattern, locale=locale)


def fmt_datetime(ts_utc: datetime | str, tz: str) -> str:
    """The site-local day and time of an instant: "Dec 5, 2026, 08:37" / "2026年12月5日 08:37"."""
    local = _local(ts_utc, tz)
    glue = str(Locale.parse(current_locale()).datetime_formats["medium"])
    return glue.replace("{1}", fmt_date(local.date())).replace("{0}", fmt_time(local, tz))


# the days of the week, 0 = Monday, as short names (translated where shown)
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def weekday_names(weekdays: Iterable[int]) -> str:
    """Days of the week (0 = Monday) as short names in the reader's language: "Sat, Sun"."""
    return ", ".join(t(WEEKDAYS[d]) for d in weekdays if 0 <= d < len(WEEKDAYS))
