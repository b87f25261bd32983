"""A carrier's Chinese name: the optional carrier_zh column of services.csv."""

from __future__ import annotations

from pathlib import Path

import pytest

from intermodal.io import load_bundle, load_scenario

MINI = Path(__file__).parent / "bundles" / "mini"


@pytest.mark.parametrize("name", ["chongqing", "chongqing-world"])
def test_every_embedded_service_names_its_carrier_in_chinese(name: str) -> None:
    for service in load_scenario(name).services:
        assert service.carrier_zh and service.carrier_zh != service.carrier, service.id
        assert "carrier_zh:" in service.source  # where the Chinese name comes from


def test_without_the_column_the_chinese_name_is_empty() -> None:
    header = (MINI / "services.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "carrier_zh" not in header
    assert all(s.carrier_zh == "" for s in load_bundle(MINI).services)
