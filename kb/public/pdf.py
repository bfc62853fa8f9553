"""PDF downloads: a reader's list (/lista/pdf) and a single case (/exempel/<slug>/pdf).

Rendering costs CPU (about a tenth of a second per case), so it is rate-limited per client
address (``KB_PDF_LIMIT``), in the limiter's shared storage.
"""
from __future__ import annotations

from flask import Response, abort, current_app, request
from flask_limiter.util import get_remote_address

from kb import pdf
from kb.errors import abort_with, error_response
from kb.extensions import limiter
from kb.lists import cases as list_cases
from kb.lists.params import ListTooLong, parse
from kb.models.tombstone import withdrawn
from kb.public import bp
from kb.queries import visible_case
from kb.slugs import slugify

pdf_limit = limiter.shared_limit(lambda: current_app.config["PDF_LIMIT"], scope="pdf",
                                 key_func=get_remote_address)


UNAVAILABLE = "PDF kan inte skapas på den här servern just nu. Skriv ut sidan i stället (Ctrl+P)."


def _render(title: str, cases: list, single: bool = False) -> bytes:
    try:
        return pdf.render(title, cases, single=single)
    except pdf.PdfUnavailable:
        abort_with(503, UNAVAILABLE)
        raise  # unreachable: abort_with raises


def _pdf_response(body: bytes, name: str) -> Response:
    response = Response(body, mimetype="application/pdf")
    filename = (slugify(name) or "kunskapsbanken")[:80] + ".pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"  # the cover carries today's date
    return response


@bp.get("/lista/pdf")
@pdf_limit
def list_pdf():
    try:
        wanted = parse(request.args.get("e"), request.args.get("titel"))
    except ListTooLong as exc:
        return error_response(400, str(exc))
    loaded = list_cases.load(wanted)
    if not loaded.cases:
        abort_with(404, "Listan innehåller inga publicerade exempel, så det finns ingen PDF att göra.")
    return _pdf_response(_render(wanted.display_title, loaded.cases), wanted.display_title)


@bp.get("/exempel/<slug>/pdf")
@pdf_limit
def case_pdf(slug: str):
    found, _moved = visible_case(slug)
    if found is None or not found.is_published:
        abort(410 if withdrawn(slug) else 404)
    return _pdf_response(_render(found.title, [found], single=True), found.slug)
