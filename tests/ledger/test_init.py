"""The ledger's public surface: every name in ``__all__`` exists, and importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import intermodal.ledger as ledger


def test_every_public_name_exists() -> None:
    assert sorted(ledger.__all__) == sorted(set(ledger.__all__))
    missing = [name for name in ledger.__all__ if not hasattr(ledger, name)]
    assert missing == []


def test_importing_the_ledger_does_not_import_matplotlib_or_alembic() -> None:
    code = "import sys, intermodal.ledger; print([m for m in ('matplotlib', 'alembic') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
