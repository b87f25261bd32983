"""Spread: a lognormal time that refuses impossible parameters, and its quantiles."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intermodal.model import Reliability, Spread


@given(median=st.floats(0.01, 5000), sigma=st.just(0.0) | st.floats(0.01, 3), q=st.floats(0.001, 0.999))
def test_quantiles_are_the_lognormals(median: float, sigma: float, q: float) -> None:
    s = Spread(median, sigma)
    assert s.quantile(0.5) == pytest.approx(median)
    # the log of the quantile is normal: median * exp(sigma * z) with z the standard normal quantile
    z = (math.log(s.quantile(q)) - math.log(median)) / sigma if sigma else 0.0
    if sigma:
        assert 0.5 * (1 + math.erf(z / math.sqrt(2))) == pytest.approx(q, abs=1e-6)


@pytest.mark.parametrize(
    "bad",
    [
        {"median_h": 0.0, "sigma": 0.1},
        {"median_h": math.inf, "sigma": 0.1},
        {"median_h": 5.0, "sigma": -0.1},
        {"median_h": 5.0, "sigma": math.nan},
        {"median_h": 5.0, "sigma": 0.1, "planned_h": 0.0},
    ],
)
def test_impossible_spreads_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Spread(**bad)  # type: ignore[arg-type]


def test_an_empty_reliability_is_false() -> None:
    assert not Reliability()
    assert Reliability(hubs={"nanpeng": Spread(6.0, 0.3)})
