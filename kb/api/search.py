"""``GET /api/v1/search`` and the typeahead behind the search box."""
from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request, url_for

from kb import search
from kb.api import bp
from kb.api.serializers import case_url
from kb.filters import FilterError
from kb.search import SearchResult, SearchUnavailable, parse_params


def search_json(result: SearchResult) -> dict[str, Any]:
    params = result.params
    return {
        "query": params.q,
        "total": result.total,
        "page": params.page,
        "per_page": params.per_page,
        "pages": result.pages,
        "sort": params.effective_sort,
        "match": result.match,
        "results": [{
            "slug": hit.case.slug,
            "title": hit.case.title,
            "url": case_url(hit.case),
            "summary": hit.case.summary,
            "snippet": str(hit.snippet),
            "tags": [t.name for t in hit.case.tags],
            "county": hit.case.county.name if hit.case.county else None,
            "organisation": hit.case.organisation.name,
            "organisation_type": hit.case.organisation.organisation_type,
            "year": hit.case.year,
            "published": hit.case.published.isoformat() if hit.case.published else None,
            "score": round(hit.score, 4) if hit.score is not None else None,
        } for hit in result.hits],
        "facets": {name: dict(values) for name, values in result.facets.items()},
        "suggestion": result.suggestion,
        "translated": result.translated,
        "corrected": result.corrected,
    }


@bp.get("/search")
def search_cases():
    """Search published cases: words, "phrases", filters, facets, snippets."""
    try:
        params = parse_params(request.args, default_per_page=current_app.config["PER_PAGE"])
    except FilterError as exc:
        return jsonify({"error": {"status": 400, "title": "Felaktig sökning",
                                  "message": exc.message, "parameter": exc.name}}), 400
    try:
        result = search.search(params)
    except SearchUnavailable as exc:
        return jsonify({"error": {"status": 503, "title": "Sökningen är tillfälligt otillgänglig",
                                  "message": exc.message}}), 503, {"Retry-After": "30"}
    return jsonify(search_json(result))


@bp.get("/search/typeahead")
def search_typeahead():
    """Titles and tags for what has been typed so far (the search box's suggestions)."""
    text = (request.args.get("q") or "")[:200]
    items = search.typeahead(text)
    for item in items:
        if item["type"] == "case":
            item["url"] = url_for("public.case", slug=item.pop("slug"))
        else:
            item["url"] = url_for("public.search", tag=item["label"])
    return jsonify({"query": text, "suggestions": items})
