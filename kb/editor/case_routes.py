"""Writing cases: list, create, edit (with optimistic locking), workflow steps, delete, preview."""
from __future__ import annotations

import datetime as dt

from flask import (
    Response,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RequestLimit
from flask_login import current_user

from kb.auth import role_required
from kb.commit import commit_and_index
from kb.editor import bp
from kb.editor.case_form import (
    draft_key,
    form_to_raw,
    form_values,
    reference_choices,
    sorted_errors,
)
from kb.editor.diff import diff_data
from kb.editor.queries import all_cases, revision, revisions_of, tag_suggestions
from kb.errors import abort_with
from kb.extensions import db, limiter
from kb.markup import MAX_SOURCE_LENGTH, MarkupRefused, render_markdown
from kb.models import Case, Role, Status
from kb.routing import MAX_INT, int_arg
from kb.services.cases import CaseValidationError, VersionConflict, case_to_data, save_case
from kb.services.workflow import (
    WorkflowError,
    allowed_transitions,
    can_delete,
    can_edit,
    can_mark_reviewed,
    four_eyes_blocks,
    is_reviewer,
    mark_reviewed,
    transition,
)
from kb.services.workflow import delete as delete_case


def case_or_404(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        abort_with(404, "Exemplet finns inte. Det kan ha tagits bort.")
    return case


def _user():
    return current_user._get_current_object()


@bp.get("/exempel")
@role_required(Role.EDITOR)
def cases():
    status = request.args.get("status") or None
    text = (request.args.get("q") or "").strip()[:200]
    page = db.paginate(all_cases(status, text), page=int_arg("page", 1, low=1),
                       per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("editor/cases.html", page=page, status=status, q=text,
                           statuses=list(Status))


def _render_form(case: Case | None, values: dict, errors: dict | None = None, status: int = 200,
                 conflict: dict | None = None, version: int | None = None, message: str = ""):
    return render_template(
        "editor/case_form.html", case=case, values=values, errors=errors or {},
        error_list=sorted_errors(errors or {}), conflict=conflict,
        version=version if version is not None else (case.version if case else None),
        message=message, can_set_reviewed=is_reviewer(_user()),
        draft_key=draft_key(_user().id, case.id if case else None),
        **reference_choices(),
    ), status


@bp.route("/exempel/nytt", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def new_case():
    if request.method == "GET":
        return _render_form(None, form_values({"status": Status.DRAFT.value}))
    raw = form_to_raw(request.form, None, _user())
    message = request.form.get("message", "").strip()
    try:
        case = save_case(raw, user=_user(), message=message or "Skapade exemplet")
    except CaseValidationError as exc:
        db.session.rollback()
        return _render_form(None, form_values(raw), exc.errors, 422, message=message)
    commit_and_index()
    _draft_saved(None, case)
    flash("Exemplet är sparat som utkast.", "success")
    return redirect(url_for("editor.case", case_id=case.id))


def _draft_saved(opened_as: int | None, saved: Case) -> None:
    """Tell the next case page that the form's draft in the browser is saved and can go.
    Only that page, after this redirect, says so: a failed save never reaches it."""
    session["draft_saved"] = {"key": draft_key(_user().id, opened_as), "version": saved.version}


@bp.get("/exempel/<int:case_id>")
@role_required(Role.EDITOR)
def case(case_id: int):
    found = case_or_404(case_id)
    saved = session.pop("draft_saved", None)
    return _render_case(found, draft_saved=saved if isinstance(saved, dict) else None)


def _render_case(found: Case, action_error: str | None = None, comment: str = "",
                 status: int = 200, draft_saved: dict | None = None):
    user = _user()
    revisions = revisions_of(found)[:5]
    return render_template(
        "editor/case.html", case=found, revisions=revisions,
        transitions=allowed_transitions(user, found), can_edit=can_edit(user, found),
        can_mark_reviewed=can_mark_reviewed(user, found), can_delete=can_delete(user),
        four_eyes=found.status == Status.REVIEW and four_eyes_blocks(user, found),
        action_error=action_error, comment=comment, draft_saved=draft_saved,
        stale=found.review_is_stale(dt.date.today(), current_app.config["REVIEW_MAX_AGE_DAYS"]),
    ), status


@bp.route("/exempel/<int:case_id>/redigera", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def edit_case(case_id: int):
    found = case_or_404(case_id)
    user = _user()
    if not can_edit(user, found):
        abort_with(403, "Du kan bara redigera dina egna utkast. Granskare och administratörer "
                        "kan redigera alla exempel.")
    if request.method == "GET":
        return _render_form(found, form_values(case_to_data(found)))
    raw = form_to_raw(request.form, found, user)
    message = request.form.get("message", "").strip()
    expected = request.form.get("version", type=int)
    if expected is None or not 0 <= expected <= MAX_INT:
        return _render_form(found, form_values(raw), {"_unknown": (
            "Formuläret saknar versionsnummer. Ladda om sidan och gör om ändringen.")}, 400,
            message=message)
    try:
        before = found.version
        save_case(raw, case=found, user=user, message=message, expected_version=expected)
    except CaseValidationError as exc:
        db.session.rollback()
        return _render_form(found, form_values(raw), exc.errors, 422, version=expected,
                            message=message)
    except VersionConflict:
        db.session.rollback()
        return _render_conflict(found, raw, expected, message)
    if found.version == before:
        _draft_saved(found.id, found)
        flash("Inga ändringar att spara.", "info")
        return redirect(url_for("editor.case", case_id=found.id))
    commit_and_index()
    _draft_saved(found.id, found)
    flash(f"Ändringarna är sparade (version {found.version}).", "success")
    return redirect(url_for("editor.case", case_id=found.id))


def _render_conflict(found: Case, raw: dict, expected: int, message: str):
    """409: someone saved in between. Keep the user's text; show both sides' changes."""
    saved = case_to_data(found)
    started = revision(found, expected)
    theirs = diff_data(started.data, saved) if started is not None else []
    editors = sorted({r.user.name or r.user.email for r in revisions_of(found)
                      if r.number > expected and r.user is not None})
    conflict = {"theirs": theirs, "yours": diff_data(saved, raw), "expected": expected,
                "current": found.version, "editors": editors}
    # The form now names the current version: saving again is a deliberate overwrite.
    return _render_form(found, form_values(raw), {}, 409, conflict=conflict,
                        version=found.version, message=message)


@bp.post("/exempel/<int:case_id>/status")
@role_required(Role.EDITOR)
def change_status(case_id: int):
    found = case_or_404(case_id)
    comment = request.form.get("comment", "")[:1000]
    override = request.form.get("override", "")[:1000]
    try:
        step = transition(found, request.form.get("action", ""), _user(), comment, override)
    except (WorkflowError, CaseValidationError) as exc:
        db.session.rollback()
        if isinstance(exc, CaseValidationError):
            message = "Exemplet har fel som måste rättas först: " + "; ".join(exc.errors.values())
            code = 422
        else:
            message, code = exc.message, exc.status
        if code == 403:
            abort_with(403, message)
        return _render_case(found, action_error=message, comment=comment, status=code)
    commit_and_index()
    flash(step.done, "success")
    return redirect(url_for("editor.case", case_id=found.id))


@bp.post("/exempel/<int:case_id>/granskad")
@role_required(Role.REVIEWER)
def mark_case_reviewed(case_id: int):
    found = case_or_404(case_id)
    try:
        changed = mark_reviewed(found, _user())
    except WorkflowError as exc:
        db.session.rollback()
        return _render_case(found, action_error=exc.message, status=exc.status)
    if changed:
        commit_and_index()
        flash("Exemplet är markerat som granskat i dag.", "success")
    else:
        flash("Exemplet var redan markerat som granskat i dag.", "info")
    if request.form.get("back") == "dashboard":
        return redirect(url_for("editor.dashboard"))
    return redirect(url_for("editor.case", case_id=found.id))


@bp.route("/exempel/<int:case_id>/ta-bort", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def delete(case_id: int):
    found = case_or_404(case_id)
    if request.method == "GET":
        return render_template("editor/delete.html", case=found)
    title = found.title
    delete_case(found, _user())
    commit_and_index()
    flash(f"Exemplet ”{title}” är borttaget.", "success")
    return redirect(url_for("editor.cases"))


def _preview_limited(limit: RequestLimit) -> Response:
    return make_response(jsonify({"error": "Förhandsvisningen uppdateras för ofta. Vänta en "
                                           "stund; det du skriver påverkas inte."}), 429)


@bp.post("/forhandsvisning")
@role_required(Role.EDITOR)
@limiter.limit(lambda: current_app.config["PREVIEW_LIMIT"], key_func=lambda: f"user:{current_user.id}",
               scope="preview", on_breach=_preview_limited)
def preview():
    """The body rendered by the same renderer as the saved case (preview = published)."""
    body = request.form.get("body", "")
    if len(body) > MAX_SOURCE_LENGTH:
        return jsonify({"error": f"Texten är för lång för förhandsvisning (högst {MAX_SOURCE_LENGTH} "
                                 "tecken)."}), 413
    try:
        return jsonify({"html": render_markdown(body)})
    except MarkupRefused as exc:
        return jsonify({"error": exc.message}), 422


@bp.get("/taggar")
@role_required(Role.EDITOR)
def tags():
    prefix = (request.args.get("q") or "")[:80]
    return jsonify({"tags": tag_suggestions(prefix)})

