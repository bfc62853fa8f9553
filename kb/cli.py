"""The ``kb`` command: ``kb db upgrade``, ``kb import``, ``kb export``, ``kb reindex`` …"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from kb.extensions import db


def _create_app() -> Flask:
    from kb import create_app

    return create_app()


def main() -> None:
    """Entry point of the ``kb`` console script: the app's Flask CLI."""
    group = FlaskGroup(create_app=_create_app, add_version_option=False,
                       help="Kunskapsbanken: database, search index and cases.")
    group.main()


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@with_appcontext
def import_command(paths: tuple[str, ...]) -> None:
    """Import case files (.md) or folders of them; upserts by slug, all or nothing."""
    from kb import search
    from kb.services.importer import ImportFailed, import_paths

    current_app.config["BULK_WORKERS"] = True
    try:
        result = import_paths(list(paths))
        db.session.commit()
    except ImportFailed as exc:
        db.session.rollback()
        click.echo("Importen avbröts; inget har ändrats:", err=True)
        for problem in exc.problems:
            click.echo("  " + problem, err=True)
        sys.exit(1)
    search.sync_index()
    click.echo(f"{len(result.created)} nya, {len(result.updated)} uppdaterade, "
               f"{len(result.unchanged)} oförändrade exempel.")


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
def export_command(directory: str) -> None:
    """Write every case as a .md file into DIRECTORY (the import format)."""
    from kb.services.exporter import export_cases

    count = export_cases(Path(directory))
    click.echo(f"{count} exempel exporterade till {directory}.")


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from the database and swap it in atomically."""
    from kb import search

    count = search.rebuild_index()
    click.echo(f"Sökindexet är återuppbyggt: {count} publicerade exempel.")


@click.group("index")
def index_group() -> None:
    """The search index."""


@index_group.command("status")
@with_appcontext
def index_status_command() -> None:
    """Documents in the database vs the index, and changes not yet applied."""
    from kb import search

    status = search.index_status()
    for key, value in status.items():
        click.echo(f"{key}: {value}")
    sys.exit(0 if status.get("in_sync") else 1)


@click.command("load-reference")
@with_appcontext
def load_reference_command() -> None:
    """(Re)load counties, municipalities and articles from seed_data/reference."""
    from kb.services.reference import load_reference_data

    count = load_reference_data()
    db.session.commit()
    click.echo(f"{count} referensposter inlästa.")


def init_app(app: Flask) -> None:
    """Register the commands on ``app.cli`` (so ``flask --app wsgi`` has them too)."""
    for command in (import_command, export_command, reindex_command, index_group,
                    load_reference_command):
        app.cli.add_command(command)
    from kb.editor.cli import user_group

    app.cli.add_command(user_group)
    from kb import backup
    from kb.alerts.cli import mail_group

    app.cli.add_command(mail_group)
    from kb.serving import serve_command

    app.cli.add_command(serve_command)
    backup.init_app(app)
