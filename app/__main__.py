"""``python -m app`` runs the redrive-console CLI."""

from app.cli import entry

entry()
