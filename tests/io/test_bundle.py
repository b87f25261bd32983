"""Loading and validating bundles: the embedded scenario loads, and every broken bundle names its defects."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

import intermodal as im
from intermodal.io import validate_bundle

HERE = Path(__file__).parent
BROKEN = sorted(p for p in (HERE / "broken").iterdir() if p.is_dir())


def test_mini_bundle_loads() -> None:
    b = im.load_bundle(HERE / "bundles" / "mini")
    assert set(b.terminals) == {"hub", "station", "border", "city"}
    assert b.service("train").calendar.removed  # calendar_dates.csv was read


def test_bundle_loads_from_a_zip(tmp_path: Path) -> None:
    archive = tmp_path / "mini.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in (HERE / "bundles" / "mini").iterdir():
            zf.write(f, f"mini/{f.name}")
    assert set(im.load_bundle(archive).terminals) == {"hub", "station", "border", "city"}


@pytest.mark.parametrize("case", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_bundle_names_every_defect(case: Path) -> None:
    expected = {line for line in (case / "expected.txt").read_text().splitlines() if line}
    problems = validate_bundle(case)
    found = {f"{p.file}:{p.row if p.row is not None else ''}:{p.field}" for p in problems}
    assert found == expected
    for p in problems:
        assert p.message and p.file, p
        assert p.expected or p.found is None, f"{p} says what was found but not what was expected"


def test_the_corpus_covers_the_defects_the_issue_lists() -> None:
    names = {p.name for p in BROKEN}
    assert {
        "unknown-terminal",
        "duplicate-id",
        "coordinates-out-of-range",
        "zero-duration",
        "negative-duration",
        "unknown-mode",
        "unparsable-time",
        "stop-at-road-terminal",
        "unknown-timezone",
        "missing-source",
        "negative-factor",
        "unknown-factor-mode",
    } <= names


def test_all_problems_of_a_file_are_reported_together(tmp_path: Path) -> None:
    bundle = tmp_path / "b"
    shutil.copytree(HERE / "bundles" / "mini", bundle)
    text = (bundle / "terminals.csv").read_text()
    text = text.replace("29.0,106.0", "99.0,106.0").replace("Asia/Ho_Chi_Minh", "Mars/Olympus")
    (bundle / "terminals.csv").write_text(text)
    fields = {(p.row, p.field) for p in validate_bundle(bundle)}
    assert (2, "lat") in fields and (5, "timezone") in fields


def test_missing_manifest_and_files(tmp_path: Path) -> None:
    problems = validate_bundle(tmp_path)
    assert {p.file for p in problems} >= {"manifest.toml", "terminals.csv", "links.csv", "factors.csv"}


def test_embedded_scenario_is_valid_and_sourced() -> None:
    b = im.load_scenario("chongqing")
    assert len(b.terminals) >= 25 and len(b.services) >= 20
    # every fact carries a source or says assumption
    for t in b.terminals.values():
        assert t.source.strip()
    for f in b.factors.factors.values():
        assert f.source.strip()
    lines = {s.line for s in b.services if s.id.startswith("shuttle")}
    assert lines == {
        "shuttle-east",
        "shuttle-east-double",
        "shuttle-middle",
        "shuttle-west",
        "shuttle-singapore",
        "shuttle-asia-europe",
    }


def test_opening_hours_are_parsed_and_bad_ones_named(tmp_path: Path) -> None:
    b = im.load_scenario("chongqing")
    assert b.terminals["nanpeng-customs"].opening_hours == ((frozenset(range(6)), 8 * 60 + 30, 18 * 60),)
    assert b.terminals["nanpeng"].opening_hours == ()  # always open
    bundle = tmp_path / "b"
    shutil.copytree(HERE / "bundles" / "mini", bundle)
    text = (bundle / "terminals.csv").read_text().splitlines()
    text = [text[0] + ",opening_hours", *(row + ",Mo-Xx 25:00-08:00" for row in text[1:])]
    (bundle / "terminals.csv").write_text("\n".join(text) + "\n")
    problems = validate_bundle(bundle)
    assert {(p.row, p.field) for p in problems} >= {(2, "opening_hours"), (5, "opening_hours")}


def test_text_that_is_not_utf8_or_rows_longer_than_the_header_are_problems(tmp_path: Path) -> None:
    bundle = tmp_path / "b"
    shutil.copytree(HERE / "bundles" / "mini", bundle)
    with (bundle / "links.csv").open("a", encoding="utf-8") as f:
        f.write("x-y,hub,station,road,5,1,,1,TEU-km,0,true,true,,truck,,,assumption,extra\n")
    (bundle / "crossings.csv").write_bytes((bundle / "crossings.csv").read_bytes() + b"\xff\xfe")
    found = {(p.file, p.row, p.message.split(" (")[0]) for p in validate_bundle(bundle)}
    assert ("links.csv", 7, "more fields than the header") in found
    assert ("crossings.csv", None, "not UTF-8 text") in found
