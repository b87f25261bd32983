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


def _mini(tmp_path: Path) -> Path:
    bundle = tmp_path / "b"
    shutil.copytree(HERE / "bundles" / "mini", bundle)
    return bundle


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "field"),
    [
        (
            "links.csv",
            "hub-station,hub,station,road,70,1.5,",
            "hub-station,hub,station,road,70,1e9,",
            "duration_h",
        ),
        (
            "links.csv",
            "hub-border,hub,border,road,900,,50,",
            "hub-border,hub,border,road,900,,1e-3,",
            "speed_kmh",
        ),
        (
            "links.csv",
            "hub-station,hub,station,road,70,1.5,,5,",
            "hub-station,hub,station,road,70,1.5,,1e300,",
            "cost_per_unit",
        ),
        ("services.csv", ",Rail Co,50,", ",Rail Co,1e7,", "capacity_teu"),
        ("service_stops.csv", "train,3,city,46,46", "train,3,city,46,1e300", "depart_offset_h"),
        ("terminals.csv", ",true,false,2,100,hub_op", ",true,false,inf,100,hub_op", "handling_h"),
        ("crossings.csv", "border,CN|VN,6,300", "border,CN|VN,nan,300", "clearance_h"),
        ("factors.csv", "truck,road,g/t-km,22,73", "truck,road,g/t-km,22,7.3e5", "ttw"),
        ("adjustments.csv", "region=asia,1.22", "region=asia,1e6", "multiplier"),
    ],
)
def test_absurd_numbers_in_any_table_are_refused_with_the_bound_and_its_reason(
    tmp_path: Path, file: str, old: str, new: str, field: str
) -> None:
    bundle = _mini(tmp_path)
    _edit(bundle / file, old, new)
    problems = [p for p in validate_bundle(bundle) if p.file == file and p.field == field]
    assert problems, validate_bundle(bundle)
    assert problems[0].expected and "(" in problems[0].expected  # the bound says why


def test_a_duration_from_distance_and_speed_is_bounded_too(tmp_path: Path) -> None:
    bundle = _mini(tmp_path)
    _edit(bundle / "links.csv", "hub-border,hub,border,road,900,,50,", "hub-border,hub,border,road,9000,,1,")
    (problem,) = validate_bundle(bundle)
    assert (problem.row, problem.field) == (3, "speed_kmh") and problem.found == "9000 hours"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("tonnes_per_teu", "nan"),
        ("tonnes_per_teu", "1e308"),
        ("max_tonnes_per_teu", "-inf"),
        ("circuity", "0.5e400"),
        ("speed_kmh", "1e9"),
        ("cost_per_teu_km", "inf"),
        ("max_km", "inf"),
    ],
)
def test_non_finite_and_absurd_manifest_values_are_refused(tmp_path: Path, key: str, value: str) -> None:
    bundle = _mini(tmp_path)
    _edit(bundle / "manifest.toml", f"\n{key} = ", f"\n{key} = {value}\n# was ")
    problems = validate_bundle(bundle)
    assert [p.field.split(".")[1] for p in problems if p.field] == [key], problems


def test_the_average_load_may_not_exceed_the_most_a_teu_carries(tmp_path: Path) -> None:
    bundle = _mini(tmp_path)
    _edit(bundle / "manifest.toml", "tonnes_per_teu = 10", "tonnes_per_teu = 29")
    (problem,) = validate_bundle(bundle)
    assert problem.field == "cargo.tonnes_per_teu" and "28" in (problem.expected or "")


def test_manifest_sections_that_are_not_tables_are_named(tmp_path: Path) -> None:
    bundle = _mini(tmp_path)
    text = (bundle / "manifest.toml").read_text(encoding="utf-8").replace("[cargo]", "[cargo_was]")
    (bundle / "manifest.toml").write_text('cargo = "heavy"\n' + text, encoding="utf-8")
    assert [(p.field, p.message) for p in validate_bundle(bundle)] == [("cargo", "not a table")]


def test_countries_must_be_iso_codes_in_use_and_zz_means_none(tmp_path: Path) -> None:
    bundle = _mini(tmp_path)
    _edit(bundle / "terminals.csv", "Asia/Ho_Chi_Minh,VN,", "Asia/Ho_Chi_Minh,XX,")
    assert [(p.file, p.row, p.field) for p in validate_bundle(bundle)] == [("terminals.csv", 5, "country")]
    _edit(bundle / "terminals.csv", "Asia/Ho_Chi_Minh,XX,", "Asia/Ho_Chi_Minh,ZZ,")
    _edit(bundle / "crossings.csv", "CN|VN", "CN|ZZ")
    assert [(p.file, p.row, p.field) for p in validate_bundle(bundle)] == [("crossings.csv", 2, "countries")]


def test_a_factor_that_is_its_own_reefer_variant_is_refused(tmp_path: Path) -> None:
    bundle = _mini(tmp_path)
    _edit(bundle / "factors.csv", "truck,road,g/t-km,22,73,,", "truck,road,g/t-km,22,73,truck,")
    (problem,) = validate_bundle(bundle)
    assert (problem.row, problem.field, problem.found) == (2, "reefer_variant", "truck -> truck")


def test_an_unterminated_quote_that_swallows_rows_is_named_where_it_opens(tmp_path: Path) -> None:
    # the fault seen: 47 links became 45 and validation said nothing
    bundle = _mini(tmp_path)
    rows = (bundle / "links.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    extra = [f"x{i},hub,station,road,70,1.5,,5,TEU-km,0,true,true,,truck,,,assumption\n" for i in range(42)]
    extra[10] = extra[10].replace(",assumption", ',"assumption')
    extra[13] = extra[13].replace(",truck,,,", ',truck,"Road",,')
    (bundle / "links.csv").write_text("".join(rows + extra), encoding="utf-8")
    (problem,) = validate_bundle(bundle)
    assert (problem.file, problem.row, problem.field) == ("links.csv", 17, "source")
    assert "runs over 4 lines" in problem.message and "line 17" in (problem.expected or "")


def test_rows_after_blank_lines_keep_their_own_line_numbers(tmp_path: Path) -> None:
    bundle = _mini(tmp_path)
    text = (bundle / "links.csv").read_text(encoding="utf-8").replace("\nhub-border", "\n\n\nhub-border")
    (bundle / "links.csv").write_text(text.replace("900,,50,", "-900,,50,"), encoding="utf-8")
    assert [(p.row, p.field) for p in validate_bundle(bundle)] == [(5, "distance_km")]


def test_a_value_over_the_csv_field_limit_is_named_not_a_crash(tmp_path: Path) -> None:
    bundle = _mini(tmp_path)
    _edit(bundle / "links.csv", ",Tunnel road,", "," + "T" * 200_000 + ",")
    (problem,) = validate_bundle(bundle)
    assert (problem.file, problem.row, problem.field) == ("links.csv", 3, "name_en")


@pytest.mark.parametrize(
    "geojson",
    [
        "[1, 2]",
        '{"features": 3}',
        '{"features": [7]}',
        '{"features": [{"properties": {"id": "hub-station"}, "geometry": '
        '{"type": "LineString", "coordinates": [[106, 29], ["a", 29.5]]}}]}',
        '{"features": [{"properties": {"id": "hub-station"}, "geometry": '
        '{"type": "LineString", "coordinates": [[106, 29], [NaN, 29.5]]}}]}',
        "[" * 100_000,
    ],
)
def test_links_geojson_of_any_shape_is_named(tmp_path: Path, geojson: str) -> None:
    bundle = _mini(tmp_path)
    (bundle / "links.geojson").write_text(geojson, encoding="utf-8")
    (problem,) = validate_bundle(bundle)
    assert problem.file == "links.geojson" and problem.expected


def test_what_the_fuzzer_found_is_named(tmp_path: Path) -> None:
    bundle = _mini(tmp_path)
    # a zone "Asia" is a folder of zones: ZoneInfo raised IsADirectoryError
    _edit(bundle / "terminals.csv", "Asia/Ho_Chi_Minh", "Asia")
    # a header over the csv field limit raised from the header read
    (bundle / "adjustments.csv").write_text("i" * 140_000 + "\n", encoding="utf-8")
    found = {(p.file, p.row, p.field) for p in validate_bundle(bundle)}
    assert found == {("terminals.csv", 5, "timezone"), ("adjustments.csv", 1, None)}


def test_a_path_the_file_system_refuses_is_named_not_a_crash() -> None:
    from intermodal.io import scenario_path

    too_long = "a" * 5000  # ENAMETOOLONG: Path.exists() raises it rather than answer False
    with pytest.raises(im.BundleError) as err:
        im.load_bundle(too_long)
    assert "File name too long" in err.value.problems[0].message
    with pytest.raises(im.BundleError) as err:
        scenario_path(too_long)
    assert err.value.problems[0].field == "scenario"


def test_a_column_given_twice_is_named(tmp_path: Path) -> None:
    bundle = _mini(tmp_path)
    _edit(bundle / "crossings.csv", "source,notes", "source,source")
    problems = validate_bundle(bundle)
    assert (problems[0].file, problems[0].row, problems[0].field) == ("crossings.csv", 1, "source")
    assert problems[0].message == "duplicate column"


def test_a_table_over_the_size_limit_in_a_folder_is_refused_unread(tmp_path: Path) -> None:
    from intermodal.io._archive import BUNDLE_LIMITS

    bundle = _mini(tmp_path)
    with (bundle / "links.csv").open("r+b") as f:
        f.truncate(BUNDLE_LIMITS.member_bytes + 1)  # sparse: no disk, and nothing is read
    with pytest.raises(im.BundleError) as err:
        im.load_bundle(bundle)
    assert [(p.file, p.message) for p in err.value.problems] == [("links.csv", "file is too large")]


def test_the_scenarios_tariffs_price_every_line_and_source_every_number() -> None:
    for name in ("chongqing", "chongqing-world"):
        b = im.load_scenario(name)
        priced = {t.line for t in b.tariffs if t.line}
        assert priced == {s.line for s in b.services}
        assert {t.terminal for t in b.tariffs if t.terminal} >= {"nanpeng", "qinzhou", "shanghai"}
        assert all(t.source.startswith("assumption") or t.source for t in b.tariffs)
        assert all(t.currency == b.manifest.currency for t in b.tariffs)
        assert b.manifest.inventory_rate_source.startswith("assumption")


def test_a_bundle_without_tariffs_prices_by_its_services_as_before() -> None:
    b = im.load_bundle(HERE / "bundles" / "mini")
    assert b.tariffs == () and b.manifest.inventory_rate_per_year == 0.0


def test_a_bad_inventory_rate_is_named(tmp_path: Path) -> None:
    shutil.copytree(HERE / "bundles" / "mini", tmp_path / "mini")
    manifest = tmp_path / "mini" / "manifest.toml"
    manifest.write_text(manifest.read_text() + '\n[inventory]\nrate_per_year = -0.1\nsource = "x"\n')
    (problem,) = validate_bundle(tmp_path / "mini")
    assert (problem.file, problem.field) == ("manifest.toml", "inventory.rate_per_year")
    assert problem.found == "-0.1"


def test_closures_csv_is_read_in_the_places_zone_and_its_bad_rows_named(tmp_path: Path) -> None:
    bundle = _mini(tmp_path)
    header = "kind,target,from,to,source,notes\n"
    (bundle / "closures.csv").write_text(
        header
        + "terminal,city,2020-04-01,2020-04-01,assumption,\nlink,hub-border,2020-04-02,2020-04-03,x,\n",
        encoding="utf-8",
    )
    city, road = im.load_bundle(bundle).closures
    # a day in the place's own zone: the city is in Asia/Ho_Chi_Minh, the road starts at hub in Asia/Shanghai
    assert city.start.isoformat() == "2020-04-01T00:00:00+07:00" and city.end.isoformat().startswith(
        "2020-04-02"
    )
    assert road.start.isoformat() == "2020-04-02T00:00:00+08:00" and road.end.isoformat().startswith(
        "2020-04-04"
    )
    assert (city.id, road.id) == (-2, -3)  # minus the line: never a ledger disruption's id
    (bundle / "closures.csv").write_text(
        header
        + "link,no-such-link,2020-04-01,2020-04-02,x,\n"
        + "crossing,hub,2020-04-01,2020-04-02,x,\n"
        + "terminal,city,2020-04-05,2020-04-01,x,\n"
        + "terminal,city,1900-01-01,2020-04-01,x,\n"
        + "terminal,city,2020-01-01,2040-01-01,x,\n"
        + "road,city,2020-04-01,2020-04-02,x,\n"
        + "terminal,city,2020-04-01,2020-04-02,,\n",
        encoding="utf-8",
    )
    shown = {(p.row, p.field, p.message) for p in validate_bundle(bundle)}
    assert shown == {
        (2, "target", "unknown link"),
        (3, "target", "unknown crossing"),
        (4, "to", "to is before from"),
        (5, "from", "value is not valid"),
        (6, "to", "too long a closure"),
        (7, "kind", "value is not valid"),
        (8, "source", "value is missing"),
    }
