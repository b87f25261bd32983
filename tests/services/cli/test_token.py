"""``intermodal token``: create prints a token once and stores only its hash; list and revoke."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from intermodal.services.api.tokens import verify_token
from intermodal.services.cli import app

runner = CliRunner()


def test_create_list_revoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tokens.json"
    monkeypatch.setenv("INTERMODAL_TOKENS_FILE", str(path))
    created = runner.invoke(app, ["token", "create", "--name", "ops"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[0]
    assert token.startswith("imt_") and verify_token(path, token)
    assert token not in path.read_text()
    listed = runner.invoke(app, ["token", "list"])
    token_id = listed.stdout.split()[0]
    assert "ops" in listed.stdout and token not in listed.stdout
    assert runner.invoke(app, ["token", "revoke", token_id]).exit_code == 0
    assert not verify_token(path, token)
    assert runner.invoke(app, ["token", "revoke", token_id]).exit_code == 1
