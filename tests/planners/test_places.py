"""Places a user can name: terminal ids, aliases (a feed's own ids), and the errors for the rest."""

from __future__ import annotations

import dataclasses

import pytest

from intermodal.exceptions import PlaceError
from intermodal.io import load_scenario
from intermodal.model import Bundle
from intermodal.planners.places import resolve_place


def _with_aliases(**aliases: set[str]) -> Bundle:
    bundle = load_scenario("chongqing")
    terminals = dict(bundle.terminals)
    for tid, names in aliases.items():
        terminals[tid] = dataclasses.replace(terminals[tid], aliases=frozenset(names))
    return dataclasses.replace(bundle, terminals=terminals)


def test_an_alias_resolves_to_its_terminal_exactly_or_in_any_case() -> None:
    bundle = _with_aliases(nanpeng={"NP-1", "Gate 7"})
    assert resolve_place(bundle, "NP-1").terminal_id == "nanpeng"
    assert resolve_place(bundle, " gate 7 ").terminal_id == "nanpeng"


def test_an_exact_alias_wins_over_one_that_differs_in_case() -> None:
    bundle = _with_aliases(nanpeng={"a"}, bangkok={"A"})
    assert resolve_place(bundle, "a").terminal_id == "nanpeng"
    assert resolve_place(bundle, "A").terminal_id == "bangkok"


def test_a_terminal_id_wins_over_an_alias() -> None:
    bundle = _with_aliases(bangkok={"nanpeng"})
    assert resolve_place(bundle, "nanpeng").terminal_id == "nanpeng"


def test_an_alias_of_two_terminals_is_ambiguous() -> None:
    bundle = _with_aliases(nanpeng={"X1"}, bangkok={"X1"})
    with pytest.raises(PlaceError) as err:
        resolve_place(bundle, "X1", field="from")
    (problem,) = err.value.problems
    assert problem.field == "from" and problem.found == "X1"
    assert "ambiguous" in problem.message and "bangkok, nanpeng" in problem.message
    bundle = _with_aliases(nanpeng={"Ab"}, bangkok={"aB"})
    with pytest.raises(PlaceError, match="ambiguous"):
        resolve_place(bundle, "ab")  # no exact match, and two in any case


def test_an_unknown_id_is_still_an_unknown_place() -> None:
    bundle = _with_aliases(nanpeng={"NP-1"})
    with pytest.raises(PlaceError) as err:
        resolve_place(bundle, "NP-2x", field="to")
    (problem,) = err.value.problems
    assert problem.field == "to" and "unknown place" in problem.message


def test_a_locode_the_scenario_lacks_is_named_never_taken_for_a_look_alike() -> None:
    # VNSGN (Ho Chi Minh City) once resolved to "yangon?" by its letters
    with pytest.raises(PlaceError) as err:
        resolve_place(load_scenario("chongqing"), "VNSGN", field="to")
    (problem,) = err.value.problems
    assert problem.field == "to" and problem.found == "VNSGN"
    assert "no terminal with this UN/LOCODE" in problem.message and "VNHAN (hanoi)" in problem.message
    assert "yangon" not in str(problem)


def test_with_the_2026_patch_ho_chi_minh_city_and_phnom_penh_resolve_by_locode() -> None:
    bundle = load_scenario("chongqing", ["2026"])
    assert resolve_place(bundle, "VNSGN").terminal_id == "ho-chi-minh"
    assert resolve_place(bundle, "KHPNH").terminal_id == "phnom-penh"
    # a lower-case five-letter word is still a name or id, not a code
    assert resolve_place(bundle, "hanoi").terminal_id == "hanoi"
