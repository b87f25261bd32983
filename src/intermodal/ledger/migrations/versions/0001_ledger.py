"""The first ledger schema: lines, departures, bookings, booking legs and events.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TEU = sa.Numeric(9, 2)


def upgrade() -> None:
    op.create_table(
        "lines",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("name_zh", sa.Text, nullable=False, server_default=""),
        sa.Column("capacity_teu", TEU, nullable=False),
        sa.Column("capacity_kg", sa.BigInteger, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False, server_default="Asia/Shanghai"),
        sa.CheckConstraint("capacity_teu > 0", name="ck_lines_capacity_teu_positive"),
        sa.CheckConstraint("capacity_kg > 0", name="ck_lines_capacity_kg_positive"),
        sa.PrimaryKeyConstraint("id", name="pk_lines"),
    )
    op.create_table(
        "departures",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("ref", sa.String(160), nullable=False),
        sa.Column("line_id", sa.String(64), nullable=False),
        sa.Column("service_date", sa.Date, nullable=False),
        sa.Column("departs_at", sa.DateTime, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("vehicle", sa.String(64), nullable=True),
        sa.Column("capacity_teu", TEU, nullable=False),
        sa.Column("capacity_kg", sa.BigInteger, nullable=False),
        sa.Column("booked_teu", TEU, nullable=False, server_default="0"),
        sa.Column("booked_kg", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("status", sa.String(16), nullable=False, server_default="scheduled"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint(
            "booked_teu >= 0 AND booked_teu <= capacity_teu", name="ck_departures_teu_within_capacity"
        ),
        sa.CheckConstraint(
            "booked_kg >= 0 AND booked_kg <= capacity_kg", name="ck_departures_kg_within_capacity"
        ),
        sa.CheckConstraint("capacity_teu > 0 AND capacity_kg > 0", name="ck_departures_capacity_positive"),
        sa.CheckConstraint(
            "status IN ('scheduled', 'departed', 'arrived', 'cancelled')", name="ck_departures_status_known"
        ),
        sa.ForeignKeyConstraint(["line_id"], ["lines.id"], name="fk_departures_line_id_lines"),
        sa.PrimaryKeyConstraint("id", name="pk_departures"),
        sa.UniqueConstraint("ref", name="uq_departures_ref"),
    )
    op.create_index("ix_departures_line_date", "departures", ["line_id", "service_date"])
    op.create_index("ix_departures_service_date", "departures", ["service_date"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("shipper", sa.Text, nullable=False),
        sa.Column("cargo_class", sa.String(32), nullable=False),
        sa.Column("teu", TEU, nullable=False),
        sa.Column("weight_kg", sa.BigInteger, nullable=False),
        sa.Column("value_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("customs_status", sa.String(16), nullable=False),
        sa.Column("equipment_ref", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="confirmed"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("cancelled_at", sa.DateTime, nullable=True),
        sa.CheckConstraint("teu > 0", name="ck_bookings_teu_positive"),
        sa.CheckConstraint("weight_kg >= 0", name="ck_bookings_weight_nonnegative"),
        sa.CheckConstraint("value_minor >= 0", name="ck_bookings_value_nonnegative"),
        sa.CheckConstraint("customs_status IN ('bonded', 'cleared')", name="ck_bookings_customs_known"),
        sa.CheckConstraint("status IN ('confirmed', 'cancelled')", name="ck_bookings_status_known"),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
        sa.UniqueConstraint("idempotency_key", name="uq_bookings_idempotency_key"),
    )
    op.create_table(
        "booking_legs",
        sa.Column("booking_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("departure_id", sa.Integer, nullable=False),
        sa.Column("from_place", sa.String(64), nullable=True),
        sa.Column("to_place", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_booking_legs_booking_id_bookings", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["departure_id"], ["departures.id"], name="fk_booking_legs_departure_id_departures"
        ),
        sa.PrimaryKeyConstraint("booking_id", "seq", name="pk_booking_legs"),
        sa.UniqueConstraint("booking_id", "departure_id", name="uq_booking_legs_booking_departure"),
    )
    op.create_index("ix_booking_legs_departure", "booking_legs", ["departure_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("event_type", sa.String(16), nullable=False),
        sa.Column("event_code", sa.String(4), nullable=False),
        sa.Column("classifier", sa.String(3), nullable=False, server_default="ACT"),
        sa.Column("event_at", sa.DateTime, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("place", sa.String(64), nullable=False),
        sa.Column("equipment_ref", sa.String(32), nullable=True),
        sa.Column("booking_id", sa.Integer, nullable=True),
        sa.Column("departure_id", sa.Integer, nullable=True),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("classifier IN ('ACT', 'EST', 'PLN')", name="ck_events_classifier_known"),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name="fk_events_booking_id_bookings"),
        sa.ForeignKeyConstraint(
            ["departure_id"], ["departures.id"], name="fk_events_departure_id_departures"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_booking", "events", ["booking_id"])
    op.create_index("ix_events_equipment", "events", ["equipment_ref"])


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("booking_legs")
    op.drop_table("bookings")
    op.drop_table("departures")
    op.drop_table("lines")
