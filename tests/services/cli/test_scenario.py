"""``intermodal scenario validate`` on zips that are no bundle: a bomb, a damaged archive, a false zip; and
``--patch`` beside every ``--scenario``."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from intermodal.services.cli import app

MINI = Path(__file__).parents[2] / "io" / "bundles" / "mini"
runner = CliRunner()


def _zip(path: Path, links: bytes) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(MINI.iterdir()):
            zf.writestr(f"mini/{f.name}", links if f.name == "links.csv" else f.read_bytes())
    return path


def test_validate_names_a_zip_bomb_and_exits_2(tmp_path: Path) -> None:
    head, row = (MINI / "links.csv").read_bytes().splitlines(keepends=True)[:2]
    bomb = _zip(tmp_path / "bomb.zip", head + row * (80 * 1024 * 1024 // len(row)))
    result = runner.invoke(app, ["scenario", "validate", str(bomb)])
    assert result.exit_code == 2
    assert "mini/links.csv: member is too large once inflated" in result.stderr


def test_validate_names_a_damaged_or_false_zip_and_exits_2(tmp_path: Path) -> None:
    good = _zip(tmp_path / "good.zip", (MINI / "links.csv").read_bytes()).read_bytes()
    (tmp_path / "cut.zip").write_bytes(good[: len(good) // 2] + good[-22:])
    (tmp_path / "false.zip").write_bytes(b"PK\x03\x04 not really")
    for name in ("cut.zip", "false.zip"):
        result = runner.invoke(app, ["scenario", "validate", str(tmp_path / name)])
        assert result.exit_code == 2 and f"{name}:" in result.stderr, result.output
        assert "Traceback" not in result.output


def test_world_variant_refuses_an_output_it_cannot_write_before_any_routing(tmp_path: Path) -> None:
    taken = tmp_path / "a-file"
    taken.write_text("not a folder")
    result = runner.invoke(app, ["scenario", "world-variant", "chongqing", "--out", str(taken)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "a-file" in result.stderr and taken.read_text() == "not a folder"


def test_world_variant_takes_patches_like_the_other_commands(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scenario", "world-variant", "chongqing", "--patch", "nope"])
    assert result.exit_code == 2 and "[--patch]: no such patch" in result.stderr, result.output
    taken = tmp_path / "a-file"
    taken.write_text("not a folder")
    # a patch that loads: the command goes on to the output, refused before any routing
    result = runner.invoke(
        app, ["scenario", "world-variant", "chongqing", "--patch", "2026", "--out", str(taken)]
    )
    assert result.exit_code == 2 and "output is a file" in result.stderr and "--patch" not in result.stderr


def test_validate_summarizes_repeated_problems(tmp_path: Path) -> None:
    bundle = tmp_path / "many"
    bundle.mkdir()
    for f in MINI.iterdir():
        (bundle / f.name).write_bytes(f.read_bytes())
    head, row = (MINI / "links.csv").read_text().splitlines(keepends=True)[:2]
    bad = row.split(",")
    rows = []
    for i in range(50):  # fifty links with a negative distance: one kind of problem
        cells = list(bad)
        cells[0] = f"bad-{i}"
        cells[4] = "-1"
        rows.append(",".join(cells))
    (bundle / "links.csv").write_text(head + "".join(rows))
    result = runner.invoke(app, ["scenario", "validate", str(bundle)])
    assert result.exit_code == 2
    assert "more like this" in result.stderr and len(result.stderr.splitlines()) < 15


def test_scenario_patches_lists_what_chongqing_ships() -> None:
    result = runner.invoke(app, ["scenario", "patches", "chongqing", "--format", "json"])
    assert result.exit_code == 0, result.output
    names = {p["name"] for p in json.loads(result.stdout)}
    assert {"2026", "east-ring-closed", "longzhouwan-tunnel-closed", "carbon-price-100"} <= names
    listed = runner.invoke(app, ["scenario", "list"])
    assert "longzhouwan-tunnel-closed" in listed.stdout


def test_scenario_apply_writes_a_bundle_that_routes_as_base_plus_patch(tmp_path: Path) -> None:
    out = tmp_path / "cq"
    result = runner.invoke(app, ["scenario", "apply", "chongqing", "carbon-price-100", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "chongqing+carbon-price-100" in result.stdout
    ready = "2026-03-02T08:00+08:00"
    query = [
        "route",
        "--from",
        "nanpeng",
        "--to",
        "shanghai",
        "--teu",
        "2",
        "--ready",
        ready,
        "--format",
        "json",
    ]
    on_files = json.loads(runner.invoke(app, [*query, "--scenario", str(out)]).stdout)
    patched = json.loads(runner.invoke(app, [*query, "--patch", "carbon-price-100"]).stdout)
    assert on_files["options"] == patched["options"]
    assert patched["scenario"] == "chongqing+carbon-price-100"
    assert all(o["total"]["carbon_price_per_t"] == 100 for o in patched["options"])


def test_a_bad_patch_exits_2_naming_it_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[patch]\nname = "bad"\ntitle_en = "B"\nsource = "x"\n[[close]]\nlink = "nope"\n')
    out = tmp_path / "out"
    result = runner.invoke(app, ["scenario", "apply", "chongqing", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    assert "bad.toml [close[0].link]: not in the bundle's links.csv" in result.stderr
    assert not out.exists()
    routed = runner.invoke(app, ["route", "--from", "nanpeng", "--to", "hanoi", "--patch", "no-such"])
    assert routed.exit_code == 2 and "[--patch]: no such patch" in routed.stderr
    assert "Traceback" not in routed.output + result.output


def test_scenario_apply_json_says_what_it_wrote(tmp_path: Path) -> None:
    patch = tmp_path / "carbon.toml"
    patch.write_text(
        '[patch]\nname = "carbon"\ntitle_en = "C"\nsource = "assumption"\n'
        '[carbon]\nprice_per_t = 50\nsource = "assumption"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["scenario", "apply", str(MINI), str(patch), "--out", str(out), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["folder"] == str(out) and doc["name"] == "mini+carbon" and doc["services"] >= 1
    assert (out / "manifest.toml").is_file()


def test_scenario_apply_refuses_a_hostile_patch_and_writes_nothing(tmp_path: Path) -> None:
    for body in [b"\xff\xfe", b"a = " + b"[" * 50_000 + b"]" * 50_000, b"[patch]\nname = 'x'\ntitle = 1\n"]:
        patch = tmp_path / "bad.toml"
        patch.write_bytes(body)
        result = runner.invoke(
            app, ["scenario", "apply", str(MINI), str(patch), "--out", str(tmp_path / "o")]
        )
        assert result.exit_code == 2 and "bad.toml" in result.output and "Traceback" not in result.output
        assert not (tmp_path / "o").exists()


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    # typer carries its own click: a group is known by its commands, not by click's classes
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


def test_every_command_that_takes_scenario_takes_patch() -> None:
    # docs/patches.md promises it; a command added later with --scenario alone fails here
    commands = dict(_commands(typer.main.get_command(app)))
    with_scenario = {name for name, c in commands.items() if any("--scenario" in p.opts for p in c.params)}
    assert {"route", "skim", "disruption add", "ledger rebook"} <= with_scenario
    lacking = {name for name in with_scenario if not any("--patch" in p.opts for p in commands[name].params)}
    assert lacking == set()


def test_scenario_apply_takes_its_output_folder_last_as_the_issue_writes_it(tmp_path: Path) -> None:
    # BASE PATCH OUT writes what BASE PATCH --out OUT writes
    flag = runner.invoke(
        app, ["scenario", "apply", "chongqing", "carbon-price-100", "--out", str(tmp_path / "a")]
    )
    last = runner.invoke(app, ["scenario", "apply", "chongqing", "carbon-price-100", str(tmp_path / "b")])
    assert flag.exit_code == 0 and last.exit_code == 0, last.output
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    # a forgotten --out is not taken as a folder named like the patch: named, exit 2, nothing written
    for args, said in (
        (["2026", "east-ring-closed"], "[OUT]: the last argument is a patch"),
        (["2026", str(tmp_path / "what-if.toml")], "[OUT]: the last argument is a patch"),
        (["2026"], "[OUT]: no output folder"),
    ):
        result = runner.invoke(app, ["scenario", "apply", "chongqing", *args])
        assert result.exit_code == 2 and said in result.stderr, result.output
    assert not Path("east-ring-closed").exists()
