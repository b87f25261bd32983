"""Alembic environment: runs on the connection that :mod:`intermodal.ledger._storage` hands in.

There is no ``alembic.ini``: the ledger builds its Alembic config in code, so that migrations run the same
from the CLI, the API and the tests, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from alembic import context

from intermodal.ledger._schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
