"""A case's revisions: the list, one version, the difference between any two, restoring one."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from kb.auth import role_required
from kb.commit import commit_and_index
from kb.editor import bp
from kb.editor.case_form import FIELD_LABELS
from kb.editor.case_routes import case_or_404
from kb.editor.diff import diff_data, field_text
from kb.editor.queries import events_of, revision, revisions_of
from kb.errors import abort_with
from kb.extensions import db
from kb.models import Role
from kb.services import audit
from kb.services.cases import CaseValidationError
from kb.services.workflow import WorkflowError, can_restore, restore


def _pick(numbers: list[int], wanted: int | None, default: int | None) -> int | None:
    return wanted if wanted in numbers else default


@bp.get("/exempel/<int:case_id>/historik")
@role_required(Role.EDITOR)
def history(case_id: int):
    found = case_or_404(case_id)
    revisions = revisions_of(found)
    numbers = [r.number for r in revisions]
    newest = numbers[0] if numbers else None
    second = numbers[1] if len(numbers) > 1 else newest
    a = _pick(numbers, request.args.get("a", type=int), second)
    b = _pick(numbers, request.args.get("b", type=int), newest)
    if a is not None and b is not None and a > b:
        a, b = b, a
    by_number = {r.number: r for r in revisions}
    changes = diff_data(by_number[a].data, by_number[b].data) if a and b and a != b else []
    return render_template("editor/history.html", case=found, revisions=revisions, a=a, b=b,
                           changes=changes, can_restore=can_restore(current_user),
                           events=events_of(found), event_labels=audit.ACTION_LABELS)


def _revision_or_404(case, number: int):
    rev = revision(case, number)
    if rev is None:
        abort_with(404, f"Exemplet har ingen version {number}.")
    return rev


@bp.get("/exempel/<int:case_id>/historik/<int:number>")
@role_required(Role.EDITOR)
def revision_view(case_id: int, number: int):
    found = case_or_404(case_id)
    rev = _revision_or_404(found, number)
    fields = [(key, FIELD_LABELS.get(key, key), field_text(key, value))
              for key, value in rev.data.items()]
    return render_template("editor/revision.html", case=found, revision=rev, fields=fields,
                           can_restore=can_restore(current_user))


@bp.post("/exempel/<int:case_id>/historik/<int:number>/aterstall")
@role_required(Role.REVIEWER)
def restore_revision(case_id: int, number: int):
    found = case_or_404(case_id)
    rev = _revision_or_404(found, number)
    try:
        changed = restore(found, rev, current_user._get_current_object())
    except WorkflowError as exc:
        db.session.rollback()
        abort_with(exc.status, exc.message)
    except CaseValidationError as exc:
        db.session.rollback()
        abort_with(409, "Versionen kan inte återställas eftersom den inte längre är giltig: "
                        + "; ".join(exc.errors.values()))
    if not changed:
        flash(f"Version {number} har samma innehåll som den nuvarande; inget ändrades.", "info")
        return redirect(url_for("editor.history", case_id=found.id))
    commit_and_index()
    flash(f"Innehållet från version {number} är återställt som version {found.version}.", "success")
    return redirect(url_for("editor.history", case_id=found.id))
