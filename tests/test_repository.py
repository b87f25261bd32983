"""The repository stands alone: nothing in it reads from outside the clone, which is all a user has."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUFFIXES = {".py", ".md", ".toml", ".csv", ".js", ".html", ""}
OUTSIDE = re.compile(r"\.\./shared|parents\[\d+\]\s*/\s*[\"']shared")


def test_no_file_reads_from_outside_the_clone() -> None:
    offenders = []
    for folder in ("src", "tests", "benchmarks", "docs", ".ci"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in SUFFIXES and path != Path(__file__).resolve():
                text = path.read_text(encoding="utf-8", errors="replace")
                offenders += [f"{path.relative_to(ROOT)}" for _ in OUTSIDE.finditer(text)]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    offenders += ["README.md" for _ in OUTSIDE.finditer(readme)]
    assert offenders == []


def test_the_test_feeds_are_in_the_repository_with_their_licence_note() -> None:
    feeds = ROOT / "tests/data/gtfs"
    assert {p.name for p in feeds.glob("*.zip")} == {"nyc_subway_gtfs.zip", "cairns_gtfs.zip"}
    note = (feeds / "README.md").read_text(encoding="utf-8")
    assert "MTA New York City Transit" in note and "CC BY 4.0" in note


@pytest.mark.parametrize("name", ["skims", "sweep", "query_vs_issue"])
def test_the_readme_holds_the_tables_the_benchmark_wrote(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # the README's tables are what benchmarks/NAME.py writes from its last results, not copied by hand
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    bench, common = importlib.import_module(name), importlib.import_module("_common")
    results = json.loads((ROOT / "benchmarks" / "results" / f"{name}.json").read_text(encoding="utf-8"))
    page = bench.markdown(results)
    assert page == (ROOT / "benchmarks" / "results" / f"{name}.md").read_text(encoding="utf-8")
    readme = ROOT / "README.md"
    start, end = common.readme_marks(name)
    held = readme.read_text(encoding="utf-8").split(start, 1)[1].split(end, 1)[0]
    assert held.strip("\n") == page[page.index("\n|") + 1 :].strip("\n")
