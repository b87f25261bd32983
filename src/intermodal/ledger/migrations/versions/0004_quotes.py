"""Quotes that hold room: quotes, their line items and their holds (one row per departure).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TEU = sa.Numeric(9, 2)


def upgrade() -> None:
    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("cargo_class", sa.String(32), nullable=False),
        sa.Column("teu", TEU, nullable=False),
        sa.Column("weight_kg", sa.BigInteger, nullable=False),
        sa.Column("value_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total_minor", sa.BigInteger, nullable=False),
        sa.Column("price_currency", sa.String(3), nullable=False),
        sa.Column("co2e_kg_wtw", sa.Numeric(16, 2), nullable=False),
        sa.Column("co2e_kg_ttw", sa.Numeric(16, 2), nullable=False),
        sa.Column("option_json", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("valid_until", sa.DateTime, nullable=False),
        sa.Column("closed_at", sa.DateTime, nullable=True),
        sa.Column("booking_id", sa.Integer, nullable=True),
        sa.CheckConstraint("teu > 0", name="ck_quotes_teu_positive"),
        sa.CheckConstraint("weight_kg >= 0", name="ck_quotes_weight_nonnegative"),
        sa.CheckConstraint("value_minor >= 0", name="ck_quotes_value_nonnegative"),
        sa.CheckConstraint("valid_until > created_at", name="ck_quotes_valid_after_created"),
        sa.CheckConstraint(
            "status IN ('open', 'booked', 'expired', 'released')", name="ck_quotes_status_known"
        ),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name="fk_quotes_booking_id_bookings"),
        sa.PrimaryKeyConstraint("id", name="pk_quotes"),
    )
    op.create_index("ix_quotes_status_valid_until", "quotes", ["status", "valid_until"])
    op.create_table(
        "quote_lines",
        sa.Column("quote_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quotes.id"], name="fk_quote_lines_quote_id_quotes", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("quote_id", "seq", name="pk_quote_lines"),
    )
    op.create_table(
        "quote_legs",
        sa.Column("quote_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("departure_id", sa.Integer, nullable=False),
        sa.Column("from_place", sa.String(64), nullable=True),
        sa.Column("to_place", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quotes.id"], name="fk_quote_legs_quote_id_quotes", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["departure_id"], ["departures.id"], name="fk_quote_legs_departure_id_departures"
        ),
        sa.PrimaryKeyConstraint("quote_id", "seq", name="pk_quote_legs"),
        sa.UniqueConstraint("quote_id", "departure_id", name="uq_quote_legs_quote_departure"),
    )
    op.create_index("ix_quote_legs_departure", "quote_legs", ["departure_id"])


def downgrade() -> None:
    op.drop_table("quote_legs")
    op.drop_table("quote_lines")
    op.drop_table("quotes")
