"""``kb mail send``: queue due digests, then send queued mails (run by a timer or cron)."""
from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("mail")
def mail_group() -> None:
    """Outgoing e-mail: alert digests and queued mails."""


@mail_group.command("send")
@click.option("--no-digests", is_flag=True, help="Only send mails already queued.")
@with_appcontext
def send_command(no_digests: bool) -> None:
    """Queue due digests (daily/weekly), then send queued mails with retries and back-off."""
    from kb.alerts import digest, service
    from kb.extensions import db
    from kb.services.outbox import deliver_due
    from kb.urls import origin

    if not (current_app.config["ORIGIN_CONFIGURED"] or current_app.debug or current_app.testing
            or os.environ.get("KB_DEV") == "1"):
        raise click.ClickException("KB_BASE_URL saknas: länkarna i e-posten kan inte byggas. "
                                   "Set KB_BASE_URL before sending mail.")
    # Links in mails are absolute, from the configured origin (never a request's Host).
    with current_app.test_request_context("/", base_url=origin()):
        service.prune()
        db.session.commit()
        queued = 0 if no_digests else digest.queue_due_digests()
        report = deliver_due()
    click.echo(f"Sammanställningar köade: {queued}. Skickade: {report.sent}, "
               f"försöks igen senare: {report.retrying}, gav upp: {report.failed}.")
    if report.failed or (report.retrying and not report.sent):  # e.g. the mail server is down
        raise SystemExit(1)
