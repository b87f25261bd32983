"""Group services into commercial lines: both directions of a shuttle report as one line.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lines") as batch:
        batch.add_column(sa.Column("commercial_line", sa.String(64), nullable=True))
    op.execute("UPDATE lines SET commercial_line = id")
    with op.batch_alter_table("lines") as batch:
        batch.alter_column("commercial_line", existing_type=sa.String(64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("lines") as batch:
        batch.drop_column("commercial_line")
