"""Alembic migrations of the ledger schema; :func:`intermodal.ledger.open_ledger` applies them."""
