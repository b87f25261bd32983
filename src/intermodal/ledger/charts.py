"""A chart of a throughput report: trips, TEU, tonnes and value, against the period before and a year ago.

matplotlib is imported only when a chart is drawn, so that importing the ledger stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path

from intermodal.exceptions import LedgerError, Problem
from intermodal.ledger._files import output_file, write_problem
from intermodal.ledger.reports import ThroughputReport

__all__ = ["plot_report"]

_FORMATS = {".png": "png", ".svg": "svg"}


def plot_report(report: ThroughputReport, path: str | os.PathLike[str], *, dpi: int = 120) -> Path:
    """Draw ``report`` to a PNG or SVG file (chosen by the file's suffix).

    One panel per measure; in each, a group of bars per row (line or month, or the total) for the period, the
    period before and the same period a year earlier, with the year-over-year change written above.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    LedgerError
        The suffix is neither ``.png`` nor ``.svg``, the file's folder does not exist (it is not made), or
        the file cannot be written.
    """
    target = Path(path)
    fmt = _FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise LedgerError(
            Problem("unknown chart format", field="chart", found=target.suffix, expected=".png or .svg")
        )
    output_file(target, field="chart")
    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window
    import matplotlib.pyplot as plt

    rows = list(report.rows) or [report.total]
    labels = [row.key if report.by == "month" else row.label.split(" (")[0] for row in rows]
    # Drop the words every label shares ("ASEAN shuttle"), keeping at least one word of each.
    words = [label.split(" ") for label in labels]
    shared = 0
    while len(words) > 1 and all(len(w) > shared + 1 and w[shared] == words[0][shared] for w in words):
        shared += 1
    labels = [" ".join(w[shared:]) for w in words]
    panels = (
        ("trips", "Trips", 1.0),
        ("teu", "TEU", 1.0),
        ("tonnes", "Tonnes", 1.0),
        ("value", f"Cargo value (million {report.currency})", 1e-6),
    )
    series = (
        ("year_ago", report.period.year_ago().label, "#b0bec5"),
        ("previous", report.period.previous().label, "#78909c"),
        ("current", report.period.label, "#00796b"),
    )
    width = 0.8 / len(series)
    figure, axes = plt.subplots(2, 2, figsize=(max(8.0, 1.4 * len(rows) + 4), 7), constrained_layout=True)
    for axis, (metric, title, scale) in zip(axes.flat, panels, strict=True):
        for offset, (attr, name, colour) in enumerate(series):
            values = [float(getattr(row, attr).metric(metric)) * scale for row in rows]
            xs = [i + (offset - 1) * width for i in range(len(rows))]
            axis.bar(xs, values, width, label=name, color=colour)
        for i, row in enumerate(rows):
            change = row.year_growth[metric]
            if change is not None:
                top = float(row.current.metric(metric)) * scale
                axis.annotate(f"{change:+.0%}", (i + width, top), ha="center", va="bottom", fontsize=8)
        axis.set_title(title)
        axis.margins(y=0.15)  # room for the change labels above the tallest bar
        axis.set_xticks(range(len(rows)), labels, rotation=30 if len(rows) > 3 else 0, ha="right", fontsize=8)
        axis.grid(axis="y", alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    scope = report.line or "all lines"
    figure.suptitle(
        f"Throughput {report.period.label}, {scope}, from the ledger "
        f"(labels: change against {report.period.year_ago().label})"
    )
    try:
        figure.savefig(target, format=fmt, dpi=dpi)
    except OSError as error:
        raise write_problem(error, target, field="chart") from None
    finally:
        plt.close(figure)
    return target
