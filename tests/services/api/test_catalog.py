"""The scenarios a server knows (intermodal.services.api._catalog)."""

from __future__ import annotations

from pathlib import Path

import pytest

from intermodal.exceptions import BundleError
from intermodal.io import embedded_scenario
from intermodal.services.api._catalog import Catalog


def test_an_embedded_name_is_the_embedded_scenario_whatever_the_working_directory_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a folder of the same name where the server was started must not answer for it (it did, through
    # load_scenario, which reads a path first)
    (tmp_path / "chongqing").mkdir()
    monkeypatch.chdir(tmp_path)
    catalog = Catalog(tmp_path / "bundles")
    assert catalog.get("chongqing") is embedded_scenario("chongqing")
    patched = catalog.get("chongqing+2026")
    assert patched.name == "chongqing+2026"
    assert catalog.get("chongqing+2026") is patched


def test_an_unknown_name_names_the_request_field(tmp_path: Path) -> None:
    with pytest.raises(BundleError) as caught:
        Catalog(tmp_path / "bundles").get("../chongqing", field="query.scenario")
    problem = caught.value.problems[0]
    assert (problem.field, problem.message) == ("query.scenario", "no such scenario")
