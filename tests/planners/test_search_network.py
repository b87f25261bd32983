"""One search network answers many shipments, each as a network built for it alone would."""

from __future__ import annotations

import dataclasses
import functools
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import intermodal as im
from intermodal.exceptions import NoRouteError
from intermodal.model import Availability, Cargo, DepartureRoom
from intermodal.model.disruptions import Closure
from intermodal.planners import search_network
from intermodal.planners._query import _departure_ref, _Network
from intermodal.planners.places import resolve_place
from intermodal.planners.search_network import SearchNetwork, compile_search, set_search_cache

ZONE = ZoneInfo("Asia/Shanghai")
PLACES = ["nanpeng", "tuanjiecun", "guoyuan", "bangkok", "hanoi", "duisburg", "laem-chabang", "29.5,106.6"]


@functools.cache
def _chongqing() -> im.Bundle:
    return im.load_scenario("chongqing")


@pytest.fixture(scope="module")
def chongqing() -> im.Bundle:
    return _chongqing()


@pytest.fixture(autouse=True)
def _cache() -> Iterator[None]:
    set_search_cache(16)
    yield
    set_search_cache(16)


def _answer(bundle: im.Bundle, q: dict[str, Any], availability: Availability | None) -> Any:
    """The query's JSON document, or its no-route reasons."""
    shipment = im.make_shipment(
        bundle, teu=q["teu"], tonnes=q["tonnes"], cargo=q["cargo"], value=q["value"], ready=q["ready"]
    )
    if q["due_days"] is not None:
        shipment = im.make_shipment(
            bundle,
            teu=q["teu"],
            tonnes=q["tonnes"],
            cargo=q["cargo"],
            value=q["value"],
            ready=q["ready"],
            due=(datetime.fromisoformat(q["ready"]) + timedelta(days=q["due_days"])).isoformat(),
        )
    try:
        return im.find_routes(
            bundle,
            q["from"],
            q["to"],
            shipment,
            range_days=q["range_days"],
            carbon_price=q["carbon_price"],
            availability=availability,
            engine="compiled",
            limit=100,
        ).to_dict()
    except NoRouteError as err:
        return err.details


queries = st.fixed_dictionaries(
    {
        "from": st.sampled_from(PLACES),
        "to": st.sampled_from(PLACES),
        "teu": st.sampled_from([1, 2, 3, 4]),
        "tonnes": st.sampled_from([None, 8.0, 20.0]),
        "cargo": st.sampled_from(["general", "reefer", "dg:3"]),
        "value": st.sampled_from([None, 80_000.0]),
        # ready times on a few days, so that queries share networks and differ within one
        "ready": st.builds(
            lambda day, minute: (
                datetime(2020, 4, 2, tzinfo=ZONE) + timedelta(days=day, minutes=minute)
            ).isoformat(),
            st.integers(0, 3),
            st.integers(0, 24 * 60 - 1),
        ),
        "due_days": st.sampled_from([None, None, 3, 12]),
        "range_days": st.sampled_from([None, None, 2]),
        "carbon_price": st.sampled_from([None, 80.0]),
        "full": st.sampled_from([0.0, 0.3]),
        "closures": st.sampled_from([0, 0, 3]),
        "seed": st.integers(0, 2**16),
        # a network built beforehand over many more days (as a planner builds one for its book)
        "wide": st.booleans(),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(queries, min_size=2, max_size=4))
def test_answers_on_a_shared_network_equal_those_of_a_network_built_for_the_query(
    batch: list[dict[str, Any]],
) -> None:
    """Random shipments, windows, carbon prices, full departures and disruptions: through the cache (networks
    over whole days, shared, the query's own trips opened and closed) as built afresh for each query over its
    exact window."""
    chongqing = _chongqing()
    fresh = search_network._Cache(0)
    for q in batch:
        if q["from"] == q["to"]:
            continue
        availability = None
        if q["full"] or q["closures"]:
            # some departures of the days around the query have no room left
            net = _network(chongqing, q["ready"])
            rng = random.Random(q["seed"])
            tt = net.timetable
            rooms = {}
            for s, start in zip(tt.trip_service.tolist(), tt.trip_start.tolist(), strict=True):
                if rng.random() < q["full"]:
                    svc = tt.services[s]
                    rooms[(svc.id, start)] = DepartureRoom(f"{svc.id}@{start}", 0.0, 0.0)
            closures = _random_closures(chongqing, net, rng, q["closures"])
            availability = Availability(rooms=rooms, closures=closures)
        if q["wide"]:
            _widen(chongqing, q, availability)
        cached = _answer(chongqing, q, availability)
        saved, search_network._CACHE = search_network._CACHE, fresh
        try:
            alone = _answer(chongqing, q, availability)
        finally:
            search_network._CACHE = saved
        assert cached == alone


def _widen(bundle: im.Bundle, q: dict[str, Any], availability: Availability | None) -> None:
    """Build the network of ``q``'s load from three days before its ready time to two months after."""
    shipment = im.make_shipment(
        bundle, teu=q["teu"], tonnes=q["tonnes"], cargo=q["cargo"], value=q["value"], ready=q["ready"]
    )
    o, d = (resolve_place(bundle, p) for p in (q["from"], q["to"]))
    net = _Network(
        bundle,
        shipment,
        o,
        d,
        carbon_price=q["carbon_price"] or bundle.manifest.carbon_price_per_t,
        availability=availability,
    )
    ready = int(shipment.ready.timestamp())
    net.expand(ready - 3 * 86400, ready + 60 * 86400)


def _random_closures(
    bundle: im.Bundle, net: SearchNetwork, rng: random.Random, n: int
) -> tuple[Closure, ...]:
    """``n`` open disruptions of random kinds on the days of ``net``: closed links (roads among them),
    closed terminals, cancelled departures, delayed services."""
    tt = net.timetable
    t0, t1 = net.window
    out = []
    for i in range(n):
        kind = rng.choice(["link", "terminal", "departure", "delay"])
        start = datetime.fromtimestamp(rng.randint(t0 - 86400, t1), ZONE)
        end = start + timedelta(hours=rng.choice([6, 48, 24 * 40]))
        if kind == "link":
            target = rng.choice(bundle.links).id
        elif kind == "terminal":
            target = rng.choice(list(bundle.terminals))
        elif kind == "departure":
            k = rng.randrange(tt.n_trips)
            svc = tt.services[int(tt.trip_service[k])]
            zone = net.zones[net.index[svc.stops[0].terminal_id]]
            target = _departure_ref(svc.id, int(tt.trip_start[k]), zone)
        else:
            target = rng.choice(bundle.services).id
        hours = rng.choice([3.0, 30.0]) if kind == "delay" else 0.0
        out.append(Closure(i + 1, kind, target, start, end, delay_hours=hours))
    return tuple(out)


def _network(bundle: im.Bundle, ready: str) -> SearchNetwork:
    start = int(datetime.fromisoformat(ready).timestamp())
    end = int(datetime(2020, 5, 15, tzinfo=ZONE).timestamp())
    return compile_search(bundle, cargo=Cargo(), teu=1, tonnes=10, day=date(2020, 4, 3), window=(start, end))


def test_queries_on_the_same_days_and_load_share_one_network(chongqing: im.Bundle) -> None:
    a = _network(chongqing, "2020-04-03T08:00+08:00")
    b = _network(chongqing, "2020-04-03T15:30+08:00")
    assert a is b  # the same UTC day: one network
    assert a.window[0] % 86400 == 0 and a.window[1] % 86400 == 0
    other = compile_search(
        chongqing, cargo=Cargo(), teu=2, tonnes=10, day=date(2020, 4, 3), window=(a.window[0], a.window[1])
    )
    assert other is not a  # another load has other amounts
    # a network answers the queries whose days it holds (each opens its own trips), not those past its days
    assert _network(chongqing, "2020-04-09T08:00+08:00") is a
    assert _network(chongqing, "2020-04-02T08:00+08:00") is not a


def test_another_bundle_is_another_network(chongqing: im.Bundle) -> None:
    again = dataclasses.replace(chongqing)  # equal, but another object: it may have been changed
    assert _network(chongqing, "2020-04-03T08:00+08:00") is not _network(again, "2020-04-03T08:00+08:00")


def test_the_cache_is_bounded(chongqing: im.Bundle) -> None:
    set_search_cache(2)

    def days(day: int) -> SearchNetwork:  # two days from the 3rd, 4th or 5th: no window holds another
        start = int(datetime(2020, 4, day, 8, tzinfo=ZONE).timestamp())
        window = (start, start + 2 * 86400)
        return compile_search(chongqing, cargo=Cargo(), teu=1, tonnes=10, day=date(2020, 4, 3), window=window)

    nets = [days(day) for day in (3, 4, 5)]
    assert days(5) is nets[2]
    assert days(3) is not nets[0]  # the oldest was dropped
    with pytest.raises(ValueError, match="0 to 1024"):
        set_search_cache(-1)


def test_without_a_cache_every_query_builds_its_own_network_over_its_exact_window(
    chongqing: im.Bundle,
) -> None:
    set_search_cache(0)
    a = _network(chongqing, "2020-04-03T08:00+08:00")
    assert a is not _network(chongqing, "2020-04-03T08:00+08:00")
    assert a.window[0] == int(datetime.fromisoformat("2020-04-03T08:00+08:00").timestamp())


def test_a_query_opens_only_the_trips_of_its_own_window(chongqing: im.Bundle) -> None:
    """The shared network holds the whole days; the search sees the trips under way in the query's window."""
    from intermodal.planners.places import resolve_place
    from intermodal.planners.routing import _Network

    s = im.make_shipment(chongqing, teu=2, ready="2020-04-03T15:30+08:00")  # 07:30 UTC: mid-day
    o, d = (resolve_place(chongqing, p) for p in ("nanpeng", "bangkok"))
    q = _Network(chongqing, s, o, d)
    ready = int(s.ready.timestamp())
    q.expand(ready, ready + 30 * 86400)
    # the search runs on the shared network's own graph, the trips outside the window closed by a mask
    assert q.timetable is q.net.timetable and q.graph is q.net.graph
    assert q.mask is not None
    opened = ~q.mask
    starts = q.timetable.trip_start[opened]
    assert q.net.timetable.n_trips > int(opened.sum()) > 0
    assert starts.max() <= ready + 30 * 86400
    spans = q.net.span_s[q.timetable.trip_service[opened]]
    assert ((starts + spans) >= ready).all()
    # every trip under way in the window is open
    closed = q.mask
    shut_spans = q.net.span_s[q.timetable.trip_service[closed]]
    shut = q.timetable.trip_start[closed]
    assert ((shut > ready + 30 * 86400) | (shut + shut_spans < ready)).all()
    # a second query on the same window shares the graph (and its compiled engine)
    again = _Network(chongqing, s, o, d)
    again.expand(ready, ready + 30 * 86400)
    assert again.graph is q.graph and again.net is q.net
    assert again.net.engine(again.graph) is q.net.engine(q.graph)


def test_a_query_under_disruptions_leaves_the_shared_network_as_it_was(chongqing: im.Bundle) -> None:
    """Closures are the query's own: the trips and roads they close are open again for the next query."""
    q = {
        "from": "nanpeng",
        "to": "bangkok",
        "teu": 2,
        "tonnes": None,
        "cargo": "general",
        "value": None,
        "ready": "2020-04-03T08:00+08:00",
        "due_days": None,
        "range_days": None,
        "carbon_price": None,
    }
    before = _answer(chongqing, q, None)
    first = before["options"][0]
    service = next(leg["service"] for leg in first["legs"] if leg.get("service"))
    road = next(link for link in chongqing.links if link.flexible and link.from_id == "nanpeng")
    start = datetime(2020, 4, 1, tzinfo=ZONE)
    closures = (
        Closure(1, "delay", service, start, start + timedelta(days=60), delay_hours=30.0),
        Closure(2, "link", road.id, start, start + timedelta(days=60)),
    )
    during = _answer(chongqing, q, Availability(rooms={}, closures=closures))
    assert during != before
    assert any("disruption" in note for note in during.get("notes", []))
    assert _answer(chongqing, q, None) == before
