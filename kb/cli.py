"""The ``kb`` command: ``kb db upgrade``, ``kb import``, ``kb export``, ``kb reindex`` …"""
from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from kb.extensions import db


def _create_app() -> Flask:
    from kb import create_app
    from kb.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:  # a message for the operator, not a traceback
        raise click.ClickException(str(exc)) from exc


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

    current_app.config["BULK_WORKERS"] = True  # a helper process writes half the index
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


@index_group.command("follow")
@click.option("--interval", type=click.FloatRange(min=0.1), default=1.0, show_default=True,
              help="seconds between looks at the change log")
@with_appcontext
def index_follow_command(interval: float) -> None:
    """Keep this node's index in step with the change log until stopped (TERM or Ctrl-C).

    Run one beside gunicorn on every node (deploy/systemd/kunskapsbanken-index.service):
    changes saved on other nodes become searchable here within about ``interval`` seconds.
    """
    from kb import search

    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    click.echo(f"Följer ändringsloggen var {interval:g}:e sekund (avsluta med Ctrl-C).")
    search.follow(interval, stop.is_set)


@click.command("load-reference")
@with_appcontext
def load_reference_command() -> None:
    """(Re)load counties, municipalities and articles from seed_data/reference.

    Renames reach every page (the content version) and the search index (the cases showing
    a renamed row are put on the change log, applied here).
    """
    from kb import search
    from kb.services.reference import load_reference_data

    count = load_reference_data()
    db.session.commit()
    search.sync_index()
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
