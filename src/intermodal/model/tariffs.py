"""Tariffs: what a carrier charges for a ride and what a terminal charges for storage, by the bundle's
``tariffs.csv``.

A tariff row applies either to a scheduled service (by its id or by its commercial line) or to a terminal.
A service row prices the ride: a rate per box, per TEU or per TEU-km for one kind of equipment and one band
of cargo weight per box, a minimum charge, and surcharges for reefer and dangerous cargo. A terminal row
prices the yard: storage per TEU per day after some free days. Either holds between two dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = ["Equipment", "RateUnit", "Tariff", "choose_tariff", "equipment_for"]


class Equipment(StrEnum):
    """The box a rate is for. ``any`` prices per TEU whatever the box."""

    TWENTY = "20"
    FORTY = "40"
    FORTY_HC = "40HC"
    REEFER = "reefer"
    ANY = "any"

    @property
    def teu(self) -> float:
        """TEU per box: a reefer is a 40-ft box (most reefers in this trade are 40-ft high cubes)."""
        return 1.0 if self is Equipment.TWENTY else 2.0


class RateUnit(StrEnum):
    """What a tariff's ``rate`` is charged on."""

    BOX = "box"
    TEU = "TEU"
    TEU_KM = "TEU-km"


@dataclass(frozen=True)
class Tariff:
    """One row of ``tariffs.csv``.

    Exactly one of ``service``, ``line`` and ``terminal`` is set. Weights are cargo tonnes per box of the
    row's equipment (per TEU for ``any``), from ``weight_from_t`` up to but not including ``weight_to_t``
    (``None``: no upper limit). Money is in ``currency``, which is the bundle's.
    """

    id: str
    service: str | None = None
    line: str | None = None
    terminal: str | None = None
    equipment: Equipment = Equipment.ANY
    weight_from_t: float = 0.0
    weight_to_t: float | None = None
    rate: float = 0.0
    rate_unit: RateUnit = RateUnit.TEU
    minimum_charge: float = 0.0
    #: charged per TEU on top of the rate, whatever its unit (terminal and document fees)
    fixed_per_teu: float = 0.0
    reefer_surcharge_per_teu: float = 0.0
    dg_surcharge_per_teu: float = 0.0
    storage_per_teu_day: float = 0.0
    free_days: float = 0.0
    currency: str = "CNY"
    valid_from: date = date.min
    valid_to: date = date.max
    source: str = "assumption"
    notes: str = ""

    def valid_on(self, day: date) -> bool:
        """Whether the row holds on ``day`` (both ends included)."""
        return self.valid_from <= day <= self.valid_to

    def holds(self, tonnes_per_box: float) -> bool:
        """Whether a box carrying ``tonnes_per_box`` falls in the row's weight band."""
        return self.weight_from_t <= tonnes_per_box and (
            self.weight_to_t is None or tonnes_per_box < self.weight_to_t
        )


def equipment_for(teu: float, *, reefer: bool) -> tuple[Equipment, ...]:
    """The equipment rows that may price a shipment of ``teu``, the most specific first.

    A shipment states TEU, not boxes: reefer cargo rides in reefers, an even whole number of TEU in 40-ft
    boxes (a high cube where no 40 row applies), any other amount in 20-ft boxes; ``any`` fits all.
    """
    if reefer:
        return (Equipment.REEFER, Equipment.ANY)
    if teu >= 2 and float(teu).is_integer() and int(teu) % 2 == 0:
        return (Equipment.FORTY, Equipment.FORTY_HC, Equipment.ANY)
    return (Equipment.TWENTY, Equipment.ANY)


def choose_tariff(
    rows: Sequence[Tariff], *, teu: float, tonnes: float, reefer: bool, day: date
) -> Tariff | None:
    """The row of ``rows`` (one service's or one terminal's) that prices this shipment on ``day``.

    Rows are tried by equipment, the most specific first (:func:`equipment_for`); among them, the one valid on
    ``day`` whose weight band holds the cargo per box. The loader refuses overlapping bands, so at most one
    fits.
    """
    for kind in equipment_for(teu, reefer=reefer):
        per_box = tonnes / (teu / kind.teu) if kind is not Equipment.ANY else tonnes / teu
        for row in rows:
            if row.equipment is kind and row.valid_on(day) and row.holds(per_box):
                return row
    return None
