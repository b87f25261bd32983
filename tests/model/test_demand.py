"""A zone names its place as a route query does; the choice parameters' defaults are the documented ones."""

from __future__ import annotations

from intermodal.model.demand import ChoiceParams, Zone


def test_a_zone_is_its_terminal_or_its_point() -> None:
    assert Zone(1, "Hub", "nanpeng").place == "nanpeng"
    assert Zone(2, "Somewhere", None, 29.5, 106.5).place == "29.5,106.5"


def test_choice_defaults_match_docs_skims() -> None:
    params = ChoiceParams()
    assert params.asc == {} and params.carbon_price == 0.0
    assert params.capacity_penalty == 5000.0 and params.iterations == 500 and params.gap == 1e-3
