"""Reefer plugs: what a departure can power, what reefer bookings use of it, and what reefer quotes hold.

- ``lines.reefer_plugs_teu``: a line's default plugs, in TEU (NULL: not counted), as its default capacity;
- ``departures.reefer_plugs_teu``: the departure's plugs (NULL: not counted; rows made before this stay so);
- ``departures.booked_reefer_teu``: TEU of confirmed reefer bookings on it, a counter like ``booked_teu``,
  filled here from the bookings already made, so that plugs set later are checked against the real use;
- ``quotes.reefer_teu``: the plugs a quote holds (its TEU for reefer cargo, else 0).

A CHECK keeps reefer bookings within the plugs, as ``booked_teu <= capacity_teu`` does for TEU. SQLite takes a
CHECK only as part of ``ADD COLUMN``: copying the table instead (batch mode) would drop a table that bookings
and events refer to, which its foreign keys forbid.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TEU = sa.Numeric(9, 2)
_PLUGS_KNOWN = "reefer_plugs_teu IS NULL OR reefer_plugs_teu >= 0"
_WITHIN_PLUGS = (
    "booked_reefer_teu >= 0 AND (reefer_plugs_teu IS NULL OR booked_reefer_teu <= reefer_plugs_teu)"
)
# the cargo class as the ledger reads it (parse_cargo: trimmed, any case)
_REEFER = "lower(trim(cargo_class)) = 'reefer'"


def upgrade() -> None:
    op.add_column("lines", sa.Column("reefer_plugs_teu", TEU, nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE departures ADD COLUMN reefer_plugs_teu NUMERIC(9, 2) "
            f"CONSTRAINT ck_departures_reefer_plugs_known CHECK ({_PLUGS_KNOWN})"
        )
        op.execute(
            "ALTER TABLE departures ADD COLUMN booked_reefer_teu NUMERIC(9, 2) NOT NULL DEFAULT 0 "
            f"CONSTRAINT ck_departures_reefer_within_plugs CHECK ({_WITHIN_PLUGS})"
        )
    else:
        op.add_column("departures", sa.Column("reefer_plugs_teu", TEU, nullable=True))
        op.add_column("departures", sa.Column("booked_reefer_teu", TEU, nullable=False, server_default="0"))
        op.create_check_constraint(op.f("ck_departures_reefer_plugs_known"), "departures", _PLUGS_KNOWN)
        op.create_check_constraint(op.f("ck_departures_reefer_within_plugs"), "departures", _WITHIN_PLUGS)
    op.add_column("quotes", sa.Column("reefer_teu", TEU, nullable=False, server_default="0"))
    op.execute(
        "UPDATE departures SET booked_reefer_teu = COALESCE(("
        " SELECT SUM(bookings.teu) FROM booking_legs JOIN bookings ON bookings.id = booking_legs.booking_id"
        f" WHERE booking_legs.departure_id = departures.id AND bookings.status = 'confirmed' AND {_REEFER}"
        "), 0)"
    )
    op.execute(f"UPDATE quotes SET reefer_teu = teu WHERE {_REEFER}")


def downgrade() -> None:
    with op.batch_alter_table("quotes") as batch:
        batch.drop_column("reefer_teu")
    with op.batch_alter_table("departures") as batch:
        batch.drop_constraint(op.f("ck_departures_reefer_within_plugs"), type_="check")
        batch.drop_constraint(op.f("ck_departures_reefer_plugs_known"), type_="check")
        batch.drop_column("booked_reefer_teu")
        batch.drop_column("reefer_plugs_teu")
    with op.batch_alter_table("lines") as batch:
        batch.drop_column("reefer_plugs_teu")
