"""The start page of /redaktion: own work for editors, the review queue for reviewers."""
from __future__ import annotations

import datetime as dt

from flask import current_app, render_template
from flask_login import current_user

from kb.auth import role_required
from kb.editor import bp
from kb.editor.queries import (
    latest_events,
    own_cases,
    recent_revisions,
    review_queue,
    stale_published,
)
from kb.extensions import db
from kb.models import Role, Status
from kb.services.workflow import is_reviewer

LIST_LIMIT = 50


@bp.get("/")
@role_required(Role.EDITOR)
def dashboard():
    user = current_user._get_current_object()
    drafts = own_cases(user, Status.DRAFT)
    in_review = own_cases(user, Status.REVIEW)
    latest = latest_events(c.id for c in drafts)
    context = {
        "drafts": drafts,
        "in_review": in_review,
        "comments": {case_id: event.comment for case_id, event in latest.items()
                     if event.action == "case_changes_requested" and event.comment},
        "recent": recent_revisions(),
        "queue": None,
        "stale": None,
    }
    if is_reviewer(user):
        context["queue"] = list(db.session.execute(review_queue().limit(LIST_LIMIT)).scalars())
        stale = stale_published(dt.date.today(), current_app.config["REVIEW_MAX_AGE_DAYS"])
        context["stale"] = list(db.session.execute(stale.limit(LIST_LIMIT)).scalars())
        context["stale_total"] = db.session.scalar(
            db.select(db.func.count()).select_from(stale.order_by(None).subquery())
        )
    return render_template("editor/dashboard.html", **context)
