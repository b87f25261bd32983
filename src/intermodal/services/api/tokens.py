"""API tokens: created once and shown once, stored only as SHA-256 hashes, compared in constant time.

The store is a JSON file (``Settings.tokens_file``): ``{"tokens": [{"id", "name", "sha256", "created"}]}``.
A token is 32 random bytes, so a plain SHA-256 suffices; a slow password hash guards low-entropy secrets only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["TokenRecord", "create_token", "list_tokens", "revoke_token", "verify_token"]

#: every token starts with this, so a leaked one is easy to grep for
PREFIX = "imt_"


@dataclass(frozen=True)
class TokenRecord:
    """One stored token: never the token itself, only its hash."""

    id: str
    name: str
    sha256: str
    created: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _read(path: Path) -> list[TokenRecord]:
    if not path.is_file():
        return []
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [TokenRecord(**t) for t in doc.get("tokens", [])]


def _write(path: Path, records: list[TokenRecord]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"tokens": [r.__dict__ for r in records]}, indent=2), encoding="utf-8")
    os.chmod(tmp, 0o600)
    # atomic: a server reading the file never sees half of it
    os.replace(tmp, path)


def create_token(path: Path, *, name: str = "") -> tuple[str, TokenRecord]:
    """Make a new token, store its hash in ``path``, and return the token (shown once) with its record."""
    token = PREFIX + secrets.token_urlsafe(32)
    record = TokenRecord(
        id=secrets.token_hex(4),
        name=name,
        sha256=_hash(token),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    _write(path, [*_read(path), record])
    return token, record


def list_tokens(path: Path) -> list[TokenRecord]:
    """The stored token records (hashes only)."""
    return _read(path)


def revoke_token(path: Path, token_id: str) -> bool:
    """Remove the token with this id; ``False`` when there is none."""
    records = _read(path)
    kept = [r for r in records if r.id != token_id]
    if len(kept) == len(records):
        return False
    _write(path, kept)
    return True


def verify_token(path: Path, token: str | None) -> bool:
    """Whether ``token`` matches a stored hash; every hash is compared, in constant time."""
    if not token:
        return False
    digest = _hash(token)
    ok = False
    for record in _read(path):
        # no early exit: the time taken does not depend on which record matched
        ok |= hmac.compare_digest(digest, record.sha256)
    return ok
