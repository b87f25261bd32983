"""Every route query has a limit on its work, and work past its limit stops.

Bad data that validation refuses is injected past it here (a NaN or a 1e308 in the loaded model), since the
search must stay robust on its own: before, such a query never ended. A deadline is the query's, not one
search's: a range query and the explanation of a missing route run several searches under it.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable
from typing import Any

import pytest

import intermodal as im
from intermodal.engines.reference import Deadline, Journey
from intermodal.exceptions import SearchTimeout, ShipmentError
from intermodal.model import Shipment
from intermodal.planners.routing import _Network

READY = "2020-04-03T08:00+08:00"
ENGINES = ["reference", "compiled"]


@pytest.fixture(scope="module")
def chongqing() -> im.Bundle:
    return im.load_scenario("chongqing")


def _in_thread(run: Callable[[], object], within_s: float) -> object:
    """What ``run`` returns or raises; the test fails if it runs past ``within_s`` (it is not killed)."""
    out: list[object] = []

    def target() -> None:
        try:
            out.append(run())
        except Exception as e:
            out.append(e)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(within_s)
    assert not worker.is_alive(), f"the query was still running after {within_s} s"
    return out[0]


@pytest.mark.parametrize("engine", ENGINES)
def test_nan_costs_cannot_loop_the_search(chongqing: im.Bundle, engine: str) -> None:
    """Every cost and CO2e is NaN: no label is made, and the query ends with no route instead of never.

    A NaN shipment can no longer be made (the model refuses it where it enters), so the NaN comes in through
    the rates and factors of a bundle built in code, past the loader's checks.
    """
    with pytest.raises(ShipmentError, match="not a finite number"):
        Shipment(
            teu=2, tonnes=math.nan, cargo=im.Cargo(), ready=im.make_shipment(chongqing, ready=READY).ready
        )
    nan = math.nan
    bad = dataclasses.replace(
        chongqing,
        links=tuple(dataclasses.replace(k, cost_per_unit=nan) for k in chongqing.links),
        services=tuple(dataclasses.replace(s, cost_per_teu_km=nan) for s in chongqing.services),
        # the scenario's tariffs price its lines in place of the services' own rates
        tariffs=tuple(dataclasses.replace(t, rate=nan) for t in chongqing.tariffs),
    )
    shipment = im.make_shipment(chongqing, teu=2, ready=READY)
    got = _in_thread(lambda: im.find_routes(bad, "nanpeng", "bangkok", shipment, engine=engine), within_s=60)
    assert isinstance(got, im.NoRouteError), got


@pytest.mark.parametrize("engine", ENGINES)
def test_a_link_of_1e308_km_cannot_loop_the_search(chongqing: im.Bundle, engine: str) -> None:
    """Its cost is infinite (and its time, where it comes from the distance): the options avoid it."""
    bad_ids = {"base-station", "longzhouwan-tunnel", "nanpeng-kunming"}
    links = tuple(
        dataclasses.replace(k, distance_km=1e308) if k.id in bad_ids else k for k in chongqing.links
    )
    bad = dataclasses.replace(chongqing, links=links)
    s = im.make_shipment(chongqing, teu=2, ready=READY)
    got = _in_thread(lambda: im.find_routes(bad, "nanpeng", "bangkok", s, engine=engine), within_s=60)
    assert isinstance(got, im.RouteResult), got
    assert got.options and all(math.isfinite(o.cost) and math.isfinite(o.co2e_kg_wtw) for o in got.options)
    assert all(o.distance_km < 1e6 for o in got.options)


def _spy(monkeypatch: pytest.MonkeyPatch, cancel_after: int) -> list[Deadline | None]:
    """Record the deadline of every search; cancel it once ``cancel_after`` searches have run."""
    seen: list[Deadline | None] = []
    search = _Network.search

    def spied(self: _Network, ready_s: int, **kw: Any) -> list[Journey]:
        seen.append(kw.get("deadline"))
        out = search(self, ready_s, **kw)
        if len(seen) >= cancel_after and kw.get("deadline") is not None:
            kw["deadline"].cancel()
        return out

    monkeypatch.setattr(_Network, "search", spied)
    return seen


def test_a_range_query_shares_one_deadline(chongqing: im.Bundle, monkeypatch: pytest.MonkeyPatch) -> None:
    s = im.make_shipment(chongqing, teu=2, ready=READY)
    seen = _spy(monkeypatch, cancel_after=10**9)
    deadline = Deadline(60.0)
    week = im.find_routes(chongqing, "nanpeng", "bangkok", s, range_days=7, limit=100, deadline=deadline)
    assert week.options and len(seen) > 1 and all(d is deadline for d in seen)
    # the range stops at the first search after the deadline has passed
    seen.clear()
    _spy(monkeypatch, cancel_after=2)
    with pytest.raises(SearchTimeout, match="cancelled"):
        im.find_routes(chongqing, "nanpeng", "bangkok", s, range_days=7, deadline=Deadline(60.0))


def test_the_no_route_explanation_runs_under_the_same_deadline(
    chongqing: im.Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The explanation re-runs searches: past the deadline it stops too, rather than starting over."""
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY, due="2020-04-05T08:00+08:00")
    seen = _spy(monkeypatch, cancel_after=10**9)
    deadline = Deadline(60.0)
    with pytest.raises(im.NoRouteError):
        im.find_routes(chongqing, "nanpeng", "bangkok", s, deadline=deadline)
    assert len(seen) >= 2 and all(d is deadline for d in seen)
    _spy(monkeypatch, cancel_after=1)
    with pytest.raises(SearchTimeout):
        im.find_routes(chongqing, "nanpeng", "bangkok", s, deadline=Deadline(60.0))


def test_a_passed_deadline_says_how_to_narrow_the_query(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, ready=READY)
    with pytest.raises(SearchTimeout, match=r"time limit of 0 s; give a due time") as err:
        im.find_routes(chongqing, "nanpeng", "bangkok", s, deadline=Deadline(0.0))
    assert err.value.seconds == 0.0
