"""``python -m intermodal`` runs the CLI."""

from intermodal.services.cli import main

main()
