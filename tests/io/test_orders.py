"""A book of orders reads the same from CSV, JSON and Parquet, and every bad cell is named."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from intermodal.exceptions import InputError
from intermodal.io import load_scenario
from intermodal.io.orders import read_orders

ROWS = [
    {
        "id": "a-1",
        "from": "nanpeng",
        "to": "bangkok",
        "teu": "2",
        "cargo": "reefer",
        "ready": "2020-04-03T08:00+08:00",
        "due": "2020-04-09T08:00+08:00",
        "may_split": "true",
    },
    {
        "id": "a-2",
        "from": "nanpeng",
        "to": "hanoi",
        "containers": "1x40",
        "tonnes": "20",
        "value": "400000",
        "ready": "2020-04-03T08:00+08:00",
        "due": "2020-04-06T08:00+08:00",
        "penalty_not_carried": "90000",
    },
]


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = sorted({k for r in rows for k in r})
    path.write_text(
        ",".join(columns) + "\n" + "".join(",".join(r.get(c, "") for c in columns) + "\n" for r in rows)
    )
    return path


def test_csv_json_and_parquet_give_the_same_book(tmp_path: Path) -> None:
    bundle = load_scenario("chongqing")
    from_csv = read_orders(_csv(tmp_path / "b.csv", ROWS), bundle)
    (tmp_path / "b.json").write_text(json.dumps({"orders": ROWS}))
    pl.DataFrame(ROWS).write_parquet(tmp_path / "b.parquet")
    assert read_orders(tmp_path / "b.json", bundle) == from_csv
    assert read_orders(tmp_path / "b.parquet", bundle) == from_csv
    first, second = from_csv
    assert (first.teu, first.may_split, str(first.cargo)) == (2.0, True, "reefer")
    assert first.tonnes == pytest.approx(2 * bundle.manifest.tonnes_per_teu)
    assert (second.teu, second.tonnes, second.penalty_not_carried) == (2.0, 20.0, 90000.0)


def test_bad_json_records_are_named_by_row_and_field(tmp_path: Path) -> None:
    bad = [{**ROWS[0], "teu": "-1", "colour": "red"}, {**ROWS[1], "ready": "9999-01-01T00:00+08:00"}]
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    with pytest.raises(InputError) as caught:
        read_orders(tmp_path / "bad.json", load_scenario("chongqing"))
    named = {(p.file, p.row, p.field) for p in caught.value.problems}
    assert {("bad.json", 1, "teu"), ("bad.json", 1, "colour"), ("bad.json", 2, "ready")} <= named
