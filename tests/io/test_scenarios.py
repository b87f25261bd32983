"""The embedded scenarios by name (intermodal.io.scenarios)."""

from __future__ import annotations

from pathlib import Path

import pytest

from intermodal.exceptions import BundleError
from intermodal.io import embedded_scenario, list_scenarios, load_scenario


def test_an_embedded_scenario_is_loaded_once_and_is_the_one_load_scenario_gives() -> None:
    assert "chongqing" in list_scenarios()
    bundle = embedded_scenario("chongqing")
    assert embedded_scenario("chongqing") is bundle
    assert load_scenario("chongqing") is bundle


def test_a_folder_in_the_working_directory_does_not_stand_in_for_an_embedded_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # load_scenario reads a path first (a user's own bundle); a server's name never does
    (tmp_path / "chongqing").mkdir()
    monkeypatch.chdir(tmp_path)
    assert embedded_scenario("chongqing").terminals


@pytest.mark.parametrize("name", ["nowhere", "../chongqing", "", "chongqing/"])
def test_an_unknown_name_is_refused_with_the_names_there_are(name: str) -> None:
    with pytest.raises(BundleError) as caught:
        embedded_scenario(name)
    problem = caught.value.problems[0]
    assert problem.field == "scenario"
    assert problem.message == "no such scenario"
    assert "chongqing" in (problem.expected or "")


def test_a_patched_embedded_scenario_is_applied_once() -> None:
    patched = embedded_scenario("chongqing", ["2026"])
    assert patched.name == "chongqing+2026"
    assert embedded_scenario("chongqing", ("2026",)) is patched
    assert patched is not embedded_scenario("chongqing")


@pytest.mark.parametrize("patch", ["mine.toml", "../x", "2026/"])
def test_a_patch_is_named_never_a_path(patch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mine.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BundleError) as caught:
        embedded_scenario("chongqing", [patch])
    problem = caught.value.problems[0]
    assert (problem.field, problem.message) == ("patch", "no such patch")
