"""An API app with its token and bundle files in a temporary folder, and a client for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from intermodal.services.api import Settings, create_app
from intermodal.services.api.tokens import create_token

READY = "2020-04-03T08:00+08:00"
README_QUERY = {"from": "nanpeng", "to": "bangkok", "teu": 2, "cargo": "reefer", "ready": READY}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tokens_file=tmp_path / "tokens.json", bundles_dir=tmp_path / "bundles")


@pytest.fixture
def token(settings: Settings) -> str:
    return create_token(settings.tokens_file, name="test")[0]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c
