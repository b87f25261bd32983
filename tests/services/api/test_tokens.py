"""Tokens are stored hashed, verified against every stored hash, and can be revoked."""

from __future__ import annotations

from pathlib import Path

from intermodal.services.api.tokens import create_token, list_tokens, revoke_token, verify_token


def test_tokens_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    first, record = create_token(path, name="ops")
    second, _ = create_token(path, name="ci")
    assert first not in path.read_text() and record.sha256 in path.read_text()
    assert verify_token(path, first) and verify_token(path, second)
    assert not verify_token(path, first + "x") and not verify_token(path, None) and not verify_token(path, "")
    assert [r.name for r in list_tokens(path)] == ["ops", "ci"]
    assert revoke_token(path, record.id) and not revoke_token(path, record.id)
    assert not verify_token(path, first) and verify_token(path, second)


def test_no_file_means_no_token_is_valid(tmp_path: Path) -> None:
    assert not verify_token(tmp_path / "absent.json", "imt_anything")
