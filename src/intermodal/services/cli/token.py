"""``intermodal token``: create, list and revoke API tokens (stored hashed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from intermodal.services.cli._output import NO_ANSWER, fail

token_app = typer.Typer(
    help="API tokens for writes (and for reads when reads are closed).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")


def _file() -> Path:
    from intermodal.services.api._settings import Settings

    return Settings.from_env().tokens_file


@token_app.command("create")
def create(name: Annotated[str, typer.Option(help="A label, to tell tokens apart.")] = "") -> None:
    """Make a token and print it once; only its SHA-256 hash is stored (INTERMODAL_TOKENS_FILE)."""
    from intermodal.services.api.tokens import create_token

    path = _file()
    token, record = create_token(path, name=name)
    typer.echo(token)
    typer.echo(f"id {record.id}, stored hashed in {path}; it is shown only now.", err=True)


@token_app.command("list")
def list_() -> None:
    """The stored tokens: id, name and creation time (never the tokens)."""
    from intermodal.services.api.tokens import list_tokens

    for record in list_tokens(_file()):
        typer.echo(f"{record.id}  {record.created}  {record.name}")


@token_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="The id that `token list` shows.")]) -> None:
    """Remove a token; requests carrying it are refused from then on."""
    from intermodal.services.api.tokens import revoke_token

    if not revoke_token(_file(), token_id):
        fail([f"[token_id]: no such token (found {token_id!r})"], NO_ANSWER)
