"""Skims written as OMX read back with openmatrix, and as Parquet one row a pair; results all or nothing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import openmatrix as omx
import polars as pl
import pytest

from intermodal.exceptions import InputError
from intermodal.io.matrices import check_outputs, write_results, write_skim


def test_a_skim_reads_back_with_openmatrix(tmp_path: Path) -> None:
    time = np.array([[0.0, 5.5, math.nan], [6.0, 0.0, 1.0], [2.0, math.nan, 0.0]])
    cost = time * 100
    written = write_skim(
        tmp_path / "out",
        [10, 20, 30],
        ["a", "b", "c"],
        {"time": time, "cost": cost},
        {"time": "h", "cost": "CNY"},
        {"scenario": "mini"},
    )
    assert [p.name for p in written] == ["skim.omx", "skim.parquet"]
    with omx.open_file(str(tmp_path / "out" / "skim.omx")) as f:
        assert sorted(f.list_matrices()) == ["cost", "time"]
        np.testing.assert_array_equal(np.array(f["time"]), time)
        assert f["cost"].attrs.units == "CNY"
        assert f.mapping("zone") == {10: 0, 20: 1, 30: 2}
        assert f.root._v_attrs["scenario"] == "mini"
    frame = pl.read_parquet(tmp_path / "out" / "skim.parquet")
    assert frame.height == 9
    row = frame.filter((pl.col("origin") == 20) & (pl.col("destination") == 30)).to_dicts()[0]
    assert row["time"] == 1.0 and row["cost"] == 100.0 and row["origin_name"] == "b"
    missing = frame.filter((pl.col("origin") == 10) & (pl.col("destination") == 30))["time"][0]
    assert math.isnan(missing)


def test_results_are_written_whole(tmp_path: Path) -> None:
    written = write_results(tmp_path, {"modes": [{"mode": "road", "teu": 1.5}]}, {"summary.json": {"a": 1}})
    assert [p.name for p in written] == ["modes.parquet", "summary.json"]
    assert pl.read_parquet(tmp_path / "modes.parquet").to_dicts() == [{"mode": "road", "teu": 1.5}]
    assert json.loads((tmp_path / "summary.json").read_text()) == {"a": 1}


def test_an_output_that_cannot_be_written_is_refused_before_work(tmp_path: Path) -> None:
    (tmp_path / "skim.omx").mkdir()
    with pytest.raises(InputError):
        check_outputs(tmp_path, ["skim.omx"])


def test_a_failure_in_any_file_leaves_every_file_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text("old", encoding="utf-8")
    # a set cannot be written as JSON: the last file fails after the Parquet tables were written
    with pytest.raises(TypeError):
        write_results(tmp_path, {"modes": [{"mode": "road", "teu": 1.5}]}, {"summary.json": {"a": {1}}})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]
    assert (tmp_path / "summary.json").read_text(encoding="utf-8") == "old"


def test_a_skim_whose_table_fails_leaves_no_omx_file(tmp_path: Path) -> None:
    with pytest.raises(IndexError):
        # two zone names for three zones: the Parquet table fails after the OMX file was written
        write_skim(tmp_path, [1, 2, 3], ["a", "b"], {"time": np.zeros((3, 3))}, {"time": "h"}, {})
    assert list(tmp_path.iterdir()) == []
