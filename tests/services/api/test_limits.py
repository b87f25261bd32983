"""On the server, a query past its time limit stops, and a few such queries cannot starve the others.

A real server on the loopback interface takes concurrent requests. The pathological scenario is valid data
built to blow up: a chain of terminals, each hop by a cheap dirty or a dear clean road link, with lengths
doubling hop by hop, so that the 2**i ways to the i-th terminal are all Pareto-optimal. Its searches would run
for ages without the deadline (the server's label cap is set out of reach here).
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from intermodal.services.api import Settings, create_app

from .conftest import README_QUERY

MINI = Path(__file__).parents[2] / "io" / "bundles" / "mini"
HOPS = 22
BLOW_UP_QUERY = {
    "scenario": "blowup",
    "from": "t0",
    "to": f"t{HOPS}",
    "teu": 1,
    "ready": README_QUERY["ready"],
}


def write_blow_up(folder: Path) -> Path:
    """The pathological bundle's files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = (MINI / "manifest.toml").read_text(encoding="utf-8").replace('"mini"', '"blowup"')
    (folder / "manifest.toml").write_text(manifest, encoding="utf-8")
    factors = (MINI / "factors.csv").read_text(encoding="utf-8").rstrip("\n")
    (folder / "factors.csv").write_text(
        f"{factors}\n"
        "clean,road,g/t-km,1,1,,false,Clean truck,assumption\n"
        "dirty,road,g/t-km,20,20,,false,Dirty truck,assumption\n",
        encoding="utf-8",
    )
    head = (MINI / "terminals.csv").read_text(encoding="utf-8").splitlines()[0]
    rows = [
        f"t{i},,T{i},站{i},{29 + i * 0.001:.3f},106.0,Asia/Shanghai,CN,road,city,false,,false,false,0.1,10,"
        "hub_op,assumption,"
        for i in range(HOPS + 1)
    ]
    (folder / "terminals.csv").write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    head = (MINI / "links.csv").read_text(encoding="utf-8").splitlines()[0]
    links = []
    for i in range(HOPS):
        km = 0.01 * 2**i
        for name, price, factor in (("dear", 10, "clean"), ("cheap", 1, "dirty")):
            row = f"{name}{i},t{i},t{i + 1},road,{km:g},0.01,,{price},TEU-km,0,true,false,,{factor},,,"
            links.append(row + "assumption")
    (folder / "links.csv").write_text("\n".join([head, *links]) + "\n", encoding="utf-8")
    services = (MINI / "services.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / "services.csv").write_text(services + "\n", encoding="utf-8")
    (folder / "service_stops.csv").write_text(
        "service_id,seq,terminal,arrive_offset_h,depart_offset_h\n", encoding="utf-8"
    )
    return folder


def _zip(folder: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f.name)


@dataclasses.dataclass
class Served:
    url: str
    app: Any


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """Start a server on 127.0.0.1 with the given settings and the blow-up scenario uploaded."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(**changes: Any) -> Served:
        settings = Settings(tokens_file=tmp_path / "tokens.json", bundles_dir=tmp_path / "bundles", **changes)
        _zip(write_blow_up(tmp_path / "blowup"), settings.bundles_dir / "blowup.zip")
        app = create_app(settings)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        for _ in range(600):  # the compiled search loads at start (a few seconds)
            if server.started:
                break
            time.sleep(0.05)
        assert server.started
        port = server.servers[0].sockets[0].getsockname()[1]
        return Served(f"http://127.0.0.1:{port}", app)

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(30)


def _searching() -> list[str]:
    """The threads now running a route search, by name."""
    names = {t.ident: t.name for t in threading.enumerate()}
    out = []
    for ident, frame in sys._current_frames().items():
        f: Any = frame
        while f is not None:
            if f.f_code.co_filename.endswith(("engines/freight.py", "engines/reference.py")):
                out.append(names.get(ident, str(ident)))
                break
            f = f.f_back
    return out


def _post(url: str, body: dict[str, Any], answers: list[tuple[str, httpx.Response, float]], tag: str) -> None:
    started = time.monotonic()
    response = httpx.post(f"{url}/api/routes", json=body, timeout=120)
    answers.append((tag, response, time.monotonic() - started))


def test_a_timed_out_query_stops_and_frees_its_worker(serve: Any) -> None:
    served = serve(query_seconds=1.0, max_labels=10**12, max_searches=2, queue_seconds=30.0)
    answers: list[tuple[str, httpx.Response, float]] = []
    bad = [threading.Thread(target=_post, args=(served.url, BLOW_UP_QUERY, answers, "bad")) for _ in range(2)]
    for t in bad:
        t.start()
    time.sleep(0.3)  # both bad queries hold a slot now
    good = threading.Thread(target=_post, args=(served.url, README_QUERY, answers, "good"))
    good.start()
    for t in [*bad, good]:
        t.join(60)
    assert sorted(tag for tag, _, _ in answers) == ["bad", "bad", "good"]
    for tag, response, took in answers:
        if tag == "bad":
            assert response.status_code == 503, response.text
            assert response.json()["type"] == "/problems/query-budget" and response.headers["retry-after"]
            assert took < 10, took
        else:
            # it waited for a slot until the bad searches stopped, then ran
            assert response.status_code == 200, response.text
            assert response.json()["options"] and took < 15, took
    # the bad searches stopped: no thread still runs one, and both slots are free
    for _ in range(40):
        if not _searching():
            break
        time.sleep(0.05)
    assert not _searching()
    assert served.app.state.search_slots.value == 2


def test_a_query_that_finds_every_slot_busy_answers_503(serve: Any) -> None:
    served = serve(query_seconds=3.0, max_labels=10**12, max_searches=1, queue_seconds=0.2)
    answers: list[tuple[str, httpx.Response, float]] = []
    bad = threading.Thread(target=_post, args=(served.url, BLOW_UP_QUERY, answers, "bad"))
    bad.start()
    time.sleep(0.5)
    _post(served.url, README_QUERY, answers, "good")
    tag, response, _ = answers[0]
    assert tag == "good" and response.status_code == 503
    assert response.json()["type"] == "/problems/server-busy" and response.headers["retry-after"]
    bad.join(30)
    assert answers[1][1].status_code == 503
    # with the slot free again, the same query is answered
    _post(served.url, README_QUERY, answers, "good")
    assert answers[2][1].status_code == 200
