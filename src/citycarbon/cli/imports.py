"""``citycarbon import …``: data into the platform's database, one command per kind of data."""

from __future__ import annotations

import typer

import_app = typer.Typer(
    help="Import data into the platform's database (all-or-nothing unless --partial).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
