"""Departures say where they came from: the timetable (``ledger schedule``) or a hand entry.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("departures") as batch:
        batch.add_column(sa.Column("origin", sa.String(16), nullable=False, server_default="manual"))


def downgrade() -> None:
    with op.batch_alter_table("departures") as batch:
        batch.drop_column("origin")
