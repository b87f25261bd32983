"""The web app in real Chromium (Debian's /usr/bin/chromium, driven by Playwright; no browser download).

A server runs on a free loopback port for the module; each test opens the page, acts as a user would, and
saves a screenshot to test-artifacts/.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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
def serve_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="module")
def web_token(serve_home: Path) -> str:
    """A write token of the test server (it reads its tokens file on each request)."""
    from intermodal.services.api.tokens import create_token

    return create_token(serve_home / "tokens.json", name="web test")[0]


@pytest.fixture(scope="module")
def server(serve_home: Path) -> Iterator[str]:
    home = serve_home
    port = _free_port()
    env = {
        **os.environ,
        "INTERMODAL_TOKENS_FILE": str(home / "tokens.json"),
        "INTERMODAL_BUNDLES_DIR": str(home / "bundles"),
        # a ledger of the test's own, with the calibrated demo history for the throughput report
        "INTERMODAL_LEDGER_URL": f"sqlite:///{home / 'ledger.sqlite3'}",
        # measured time spreads of the default scenario, for p_on_time (docs/calibration.md)
        "INTERMODAL_RELIABILITY": str(home / "reliability.csv"),
    }
    (home / "reliability.csv").write_text(
        "kind,id,median_h,sigma,planned_h,load_factor,n,source\n"
        'service,shuttle-east,60,0.3,45,,100,"measured: ledger 2019, n = 100"\n'
        'service,shuttle-east-double,44.5,0.05,44.5,,100,"measured: ledger 2019, n = 100"\n',
        encoding="utf-8",
    )
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
    # the server has a ledger: each scheduled leg says the room its departure had at the answer
    assert "TEU free on this departure" in text
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


def test_an_empty_field_is_named_without_empty_brackets(page) -> None:  # type: ignore[no-untyped-def]
    page.fill("#from", "")
    page.fill("#to", "bangkok")
    page.click("#submit")
    page.wait_for_selector("#problems li")
    message = page.inner_text("#problems")
    assert "at least 1 character" in message
    assert "()" not in message


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


def test_quote_an_option_then_book_it(page, web_token: str) -> None:  # type: ignore[no-untyped-def]
    _ask(page, "Nanpeng", "Bangkok")
    page.wait_for_selector("#options .card")
    card = page.locator("#options .card").nth(1)
    assert card.locator(".book-btn").is_disabled()  # nothing to book before a quote
    # without a token the server refuses, and the page says what is needed
    card.locator(".quote-btn").click()
    page.locator("#quote-box .quote-problem", has_text="token").wait_for()
    page.fill("#token", web_token)
    page.fill("#shipper", "ACME Fruit")
    page.select_option("#customs", "bonded")
    card.locator(".quote-btn").click()
    page.wait_for_selector("#quote-box .quote-total")
    assert (
        page.locator("#options .card.selected[data-rank='1']").count() == 1
    )  # the button did not pick the card
    rows = page.locator("#quote-box .quote-items tbody tr")
    amounts = [
        float(re.sub(r"[^0-9.]", "", x))
        for x in page.locator("#quote-box .quote-items tbody td.num").all_inner_texts()
    ]
    total = float(re.sub(r"[^0-9.]", "", page.inner_text("#quote-box .quote-total")))
    assert rows.count() >= 4 and round(sum(amounts), 2) == total
    assert "Valid until" in page.inner_text("#quote-box .quote-valid")
    assert "room is held" in page.inner_text("#quote-box .quote-status")
    card.locator(".book-btn").click()
    page.locator("#quote-box .booking-done", has_text="Booked: booking").wait_for()
    # pressed again, the same key comes back with the same booking: still one booking
    first = page.inner_text("#quote-box .booking-done")
    card.locator(".book-btn").click()
    page.wait_for_timeout(500)
    assert page.inner_text("#quote-box .booking-done") == first
    page.click("#lang")
    assert "已订舱：订单" in page.inner_text("#quote-box .booking-done")
    assert "合计" in page.inner_text("#quote-box") and "有效期至" in page.inner_text("#quote-box")
    assert _latin_runs(page) == []


# ---------------------------------------------------------------- map and charts


def _lab(colour: str) -> tuple[float, float, float]:
    # sRGB "rgb(r, g, b)" or "#rrggbb" to CIELAB (D65), for colour distances as the eye sees them
    if colour.startswith("#"):
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    else:
        rgb = [int(x) / 255 for x in re.findall(r"\d+", colour)[:3]]
    lin = [((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92 for c in rgb]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883
    f = [v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116 for v in (x, y, z)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def _delta_e(a: str, b: str) -> float:
    return math.dist(_lab(a), _lab(b))


def test_shuttle_line_colours_are_not_mode_colours(page) -> None:  # type: ignore[no-untyped-def]
    modes = page.eval_on_selector_all(
        "#legend > .key .swatch:not(.ring)", "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    lines = page.eval_on_selector_all(
        "#legend .lines .swatch", "els => els.map(e => getComputedStyle(e).borderTopColor)"
    )
    assert len(modes) == 4 and len(lines) == 6
    for line in lines:
        assert min(_delta_e(line, mode) for mode in modes) > 30, line
    assert min(_delta_e(a, b) for a, b in itertools.combinations(lines, 2)) > 25


def _boxes(page, selector: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {x: r.x, y: r.y, w: r.width, h: r.height, id: e.dataset.id || ''}; })",
    )


def _overlap(a: dict, b: dict) -> bool:
    apart_x = a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
    apart_y = a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"]
    return not (apart_x or apart_y)


def _markers_apart(page) -> None:  # type: ignore[no-untyped-def]
    # (Leaflet draws no path for a marker outside the view: its box is empty)
    centres = [(b["x"] + b["w"] / 2, b["y"] + b["h"] / 2) for b in _boxes(page, "path.terminal") if b["w"]]
    assert len(centres) >= 2
    closest = min(math.dist(a, b) for a, b in itertools.combinations(centres, 2))
    assert closest >= 10, closest  # a marker is 10-12 px across: none hides another


def test_terminals_are_named_and_never_hide_each_other(page) -> None:  # type: ignore[no-untyped-def]
    page.locator(".terminal-label").first.wait_for()
    _markers_apart(page)
    labels = _boxes(page, ".terminal-label")
    assert len(labels) >= 5 and not any(_overlap(a, b) for a, b in itertools.combinations(labels, 2))
    assert "Chongqing Highway Logistics Base" in page.inner_text(".leaflet-marker-pane")
    # zoom in on the base: its bonded centre, customs centre and station are a few hundred metres apart
    base = {"nanpeng", "nanpeng-bonded", "nanpeng-customs", "nanpeng-station"}
    for _ in range(6):
        # the wheel zooms about the pointer: keep it on the base's marker, a step at a time, until its
        # neighbours have room for their names (about zoom 12)
        (nanpeng,) = _boxes(page, "path.terminal-nanpeng")
        page.mouse.move(nanpeng["x"] + nanpeng["w"] / 2, nanpeng["y"] + nanpeng["h"] / 2)
        page.mouse.wheel(0, -100)
        page.wait_for_timeout(500)
        labels = _boxes(page, ".terminal-label")
        _markers_apart(page)
        assert not any(_overlap(a, b) for a, b in itertools.combinations(labels, 2))
        if base <= {b["id"] for b in labels}:
            break
    assert base <= {b["id"] for b in labels}, labels


def _tick_values(page, selector: str) -> list[float]:  # type: ignore[no-untyped-def]
    return [float(x.replace(",", "")) for x in page.locator(selector).all_text_contents()]


def test_chart_ticks_fall_on_round_numbers(page) -> None:  # type: ignore[no-untyped-def]
    _ask(page, "Nanpeng", "Bangkok")
    page.wait_for_selector("#pareto svg text.tick")
    for axis in ("x", "y"):
        ticks = _tick_values(page, f"#pareto text.tick.{axis}")
        steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
        assert len(ticks) >= 3 and len(steps) == 1, ticks
        (step,) = steps
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert round(mantissa, 6) in (1, 2, 5), ticks
        assert all(abs(v / step - round(v / step)) < 1e-6 for v in ticks), ticks


def test_factor_ids_wrap_at_their_separators(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.goto(server + "/")
    pg.wait_for_selector("body[data-ready='1']")
    _ask(pg, "Nanpeng", "Bangkok")
    pg.wait_for_selector("#emissions .factor")
    # for each factor id: the characters after which the text moves to a new line
    breaks = pg.eval_on_selector_all(
        "#emissions .factor",
        """els => els.map(el => {
            const text = el.textContent, out = [];
            let top = null, offset = 0;
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (let i = 0; i < node.length; i++, offset++) {
                    const range = document.createRange();
                    range.setStart(node, i); range.setEnd(node, i + 1);
                    const y = range.getBoundingClientRect().top;
                    if (top !== null && y > top + 2) out.push(text[offset - 1]);
                    top = y;
                }
            }
            return [text, out];
        })""",
    )
    context.close()
    assert any(after for _, after in breaks), breaks  # the phone is narrow enough that some wrap
    for text, after in breaks:
        assert all(c in "_-" for c in after), (text, after)


# ---------------------------------------------------------------- time zones and dates


def _next_hour(zone: str) -> set[str]:
    # the next full hour in the zone, now and a moment later (the test may straddle an hour)
    out = set()
    for lag in (0, 90):
        now = datetime.now(ZoneInfo(zone)) + timedelta(seconds=lag)
        hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        out.add(hour.strftime("%Y-%m-%dT%H:%M"))
    return out


def test_ready_time_is_the_origin_terminals_in_any_browser_zone(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    # a browser on UTC: the form must still fill and read the origin terminal's local time
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB", timezone_id="UTC")
    pg = context.new_page()
    pg.goto(server + "/")
    pg.wait_for_selector("body[data-ready='1']")
    assert pg.input_value("#ready") in _next_hour("Asia/Shanghai")
    assert "UTC+8" in pg.inner_text("label[for=ready]")
    # Bangkok is an hour behind Chongqing: the default moves to the same moment on Bangkok's clock
    pg.fill("#from", "Bangkok")
    pg.locator("#from-list li").first.click()
    assert pg.input_value("#ready") in _next_hour("Asia/Bangkok")
    assert "UTC+7" in pg.inner_text("label[for=ready]")
    # a typed time is the origin's local time, and the query says so
    sent: list[dict] = []
    pg.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/routes") else None)
    _ask(pg, "Nanpeng", "Bangkok")
    pg.wait_for_selector("#options .card")
    assert sent[-1]["ready"] == "2020-04-03T08:00:00+08:00"
    assert pg.inner_text("#ready-text") == "Fri 3 Apr, 08:00 (UTC+8)"
    first = pg.locator("#timeline li").first.inner_text()
    assert "Fri 3 Apr" in first and "(UTC+8)" in first
    context.close()


def test_dates_follow_the_language(page) -> None:  # type: ignore[no-untyped-def]
    _ask(page, "Nanpeng", "Bangkok")
    page.wait_for_selector("#timeline li")
    assert "3 Apr" in page.inner_text("#timeline")
    page.click("#lang")
    text = page.inner_text("#timeline")
    assert "4月3日" in text and "Apr" not in text and "2020-04" not in text


# ---------------------------------------------------------------- the Chinese page

#: words a Chinese reader meets as they are: units, codes, and names that have no Chinese form
LATIN_ALLOWED = {
    "CO2e",
    "TEU",
    "CNY",
    "UTC",
    "kg",
    "km",
    "t-km",
    "TEU-km",
    "OpenStreetMap",
    "Natural",
    "Earth",
}


def _latin_runs(page) -> list[str]:  # type: ignore[no-untyped-def]
    # the text a user sees (not the attribution, nor a command to copy), and in it every run of two or more
    # Latin words that are not units, codes or allowed names
    text = page.evaluate(
        """() => {
            const out = [];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const el = node.parentElement;
                if (!node.textContent.trim() || !el) continue;
                if (el.closest("script, style, title, code, .leaflet-control-attribution")) continue;
                if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
                out.push(node.textContent);
            }
            return out.join("\\n");
        }"""
    )
    runs = []
    for line in text.splitlines():
        words = [w if w not in LATIN_ALLOWED else "·" for w in re.split(r"\s+", line.strip())]
        run: list[str] = []
        for w in [*words, "·"]:
            if re.fullmatch(r"[A-Za-z][A-Za-z'’.,;:()-]*", w) and re.search(r"[a-z]{2}", w):
                run.append(w)
            else:
                if len(run) >= 2:
                    runs.append(" ".join(run))
                run = []
    return runs


def test_the_chinese_page_has_no_english_to_read(page) -> None:  # type: ignore[no-untyped-def]
    page.click("#lang")
    assert _latin_runs(page) == []
    # a route: options, chart, legs, carriers, emissions
    _ask(page, "南彭", "曼谷")
    page.wait_for_selector("#options .card")
    page.locator("#options .card").nth(1).click()
    page.wait_for_selector("#timeline li.leg")
    legs = page.inner_text("#timeline")
    assert "重庆东盟公路班车" in legs or "中国铁路成都局集团" in legs  # carriers by their Chinese names
    assert _latin_runs(page) == []
    # no route: the reasons worded from their codes, with dates in Chinese
    page.fill("#due", "2020-04-04T08:00")
    page.click("#submit")
    page.wait_for_selector("#problems:not([hidden])")
    problem = page.inner_text("#problems")
    assert "没有满足条件的路线" in problem and "曼谷" in problem
    assert "4月4日" in problem and "2020-04" not in problem
    assert _latin_runs(page) == []
    # a bad query: the fields in Chinese, with what was typed
    page.fill("#due", "")
    page.fill("#to", "atlantis")
    page.fill("#amount", "-3")
    page.click("#submit")
    page.wait_for_selector("#problems li")
    problem = page.inner_text("#problems")
    assert "请检查查询条件" in problem and "终点" in problem and "atlantis" in problem
    assert _latin_runs(page) == []
    # the ledger report's empty state and its bad period
    page.click("#report summary")
    page.fill("#period", "2031Q1")
    page.click("#report-form button")
    page.locator("#report-note code").wait_for()
    assert _latin_runs(page) == []
    page.fill("#period", "2020Q9")
    page.click("#report-form button")
    page.locator("#report-note", has_text="期间").wait_for()
    assert _latin_runs(page) == []


def test_the_latin_check_finds_english(page) -> None:  # type: ignore[no-untyped-def]
    # the English page, seen by the same check: it must find plenty
    assert "Find door-to-door routes" in " ".join(_latin_runs(page))


def test_plan_page_plans_the_demo_book_against_first_come_and_books_it(page, web_token: str) -> None:  # type: ignore[no-untyped-def]
    page.click(".pages a[href='#plan']")
    # the page changes on the hashchange event, which the browser fires after the click returns
    page.locator("#plan").wait_for(state="visible", timeout=5_000)
    assert not page.locator("main.layout").is_visible()
    page.click("#plan-demo")
    page.wait_for_selector("#plan-out .plan-chart svg .departure", timeout=300_000)
    rows = page.locator("#plan-out .plan-orders tbody tr")
    assert rows.count() == 25  # the demo book's orders, each with its choice and first come's
    versus = page.locator("#plan-out .plan-versus tbody tr").all_inner_texts()
    assert len(versus) == 6 and "Objective" in versus[0]
    assert "gap" in page.inner_text("#plan-out .plan-status")
    # every departure's bar: the load drawn inside its room, never over it (a page style once drew each load
    # as a long bar across the days)
    loads = page.locator("#plan-out .plan-chart .departure").count()
    assert loads > 0 and page.locator("#plan-out .plan-chart rect.room").count() == loads
    outside = page.evaluate(
        """() => [...document.querySelectorAll('#plan-out .plan-chart .departure')].flatMap((g) => {
            const room = g.querySelector('rect.room').getBoundingClientRect();
            return [...g.querySelectorAll('rect.filled')].map((r) => r.getBoundingClientRect()).filter((b) =>
                b.left < room.left - 0.5 || b.right > room.right + 0.5 || b.top < room.top - 0.5
                || b.bottom > room.bottom + 0.5);
        }).length"""
    )
    assert page.locator("#plan-out .plan-chart rect.filled").count() > 0 and outside == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-plan.png"), full_page=True)
    page.click("#lang")
    assert "订单批量计划" in page.inner_text("#plan") and "先到先得" in page.inner_text("#plan-out")
    assert _latin_runs(page) == []
    page.screenshot(path=str(ARTIFACTS / "web-plan-zh.png"), full_page=True)
    page.fill("#plan-token", web_token)
    page.click("#plan-book")
    page.locator("#plan-booked", has_text="已订舱").wait_for(timeout=300_000)
    assert _latin_runs(page) == []
    page.click(".pages a[href='#']")
    page.locator("main.layout").wait_for(state="visible", timeout=5_000)
    assert not page.locator("#plan").is_visible()


def test_options_say_how_likely_they_are_on_time(page) -> None:  # type: ignore[no-untyped-def]
    for field, text in (("#from", "Nanpeng"), ("#to", "Hanoi")):
        page.fill(field, text)
        page.wait_for_selector(f"{field}-list li")
        page.locator(f"{field}-list li").first.click()
    page.fill("#amount", "2")
    page.select_option("#unit", "teu")
    page.fill("#ready", "2020-04-03T08:00")
    page.fill("#due", "2020-04-06T20:00")
    page.select_option("#objective", "reliable")
    page.click("#submit")
    page.wait_for_selector("#options .card .on-time")
    shares = [int(x.rstrip(" %")) for x in page.locator("#options .card dd.on-time").all_inner_texts()]
    assert shares == sorted(shares, reverse=True)  # ranked by it
    assert 0 <= shares[-1] < shares[0] <= 100  # the measured spreads tell the options apart
    assert "On time" in page.inner_text("#options")
    page.click("#lang")
    page.wait_for_selector("#options .card .on-time")
    assert "准时概率" in page.inner_text("#options")


def test_compare_page_shows_both_networks_and_the_change(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    # the demo's 2026 week over one day, on the 2020 network and with the China-Laos Railway
    for name, viewport, locale in (
        ("web-compare.png", {"width": 1366, "height": 900}, "en-GB"),
        ("web-compare-phone.png", {"width": 390, "height": 844}, "zh-CN"),
    ):
        context = browser.new_context(viewport=viewport, locale=locale)
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))  # noqa: B023 (each page's own list)
        pg.goto(server + "/#compare")
        pg.wait_for_selector("body[data-ready='1']", timeout=20_000)
        assert pg.is_hidden("main.layout") and pg.is_visible("#compare-map-base")
        pg.click("#compare-run")
        pg.wait_for_selector("#compare-pairs tr:nth-child(16)", timeout=300_000)
        # flows on both maps, the scenario's coloured by change; totals, mode shares and the change as charts
        assert pg.locator("#compare-map-base path.leaflet-interactive").count() > 0
        strokes = pg.eval_on_selector_all(
            "#compare-map-scenario path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('stroke'))"
        )
        assert "#1a7f37" in strokes  # legs carrying more: the China-Laos trains
        assert pg.locator("#compare-shares rect.bar-more").count() > 0
        assert pg.locator("#compare-change rect").count() == 4
        rows = pg.inner_text("#compare-pairs")
        if locale == "en-GB":
            assert "Vientiane" in rows and "Compare scenarios" in pg.inner_text("#compare")
        else:
            assert "万象" in rows and "情景对比" in pg.inner_text("#compare")
            assert _latin_runs(pg) == []
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / name), full_page=locale != "en-GB")
        context.close()
        assert not errors, errors
