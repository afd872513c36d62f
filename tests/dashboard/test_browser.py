"""The running dashboard (`wfm dashboard`) in headless Chromium driven by Playwright: sign in,
open each page, check key numbers against the API, apply the floor's recommendation, publish a
draft, and save a screenshot of each page under docs/screenshots/.

Needs Debian's Chromium at /usr/bin/chromium and the `playwright` package; skipped otherwise.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dashkit import DemoApi, free_port

CHROMIUM = Path("/usr/bin/chromium")
# Screenshots go to a temporary folder unless WFM_SCREENSHOTS_DIR names one; the README's
# pictures are refreshed with WFM_SCREENSHOTS_DIR=docs/screenshots.
SCREENSHOTS = Path(os.environ.get("WFM_SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="wfm-shots-"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def dashboard_url(browser_api: DemoApi) -> Iterator[str]:
    """`wfm dashboard` as a subprocess on a free port, against the browser test's API."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "wfm",
        "dashboard",
        "--port",
        str(port),
        "--api-url",
        browser_api.url,
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
def page(dashboard_url: str) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        try:
            yield tab
        finally:
            context.close()
            browser.close()


def settle(page: Any) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=30_000)
    page.wait_for_timeout(300)


def metric(page: Any, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]', has_text=label).first
    text: str = box.locator('[data-testid="stMetricValue"]').inner_text()
    return text.strip()


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def sign_in(page: Any, url: str, token: str) -> None:
    page.goto(url)
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    settle(page)


def go(page: Any, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for()
    settle(page)


def test_every_page_in_chromium(page: Any, dashboard_url: str, browser_api: DemoApi) -> None:
    api = browser_api
    sign_in(page, dashboard_url, api.tokens["admin"])
    page.get_by_text("All queues, ").wait_for()
    settle(page)
    heading = page.get_by_text("All queues, ").inner_text()
    first, last = heading.removeprefix("All queues, ").split(" to ")
    end = (dt.date.fromisoformat(last.strip()) + dt.timedelta(days=1)).isoformat()
    report: Any = api.get("/v1/kpis", site=api.site, start=first, end=end, granularity="day")
    expected = f"{100 * report['overall']['total']['service_level']:.1f} %"
    assert metric(page, "Service level") == expected
    shoot(page, "executive")

    go(page, "Planner")
    page.get_by_text("Peak agents required").wait_for()
    assert metric(page, "Peak servers scheduled") != "0"
    shoot(page, "planner")

    go(page, "Floor")
    rec: Any = api.get("/v1/intraday/recommendation", site=api.site)
    assert rec["moves"], rec["message"]
    assert metric(page, "On shift now") == str(rec["on_shift_now"])
    assert metric(page, "Sellers now") == str(rec["sellers_now"])
    page.get_by_role("button", name="Apply recommendation").click()
    page.get_by_text("Switched to serve").wait_for()
    settle(page)
    after: Any = api.get("/v1/intraday/recommendation", site=api.site)
    assert after["sellers_now"] < rec["sellers_now"]
    shoot(page, "floor")

    page.get_by_role("button", name="Sign out").click()
    settle(page)
    sign_in(page, dashboard_url, api.tokens["agent"])
    page.get_by_role("heading", name="My schedule").first.wait_for()
    page.get_by_text("Shifts this week").wait_for()
    settle(page)
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    shifts: Any = api.get("/v1/me/schedule", "agent", week_start=monday.isoformat())
    assert metric(page, "Shifts this week") == str(len(shifts))
    shoot(page, "my-schedule")
