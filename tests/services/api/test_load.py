"""A real server under a mix of valid route queries and bad input, from several keep-alive clients at once.

Every valid query must still succeed, every bad request must get a 4xx problem+json, and no error may close a
client's connection. Loopback only; bounded in requests (288) and in time (a timeout on every request).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from intermodal.services.api.problems import CODES

from .conftest import README_QUERY

CLIENTS = 6
ROUNDS = 3  # each client sends every request of REQUESTS this many times, in a different order each round
JSON = {"content-type": "application/json"}
BIG = b'{"from": "' + b"x" * 5_000_000 + b'"}'


@dataclass(frozen=True)
class Sent:
    name: str
    valid: bool
    status: int
    media: str
    code: str | None
    connection: object


Ask = Callable[[httpx.Client], httpx.Response]
# name -> (valid, request); the valid ones vary so that the server does real work for each
REQUESTS: dict[str, tuple[bool, Ask]] = {
    "pareto": (True, lambda c: c.post("/api/routes", json=README_QUERY)),
    "cheapest": (True, lambda c: c.post("/api/routes", json={**README_QUERY, "objective": "cheapest"})),
    "general": (True, lambda c: c.post("/api/routes", json={**README_QUERY, "cargo": "general", "teu": 1})),
    "terminals": (True, lambda c: c.get("/api/scenarios/chongqing/terminals")),
    "text/plain": (
        False,
        lambda c: c.post("/api/routes", content=b"{}", headers={"content-type": "text/plain"}),
    ),
    "form": (False, lambda c: c.post("/api/routes", data={"from": "nanpeng"})),
    "xml": (
        False,
        lambda c: c.post("/api/routes", content=b"<q/>", headers={"content-type": "application/xml"}),
    ),
    "malformed": (False, lambda c: c.post("/api/routes", content=b'{"from": ', headers=JSON)),
    "latin-1": (
        False,
        lambda c: c.post("/api/routes", content='{"from": "é"}'.encode("latin-1"), headers=JSON),
    ),
    "5 MB": (False, lambda c: c.post("/api/routes", content=BIG, headers=JSON)),
    "5 MB chunked": (
        False,
        lambda c: c.post("/api/routes", content=iter([BIG[:1_000_000]] * 5), headers=JSON),
    ),
    "unknown scenario": (
        False,
        lambda c: c.post("/api/routes", json={**README_QUERY, "scenario": "atlantis"}),
    ),
    "year 9999": (
        False,
        lambda c: c.post("/api/routes", json={**README_QUERY, "ready": "9999-12-31T08:00+08:00"}),
    ),
    "huge id": (False, lambda c: c.get("/api/ledger/departures/99999999999999999999999")),
    "delete": (False, lambda c: c.delete("/api/routes")),
    "no path": (False, lambda c: c.get("/api/nothing-here")),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("load")
    env = {
        **os.environ,
        "INTERMODAL_TOKENS_FILE": str(home / "tokens.json"),
        "INTERMODAL_BUNDLES_DIR": str(home / "bundles"),
        "INTERMODAL_LEDGER_URL": f"sqlite:///{home / 'ledger.sqlite3'}",
    }
    port = _free_port()
    log = home / "server.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "intermodal.services.api:create_app",
        "--factory",
        "--host=127.0.0.1",
        f"--port={port}",
        "--no-access-log",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # the first start compiles the route search
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _local_address(response: httpx.Response) -> object:
    try:
        return response.extensions["network_stream"].get_extra_info("client_addr")
    except OSError:
        return "closed by the server"


def _client_run(url: str, seed: int) -> list[Sent]:
    names = list(REQUESTS)
    sent = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for round_ in range(ROUNDS):
            shift = (seed * 5 + round_ * 3) % len(names)
            for name in names[shift:] + names[:shift]:
                valid, ask = REQUESTS[name]
                response = ask(client)
                media = response.headers.get("content-type", "")
                code = response.json().get("code") if media == "application/problem+json" else None
                sent.append(Sent(name, valid, response.status_code, media, code, _local_address(response)))
    return sent


def test_bad_input_does_not_disturb_valid_queries(server: tuple[str, Path]) -> None:
    url, log = server
    with ThreadPoolExecutor(CLIENTS) as pool:
        runs = list(pool.map(lambda seed: _client_run(url, seed), range(CLIENTS)))
    sent = [s for run in runs for s in run]
    assert len(sent) == CLIENTS * ROUNDS * len(REQUESTS)
    for s in sent:
        if s.valid:
            assert s.status == 200 and s.media == "application/json", s
        else:
            assert 400 <= s.status < 500 and s.media == "application/problem+json", s
            assert CODES.get(s.code or "") == s.status, s
    # keep-alive held: no answer, not a 413 nor a 500, closed a client's connection
    for run in runs:
        assert len({s.connection for s in run}) == 1, sorted({(s.name, str(s.connection)) for s in run})
    text = log.read_text()
    assert "Exception in ASGI application" not in text  # every exception was answered, none escaped
    if any(s.status == 500 for s in sent):
        assert "unhandled error on" in text and "Traceback" in text  # logged where the operator looks
