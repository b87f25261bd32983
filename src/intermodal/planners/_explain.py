"""Why a query has no route: the same query asked again with one rule relaxed at a time."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from intermodal.engines.reference import Deadline
from intermodal.exceptions import NoRouteReason
from intermodal.model import Availability, Bundle, CargoKind, Itinerary, Link, Shipment
from intermodal.planners._query import _departure_ref, _Network
from intermodal.planners._solve import _solve
from intermodal.planners.disruptions import closures_on
from intermodal.planners.places import Place


def _explain(
    bundle: Bundle,
    shipment: Shipment,
    origin: Place,
    destination: Place,
    *,
    horizon_days: float,
    deadline: Deadline | None = None,
    availability: Availability | None = None,
) -> list[NoRouteReason]:
    """Why no option exists, found by relaxing the query one rule at a time.

    Each reason carries a stable code and its parameters (places by terminal id or as given, times as ISO 8601
    in the local zone), so that a client can word it in the user's language.
    """
    ends = {
        "origin": origin.terminal_id or origin.text,
        "destination": destination.terminal_id or destination.text,
    }
    where = f"from {ends['origin']} to {ends['destination']}"
    reasons: list[NoRouteReason] = []

    def attempt(s: Shipment, days: float) -> list[Itinerary]:
        # the search alone: asking find_routes would explain a failure again, without end
        found = _solve(
            bundle, origin, destination, s, horizon_days=days, deadline=deadline, availability=availability
        )[1]
        return sorted(found, key=lambda it: it.arrive)

    if availability is not None and availability.closures:
        # would the query be answered without the open disruptions? then they are the reason
        undisrupted = _solve(
            bundle,
            origin,
            destination,
            shipment,
            horizon_days=horizon_days,
            deadline=deadline,
            availability=dataclasses.replace(availability, closures=()),
        )[1]
        if undisrupted:
            best = min(undisrupted, key=lambda it: it.arrive)
            return [
                NoRouteReason(
                    f"no option {where} avoids disruption {c.id}: {c.describe()}",
                    "disrupted",
                    {**ends, "disruption": c.id, "kind": c.kind, "target": c.target},
                )
                for c in closures_on(best, availability.closures, bundle)
            ] or [
                NoRouteReason(
                    f"no option {where} avoids the open disruptions",
                    "disrupted",
                    {**ends, "disruption": None, "kind": None, "target": None},
                )
            ]
    if availability is not None:
        # would the query be answered if every departure had room? then the full departures are the reason
        net, roomy = _solve(
            bundle, origin, destination, shipment, horizon_days=horizon_days, deadline=deadline
        )
        if roomy:
            return _full_departures(net, min(roomy, key=lambda it: it.arrive), availability, where, ends)

    if shipment.due is not None:
        late = attempt(dataclasses.replace(shipment, due=None), max(horizon_days, 60.0))
        if late:
            best = late[0]
            hours = (best.arrive - shipment.due).total_seconds() / 3600
            due = shipment.due.isoformat()
            earliest = best.arrive.astimezone(ZoneInfo(best.legs[-1].to_tz)).isoformat()
            reasons.append(
                NoRouteReason(
                    f"no option {where} arrives by the due time {due}; the earliest arrives {earliest} "
                    f"({hours:.1f} h late)",
                    "late",
                    {**ends, "due": due, "earliest": earliest, "hours_late": round(hours, 1)},
                )
            )
            return reasons
    general = dataclasses.replace(
        shipment, cargo=dataclasses.replace(shipment.cargo, kind=CargoKind.GENERAL, dg_class=None), due=None
    )
    relaxed = attempt(general, max(horizon_days, 60.0))
    if relaxed and shipment.cargo.kind is not CargoKind.GENERAL:
        reefer = shipment.cargo.kind is CargoKind.REEFER
        what = "reefer-capable" if reefer else f"dangerous goods class {shipment.cargo.dg_class}"
        blockers = _blockers(bundle, shipment, relaxed[0])
        reasons.append(
            NoRouteReason(
                f"no {what} route {where}" + (f": {'; '.join(b.text for b in blockers)}" if blockers else ""),
                "cargo_not_carried",
                {
                    **ends,
                    "cargo": "reefer" if reefer else "dg",
                    "dg_class": shipment.cargo.dg_class,
                    "blockers": blockers,
                },
            )
        )
        return reasons
    big = [s for s in bundle.services if s.capacity_teu < shipment.teu]
    if big and len(big) == len(bundle.services):
        reasons.append(
            NoRouteReason(
                f"the shipment's {shipment.teu:g} TEU exceed the capacity of every departure; split it",
                "over_capacity",
                {"teu": shipment.teu},
            )
        )
    reasons.append(
        NoRouteReason(
            f"no route {where} within {horizon_days:g} days in scenario {bundle.name}",
            "no_route_within",
            {**ends, "days": horizon_days, "scenario": bundle.name},
        )
    )
    return reasons


def _full_departures(
    net: _Network, best: Itinerary, availability: Availability, where: str, ends: dict[str, str]
) -> list[NoRouteReason]:
    """Why ``best`` (found as if every departure had room) is not offered: the full departures on its way,
    each with how many of that day's departures of its service are full and the next one with room."""
    assert net.timetable is not None
    tt, shipment = net.timetable, net.shipment
    reefer = shipment.cargo.kind is CargoKind.REEFER
    kg = shipment.tonnes * 1000.0
    reasons = []
    for leg in best.legs:
        if leg.service is None:
            continue
        s_idx = next(i for i, svc in enumerate(tt.services) if svc.id == leg.service)
        starts = sorted(int(t) for si, t in zip(tt.trip_service, tt.trip_start, strict=True) if si == s_idx)
        zone = ZoneInfo(net.zones[int(tt.stops[s_idx][0])])

        capacity = tt.services[s_idx].capacity_teu

        def fits(t: int, service: str = leg.service, plugs: bool = reefer, cap: float = capacity) -> bool:
            return availability.fits(service, t, shipment.teu, kg, reefer=plugs, capacity_teu=cap)

        ride = next(t for t in starts if _departure_ref(leg.service, t, zone.key) == leg.departure)
        if fits(ride):
            continue
        day = datetime.fromtimestamp(ride, zone).date()
        same_day = [t for t in starts if datetime.fromtimestamp(t, zone).date() == day]
        full = sum(not fits(t) for t in same_day)
        # a reefer shipment is also kept off a departure whose TEU would fit but whose reefer plugs are taken
        plugs = sum(not fits(t) and fits(t, plugs=False) for t in same_day) if reefer else 0
        word = "full or out of reefer plugs" if plugs else "full"
        later = next((t for t in starts if t > ride and fits(t)), None)
        nxt = datetime.fromtimestamp(later, zone).isoformat(timespec="minutes") if later else None
        text = (
            f"all {len(same_day)} {leg.service} departures on {day.isoformat()} are {word}"
            if full == len(same_day)
            else f"{full} of {len(same_day)} {leg.service} departures on {day.isoformat()} are {word}, "
            f"among them the one {where} needs"
        )
        text += (
            f"; the next with room leaves {nxt}"
            if nxt
            else "; none leaves later with room in the search window"
        )
        reasons.append(
            NoRouteReason(
                text,
                "departures_full",
                {
                    **ends,
                    "service": leg.service,
                    "date": day.isoformat(),
                    "full": full,
                    "out_of_plugs": plugs,
                    "departures": len(same_day),
                    "next": nxt,
                },
            )
        )
    return reasons


def _blockers(bundle: Bundle, shipment: Shipment, general: Itinerary) -> list[NoRouteReason]:
    """What on the general-cargo route breaks this cargo's rules."""
    out: list[NoRouteReason] = []
    reefer = shipment.cargo.kind is CargoKind.REEFER
    dg = shipment.cargo.dg_class
    for hub in general.hubs:
        t = bundle.terminals.get(hub.terminal_id)
        if hub.kind != "handling" or t is None:
            continue
        if reefer and not t.reefer:
            out.append(NoRouteReason(f"{t.id} has no reefer plugs", "terminal_no_reefer", {"terminal": t.id}))
        if dg and not t.accepts_dg(dg):
            out.append(
                NoRouteReason(
                    f"{t.id} does not accept class {dg}", "terminal_no_dg", {"terminal": t.id, "dg_class": dg}
                )
            )
    for leg in general.legs:
        if leg.service:
            svc = bundle.service(leg.service)
            if reefer and not svc.reefer:
                out.append(
                    NoRouteReason(
                        f"service {svc.id} carries no reefer boxes", "service_no_reefer", {"service": svc.id}
                    )
                )
            if dg and not svc.accepts_dg(dg):
                out.append(
                    NoRouteReason(
                        f"service {svc.id} does not carry class {dg}",
                        "service_no_dg",
                        {"service": svc.id, "dg_class": dg},
                    )
                )
    for link in bundle.links:
        if dg and not link.allows(reefer=False, dg_class=dg) and _uses(general, link):
            out.append(
                NoRouteReason(f"link {link.id} is closed to dangerous goods", "link_no_dg", {"link": link.id})
            )
    unique = {b.text: b for b in out}
    return [unique[text] for text in sorted(unique)]


def _uses(it: Itinerary, link: Link) -> bool:
    ends = {link.from_id, link.to_id}
    for leg in it.legs:
        path = [leg.from_id, *leg.via, leg.to_id]
        if any({a, b} == ends for a, b in itertools.pairwise(path)):
            return True
    return False
