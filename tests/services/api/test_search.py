"""POST /api/routes with the server's measured spreads (INTERMODAL_RELIABILITY): p_on_time and the reliable
objective."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from intermodal.io.reliability import reliability_text
from intermodal.model import Reliability, Spread
from intermodal.services.api import Settings, create_app

from .conftest import READY

QUERY = {
    "from": "nanpeng",
    "to": "hanoi",
    "teu": 2,
    "ready": READY,
    "due": "2020-04-06T20:00+07:00",
    "all": True,
}
SPREADS = Reliability(
    services={
        "shuttle-east": Spread(60.0, 0.3, 100, "measured: ledger 2019, n = 100", planned_h=45.0),
        "shuttle-east-double": Spread(44.5, 0.05, 100, "measured: ledger 2019, n = 100", planned_h=44.5),
    }
)


def _client(tmp_path: Path, text: str) -> TestClient:
    (tmp_path / "reliability.csv").write_text(text, encoding="utf-8")
    settings = Settings(
        tokens_file=tmp_path / "tokens.json",
        bundles_dir=tmp_path / "bundles",
        reliability_file=tmp_path / "reliability.csv",
    )
    return TestClient(create_app(settings))


def test_options_carry_p_on_time_and_reliable_ranks_by_it(tmp_path: Path) -> None:
    with _client(tmp_path, reliability_text(SPREADS)) as client:
        answer = client.post("/api/routes", json={**QUERY, "objective": "reliable"})
        assert answer.status_code == 200, answer.text
        doc = answer.json()
        assert doc["objective"] == "reliable"
        probabilities = [o["total"]["p_on_time"] for o in doc["options"]]
        assert probabilities == sorted(probabilities, reverse=True)
        assert min(probabilities) < 1.0 and all(0 <= p <= 1 for p in probabilities)
        # the spreads were measured on the default scenario: another one gets the timetable's answer
        other = client.post("/api/routes", json={**QUERY, "scenario": "chongqing+2026"}).json()
        assert {o["total"]["p_on_time"] for o in other["options"]} == {1.0}
        # no due time, nothing to be on time for
        open_ended = client.post("/api/routes", json={k: v for k, v in QUERY.items() if k != "due"}).json()
        assert {o["total"]["p_on_time"] for o in open_ended["options"]} == {None}


def test_an_unknown_objective_is_a_422_naming_it(tmp_path: Path) -> None:
    with _client(tmp_path, reliability_text(SPREADS)) as client:
        answer = client.post("/api/routes", json={**QUERY, "objective": "safest"})
        assert answer.status_code == 422
        assert any(e["field"] == "objective" for e in answer.json()["errors"])


def test_a_bad_file_is_the_servers_fault_logged_not_the_clients(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with _client(tmp_path, "kind,id\n") as client:
        answer = client.post("/api/routes", json=QUERY)
        assert answer.status_code == 200
        assert {o["total"]["p_on_time"] for o in answer.json()["options"]} == {1.0}
    assert "INTERMODAL_RELIABILITY not used" in caplog.text
