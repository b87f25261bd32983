"""A book of orders: shipments to plan together against the capacity of dated departures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intermodal.model.shipment import Cargo

__all__ = ["Order"]


@dataclass(frozen=True)
class Order:
    """One shipment to plan, with what being late or left behind costs.

    Parameters
    ----------
    id
        The order's id, unique in its book.
    origin, destination
        Places as ``find_routes`` takes them (terminal id, UN/LOCODE, name or "lat,lon").
    teu, tonnes
        What moves.
    cargo
        Its cargo class (general, reefer, dangerous goods).
    value
        Declared value in the scenario's currency (it costs inventory carrying while in transit).
    ready, due
        When the cargo is ready at the origin and when it is due at the destination (aware).
    may_split
        Whether its TEU may ride different departures (then it may also be carried in part).
    penalty_per_hour_late
        What each hour of arrival past ``due`` costs.
    penalty_not_carried
        What leaving the whole order behind costs (a fraction of it, for a split order, costs that fraction).
    """

    id: str
    origin: str
    destination: str
    teu: float
    tonnes: float
    cargo: Cargo
    ready: datetime
    due: datetime
    value: float = 0.0
    may_split: bool = False
    penalty_per_hour_late: float = 0.0
    penalty_not_carried: float = 0.0
