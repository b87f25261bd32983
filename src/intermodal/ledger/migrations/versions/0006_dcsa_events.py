"""Events carry what DCSA Track & Trace 2.2.0 needs: the event's own id, the document of a shipment event,
whether the box is laden, and the message an imported event came in.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        # DCSA eventID (a UUID); empty on rows written before 0006, which export derives one for.
        batch.add_column(sa.Column("event_uuid", sa.String(36), nullable=True))
        batch.add_column(sa.Column("document_type", sa.String(3), nullable=True))
        batch.add_column(sa.Column("document_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("empty_indicator", sa.String(5), nullable=True))
        batch.add_column(sa.Column("message", sa.Text, nullable=True))
        batch.create_unique_constraint("uq_events_event_uuid", ["event_uuid"])


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("uq_events_event_uuid", type_="unique")
        for name in ("message", "empty_indicator", "document_id", "document_type", "event_uuid"):
            batch.drop_column(name)
