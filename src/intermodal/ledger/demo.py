"""A synthetic, calibrated history of the Chongqing–ASEAN highway shuttle for 2019–2020.

The ledger of the real hub is not public; what is public are a few totals. This generator makes up individual
departures, bookings and container events (seeded, so the same seed gives the same rows) and calibrates them
so that the totals *computed from those rows* match the published figures:

===========  =====  =====  ======  ===========  =================================================
period       trips  TEU    tonnes  value (CNY)  source
===========  =====  =====  ======  ===========  =================================================
2020Q1       403    806    6,900   167,000,000  seed (Chongqing newspaper, April 2020)
2019Q1       185    370    1,788   87,400,000   derived: 2020Q1 / (1 + 118 %, 286 %, 91 %)
2019 (year)  1,095  2,190  –       –            seed: "an average 3 departures a day" in 2019
2020 (year)  2,824  5,648  50,000  –            iChongqing 2021-01-08 (departures and tonnes)
===========  =====  =====  ======  ===========  =================================================

Everything else is assumed, and says so: how the remaining trips and tonnes spread over the other quarters
(a steady ramp), cargo value in those quarters (about 420,000 CNY a trip, near the seed's 414,000), how trips
split between the lines, shippers, cargo classes, container numbers, times and places. Each trip is one truck
carrying one 40-ft box (2 TEU) or two 20-ft boxes, as the seed's 806 TEU over 403 trips implies; so 2020's
published 6,354 TEU (2.25 a trip) is *not* reproduced: it cannot fit 2-TEU trucks.

Event times are drawn from stated distributions (:data:`DEMO_TIMES`: transit per line, clearance per border
crossing, dwell per hub, each a lognormal assumption), seeded, so that ``intermodal calibrate`` can be checked
against the distributions that made the history (docs/calibration.md).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, select

from intermodal.exceptions import LedgerError, Problem
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger._values import check_digit as _check_digit
from intermodal.ledger._values import utc_now, zone_info
from intermodal.ledger.bookings import request_digest
from intermodal.ledger.departures import departure_ref
from intermodal.ledger.lines import Line, _upsert
from intermodal.ledger.periods import Period, parse_period
from intermodal.model.orders import Order
from intermodal.model.reliability import Spread
from intermodal.model.shipment import parse_cargo

__all__ = [
    "CHONGQING_SHUTTLE_LINES",
    "DEMO_TARGETS",
    "DEMO_TIMES",
    "DemoSummary",
    "DemoTimes",
    "QuarterTarget",
    "demo_orders",
    "load_demo",
]


@dataclass(frozen=True)
class QuarterTarget:
    """The totals one quarter of the demo is calibrated to, and where each comes from."""

    trips: int
    tonnes: int
    value_cny: int
    source: str


#: The calibration targets, per quarter. Trips × 2 gives TEU.
DEMO_TARGETS: dict[str, QuarterTarget] = {
    "2019Q1": QuarterTarget(185, 1_788, 87_400_000, "derived from the seed's 2020Q1 and its YoY growth"),
    "2019Q2": QuarterTarget(270, 2_970, 121_500_000, "assumed ramp to 1,095 trips in 2019 (seed: 3 a day)"),
    "2019Q3": QuarterTarget(300, 3_750, 135_000_000, "assumed ramp to 1,095 trips in 2019 (seed: 3 a day)"),
    "2019Q4": QuarterTarget(340, 4_760, 153_000_000, "assumed ramp to 1,095 trips in 2019 (seed: 3 a day)"),
    "2020Q1": QuarterTarget(403, 6_900, 167_000_000, "seed: 403 trips, 806 TEU, 0.69万 t, 1.67亿 CNY"),
    "2020Q2": QuarterTarget(700, 12_000, 294_000_000, "assumed split of 2020's 2,824 trips and 50,000 t"),
    "2020Q3": QuarterTarget(820, 14_600, 344_400_000, "assumed split of 2020's 2,824 trips and 50,000 t"),
    "2020Q4": QuarterTarget(901, 16_500, 378_400_000, "assumed split of 2020's 2,824 trips and 50,000 t"),
}

#: The six shuttle lines of the Chongqing scenario, for use before or without the network bundle.
CHONGQING_SHUTTLE_LINES: tuple[Line, ...] = (
    Line("shuttle-east", "East line (Chongqing–Hanoi)", "东线"),
    Line("shuttle-east-double", "East double line", "东复线"),
    Line("shuttle-middle", "Middle line (Chongqing–Vientiane–Bangkok)", "中线"),
    Line("shuttle-west", "West line (Chongqing–Ruili–Yangon)", "西线"),
    Line("shuttle-singapore", "Singapore line", "新加坡线"),
    # its trucks run Hanoi to Chongqing (service_stops.csv): its zone is its origin's, as the scenario says
    Line("shuttle-asia-europe", "Asia–Europe line", "亚欧线", zone="Asia/Ho_Chi_Minh"),
)

# Assumed: the share of trips each line runs, its far-end place and zone, and its transit time in hours
# (East ~45 h and Middle ~98 h are published, SCIO 2020-12-07; the rest are guesses).
_LINE_PROFILE: dict[str, tuple[float, str, str, int]] = {
    "shuttle-east": (0.32, "hanoi", "Asia/Ho_Chi_Minh", 45),
    "shuttle-east-double": (0.14, "hanoi", "Asia/Ho_Chi_Minh", 48),
    "shuttle-middle": (0.20, "bangkok", "Asia/Bangkok", 98),
    "shuttle-west": (0.14, "yangon", "Asia/Yangon", 96),
    "shuttle-singapore": (0.08, "singapore", "Asia/Singapore", 150),
    "shuttle-asia-europe": (0.12, "hanoi", "Asia/Ho_Chi_Minh", 45),
}
_DEFAULT_PROFILE = (0.10, "border", "Asia/Shanghai", 72)


@dataclass(frozen=True)
class DemoTimes:
    """The distributions the demo's event times are drawn from: the truth its calibration must find.

    Every time is lognormal (:class:`~intermodal.model.Spread`: a median in hours and the spread of its log).
    A trip's transit (departure to arrival) is drawn per commercial line; a trip through a border crossing
    stops there for a clearance drawn per crossing (arrived at the crossing to customs-released), inside its
    transit; each box waits in the yard at either end for a dwell drawn per hub (gate-in to departure, and
    arrival to gate-out).
    """

    #: transit, by commercial line (both directions)
    transit: Mapping[str, Spread]
    #: the crossing each commercial line passes, and the share of its driving done before it, southbound
    crossing: Mapping[str, tuple[str, float]]
    #: customs clearance, by crossing terminal
    clearance: Mapping[str, Spread]
    #: yard dwell, by hub; ``default_dwell`` elsewhere
    dwell_at: Mapping[str, Spread]
    default_dwell: Spread

    def dwell(self, place: str) -> Spread:
        """The dwell of a box at ``place``."""
        return self.dwell_at.get(place, self.default_dwell)


_TRANSIT = "assumption: median = the line's transit hours above, spread 0.12"
_CLEARANCE = "assumption: slower than crossings.csv's 12 h, spread as noted"
#: The demo's stated time distributions, all of them assumptions (there is no public trip-level data):
#: transit medians are the lines' transit hours (East ~45 h and Middle ~98 h published), with a spread of
#: 0.12 (two trips in three within ±12 %); clearances are a little slower than the scenario's assumed 12 h
#: at every land crossing, Ruili's (Myanmar) the slowest; a box waits about 6 h at Nanpeng and 4 h elsewhere.
#: Spreads are at most 0.4, so that a year of the demo (about 80 trips a year on the thinnest of these) pins
#: each median to within about 4 % (sigma / sqrt(n)), and the 5 % check of docs/calibration.md has power.
#: The shares of driving before the crossing follow the scenario's timetables (service_stops.csv).
DEMO_TIMES = DemoTimes(
    transit={
        line: Spread(float(hours), 0.12, source=_TRANSIT) for line, (_, _, _, hours) in _LINE_PROFILE.items()
    },
    crossing={
        "shuttle-east": ("youyiguan", 0.82),
        "shuttle-east-double": ("dongxing", 0.74),
        "shuttle-middle": ("mohan", 0.36),
        "shuttle-west": ("ruili", 0.37),
        "shuttle-singapore": ("mohan", 0.23),
        "shuttle-asia-europe": ("youyiguan", 0.82),
    },
    clearance={
        "youyiguan": Spread(14.0, 0.35, source=_CLEARANCE),
        "dongxing": Spread(10.0, 0.30, source=_CLEARANCE),
        "mohan": Spread(16.0, 0.40, source=_CLEARANCE),
        "ruili": Spread(20.0, 0.35, source=_CLEARANCE),
    },
    dwell_at={"nanpeng": Spread(6.0, 0.30, source="assumption")},
    default_dwell=Spread(4.0, 0.30, source="assumption"),
)
#: the four land crossings are on the Chinese side
_CROSSING_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class _Trip:
    """A trip's drawn times: transit, and (crossing, reached after, released after) if it crosses one."""

    transit: dt.timedelta
    crossing: tuple[str, dt.timedelta, dt.timedelta] | None


def _draw(rng: random.Random, spread: Spread) -> float:
    return spread.median_h * math.exp(spread.sigma * rng.gauss(0.0, 1.0))


def _trip_times(rng: random.Random, line: Line, times: DemoTimes) -> _Trip:
    key = line.commercial_line or line.id
    _, _, _, hours = _profile(line)
    transit_spread = times.transit.get(key, Spread(float(hours), 0.12))
    crossing = times.crossing.get(key)
    if crossing is None or crossing[0] not in times.clearance:
        return _Trip(dt.timedelta(hours=_draw(rng, transit_spread)), None)
    terminal, share = crossing
    if line.zone != _ORIGIN_ZONE:  # northbound: the crossing comes after the other share of the driving
        share = 1.0 - share
    while True:
        transit, clearance = _draw(rng, transit_spread), _draw(rng, times.clearance[terminal])
        # a clearance longer than the whole trip is a freak pair of draws: draw again (rare: both at 4 sigma)
        if clearance < transit - 1.0:
            break
    reach = (transit - clearance) * share
    return _Trip(
        dt.timedelta(hours=transit),
        (terminal, dt.timedelta(hours=reach), dt.timedelta(hours=reach + clearance)),
    )


_ORIGIN, _ORIGIN_ZONE = "nanpeng", "Asia/Shanghai"
_CARGO = (("general", 0.72), ("reefer", 0.22), ("dangerous", 0.06))
_TEU_PER_TRIP = Decimal(2)
_DEMO_VEHICLE = "demo-"


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`load_demo` wrote."""

    lines: int
    departures: int
    bookings: int
    events: int
    seed: int


def _profile(line: Line) -> tuple[float, str, str, int]:
    return _LINE_PROFILE.get(line.commercial_line or line.id, _DEFAULT_PROFILE)


def _ends(line: Line) -> tuple[str, str, str, str, int]:
    """Where a demo trip starts and ends, with zones, and its transit hours.

    A service whose origin zone is not Chongqing's runs towards Chongqing (a northbound service).
    """
    _, far, far_zone, hours = _profile(line)
    if line.zone == _ORIGIN_ZONE:
        return _ORIGIN, _ORIGIN_ZONE, far, far_zone, hours
    return far, line.zone, _ORIGIN, _ORIGIN_ZONE, hours


def _container_number(serial: int) -> str:
    """An ISO 6346 container number with a valid check digit, owner code DEMU (made up)."""
    body = f"DEMU{serial % 1_000_000:06d}"
    return f"{body}{_check_digit(body)}"


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """Integers proportional to ``weights`` that add up to ``total`` exactly (largest remainder)."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    parts = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _quarter_rows(
    rng: random.Random, period: Period, target: QuarterTarget, lines: Sequence[Line], serial: list[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[int, int]]]:
    """Departures and bookings of one quarter; bookings point at their departure by index."""
    # A commercial line's share is split evenly between its services (its two directions).
    members = Counter(line.commercial_line for line in lines)
    line_shares = [_profile(line)[0] / members[line.commercial_line] for line in lines]
    per_line = _split(target.trips, line_shares)
    days = (period.end - period.start).days
    departures: list[dict[str, Any]] = []
    for line, count in zip(lines, per_line, strict=True):
        zone = zone_info(line.zone)
        for k in range(count):
            day = period.start + dt.timedelta(days=k * days // count)
            # Consecutive trips of a line never share an hour, so each departure has its own ref.
            local = dt.datetime(day.year, day.month, day.day, 6 + k % 16, (k * 7) % 60, tzinfo=zone)
            departures.append(
                {
                    "ref": departure_ref(line.id, local, line.zone),
                    "line_id": line.id,
                    "service_date": day,
                    "departs_at": local.astimezone(dt.UTC),
                    "zone": line.zone,
                    "vehicle": f"{_DEMO_VEHICLE}{rng.randrange(10_000):04d}",
                    "capacity_teu": line.capacity_teu,
                    "capacity_kg": line.capacity_kg,
                    "status": "arrived",
                }
            )
    # Trip weights and values: a bounded spread around the mean, scaled so the quarter's sums are exact.
    weight_kg = _split(target.tonnes * 1000, [rng.triangular(0.55, 1.45, 1.0) for _ in departures])
    value_minor = _split(target.value_cny * 100, [rng.triangular(0.4, 1.6, 1.0) for _ in departures])
    bookings: list[dict[str, Any]] = []
    legs: list[tuple[int, int]] = []
    for index, departure in enumerate(departures):
        if weight_kg[index] > departure["capacity_kg"]:
            raise LedgerError(
                Problem("a demo trip is over its capacity", field="capacity_kg", found=departure["ref"])
            )
        # 70 % of trucks carry one 40-ft box for one shipper, the rest two 20-ft boxes for two.
        if rng.random() < 0.7:
            shares = [(_TEU_PER_TRIP, weight_kg[index], value_minor[index])]
        else:
            cut = rng.uniform(0.3, 0.7)
            kg_a, value_a = int(weight_kg[index] * cut), int(value_minor[index] * cut)
            shares = [
                (Decimal(1), kg_a, value_a),
                (Decimal(1), weight_kg[index] - kg_a, value_minor[index] - value_a),
            ]
        departure["booked_teu"] = sum((teu for teu, _, _ in shares), Decimal(0))
        departure["booked_kg"] = weight_kg[index]
        departure["booked_reefer_teu"] = Decimal(0)  # the demo's departures count no plugs, but their use
        for teu, kg, minor in shares:
            serial[0] += 1
            cargo = rng.choices([c for c, _ in _CARGO], [w for _, w in _CARGO])[0]
            if cargo == "reefer":
                departure["booked_reefer_teu"] += teu
            bookings.append(
                {
                    "idempotency_key": f"demo-{serial[0]:06d}",
                    "request_hash": "",  # filled in once the legs are known
                    "shipper": f"Demo shipper {rng.randrange(1, 61):02d}",
                    "cargo_class": cargo,
                    "teu": teu,
                    "weight_kg": kg,
                    "value_minor": minor,
                    "currency": "CNY",
                    "customs_status": "bonded" if rng.random() < 0.6 else "cleared",
                    "equipment_ref": _container_number(serial[0]),
                    "status": "confirmed",
                }
            )
            legs.append((len(bookings) - 1, index))
    return departures, bookings, legs


def _is_demo_only(connection: Connection) -> bool:
    foreign_departures = connection.execute(
        select(func.count())
        .select_from(s.departures)
        .where((s.departures.c.vehicle.is_(None)) | (~s.departures.c.vehicle.startswith(_DEMO_VEHICLE)))
    ).scalar_one()
    foreign_bookings = connection.execute(
        select(func.count()).select_from(s.bookings).where(~s.bookings.c.idempotency_key.startswith("demo-"))
    ).scalar_one()
    return foreign_departures == 0 and foreign_bookings == 0


def _wipe(connection: Connection) -> None:
    for table in (s.quote_legs, s.quote_lines, s.quotes, s.events, s.booking_legs, s.bookings, s.departures):
        connection.execute(delete(table))


def load_demo(
    ledger: Ledger,
    lines: Sequence[Line] = CHONGQING_SHUTTLE_LINES,
    *,
    seed: int = 2020,
    quarters: Sequence[str] | None = None,
    targets: Mapping[str, QuarterTarget] = DEMO_TARGETS,
    with_events: bool = True,
    reset: bool = False,
    times: DemoTimes = DEMO_TIMES,
) -> DemoSummary:
    """Fill the ledger with the synthetic, calibrated 2019–2020 shuttle history (see the module docstring).

    Parameters
    ----------
    ledger
        The open ledger.
    lines
        The lines to spread trips over (id, names, capacity); the scenario's services, or
        :data:`CHONGQING_SHUTTLE_LINES`. Each must carry at least 2 TEU and 28 t a trip.
    seed
        The random seed: the same seed gives the same rows.
    quarters
        The quarters of ``targets`` to generate; all of them by default.
    targets
        The totals to calibrate each quarter to; :data:`DEMO_TARGETS` (the published figures) by default.
    with_events
        Also record each container's gate-in, loaded, departed, arrived, customs-released and gate-out events
        (and arrived and customs-released at the border crossing, for a line that passes one).
    reset
        Delete every departure, booking and event first. Without it, a ledger holding only an earlier demo is
        replaced, and a ledger with other data is refused.
    times
        The distributions event times are drawn from; :data:`DEMO_TIMES` by default. They are drawn from
        their own seeded stream, so the departures and bookings are the same whatever the times.

    Raises
    ------
    LedgerError
        The ledger holds non-demo data and ``reset`` is false, or a line cannot carry a demo trip.
    """
    if not lines:
        raise LedgerError(Problem("the demo needs at least one line", field="lines"))
    small = [line.id for line in lines if line.capacity_teu < _TEU_PER_TRIP]
    if small:
        raise LedgerError(
            Problem("a demo line must carry 2 TEU a trip", field="capacity_teu", found=", ".join(small))
        )
    chosen = list(quarters) if quarters is not None else list(targets)
    unknown = [q for q in chosen if q not in targets]
    if unknown:
        raise LedgerError(
            Problem("no demo target for these quarters", field="quarters", found=", ".join(unknown))
        )
    rng = random.Random(seed)
    serial = [0]
    plan = [_quarter_rows(rng, parse_period(q), targets[q], lines, serial) for q in chosen]
    ends = {line.id: _ends(line) for line in lines}
    # Event times come from a stream of their own, so departures and bookings do not change with them; they
    # are drawn here, before the transaction, so a retried transaction writes the same times.
    times_rng = random.Random(seed * 1_000_003 + 17)
    by_id = {line.id: line for line in lines}
    trips: dict[str, _Trip] = {}
    box_dwell: dict[str, tuple[float, float]] = {}
    for departures_, bookings_, legs_ in plan:
        for departure in departures_:
            trips[departure["ref"]] = _trip_times(times_rng, by_id[departure["line_id"]], times)
        for b, d in legs_:
            start, _, place, _, _ = ends[departures_[d]["line_id"]]
            box_dwell[bookings_[b]["idempotency_key"]] = (
                _draw(times_rng, times.dwell(start)),
                _draw(times_rng, times.dwell(place)),
            )

    def work(connection: Connection) -> DemoSummary:
        if not reset and not _is_demo_only(connection):
            raise LedgerError(
                Problem(
                    "the ledger holds data that is not the demo",
                    field="db",
                    expected="an empty ledger, --reset, or another --db",
                )
            )
        _wipe(connection)
        _upsert(connection, lines)
        now = utc_now()
        departures_written = bookings_written = events_written = 0
        for departures, bookings, legs in plan:
            for row in departures:
                row["created_at"] = now
            connection.execute(s.departures.insert(), departures)
            refs = [row["ref"] for row in departures]
            ids = dict(
                connection.execute(
                    select(s.departures.c.ref, s.departures.c.id).where(s.departures.c.ref.in_(refs))
                ).all()
            )
            for row in bookings:
                row["created_at"] = now
            for b, d in legs:
                # the digest a real request would have, so that an exported demo imports back as a replay
                line_ends = ends[departures[d]["line_id"]]
                row = bookings[b]
                row["request_hash"] = request_digest(
                    legs=[(departures[d]["ref"], line_ends[0], line_ends[2])],
                    **{k: row[k] for k in ("shipper", "weight_kg", "value_minor", "currency")},
                    teu=Decimal(row["teu"]).quantize(Decimal("0.01")),  # as a checked request holds it
                    cargo_class=row["cargo_class"],
                    customs_status=row["customs_status"],
                    equipment_ref=row["equipment_ref"],
                )
            connection.execute(s.bookings.insert(), bookings)
            keys = [row["idempotency_key"] for row in bookings]
            booking_ids = dict(
                connection.execute(
                    select(s.bookings.c.idempotency_key, s.bookings.c.id).where(
                        s.bookings.c.idempotency_key.in_(keys)
                    )
                ).all()
            )
            connection.execute(
                s.booking_legs.insert(),
                [
                    {
                        "booking_id": booking_ids[bookings[b]["idempotency_key"]],
                        "seq": 0,
                        "departure_id": ids[departures[d]["ref"]],
                        "from_place": ends[departures[d]["line_id"]][0],
                        "to_place": ends[departures[d]["line_id"]][2],
                    }
                    for b, d in legs
                ],
            )
            if with_events:
                events = []
                for b, d in legs:
                    departure, booking = departures[d], bookings[b]
                    start, start_zone, place, zone, _hours = ends[departure["line_id"]]
                    trip = trips[departure["ref"]]
                    leave: dt.datetime = departure["departs_at"]
                    # each box has its own time in the yards (DemoTimes.dwell_at)
                    out_h, in_h = box_dwell[booking["idempotency_key"]]
                    dwell_out, dwell_in = dt.timedelta(hours=out_h), dt.timedelta(hours=in_h)
                    arrive = leave + trip.transit
                    steps = [
                        ("EQUIPMENT", "GTIN", leave - dwell_out, start, start_zone),
                        ("EQUIPMENT", "LOAD", leave - dwell_out * 0.4, start, start_zone),
                        ("TRANSPORT", "DEPA", leave, start, start_zone),
                    ]
                    if trip.crossing is not None:
                        crossing, reach, released = trip.crossing
                        steps += [
                            ("TRANSPORT", "ARRI", leave + reach, crossing, _CROSSING_ZONE),
                            ("SHIPMENT", "RELS", leave + released, crossing, _CROSSING_ZONE),
                        ]
                    steps += [
                        ("TRANSPORT", "ARRI", arrive, place, zone),
                        ("SHIPMENT", "RELS", arrive + dwell_in * 0.6, place, zone),
                        ("EQUIPMENT", "GTOT", arrive + dwell_in, place, zone),
                    ]
                    for kind, code, at, where, in_zone in steps:
                        events.append(
                            {
                                "event_type": kind,
                                "event_code": code,
                                "classifier": "ACT",
                                "event_at": at,
                                "zone": in_zone,
                                "place": where,
                                "equipment_ref": booking["equipment_ref"],
                                "booking_id": booking_ids[booking["idempotency_key"]],
                                "departure_id": ids[departure["ref"]],
                                "recorded_at": now,
                            }
                        )
                connection.execute(s.events.insert(), events)
                events_written += len(events)
            departures_written += len(departures)
            bookings_written += len(bookings)
        return DemoSummary(len(lines), departures_written, bookings_written, events_written, seed)

    return ledger.write(work)


#: What the demo book of orders charges for lateness and for an order left behind (assumption: inventory
#: carrying on the demo's ~414,000 CNY a trip at 10 % a year is about 5 CNY an hour, a forwarder's penalty
#: clauses run far above that; leaving an order behind loses the customer: more than the dearest way to carry
#: it (about 45,000 CNY for 2 reefer TEU to Singapore with storage): cargo is left only for want of room.
DEMO_PENALTY_PER_HOUR_LATE = 500.0
DEMO_PENALTY_NOT_CARRIED = 100_000.0
#: Demo dangerous goods are class 3 (flammable liquids), the class most shuttle lines carry (assumption).
_DEMO_DG = "dg:3"


def demo_orders(period: str = "2020Q1", *, seed: int = 20200401) -> list[Order]:
    """A book of orders matching the demo ledger's quarter: one 2-TEU order per demo trip, southbound from
    Nanpeng on the six shuttle lines' far ends, with the demo's cargo shares, tonnes and values.

    The quarter's targets (:data:`DEMO_TARGETS`) give the count, tonnes and value; each order's line, and so
    its destination and transit time, is drawn by the lines' shares; it is ready on a random day of the
    quarter and due its line's transit time plus a day and a half later. Seeded: the same seed, the same book.

    Raises
    ------
    LedgerError
        A period that is not one quarter of the demo (2019Q1 to 2020Q4).
    """
    quarter = parse_period(period)
    target = DEMO_TARGETS.get(quarter.label)
    if target is None:
        raise LedgerError(
            Problem(
                "no demo targets for this period",
                field="period",
                found=period,
                expected=", ".join(DEMO_TARGETS),
            )
        )
    rng = random.Random(seed)
    zone = zone_info(_ORIGIN_ZONE)
    lines = [(line, _LINE_PROFILE[line]) for line in sorted(_LINE_PROFILE)]
    days = (quarter.end - quarter.start).days
    orders = []
    for i in range(target.trips):
        _, (_share, far, _zone, hours) = rng.choices(lines, [p[0] for _, p in lines])[0]
        cargo = rng.choices([c for c, _ in _CARGO], [w for _, w in _CARGO])[0]
        day = quarter.start + dt.timedelta(days=rng.randrange(days))
        ready = dt.datetime.combine(day, dt.time(rng.randrange(7, 19)), tzinfo=zone)
        orders.append(
            Order(
                id=f"{quarter.label}-{i + 1:04d}",
                origin=_ORIGIN,
                destination=far,
                teu=float(_TEU_PER_TRIP),
                tonnes=round(target.tonnes / target.trips * rng.triangular(0.55, 1.45, 1.0), 1),
                cargo=parse_cargo(_DEMO_DG if cargo == "dangerous" else cargo),
                ready=ready,
                due=ready + dt.timedelta(hours=hours + 36),
                value=round(target.value_cny / target.trips * rng.triangular(0.4, 1.6, 1.0), -2),
                penalty_per_hour_late=DEMO_PENALTY_PER_HOUR_LATE,
                penalty_not_carried=DEMO_PENALTY_NOT_CARRIED,
            )
        )
    return orders
