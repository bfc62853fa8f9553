"""For admins: find an e-mail address among the alert subscribers and delete it."""
from __future__ import annotations

from collections.abc import Sequence

from flask import flash, redirect, render_template, request, url_for

from kb.alerts.service import forget
from kb.auth import role_required
from kb.editor import bp
from kb.errors import abort_with
from kb.extensions import db
from kb.models import Role, Subscriber
from kb.services import audit


@bp.get("/bevakningar")
@role_required(Role.ADMIN)
def alert_subscribers():
    query = request.args.get("epost", "")[:254].strip().lower()
    found: Sequence[Subscriber] = []
    if query:
        found = db.session.execute(
            db.select(Subscriber).where(Subscriber.email.contains(query, autoescape=True))
            .order_by(Subscriber.email).limit(50)
        ).scalars().all()
    total = db.session.scalar(db.select(db.func.count(Subscriber.id)))
    return render_template("editor/alert_subscribers.html", query=query, found=found, total=total)


@bp.post("/bevakningar/<int:subscriber_id>/radera")
@role_required(Role.ADMIN)
def delete_alert_subscriber(subscriber_id: int):
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        abort_with(404, "Adressen finns inte (den kan redan vara raderad).")
    audit.record("alert_subscriber_deleted", f"bevakare #{subscriber.id}", "")
    forget(subscriber)
    db.session.commit()
    flash("Adressen och alla dess bevakningar är raderade.", "success")
    return redirect(url_for("editor.alert_subscribers"), code=303)
