"""Disruptions as data: checked when made, windows half open, described in a phrase."""

from __future__ import annotations

import datetime as dt

import pytest

from intermodal.model.disruptions import Closure

START = dt.datetime(2020, 2, 1, tzinfo=dt.UTC)
END = dt.datetime(2020, 3, 15, tzinfo=dt.UTC)


def test_the_window_is_half_open() -> None:
    c = Closure(1, "crossing", "youyiguan", START, END)
    assert c.covers(START) and not c.covers(END)
    assert c.overlaps(START - dt.timedelta(days=1), START) and not c.overlaps(END, END + dt.timedelta(days=1))
    assert c.describe() == "crossing youyiguan closed 2020-02-01T00:00+00:00 to 2020-03-15T00:00+00:00"
    assert "6 h late" in Closure(2, "delay", "shuttle-east", START, END, delay_hours=6).describe()


def test_an_unknown_kind_or_a_naive_window_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        Closure(1, "bridge", "x", START, END)
    with pytest.raises(ValueError, match="aware"):
        Closure(1, "link", "x", START.replace(tzinfo=None), END)
