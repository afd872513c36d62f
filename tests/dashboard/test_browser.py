"""The running dashboard (`wfm dashboard`) in headless Chromium driven by Playwright, on one
demo centre and one browser: each role signs in, opens each of its pages in English and in
简体中文 (`?lang=`), and the test checks what a reader sees (the page's title and sections in the
language, numbers in the locale's format, no error box, no traceback, no raw field names, no
English headings left on a Chinese page), that a reload keeps the sign-in, applies the floor's
recommendation, prints how long each page took to render, and saves a full-page screenshot of
each page (`<page>.png`, `<page>.zh-CN.png`).

Screenshots go to a temporary folder unless WFM_SCREENSHOTS_DIR names one; the docs' pictures
are refreshed with `WFM_SCREENSHOTS_DIR=docs/screenshots`.

Needs Debian's Chromium at /usr/bin/chromium (with fonts-wqy-microhei for the Chinese text) and
the `playwright` package; skipped otherwise.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from dashkit import CHROMIUM, DemoApi, free_port

from dashboard.i18n import t, use_locale

SCREENSHOTS = Path(os.environ.get("WFM_SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="wfm-shots-"))

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium")
pytest.importorskip("playwright.sync_api")


@contextmanager
def dashboard_process(api_url: str) -> Iterator[str]:
    """`wfm dashboard` as a subprocess on a free port against the API at `api_url`; its
    address. Stopped (and checked stopped) on leaving."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "wfm",
        "dashboard",
        "--port",
        str(port),
        "--api-url",
        api_url,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"},
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"wfm dashboard did not start: {error}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()  # wfm dashboard passes it on to streamlit
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
        stopped = False
        for _ in range(50):
            try:
                httpx.get(f"{url}/_stcore/health", timeout=1)
            except httpx.HTTPError:
                stopped = True
                break
            time.sleep(0.2)
        if not stopped:
            os.killpg(process.pid, 9)
        assert stopped, "streamlit outlived wfm dashboard"


@pytest.fixture(scope="module")
def dashboard_url(browser_api: DemoApi) -> Iterator[str]:
    """The dashboard against the browser test's API."""
    with dashboard_process(browser_api.url) as url:
        yield url


WIDTH, HEIGHT = 1280, 860
ZH = "zh-CN"
LANGUAGES = ("en", ZH)
# a raw field name as the API spells it (service_level, agent_code, offered_contacts, ...)
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# Material icon names, which the browser draws as icons but inner_text reads as words
ICON_NAMES = {"keyboard_arrow_right", "keyboard_arrow_down", "keyboard_arrow_up"}
HAN = re.compile(r"[\u4e00-\u9fff]")
PERCENT = re.compile(r"^-?\d{1,3}(?:\.\d)?\s?%$")
DUMP = os.environ.get("WFM_BROWSER_DUMP")  # a folder: each page's text, to read when a check fails


@dataclass(frozen=True)
class View:
    """A page as one role opens it: its address, its title and the sections it must show
    (English msgids, translated for the Chinese run)."""

    page: str
    role: str
    title: str
    sections: tuple[str, ...]


VIEWS = (
    View(
        "executive",
        "executive",
        "Executive",
        ("By queue", "Adherence", "Forecast accuracy", "Plan accuracy", "Outbound"),
    ),
    View(
        "planner",
        "planner",
        "Planner",
        ("Forecast and actuals", "Requirement against the schedule", "Roster"),
    ),
    View(
        "plans",
        "planner",
        "Rules and plans",
        ("Site rules", "Agent preferences and availability", "What-if scenarios", "Capacity plan"),
    ),
    View("requests", "planner", "Requests and trades", ("Shift trades", "Bid rounds")),
    View("floor", "floor_manager", "Floor", ("Sell or serve now", "Agents against plan")),
    View("my_schedule", "agent", "My schedule", ()),
    View("executive", "admin", "Executive", ("By queue",)),
)


def words(msgid: str, language: str, **fields: Any) -> str:
    """What the dashboard shows for `msgid` in `language` ("en" or "zh-CN")."""
    with use_locale("zh_CN" if language == ZH else "en"):
        return t(msgid, **fields)


def rendered(page: Any, title: str) -> None:
    """Wait until the page shows `title` and Streamlit has finished running its script."""
    page.get_by_role("heading", name=title).first.wait_for()
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def settle(page: Any) -> None:
    page.wait_for_timeout(300)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.wait_for_timeout(300)


def metric(page: Any, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]', has_text=label).first
    text: str = box.locator('[data-testid="stMetricValue"]').inner_text()
    return text.strip()


def metrics(page: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for box in page.locator('[data-testid="stMetric"]').all():
        label = box.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        found[label] = box.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return found


def shoot(page: Any, name: str) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its own container, so the
    viewport is grown to the content's height first."""
    height = page.evaluate(
        """() => Math.max(...['stMain', 'stAppViewContainer', 'stMainBlockContainer']
            .map((id) => document.querySelector(`[data-testid="${id}"]`))
            .filter((node) => node)
            .map((node) => node.scrollHeight))"""
    )
    page.set_viewport_size({"width": WIDTH, "height": max(HEIGHT, int(height) + 40)})
    page.wait_for_timeout(500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})


def sign_in(context: Any, url: str, token: str) -> Any:
    """A new tab of `context`, signed in (in English) with `token`."""
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{url}/?lang=en")
    page.get_by_label("API token").wait_for()
    settle(page)
    # the first submit counts (a form drawn outside a page lost it)
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    # the browser holds the session's cookie once the signed-in page has run
    page.wait_for_function("() => document.cookie.includes('wfm_session=')")
    settle(page)
    return page


def main_text(page: Any) -> str:
    text: str = page.locator('[data-testid="stMain"]').inner_text()
    return text


def column_headers(page: Any) -> list[str]:
    return [
        cell.inner_text().strip()
        for cell in page.locator('[data-testid="stDataFrame"] [role="columnheader"]').all()
    ]


def placeholders(page: Any) -> list[str]:
    """What each empty multiselect says (its text, or its input's placeholder)."""
    found: list[str] = page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-testid="stMultiSelect"]'))
            .map((node) => [node.querySelector('[placeholder]')?.getAttribute('placeholder'),
                            node.querySelector('[data-baseweb="select"]')?.innerText]
                .filter((text) => text).join(' ').trim())"""
    )
    return found


def check_common(page: Any, view: View, language: str) -> str:
    """What every page must show and must not; returns the page's text."""
    assert page.locator('[data-testid="stException"]').count() == 0, view
    # Streamlit's "Page not found" (an address the navigation did not know)
    assert page.locator('[role="dialog"]').count() == 0, (view, page.url)
    text = main_text(page)
    if DUMP:
        Path(DUMP).mkdir(parents=True, exist_ok=True)
        headers = "\n".join(column_headers(page))
        out = Path(DUMP) / f"{view.page}.{view.role}.{language}.txt"
        out.write_text(text + "\n--- column headers\n" + headers)
    assert "Traceback" not in text, view
    assert "something went wrong" not in text.lower(), view
    raw = [h for h in column_headers(page) if SNAKE_CASE.search(h)]
    assert not raw, (view, language, raw)
    if view.page != "executive":  # the executive page lists contact-reason codes, which are data
        raw = set(SNAKE_CASE.findall(text)) - ICON_NAMES
        assert not raw, (view, language, raw)
    for section in view.sections:
        heading = words(section, language)
        assert page.get_by_role("heading", name=heading).count() > 0, (view, heading)
    if language == ZH:
        assert len(HAN.findall(text)) > 40, (view, "too little Chinese")
        # Streamlit's own English placeholder in an empty multiselect
        assert not [p for p in placeholders(page) if "Choose" in p], view
        for english in (view.title, *view.sections):
            if words(english, ZH) != english:
                assert page.get_by_role("heading", name=english, exact=True).count() == 0, (
                    view,
                    english,
                )
    return text


TIMINGS: list[tuple[str, str, str, float]] = []


def open_view(page: Any, url: str, view: View, language: str) -> float:
    """Open the view's address as a fresh load (a new Streamlit session: the sign-in must come
    back from the browser's cookie); the seconds until the page has rendered."""
    started = time.perf_counter()
    page.goto(f"{url}/{view.page}?lang={language}")
    rendered(page, words(view.title, language))
    seconds = time.perf_counter() - started
    TIMINGS.append((view.page, view.role, language, seconds))
    page.wait_for_timeout(300)
    return seconds


def print_timings() -> None:
    print("\npage          role           language  seconds to render")
    for name, role, language, seconds in TIMINGS:
        print(f"{name:<13} {role:<14} {language:<9} {seconds:6.2f}")


def check_view(page: Any, view: View, language: str, api: DemoApi) -> None:
    """The view's own content, beyond what every page shows."""
    text = check_common(page, view, language)
    if view.page == "executive":
        label = words("Service level", language)
        # the KPI boxes, once drawn (a page that stopped early says why in the message)
        box = page.locator('[data-testid="stMetric"]', has_text=label).first
        try:
            box.wait_for(timeout=15_000)
        except Exception as exc:
            raise AssertionError(f"{view} {language}: no {label!r} box in {text[:1500]!r}") from exc
        values = metrics(page)
        assert PERCENT.match(values[label]), values
        assert any(PERCENT.match(v) for k, v in values.items() if k != label), values
    elif view.page == "planner":
        assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 2
        assert words("Peak agents required", language) in text
        # the week's Gantt and its three filters (team, skill, agent), empty: everyone
        for label in ("Team", "Skill", "Agent"):
            assert page.get_by_text(words(label, language), exact=True).count(), label
        assert placeholders(page).count(words("All", language)) >= 3, placeholders(page)
    elif view.page == "plans":
        # the rules valid for the week (a table, and the breaks' table) and their form's switch
        assert page.locator('[data-testid="stDataFrame"]').count() >= 2
        assert words("Change the rules", language) in text
        assert words("Ask a new scenario", language) in text
    elif view.page == "requests":
        assert words("New bid round", language) in text
    elif view.page == "floor":
        assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 1
        assert page.get_by_role("button", name=words("Apply recommendation", language)).count()
    elif view.page == "my_schedule":
        monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
        shifts: Any = api.get("/v1/me/schedule", "agent", week_start=monday.isoformat())
        assert shifts
        assert metric(page, words("Shifts this week", language)) == str(len(shifts))
        assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 1


def test_every_page_for_every_role_in_both_languages(
    browser: Any, dashboard_url: str, browser_api: DemoApi
) -> None:
    shot: set[str] = set()
    try:
        for role in dict.fromkeys(view.role for view in VIEWS):
            context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
            try:
                page = sign_in(context, dashboard_url, browser_api.tokens[role])
                for view in (v for v in VIEWS if v.role == role):
                    for language in LANGUAGES:
                        open_view(page, dashboard_url, view, language)
                        check_view(page, view, language, browser_api)
                        name = view.page.replace("_", "-")
                        suffix = "" if language == "en" else f".{ZH}"
                        if f"{name}{suffix}" not in shot:
                            shoot(page, f"{name}{suffix}")
                            shot.add(f"{name}{suffix}")
            finally:
                context.close()
    finally:
        print_timings()
    assert len(shot) == 2 * len({view.page for view in VIEWS})


def test_a_reload_keeps_the_sign_in_and_sign_out_ends_it(
    browser: Any, dashboard_url: str, browser_api: DemoApi
) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page = sign_in(context, dashboard_url, browser_api.tokens["floor_manager"])
        rendered(page, "Floor")
        assert page.url.startswith(f"{dashboard_url}/floor")  # the role's page at its address
        page.reload()
        rendered(page, "Floor")
        assert page.get_by_label("API token").count() == 0
        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("API token").wait_for()
        page.wait_for_function("() => !document.cookie.includes('wfm_session=')")
        page.reload()
        page.get_by_label("API token").wait_for()
        settle(page)
        assert "has ended" not in main_text(page)
        # a cookie the dashboard does not know (it restarted, or the key expired)
        context.add_cookies([{"name": "wfm_session", "value": "gone", "url": dashboard_url}])
        page.goto(f"{dashboard_url}/floor?lang=en")
        page.get_by_label("API token").wait_for()
        settle(page)
        assert "Your sign-in in this browser has ended" in main_text(page)
    finally:
        context.close()


def test_the_floor_applies_its_recommendation(
    browser: Any, dashboard_url: str, browser_api: DemoApi
) -> None:
    api = browser_api
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page = sign_in(context, dashboard_url, api.tokens["floor_manager"])
        rendered(page, "Floor")
        rec: Any = api.get("/v1/intraday/recommendation", site=api.site)
        assert rec["moves"], rec["message"]
        assert metric(page, "On shift now") == str(rec["on_shift_now"])
        assert metric(page, "Sellers now") == str(rec["sellers_now"])
        page.get_by_role("button", name="Apply recommendation").click()
        page.get_by_text("Switched to serve").wait_for()
        settle(page)
        after: Any = api.get("/v1/intraday/recommendation", site=api.site)
        assert after["sellers_now"] < rec["sellers_now"]
    finally:
        context.close()


def _schedule_named(api: DemoApi, filename: str) -> Any:
    """The schedule a download's file name names (`schedule-<site>-<week>-v<version>.<ext>`)."""
    found = re.fullmatch(r"schedule-(.+)-(\d{4}-\d{2}-\d{2})-v(\d+)\.(csv|xlsx)", filename)
    assert found is not None, filename
    site, week, version = found.group(1), found.group(2), int(found.group(3))
    listed: Any = api.get("/v1/schedules", "planner", site=site, week_start=week)
    [summary] = [s for s in listed if s["version"] == version]
    return api.get(f"/v1/schedules/{summary['id']}", "planner")


def test_the_planner_downloads_the_roster_and_an_agent_s_calendar(
    browser: Any, dashboard_url: str, browser_api: DemoApi, tmp_path: Path
) -> None:
    """The roster's download buttons, clicked in the browser: the CSV and the Excel workbook hold
    every shift of the schedule the page shows, and the calendar every shift of the agent."""
    import csv

    from openpyxl import load_workbook

    api = browser_api
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, accept_downloads=True
    )
    try:
        page = sign_in(context, dashboard_url, api.tokens["planner"])
        page.goto(f"{dashboard_url}/planner?lang=en")
        rendered(page, "Planner")
        settle(page)

        def download(label: str) -> Any:
            # a download button's click reruns the page: wait for the run before the next
            # click, so that it lands on the button drawn by the finished run
            settle(page)
            button = page.get_by_role("button", name=label)
            button.wait_for()
            with page.expect_download(timeout=60_000) as waiting:
                button.click()
            found = waiting.value
            settle(page)
            return found

        csv_file = download("Download CSV")
        schedule = _schedule_named(api, csv_file.suggested_filename)
        shifts = schedule["shifts"]
        assert shifts
        path = tmp_path / csv_file.suggested_filename
        csv_file.save_as(path)
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        expected = {(s["agent_code"], s["shift_date"]) for s in shifts}
        assert {(r["agent_code"], r["shift_date"]) for r in rows} == expected
        assert all(datetime_ok(r["start_utc"]) and datetime_ok(r["end_utc"]) for r in rows)

        xlsx_file = download("Download Excel")
        assert xlsx_file.suggested_filename == csv_file.suggested_filename.replace(".csv", ".xlsx")
        path = tmp_path / xlsx_file.suggested_filename
        xlsx_file.save_as(path)
        book = load_workbook(path, read_only=True)
        sheet_rows = list(book["Shifts"].iter_rows(values_only=True))
        assert sheet_rows[0][:3] == ("agent_code", "agent_name", "shift_date")
        assert sorted((str(r[0]), str(r[2])) for r in sheet_rows[1:]) == sorted(expected)

        label = (
            page.get_by_role("button", name=re.compile(r"^Download .+'s calendar$"))
            .inner_text()
            .strip()
        )
        code = re.fullmatch(r"Download (.+)'s calendar", label)
        assert code is not None
        ics = download(label)
        path = tmp_path / ics.suggested_filename
        ics.save_as(path)
        text = path.read_text(encoding="utf-8")
        assert text.startswith("BEGIN:VCALENDAR")
        own = [s for s in shifts if s["agent_code"] == code.group(1)]
        assert own and text.count("BEGIN:VEVENT") == len(own)
    finally:
        context.close()


def datetime_ok(text: str) -> bool:
    """Whether `text` is an ISO timestamp with its offset."""
    return dt.datetime.fromisoformat(text).tzinfo is not None
