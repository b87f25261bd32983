"""Charts: a PNG or SVG of a report, or a clear error for another format."""

from __future__ import annotations

from pathlib import Path

import pytest

from intermodal.exceptions import LedgerError
from intermodal.ledger import Ledger, load_demo, plot_report, throughput_report


@pytest.mark.parametrize(
    ("by", "suffix", "magic"),
    [("line", ".png", b"\x89PNG"), ("month", ".svg", b"<svg"), (None, ".svg", b"<svg")],
)
def test_a_report_draws_to_png_and_svg(
    sqlite_ledger: Ledger, tmp_path: Path, by: str | None, suffix: str, magic: bytes
) -> None:
    load_demo(sqlite_ledger, quarters=["2019Q1", "2019Q4", "2020Q1"], with_events=False)
    report = throughput_report(sqlite_ledger, "2020Q1", by=by)  # type: ignore[arg-type]
    written = plot_report(report, tmp_path / f"chart{suffix}")
    assert written == tmp_path / f"chart{suffix}"
    assert magic in written.read_bytes()[:2000]
    with pytest.raises(LedgerError, match="chart format"):
        plot_report(report, tmp_path / "chart.gif")


def test_a_chart_into_a_missing_folder_is_an_error_and_makes_no_folder(
    sqlite_ledger: Ledger, tmp_path: Path
) -> None:
    report = throughput_report(sqlite_ledger, "2020Q1")
    target = tmp_path / "typo" / "chart.svg"
    with pytest.raises(LedgerError, match="folder does not exist") as caught:
        plot_report(report, target)
    assert caught.value.problems[0].field == "chart"
    assert not target.parent.exists()
