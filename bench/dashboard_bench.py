"""Dashboard benchmark: how long each page of a running dashboard takes to render in Chromium.

    .venv/bin/python bench/dashboard_bench.py [--url http://127.0.0.1:8501 --token TOKEN]
        [--database-url sqlite:///var/demo.db] [--pages planner,plans,requests,executive,floor]
        [--repeat 5] [--language en|zh-CN]

Without `--token` it starts `wfm up` itself on free ports over the `make demo` centre
(var/demo.db; `--database-url` names another) and stops it at the end; with `--token` it
measures the dashboard at `--url` (`make demo` running: the admin token `wfm up` printed; an
administrator may open every page). With neither a token nor a demo database it says so and
exits 0 (`make bench` goes on). Debian's Chromium (/usr/bin/chromium) and the `playwright`
package are needed. One browser profile signs in once, then opens each page `--repeat` times
as a fresh load (a new Streamlit session, the sign-in back from the cookie), the first opening
of each page printed apart (the dashboard has read nothing of it yet). A page has rendered when
its title is drawn and Streamlit has finished its script, as in the browser test
(tests/dashboard/test_browser.py).

Printed per page: the first opening, then the median and the slowest of the others, against
the target (2 s) and against a **baseline** measured in the same run: the sign-in page opened
as often, a Streamlit page that reads nothing from the API (what any page costs the browser and
Streamlit before its own work).
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
DEMO_DB = Path(__file__).resolve().parent.parent / "var" / "demo.db"
TARGET_SECONDS = 2.0
START_SECONDS = 180  # for `wfm up` to print its token and say it runs
TITLES = {
    "planner": "Planner",
    "plans": "Rules and plans",
    "requests": "Requests and trades",
    "executive": "Executive",
    "floor": "Floor",
}


def _title(title: str, language: str) -> str:
    """A page's title as the dashboard shows it in `language`."""
    from dashboard.i18n import t, use_locale

    with use_locale("zh_CN" if language == "zh-CN" else "en"):
        return t(title)


def _rendered(page: Any, title: str | None) -> None:
    if title is None:
        page.get_by_label("API token").wait_for()
    else:
        page.get_by_role("heading", name=title).first.wait_for()
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def _open(page: Any, address: str, title: str | None) -> float:
    started = time.perf_counter()
    page.goto(address)
    _rendered(page, title)
    seconds = time.perf_counter() - started
    page.wait_for_timeout(500)  # the page's last messages, before the next load
    return seconds


def _sign_in(page: Any, url: str, token: str) -> None:
    page.goto(f"{url}/?lang=en")
    page.get_by_label("API token").wait_for()
    page.wait_for_timeout(500)
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_function("() => document.cookie.includes('wfm_session=')")
    page.wait_for_timeout(1000)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _stack(database_url: str) -> Iterator[tuple[str, str]]:
    """`wfm up` (API, worker, dashboard) on free ports: the dashboard's address and the admin
    token it printed; stopped on leaving."""
    api_port, dashboard_port = _free_port(), _free_port()
    command = [
        sys.executable, "-m", "wfm", "up", "--database-url", database_url,
        "--api-port", str(api_port), "--dashboard-port", str(dashboard_port),
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"},
        start_new_session=True,
    )
    # a thread reads the output all along: the start-up deadline holds even when `wfm up`
    # prints nothing, and the pipe never fills while the pages are measured
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    try:
        token, ready, said = None, False, []
        deadline = time.monotonic() + START_SECONDS
        while not ready and (left := deadline - time.monotonic()) > 0:
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise RuntimeError("wfm up stopped before it ran: " + "".join(said[-5:]).strip())
            said.append(line)
            found = re.search(r"admin token \(sign in with it\): (\S+)", line)
            if found:
                token = found.group(1)
            ready = token is not None and "running; press Ctrl-C" in line
        if not ready:
            raise RuntimeError(f"wfm up did not start within {START_SECONDS} s")
        assert token is not None
        yield f"http://127.0.0.1:{dashboard_port}", token
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _line(name: str, first: float, rest: list[float], baseline: float) -> str:
    median = statistics.median(rest) if rest else first
    slowest = max(rest) if rest else first
    verdict = "meets" if slowest < TARGET_SECONDS else "misses"
    return (
        f"{name:<10} first {first:5.2f} s   again: median {median:5.2f} s, slowest "
        f"{slowest:5.2f} s   ({verdict} {TARGET_SECONDS:.0f} s; {median - baseline:+.2f} s over "
        "the baseline)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--token", help="an admin token (`wfm up` prints one)")
    parser.add_argument("--database-url", default=f"sqlite:///{DEMO_DB}")
    parser.add_argument("--pages", default=",".join(TITLES))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--language", choices=("en", "zh-CN"), default="en")
    args = parser.parse_args()
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = [p for p in pages if p not in TITLES]
    if unknown or args.repeat < 1:
        parser.error(f"pages are {', '.join(TITLES)}; --repeat at least 1 (unknown: {unknown})")
    if not CHROMIUM.exists():
        print(f"no Chromium at {CHROMIUM}: apt install chromium", file=sys.stderr)
        return 2
    if args.token:
        return _measure(args.url, args.token, pages, args.repeat, args.language)
    if args.database_url == f"sqlite:///{DEMO_DB}" and not DEMO_DB.exists():
        print(f"skipped: no --token and no demo centre at {DEMO_DB} (run `make demo` first)")
        return 0
    with _stack(args.database_url) as (url, token):
        print(f"wfm up over {args.database_url}: dashboard at {url}")
        return _measure(url, token, pages, args.repeat, args.language)


def _measure(url: str, token: str, pages: list[str], repeat: int, language: str) -> int:
    """Open each page `repeat` + 1 times and print the figures."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            # the baseline: a fresh profile's sign-in page, opened as often as a page
            context = browser.new_context(viewport={"width": 1280, "height": 860})
            page = context.new_page()
            page.set_default_timeout(60_000)
            login = [_open(page, f"{url}/?lang=en", None) for _ in range(repeat + 1)]
            context.close()
            baseline = statistics.median(login[1:])
            context = browser.new_context(viewport={"width": 1280, "height": 860})
            page = context.new_page()
            page.set_default_timeout(60_000)
            _sign_in(page, url, token)
            print(f"{'baseline':<10} sign-in page: median {baseline:5.2f} s of {repeat}")
            missed = 0
            for name in pages:
                address = f"{url}/{name}?lang={language}"
                title = _title(TITLES[name], language)
                times = [_open(page, address, title) for _ in range(repeat + 1)]
                print(_line(name, times[0], times[1:], baseline), flush=True)
                missed += max(times[1:] or times) >= TARGET_SECONDS
            context.close()
        finally:
            browser.close()
    print(f"{missed} of {len(pages)} pages slower than {TARGET_SECONDS:.0f} s at least once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
