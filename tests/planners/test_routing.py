"""Route options: totals are sums, cargo rules hold, the Chongqing scenario agrees with the facts."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import intermodal as im
from intermodal.model import ElementEmissions, Itinerary
from intermodal.model.availability import DepartureRoom
from intermodal.planners.options import FoldMargins

MINI = Path(__file__).parents[1] / "io" / "bundles" / "mini"
READY = "2020-04-03T08:00+08:00"


@pytest.fixture(scope="module")
def chongqing() -> im.Bundle:
    return im.load_scenario("chongqing")


def assert_consistent(it: Itinerary) -> None:
    """Totals equal the sum of legs and hubs; times run forward; legs chain up."""
    carrying = it.inventory.cost if it.inventory is not None else 0.0
    assert math.isclose(it.cost, sum(g.cost for g in it.legs) + sum(h.cost for h in it.hubs) + carrying)
    assert math.isclose(it.distance_km, sum(g.distance_km for g in it.legs))
    wtw = sum(g.emissions.wtw_kg for g in it.legs) + sum(h.emissions.wtw_kg for h in it.hubs)
    assert math.isclose(it.co2e_kg_wtw, wtw)
    assert math.isclose(it.co2e_kg_wtw, it.co2e_kg_wtt + it.co2e_kg_ttw)
    for a, b in zip(it.legs, it.legs[1:], strict=False):
        assert a.to_id == b.from_id
        assert a.arrive <= b.depart
    for g in it.legs:
        assert g.depart < g.arrive and g.distance_km > 0
    for h in it.hubs:
        assert h.start <= h.end
    doc = it.to_dict(rank=1)
    for key in ("cost", "distance_km", "co2e_kg_wtw", "co2e_kg_ttw", "co2e_kg_wtt"):
        # the printed total is the sum of the printed parts, to the cent
        shown = sum(part.get(key, 0.0) for part in doc["legs"] + doc["hubs"] + [doc["inventory"] or {}])
        assert doc["total"][key] == pytest.approx(shown, abs=1e-9), key


def test_nanpeng_bangkok_reefer_pareto_has_road_and_rail_sea(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    result = im.find_routes(chongqing, "nanpeng", "bangkok", s, objective="pareto")
    for o in result.options:
        assert_consistent(o)
    road = [o for o in result.options if o.modes == (im.Mode.ROAD,)]
    rail_sea = [o for o in result.options if {im.Mode.RAIL, im.Mode.SEA} <= set(o.modes)]
    assert road and rail_sea
    middle = road[0]
    shuttle = [g for g in middle.legs if g.service == "shuttle-middle"]
    assert shuttle, "the all-road option rides the Middle line"
    leg_hours = (shuttle[0].arrive - shuttle[0].depart).total_seconds() / 3600
    assert 96 <= leg_hours <= 98  # Global Times 2017 (96 h), SCIO 2020 (about 98 h)
    assert middle.distance_km == pytest.approx(2800)  # Global Times 2017
    best = min(rail_sea, key=lambda o: o.arrive)
    assert best.arrive > middle.arrive  # slower
    assert best.cost < middle.cost  # but cheaper
    assert best.co2e_kg_wtw < middle.co2e_kg_wtw  # and lower in CO2e
    qinzhou = [g for g in best.legs if g.mode is im.Mode.RAIL and g.to_id == "qinzhou"]
    assert (
        qinzhou and 40 <= (qinzhou[0].arrive - qinzhou[0].depart).total_seconds() / 3600 <= 56
    )  # about 2 days


def test_reefer_only_through_reefer_terminals_and_services(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    for dest in ("bangkok", "hanoi", "singapore", "shanghai"):
        for o in im.find_routes(chongqing, "nanpeng", dest, s).options:
            for h in o.hubs:
                if h.kind == "handling":
                    assert chongqing.terminals[h.terminal_id].reefer
            for g in o.legs:
                if g.service:
                    assert chongqing.service(g.service).reefer


def test_dangerous_goods_avoid_the_tunnel(chongqing: im.Bundle) -> None:
    general = im.make_shipment(chongqing, teu=2, ready=READY)
    dg = im.make_shipment(chongqing, teu=2, cargo="dg:3", ready=READY)
    fast = im.find_routes(chongqing, "foeryan", "nanpeng", general, objective="fastest").options[0]
    assert fast.legs[0].distance_km == pytest.approx(12)  # the Longzhouwan tunnel, 15 minutes
    assert fast.duration_h == pytest.approx(0.25)
    for o in im.find_routes(chongqing, "foeryan", "nanpeng", dg).options:
        assert all(g.distance_km != 12 for g in o.legs)


def test_cross_border_legs_clear_customs(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, ready=READY)
    for o in im.find_routes(chongqing, "nanpeng", "hanoi", s).options:
        crossings = {h.terminal_id for h in o.hubs if h.kind == "clearance"}
        assert crossings & {"youyiguan", "dongxing", "pingxiang", "haiphong", "qinzhou"}


def test_due_time_prunes_and_explains(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY, due="2020-04-05T08:00+08:00")
    with pytest.raises(im.NoRouteError) as err:
        im.find_routes(chongqing, "nanpeng", "bangkok", s)
    assert "due time" in err.value.reasons[0] and "late" in err.value.reasons[0]


def test_a_caller_that_explains_by_itself_gets_a_plain_no_route(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY, due="2020-04-05T08:00+08:00")
    with pytest.raises(im.NoRouteError) as err:
        im.find_routes(chongqing, "nanpeng", "bangkok", s, explain=False)
    assert err.value.reasons == ["no route from nanpeng to bangkok meets the query"]
    assert err.value.details == []


def test_no_dangerous_goods_route_says_which_parts_forbid_it() -> None:
    b = im.load_bundle(MINI)
    s = im.make_shipment(b, teu=1, cargo="dg:8", ready=READY)
    with pytest.raises(im.NoRouteError) as err:
        im.find_routes(b, "hub", "city", s)
    text = " ".join(err.value.reasons)
    assert "dangerous goods class 8" in text
    assert "hub-border is closed to dangerous goods" in text or "does not" in text


def test_unknown_place_suggests_names(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, ready=READY)
    with pytest.raises(im.PlaceError) as err:
        im.find_routes(chongqing, "nanpen", "bangkok", s)
    assert "nanpeng" in str(err.value) and err.value.problems[0].field == "from"


def test_places_by_locode_name_and_coordinates(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, ready=READY)
    by_code = im.find_routes(chongqing, "nanpeng", "THBKK", s)
    assert by_code.destination.terminal_id == "bangkok"
    by_zh = im.find_routes(chongqing, "重庆公路物流基地（南彭）", "bangkok", s)
    assert by_zh.origin.terminal_id == "nanpeng"
    by_point = im.find_routes(chongqing, "29.50,106.50", "bangkok", s)
    first = by_point.options[0].legs[0]
    assert first.from_id == "29.50,106.50" and first.mode is im.Mode.ROAD
    with pytest.raises(im.PlaceError, match="too far"):
        im.find_routes(chongqing, "40.0,90.0", "bangkok", s)


def test_impossible_shipments_are_input_errors(chongqing: im.Bundle) -> None:
    with pytest.raises(im.ShipmentError) as err:
        im.make_shipment(chongqing, teu=-1, tonnes=100, cargo="dg:x", ready="tomorrow", due="2020-01-01")
    fields = {p.field for p in err.value.problems}
    assert {"teu", "cargo", "ready"} <= fields
    with pytest.raises(im.ShipmentError, match="per TEU"):
        im.make_shipment(chongqing, teu=1, tonnes=60)
    with pytest.raises(im.ShipmentError, match="due"):
        im.make_shipment(chongqing, teu=1, ready=READY, due="2020-04-01T00:00+08:00")


def test_objectives_rank_the_same_set(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, ready=READY)
    runs = {o: im.find_routes(chongqing, "nanpeng", "singapore", s, objective=o) for o in im.Objective}
    ids = {o: {it.id for it in r.options} for o, r in runs.items()}
    assert len({frozenset(v) for v in ids.values()}) == 1
    assert runs[im.Objective.CHEAPEST].options[0].cost == min(
        it.cost for it in runs[im.Objective.PARETO].options
    )
    greenest = runs[im.Objective.GREENEST].options[0].co2e_kg_wtw
    assert greenest == min(it.co2e_kg_wtw for it in runs[im.Objective.PARETO].options)


def test_json_shape_is_stable(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    doc = im.find_routes(chongqing, "nanpeng", "bangkok", s).to_dict()
    leg_keys = {"mode", "from", "to", "depart", "arrive", "distance_km", "cost", "co2e_kg_wtw", "co2e_kg_ttw"}
    total_keys = {"distance_km", "cost", "co2e_kg_wtw", "co2e_kg_ttw", "duration_h"}
    for option in doc["options"]:
        assert total_keys <= set(option["total"])
        for leg in option["legs"]:
            assert leg_keys <= set(leg)
        assert {"service", "departure"} <= set(option["legs"][0])
    # each leg's shape is a GeoJSON line: [lon, lat] arrays once encoded, the leg's own points
    result = im.find_routes(chongqing, "nanpeng", "bangkok", s)
    encoded = json.loads(json.dumps(result.to_dict()))
    for option, it in zip(encoded["options"], result.options, strict=True):
        for leg, g in zip(option["legs"], it.legs, strict=True):
            line = {"type": "LineString", "coordinates": [list(p) for p in g.geometry]}
            assert leg["geometry"] == (line if g.geometry else None)
    assert any(it.legs[0].geometry for it in result.options)


def test_range_query_lists_a_week_of_departures(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    week = im.find_routes(chongqing, "nanpeng", "bangkok", s, range_days=7, limit=100)
    middle = [o for o in week.options if [g.service for g in o.legs] == ["shuttle-middle"]]
    assert len(middle) >= 7  # the Middle line leaves daily
    assert any({im.Mode.RAIL, im.Mode.SEA} <= set(o.modes) for o in week.options)
    for o in week.options:
        assert_consistent(o)
        assert o.ready_by is not None
        scheduled = [(g.service, g.depart) for g in o.legs if g.service]
        # cargo ready exactly at ready_by still makes the same departures, or better ones: in the whole
        # Pareto set, since storage can put the same option within the margins of one that folds it
        again = im.find_routes(
            chongqing, "nanpeng", "bangkok", dataclasses.replace(s, ready=o.ready_by), fold=None
        )
        assert any(
            [(g.service, g.depart) for g in it.legs if g.service] == scheduled
            or (it.arrive <= o.arrive and it.cost <= o.cost and it.co2e_kg_wtw <= o.co2e_kg_wtw + 1e-6)
            for it in again.options
        )


def test_a_query_over_its_work_cap_says_so_rather_than_answering_in_part(chongqing: im.Bundle) -> None:
    from intermodal.exceptions import LimitError

    s = im.make_shipment(chongqing, teu=2, ready=READY)
    with pytest.raises(LimitError, match="labels"):
        im.find_routes(chongqing, "nanpeng", "singapore", s, max_labels=50)


def test_handling_waits_for_opening_hours(tmp_path: Path) -> None:
    import shutil

    bundle_dir = tmp_path / "mini"
    shutil.copytree(MINI, bundle_dir)
    terminals = bundle_dir / "terminals.csv"
    lines = terminals.read_text().splitlines()
    lines[0] += ",opening_hours"
    hours = ',"Mo-Fr 08:00-09:00"'
    lines = [lines[0]] + [row + (hours if row.startswith("city,") else ",") for row in lines[1:]]
    terminals.write_text("\n".join(lines) + "\n")
    b = im.load_bundle(bundle_dir)
    assert b.terminals["city"].opening_hours
    s = im.make_shipment(b, teu=1, ready=READY)
    options = im.find_routes(b, "station", "city", s).options
    handled = [h for o in options for h in o.hubs if h.kind == "handling" and h.terminal_id == "city"]
    assert handled, "some option unloads a train at the city"
    for h in handled:
        local = h.start.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
        assert local.weekday() < 5 and 8 <= local.hour < 9, local
    # the train arrives at 07:00 local: the box waits an hour for the terminal to open
    waits = [h.start - o.legs[-1].arrive for o in options for h in o.hubs if h.terminal_id == "city"]
    assert any(w.total_seconds() == 3600 for w in waits)
    for o in options:
        assert_consistent(o)


def test_handling_depends_on_the_pair_of_modes(tmp_path: Path) -> None:
    """A quick truck-to-train gate at the station, a slow train-to-truck unload at the city."""
    import shutil

    bundle_dir = tmp_path / "mini"
    shutil.copytree(MINI, bundle_dir)
    (bundle_dir / "handling.csv").write_text(
        "terminal,from_mode,to_mode,handling_h,handling_cost_per_teu,source,notes\n"
        "station,road,rail,0.25,10,assumption,\n"
        "city,rail,road,5,500,assumption,\n"
    )
    b = im.load_bundle(bundle_dir)
    s = im.make_shipment(b, teu=2, ready=READY)
    options = im.find_routes(b, "hub", "city", s).options
    by_train = [
        o for o in options if any(g.service and (g.from_id, g.to_id) == ("station", "city") for g in o.legs)
    ]
    assert by_train
    for o in options:
        assert_consistent(o)
    hubs = {(h.terminal_id, h.from_mode, h.to_mode): h for h in by_train[0].hubs if h.kind == "handling"}
    gate = hubs["station", im.Mode.ROAD, im.Mode.RAIL]
    unload = hubs["city", im.Mode.RAIL, im.Mode.ROAD]
    assert (gate.end - gate.start).total_seconds() == 900 and gate.cost == 20.0
    assert (unload.end - unload.start).total_seconds() == 5 * 3600 and unload.cost == 1000.0
    doc = by_train[0].to_dict(rank=1)
    assert {(h["from_mode"], h["to_mode"]) for h in doc["hubs"] if h["kind"] == "handling"} == {
        ("road", "rail"),
        ("rail", "road"),
    }


def test_a_stop_without_drop_off_is_ridden_through(tmp_path: Path) -> None:
    """The train may not set down at the border: cargo never leaves it there."""
    import shutil

    bundle_dir = tmp_path / "mini"
    shutil.copytree(MINI, bundle_dir)
    stops = bundle_dir / "service_stops.csv"
    lines = stops.read_text().splitlines()
    lines = [lines[0] + ",pickup,dropoff"] + [
        row + (",true,false" if ",border," in row else ",true,true") for row in lines[1:]
    ]
    stops.write_text("\n".join(lines) + "\n")
    b = im.load_bundle(bundle_dir)
    s = im.make_shipment(b, teu=1, ready=READY)
    to_border = im.find_routes(b, "station", "border", s).options
    assert to_border and not any(g.service and g.to_id == "border" for o in to_border for g in o.legs)
    to_city = im.find_routes(b, "station", "city", s).options
    assert any(g.service == "train" and g.to_id == "city" for o in to_city for g in o.legs)


def _walk_bundle(tmp_path: Path) -> Path:
    """Two rail lines a→b and c→d with no stop in common, and walks b–x–c between them."""
    d = tmp_path / "walks"
    d.mkdir()
    (d / "manifest.toml").write_text((MINI / "manifest.toml").read_text().replace('"mini"', '"walks"'))
    (d / "factors.csv").write_text((MINI / "factors.csv").read_text())
    head = (MINI / "terminals.csv").read_text().splitlines()[0]
    rows = [
        f"{t},,{t.upper()},{t},{lat},106.0,Asia/Shanghai,CN,rail|walk,station,false,,false,false,0.1,0,,assumption,"
        for t, lat in (("a", 29.0), ("b", 29.1), ("x", 29.11), ("c", 29.12), ("d", 29.3))
    ]
    (d / "terminals.csv").write_text("\n".join([head, *rows]) + "\n")
    links = (MINI / "links.csv").read_text().splitlines()[0]
    (d / "links.csv").write_text(
        f"{links}\n"
        "ab,a,b,rail,10,,,0,TEU-km,0,false,true,,train,,,assumption\n"
        "cd,c,d,rail,20,,,0,TEU-km,0,false,true,,train,,,assumption\n"
        "bx,b,x,walk,0.3,0.1,,0,TEU-km,0,true,true,,,,,assumption\n"
        "xc,x,c,walk,0.3,0.1,,0,TEU-km,0,true,true,,,,,assumption\n"
    )
    services = (MINI / "services.csv").read_text().splitlines()
    (d / "services.csv").write_text(
        "\n".join([services[0], *(services[1].replace("train,train,", f"{s},{s},", 1) for s in ("ab", "cd"))])
        + "\n"
    )
    (d / "service_stops.csv").write_text(
        "service_id,seq,terminal,arrive_offset_h,depart_offset_h\n"
        "ab,1,a,0,0\nab,2,b,0.5,0.5\ncd,1,c,0,0\ncd,2,d,1,1\n"
    )
    return d


def test_walks_chain_between_stops(tmp_path: Path) -> None:
    """Walking transfers chain: b→x→c joins two lines, with no handling for the walker."""
    b = im.load_bundle(_walk_bundle(tmp_path))
    s = im.make_shipment(b, teu=1, ready="2020-04-03T09:00+08:00")
    (best, *_) = im.find_routes(b, "a", "d", s, objective="fastest").options
    assert [g.mode for g in best.legs] == [im.Mode.RAIL, im.Mode.WALK, im.Mode.RAIL]
    walk = best.legs[1]
    assert (walk.from_id, walk.via, walk.to_id) == ("b", ("x",), "c")
    assert (walk.arrive - walk.depart).total_seconds() == 2 * 360
    # handling only where a train is left or boarded without a walk: none here
    assert not [h for h in best.hubs if h.kind == "handling"]
    assert_consistent(best)


@pytest.mark.parametrize(
    ("origin", "destination", "cargo", "range_days"),
    [
        ("nanpeng", "bangkok", "reefer", None),
        ("nanpeng", "singapore", "general", None),
        ("tuanjiecun", "duisburg", "general", None),
        ("foeryan", "shanghai", "dg:3", None),
        ("nanpeng", "hanoi", "general", 3.0),
    ],
)
def test_the_compiled_engine_gives_the_reference_options(
    chongqing: im.Bundle, origin: str, destination: str, cargo: str, range_days: float | None
) -> None:
    s = im.make_shipment(chongqing, teu=2, cargo=cargo, ready=READY)
    fast, plain = (
        im.find_routes(chongqing, origin, destination, s, range_days=range_days, engine=engine, limit=50)
        for engine in ("compiled", "reference")
    )
    assert fast.to_dict() == plain.to_dict()
    assert fast.options


def test_no_route_for_general_cargo_says_so(tmp_path: Path) -> None:
    """No trip runs d → a: the answer says so (explaining it once searched again without end)."""
    b = im.load_bundle(_walk_bundle(tmp_path))
    s = im.make_shipment(b, teu=1, ready="2020-04-03T09:00+08:00")
    with pytest.raises(im.NoRouteError) as caught:
        im.find_routes(b, "d", "a", s)
    assert "no route from d to a within 30 days" in str(caught.value)


def test_a_walk_leg_is_named_walk_in_the_summary(tmp_path: Path) -> None:
    b = im.load_bundle(_walk_bundle(tmp_path))
    s = im.make_shipment(b, teu=1, ready="2020-04-03T09:00+08:00")
    result = im.find_routes(b, "a", "d", s, objective="fastest")
    assert result.summaries[0] == "ab → walk → cd"


def test_auto_runs_the_plain_search_until_the_compiled_one_pays(
    chongqing: im.Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-shot query on a small network never waits for numba; a long run of searches switches over."""
    from intermodal.engines import freight
    from intermodal.planners import _query, routing
    from intermodal.planners.places import resolve_place

    monkeypatch.setattr(freight, "is_warm", lambda: False)
    s = im.make_shipment(chongqing, teu=2, ready=READY)
    o, d = (resolve_place(chongqing, p) for p in ("nanpeng", "bangkok"))
    net = routing._Network(chongqing, s, o, d)
    ready = int(net.shipment.ready.timestamp())
    net.expand(ready, ready + 30 * 86400)
    plain = net.search(ready, due_s=None, max_labels=200_000)
    assert net.compiled is None
    monkeypatch.setattr(_query, "_COMPILE_AFTER_STATES", 2 * net.states)
    net.search(ready, due_s=None, max_labels=200_000)
    assert net.compiled is None  # 2 searches' worth of states: not yet
    fast = net.search(ready, due_s=None, max_labels=200_000)
    assert net.compiled is not None and fast == plain
    # once the process has the kernel loaded, auto uses it from the first search
    monkeypatch.setattr(freight, "is_warm", lambda: True)
    warm = routing._Network(chongqing, s, o, d)
    warm.expand(ready, ready + 30 * 86400)
    assert warm.search(ready, due_s=None, max_labels=200_000) == plain and warm.compiled is not None


def test_options_within_the_margins_of_a_better_one_are_folded_and_counted(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    full = im.find_routes(chongqing, "nanpeng", "bangkok", s, fold=None)
    via_eastring = [o for o in full.options if "eastring-shuttle" in {g.service for g in o.legs}]
    # four more days and about 3,000 CNY more than rail-sea via Luohuang, to save 24 kg CO2e (1.1 %)
    assert via_eastring and full.folded_count == 0 and full.pareto_count == len(full.options)
    margins = FoldMargins(hours=1, cost_pct=1, co2e_pct=1.2)
    folded = im.find_routes(chongqing, "nanpeng", "bangkok", s, fold=margins)
    assert {o.id for o in folded.options} == {o.id for o in full.options} - {via_eastring[0].id}
    doc = folded.to_dict()
    assert doc["pareto_options"] == len(full.options) and doc["folded_options"] == 1
    assert doc["query"]["fold"] == {"hours": 1, "cost_pct": 1, "co2e_pct": 1.2}
    # three options since the reefer surcharges of tariffs.csv left the Yangtze option dominated
    assert len(full.options) == 3
    assert any("1 of 3 Pareto-optimal options folded" in n for n in doc["notes"])
    assert full.to_dict()["query"]["fold"] is None


def test_a_truck_to_kunming_for_the_same_shuttle_folds_in_a_range_query(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    week = im.find_routes(chongqing, "nanpeng", "bangkok", s, range_days=7, limit=100, fold=None)
    kunming = [
        o for o in week.options if o.legs[0].to_id == "kunming" and o.legs[1].service == "shuttle-middle"
    ]
    # 780 km by truck, 780 CNY more, to be ready 1.4 h later for the shuttle the cargo could have boarded
    assert kunming and all(o.legs[0].distance_km == 780 for o in kunming)
    folded = im.find_routes(
        chongqing, "nanpeng", "bangkok", s, range_days=7, limit=100, fold=FoldMargins(hours=1.5)
    )
    assert not {o.id for o in kunming} & {o.id for o in folded.options}
    assert folded.folded_count >= len(kunming) and len(folded.options) + folded.folded_count == len(
        week.options
    )


def test_the_default_margins_fold_both_options_no_planner_would_take(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    single = im.find_routes(chongqing, "nanpeng", "bangkok", s)
    assert not [o for o in single.options if "eastring-shuttle" in {g.service for g in o.legs}]
    assert single.folded_count == 1
    week = im.find_routes(chongqing, "nanpeng", "bangkok", s, range_days=7, limit=100)
    assert not [o for o in week.options if o.legs[0].to_id == "kunming"]


def test_a_range_option_departs_when_its_cargo_must_leave(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    week = im.find_routes(chongqing, "nanpeng", "bangkok", s, range_days=7, limit=100)
    middle = [o for o in week.options if [g.service for g in o.legs] == ["shuttle-middle"]]
    # the same daily shuttle takes the same time, whatever option came before it in the list
    assert len(middle) >= 7 and len({round(o.duration_h, 6) for o in middle}) == 1
    for o in week.options:
        assert_consistent(o)
        if any(g.service for g in o.legs):
            # timed for cargo ready at its ready-by time: trucks to the service leave as late as they can
            assert o.depart == o.ready_by, o.id
            doc = o.to_dict()["total"]
            assert doc["depart"] == doc["ready_by"]


def test_the_limit_says_how_many_options_it_cut(chongqing: im.Bundle) -> None:
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    week = im.find_routes(chongqing, "nanpeng", "bangkok", s, range_days=7)
    every = im.find_routes(chongqing, "nanpeng", "bangkok", s, range_days=7, limit=100)
    assert len(week.options) == 10 < len(every.options)
    assert f"showing 10 of {len(every.options)} options: raise the limit (--limit) for more" in week.notes
    assert not any("showing" in n for n in every.notes)


def _options(
    bundle: im.Bundle, cargo: str, value: float | None = None, ready: str = READY
) -> list[Itinerary]:
    s = im.make_shipment(bundle, teu=2, cargo=cargo, ready=ready, value=value)
    options = im.find_routes(bundle, "nanpeng", "bangkok", s, objective="cheapest", fold=None).options
    for o in options:
        assert_consistent(o)
    return list(options)


def _shuttle(options: list[Itinerary]) -> Itinerary:
    return next(o for o in options if [g.service for g in o.legs] == ["shuttle-middle"])


def test_reefer_cargo_pays_the_reefer_surcharge_of_the_lines_tariff(chongqing: im.Bundle) -> None:
    """Issue #11: reefer cargo cost the same as general cargo on the same option."""
    general, reefer = _shuttle(_options(chongqing, "general")), _shuttle(_options(chongqing, "reefer"))
    (g_leg,), (r_leg,) = general.legs, reefer.legs
    assert r_leg.tariff == g_leg.tariff == "shuttle-middle"
    assert r_leg.tariff_source and r_leg.tariff_source.startswith("assumption")
    # the line's tariff: 4 CNY per TEU-km over 2,800 km and 600 per TEU, plus 1,800 per TEU for a reefer
    assert g_leg.cost == pytest.approx((4.0 * 2800 + 600) * 2)
    assert r_leg.cost == pytest.approx(g_leg.cost + 1800 * 2)
    assert reefer.cost > general.cost
    doc = reefer.to_dict()
    assert doc["legs"][0]["tariff"] == {"id": "shuttle-middle", "source": r_leg.tariff_source}


def test_dangerous_goods_pay_the_dg_surcharge(chongqing: im.Bundle) -> None:
    general, dg = _shuttle(_options(chongqing, "general")), _shuttle(_options(chongqing, "dg:3"))
    assert dg.legs[0].cost == pytest.approx(general.legs[0].cost + 1500 * 2)


def test_a_day_waiting_at_the_hub_costs_storage(chongqing: im.Bundle) -> None:
    """Issue #11: 26 hours at the hub cost nothing. Ready at 08:00, handled by 10:00, the Middle line leaves
    at 09:00 the next day: 23 hours in Nanpeng's yard at 200 CNY per reefer TEU per day."""
    shuttle = _shuttle(_options(chongqing, "reefer"))
    (wait,) = [h for h in shuttle.hubs if h.kind == "storage"]
    hours = (wait.end - wait.start).total_seconds() / 3600
    assert wait.terminal_id == "nanpeng" and hours == pytest.approx(23)
    assert wait.cost == pytest.approx(200 * 2 * hours / 24)
    assert wait.end == shuttle.legs[0].depart
    assert shuttle.to_dict()["hubs"][1]["kind"] == "storage"


def test_days_in_a_port_cost_storage_past_the_free_days(chongqing: im.Bundle) -> None:
    """Issue #11: 4.5 days in a port cost nothing. General cargo by the Yangtze waits more than 4 days at
    Shanghai for the weekly ship; 3 days are free, the rest costs 30 CNY per TEU per day."""
    barge = next(o for o in _options(chongqing, "general") if o.legs[1].service == "yangtze-down")
    (wait,) = [h for h in barge.hubs if h.kind == "storage" and h.terminal_id == "shanghai"]
    days = (wait.end - wait.start).total_seconds() / 86400
    assert days > 4
    assert wait.cost == pytest.approx(30 * 2 * (days - 3))


def test_the_cargo_value_changes_the_ranking(chongqing: im.Bundle) -> None:
    """Issue #11: a 10 M CNY --value changed no ranking. At 10 % a year, each day door to door costs
    2,740 CNY: the slow sea option is no longer the cheapest, the fast shuttle is."""
    plain = _options(chongqing, "reefer")
    valued = _options(chongqing, "reefer", value=10_000_000)
    assert plain[0].legs[1].service == "railsea-south"
    assert [g.service for g in valued[0].legs] == ["shuttle-middle"]
    for o in valued:
        assert o.inventory is not None
        ready = im.make_shipment(chongqing, teu=2, ready=READY).ready
        days = (o.arrive - ready).total_seconds() / 86400
        assert o.inventory.days == pytest.approx(days)
        assert o.inventory.cost == pytest.approx(10_000_000 * 0.10 * days / 365)
    slow, fast = valued[1], valued[0]
    assert slow.inventory and fast.inventory and slow.inventory.cost > fast.inventory.cost
    assert all(o.inventory is None for o in plain)


def test_the_search_pays_storage_where_it_waits(chongqing: im.Bundle) -> None:
    """Both engines put storage in the search: their options, costs included, are the same."""
    s = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    ref = im.find_routes(chongqing, "nanpeng", "bangkok", s, engine="reference", fold=None).options
    fast = im.find_routes(chongqing, "nanpeng", "bangkok", s, engine="compiled", fold=None).options
    assert [(o.arrive, round(o.cost, 6)) for o in ref] == [(o.arrive, round(o.cost, 6)) for o in fast]


def test_a_ride_is_priced_by_the_row_valid_on_its_departure_day(chongqing: im.Bundle) -> None:
    """The Middle line's rate falls from 2020-04-04. Cargo ready on the 3rd rides the 4th's shuttle at the
    new rate; cargo ready on the 1st rides the 2nd's at the old one, or waits two days for the new one (a
    Pareto option: later, but cheaper)."""
    rows = tuple(t for t in chongqing.tariffs if t.line != "shuttle-middle")
    old = next(t for t in chongqing.tariffs if t.line == "shuttle-middle")
    cheaper = dataclasses.replace(old, id="middle-2020-04", rate=3.0, valid_from=date(2020, 4, 4))
    before = dataclasses.replace(old, id="middle-before", valid_to=date(2020, 4, 3))
    bundle = dataclasses.replace(chongqing, tariffs=(*rows, before, cheaper))

    def shuttles(ready: str) -> list[tuple[str | None, float]]:
        options = _options(bundle, "general", ready=ready)
        return [(g.tariff, g.cost) for o in options for g in o.legs if g.service == "shuttle-middle"]

    assert shuttles(READY) == [("middle-2020-04", pytest.approx((3.0 * 2800 + 600) * 2))]
    assert sorted(shuttles("2020-04-01T08:00+08:00")) == [
        ("middle-2020-04", pytest.approx((3.0 * 2800 + 600) * 2)),
        ("middle-before", pytest.approx((4.0 * 2800 + 600) * 2)),
    ]


def _trip(ref: str) -> tuple[str, int]:
    """The availability key of a departure ref: its service and the epoch second it leaves."""
    service, _, when = ref.partition("@")
    return service, int(datetime.fromisoformat(when).timestamp())


@pytest.mark.parametrize("engine", ["reference", "compiled"])
def test_a_departure_without_reefer_plugs_is_not_there_for_reefer_cargo_only(
    chongqing: im.Bundle, engine: str
) -> None:
    reefer = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    general = im.make_shipment(chongqing, teu=2, ready=READY)
    before = im.find_routes(chongqing, "nanpeng", "bangkok", reefer, availability=im.Availability())
    rail = next(g for o in before.options for g in o.legs if g.service == "railsea-south")
    assert rail.departure is not None
    # not in the ledger: the timetable's own TEU and plugs (services.csv: 100 TEU, 20 TEU of plugs)
    assert (rail.free_teu, rail.free_reefer) == (100.0, 20.0)
    room = DepartureRoom(rail.departure, free_teu=80.0, free_kg=1e6, free_reefer=0.0)
    plugs_taken = im.Availability(rooms={_trip(rail.departure): room})

    after = im.find_routes(
        chongqing, "nanpeng", "bangkok", reefer, availability=plugs_taken, engine=engine, fold=None
    )
    assert all(g.departure != rail.departure for o in after.options for g in o.legs)
    assert any("room or reefer plugs" in note and rail.departure in note for note in after.notes)
    still = im.find_routes(
        chongqing, "nanpeng", "bangkok", general, availability=plugs_taken, engine=engine, fold=None
    )
    (offered,) = {g for o in still.options for g in o.legs if g.departure == rail.departure}
    assert (offered.free_teu, offered.free_reefer) == (80.0, 0.0)
    option = next(o for o in still.options if offered in o.legs)
    shown = [g for g in option.to_dict(rank=1, summary="")["legs"] if g["departure"] == rail.departure]
    assert [(g["free_teu"], g["free_reefer"]) for g in shown] == [(80.0, 0.0)]


def test_departures_out_of_reefer_plugs_are_named_when_no_route_is_left(chongqing: im.Bundle) -> None:
    """Only the morning's trucks meet the due time; once their plugs are taken (TEU still free), the reefer
    query has no route and says so, while general cargo still rides them."""
    first = im.find_routes(
        chongqing, "nanpeng", "bangkok", im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    ).options[0]
    due = (first.arrive + timedelta(hours=1)).isoformat()
    reefer = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY, due=due)
    rooms: dict[tuple[str, int], DepartureRoom] = {}
    for _ in range(10):
        try:
            found = im.find_routes(
                chongqing, "nanpeng", "bangkok", reefer, availability=im.Availability(rooms=dict(rooms))
            )
        except im.NoRouteError as error:
            caught = error
            break
        for g in found.options[0].legs:
            if g.departure:
                rooms[_trip(g.departure)] = DepartureRoom(g.departure, 2.0, 28_000.0, free_reefer=0.0)
    else:
        pytest.fail("the plugs never ran out")
    full = [d for d in caught.details if d["code"] == "departures_full"]
    assert full and all(d["out_of_plugs"] >= 1 for d in full)
    assert any("are full or out of reefer plugs" in reason for reason in caught.reasons)
    general = dataclasses.replace(reefer, cargo=im.Cargo())
    taken = im.find_routes(
        chongqing, "nanpeng", "bangkok", general, availability=im.Availability(rooms=rooms)
    )
    assert {g.departure for o in taken.options for g in o.legs} & {r.ref for r in rooms.values()}


def _priced_service(bundle: im.Bundle, service: str, extra: float, teu: float) -> tuple[im.Bundle, set[str]]:
    """``bundle`` with every ride of ``service`` dearer by ``extra`` (for ``teu`` TEU), and the services
    whose rides that made dearer: the fixed charge of the tariff rows that price it (its own, else its
    line's, which price the line's other services too) raised, or its fixed cost per TEU when none do."""
    svc = next(v for v in bundle.services if v.id == service)
    rows = [t for t in bundle.tariffs if t.service == service]
    if not rows and svc.line:
        rows = [t for t in bundle.tariffs if t.line == svc.line]
    if not rows:
        services = tuple(
            dataclasses.replace(v, fixed_cost_per_teu=v.fixed_cost_per_teu + extra / teu) if v is svc else v
            for v in bundle.services
        )
        return dataclasses.replace(bundle, services=services), {service}
    raised = tuple(
        dataclasses.replace(t, fixed_per_teu=t.fixed_per_teu + extra / teu) if t in rows else t
        for t in bundle.tariffs
    )
    covered = {
        v.id for v in bundle.services if any(t.service == v.id or (t.line and t.line == v.line) for t in rows)
    }
    return dataclasses.replace(bundle, tariffs=raised), covered


def _refs(bundle: im.Bundle, services: set[str], shipment: im.Shipment) -> list[str]:
    """The ledger refs of every dated trip of ``services`` in the weeks after the shipment is ready."""
    from intermodal.planners._query import _departure_ref
    from intermodal.planners.places import resolve_place
    from intermodal.planners.routing import _Network

    o, d = (resolve_place(bundle, p) for p in ("nanpeng", "bangkok"))
    q = _Network(bundle, shipment, o, d)
    ready = int(q.shipment.ready.timestamp())
    q.expand(ready, ready + 40 * 86400)
    tt = q.net.timetable
    return [
        _departure_ref(tt.services[si].id, int(t), q.net.zones[int(tt.stops[si][0])])
        for si, t in zip(tt.trip_service.tolist(), tt.trip_start.tolist(), strict=True)
        if tt.services[si].id in services
    ]


@pytest.mark.parametrize("engine", ["reference", "compiled"])
def test_a_departure_price_ranks_as_a_fare_that_much_higher(chongqing: im.Bundle, engine: str) -> None:
    """Pricing every departure of a service by ``p`` gives the options of a bundle whose fare is ``p``
    higher: the same Pareto set, the same costs, the same ranking."""
    s = im.make_shipment(chongqing, teu=2, ready=READY)
    base = im.find_routes(chongqing, "nanpeng", "bangkok", s, engine=engine, fold=None, objective="cheapest")
    cheapest = base.options[0]
    service = next(g.service for g in cheapest.legs if g.service is not None)
    extra = 5_000.0
    edited, covered = _priced_service(chongqing, service, extra, s.teu)
    prices = dict.fromkeys(_refs(chongqing, covered, s), extra)
    kw = {"engine": engine, "fold": None, "objective": "cheapest", "limit": 100}
    priced = im.find_routes(chongqing, "nanpeng", "bangkok", s, departure_prices=prices, **kw)
    raised = im.find_routes(edited, "nanpeng", "bangkok", s, **kw)

    def shown(result: im.RouteResult) -> list[tuple[object, ...]]:
        return [(o.arrive, round(o.cost, 6), tuple(g.departure for g in o.legs)) for o in result.options]

    assert shown(priced) == shown(raised)
    # the price mattered: the once cheapest option now costs more, or another is ahead of it
    assert shown(priced) != shown(base)
    for option in priced.options:
        assert_consistent(option)


@pytest.mark.parametrize("engine", ["reference", "compiled"])
def test_a_price_on_one_departure_raises_only_the_options_that_board_it(
    chongqing: im.Bundle, engine: str
) -> None:
    s = im.make_shipment(chongqing, teu=2, ready=READY)
    base = im.find_routes(chongqing, "nanpeng", "bangkok", s, engine=engine, fold=None, limit=100)
    ref = next(g.departure for g in base.options[0].legs if g.departure is not None)
    assert ref is not None
    priced = im.find_routes(
        chongqing, "nanpeng", "bangkok", s, engine=engine, fold=None, limit=100, departure_prices={ref: 1e6}
    )
    before = {tuple(g.departure for g in o.legs): o.cost for o in base.options}
    for option in priced.options:
        key = tuple(g.departure for g in option.legs)
        boards = ref in key
        if key in before:
            assert option.cost == pytest.approx(before[key] + (1e6 if boards else 0.0))
        assert_consistent(option)


@pytest.mark.parametrize("price", [-1.0, math.nan, math.inf, 1e16])
def test_a_departure_price_out_of_bounds_is_refused(chongqing: im.Bundle, price: float) -> None:
    s = im.make_shipment(chongqing, teu=2, ready=READY)
    with pytest.raises(im.ShipmentError, match="departure_prices"):
        im.find_routes(
            chongqing, "nanpeng", "bangkok", s, departure_prices={"x@2020-04-03T08:00+08:00": price}
        )


def test_a_legs_emissions_keep_every_field_of_its_parts() -> None:
    """A leg's emissions are made field by field from its parts' (not by dataclasses.replace): a field the
    merge leaves out would fall back to its default."""
    from intermodal.planners._query import _merged

    part = ElementEmissions(
        wtt_kg=1.5,
        ttw_kg=2.5,
        factor_id="f",
        factor_source="s",
        intensity_wtw=0.07,
        intensity_unit="kg/tkm",
        adjustments=("a",),
        activity=30.0,
        activity_unit="tkm",
        measured=True,
    )
    assert _merged([part]) == part
    assert _merged([part, part]) == dataclasses.replace(part, wtt_kg=3.0, ttw_kg=5.0, activity=60.0)
