"""Disruptions: a link, terminal or crossing closed for a window, a departure cancelled, a service delayed.

Revision ID: 0007
Revises: 0004 (the coordinator chains it after 0005 and 0006 when they are merged)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disruptions",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(160), nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("delay_hours", sa.Numeric(7, 2), nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("cleared_at", sa.DateTime, nullable=True),
        sa.CheckConstraint(
            "kind IN ('link', 'terminal', 'crossing', 'departure', 'delay')", name="ck_disruptions_kind_known"
        ),
        sa.CheckConstraint("status IN ('open', 'cleared')", name="ck_disruptions_status_known"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_disruptions_window_nonempty"),
        sa.PrimaryKeyConstraint("id", name="pk_disruptions"),
    )
    op.create_index("ix_disruptions_status_ends_at", "disruptions", ["status", "ends_at"])


def downgrade() -> None:
    op.drop_table("disruptions")
