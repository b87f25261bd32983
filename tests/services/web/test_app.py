"""The web app in real Chromium (Debian's /usr/bin/chromium, driven by Playwright; no browser download).

A server runs on a free loopback port for the module; each test opens the page, acts as a user would, and
saves a screenshot to test-artifacts/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"

if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = {
        **os.environ,
        "INTERMODAL_TOKENS_FILE": str(home / "tokens.json"),
        "INTERMODAL_BUNDLES_DIR": str(home / "bundles"),
        # a ledger of the test's own, with the calibrated demo history for the throughput report
        "INTERMODAL_LEDGER_URL": f"sqlite:///{home / 'ledger.sqlite3'}",
    }
    subprocess.run(
        [sys.executable, "-m", "intermodal", "demo-data", "--no-events"],
        env=env,
        check=True,
        capture_output=True,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "intermodal", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"the server did not start:\n{out}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server: str, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # a blocked asset or a content-security-policy violation shows up as a console error; a 4xx answer to a
    # bad query is logged too, and is expected
    pg.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "status of 4" not in m.text else None,
    )
    pg.goto(server + "/")
    pg.wait_for_selector("body[data-ready='1']", timeout=20_000)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"web-{request.node.name}.png"))
    context.close()
    assert not errors, errors


def _ask(page, origin: str, destination: str) -> None:  # type: ignore[no-untyped-def]
    # type part of a name and choose it from the suggestions, as a user would
    for field, text in (("#from", origin), ("#to", destination)):
        page.fill(field, text)
        page.wait_for_selector(f"{field}-list li")
        page.locator(f"{field}-list li").first.click()
    page.fill("#amount", "2")
    page.select_option("#unit", "teu")
    page.select_option("#cargo", "reefer")
    page.fill("#ready", "2020-04-03T08:00")
    page.click("#submit")


def test_map_shows_the_network_and_the_six_shuttle_lines(page) -> None:  # type: ignore[no-untyped-def]
    # basemap, links, lines, terminals: drawn as their data arrive, so wait for them
    page.locator(".leaflet-control-attribution", has_text="Natural Earth").wait_for()
    page.locator(".leaflet-overlay-pane path").nth(50).wait_for(state="attached")
    lines = page.locator("#legend .lines li")
    assert lines.count() == 6
    assert "Middle line" in lines.all_inner_texts()[2]
    assert "Natural Earth" in page.inner_text(".leaflet-control-attribution")


def test_nanpeng_to_bangkok_reefer_gives_options_chart_and_legs(page) -> None:  # type: ignore[no-untyped-def]
    _ask(page, "Nanpeng", "Bangkok")
    page.wait_for_selector("#options .card")
    cards = page.locator("#options .card")
    assert cards.count() >= 2
    assert page.locator("#pareto svg circle.dot").count() == cards.count()
    cards.nth(1).click()
    page.wait_for_selector("#options .card.selected[data-rank='2']")
    legs = page.locator("#timeline li.leg")
    assert legs.count() >= 2
    text = page.inner_text("#timeline")
    assert "Departs" in text and "Handling" in text
    assert page.locator("#emissions tbody tr").count() == page.locator("#timeline li").count()
    page.locator("#detail").scroll_into_view_if_needed()


def test_switching_to_chinese_changes_labels_and_names(page) -> None:  # type: ignore[no-untyped-def]
    _ask(page, "Nanpeng", "THBKK")
    page.wait_for_selector("#options .card")
    assert page.inner_text("#submit") == "Find routes"
    page.click("#lang")
    assert page.inner_text("#submit") == "查询路线"
    assert page.inner_text("#form-title") == "查询门到门路线"
    assert page.input_value("#to") == "曼谷"
    assert page.inner_text("#options .card .rank >> nth=0") == "方案 1"
    assert "中线" in (page.text_content("#legend") or "")
    page.click("#lang")
    assert page.inner_text("#submit") == "Find routes"


def test_chinese_search_finds_a_terminal(page) -> None:  # type: ignore[no-untyped-def]
    page.fill("#from", "南彭")
    page.wait_for_selector("#from-list li")
    assert "Nanpeng" in page.inner_text("#from-list")


def test_a_click_on_the_map_picks_a_place(page) -> None:  # type: ignore[no-untyped-def]
    page.click(".pin[data-target='to']")
    box = page.locator("#map").bounding_box()
    # left of the network in its default view, above the legend: a point, not a terminal
    page.mouse.click(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.3)
    lat, lon = (float(x) for x in page.input_value("#to").split(","))
    assert -90 <= lat <= 90 and -180 <= lon <= 180


def test_bad_query_shows_a_clear_message(page) -> None:  # type: ignore[no-untyped-def]
    page.fill("#from", "nanpeng")
    page.fill("#to", "atlantis")
    page.fill("#amount", "-3")
    page.click("#submit")
    page.wait_for_selector("#problems:not([hidden])")
    message = page.inner_text("#problems")
    assert "Please check the query" in message and "atlantis" in message
    assert page.get_attribute("#to", "aria-invalid") == "true"
    assert page.locator("#options .card").count() == 0


def test_phone_width(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.goto(server + "/")
    pg.wait_for_selector("body[data-ready='1']", timeout=20_000)
    _ask(pg, "Nanpeng", "Bangkok")
    pg.wait_for_selector("#options .card")
    # nothing wider than the phone: no sideways scrolling
    assert pg.evaluate("document.documentElement.scrollWidth") <= 391
    assert pg.locator("#map").bounding_box()["height"] > 300
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "web-phone.png"), full_page=True)
    context.close()


def test_no_request_leaves_the_machine(page, server: str) -> None:  # type: ignore[no-untyped-def]
    # the app works offline: every request it makes goes to the server that served it
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    _ask(page, "Nanpeng", "Bangkok")
    page.wait_for_selector("#options .card")
    assert seen and all(u.startswith(server) or u.startswith("data:") for u in seen), seen


def test_throughput_report_from_the_ledger(page) -> None:  # type: ignore[no-untyped-def]
    page.click("#report summary")
    page.wait_for_selector("#report-chart svg rect")
    cells = page.locator("#report-total td").all_inner_texts()
    assert (
        "403" in cells and "806" in cells and "6,900" in cells
    )  # the seed's Q1 2020, computed from the ledger
    assert page.locator("#report-chart rect").count() == 12  # six lines, this year and a year before
    page.click("#lang")
    assert "运量报表" in page.inner_text("#report summary")
    page.fill("#period", "2020Q9")
    page.click("#report-form button")
    # a bad period is a clear message (the API's 422 problem), not a broken chart
    page.locator("#report-chart svg").wait_for(state="detached")  # (no eval: the page's CSP forbids it)
    assert page.inner_text("#report-note").strip()
