"""The OpenAPI 3.1 description of every ``/api/v1`` endpoint (served at ``/api/v1/openapi.json``).

Kept beside the routes and checked against them: ``tests/sharing/test_openapi.py`` fails when
a route is missing here, and runs schemathesis against the app to prove the responses conform.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, request

from kb.models import EVIDENCE_LEVELS, ORGANISATION_TYPES, Withdrawal
from kb.urls import origin

NULLABLE_STRING = {"type": ["string", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _object(properties: dict[str, Any], required: list[str] | None = None,
            closed: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "required": required if required is not None else list(properties)}
    if closed:
        schema["additionalProperties"] = False
    return schema


def _page(item: str) -> dict[str, Any]:
    return _object({
        "total": {"type": "integer", "minimum": 0}, "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1}, "pages": {"type": "integer", "minimum": 1},
        "results": _array(_ref(item)),
        "links": _object({rel: {"type": ["string", "null"], "format": "uri"}
                          for rel in ("self", "first", "last", "next", "prev")}),
    })


def _schemas() -> dict[str, Any]:
    case = {
        "slug": {"type": "string", "description": "Kortnamnet i exemplets adress."},
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "body_html": {"type": "string", "description": "Brödtexten som sanerad HTML."},
        "organisation": {"type": "string"},
        "organisation_type": {"type": "string", "enum": list(ORGANISATION_TYPES)},
        "county": NULLABLE_STRING,
        "municipalities": _array({"type": "string"}),
        "year": {"type": ["integer", "null"], "description": "Året arbetet startade."},
        "published": {"type": ["string", "null"], "format": "date"},
        "updated": {"type": "string", "format": "date-time"},
        "reviewed": {"type": ["string", "null"], "format": "date"},
        "evidence_level": {"type": ["string", "null"], "enum": [*EVIDENCE_LEVELS, None]},
        "status": {"type": "string", "enum": ["draft", "review", "published", "archived"]},
        "tags": _array({"type": "string"}),
        "articles": _array(_ref("ArticleRef")),
        "contacts": _array(_ref("Contact")),
        "sources": _array(_ref("Source")),
        "url": {"type": "string", "format": "uri"},
    }
    open_case = {
        **case,
        "id": {"type": "integer", "description": "Fast id; /exempel/{id} leder alltid hit."},
        "version": {"type": "integer", "minimum": 1},
        "version_url": {"type": "string", "format": "uri",
                        "description": "Permanent länk till just den här versionen."},
        "body": {"type": "string", "description": "Brödtexten i Markdown."},
    }
    count = {"type": "integer", "minimum": 0}
    facet = {"type": "object", "additionalProperties": count}
    return {
        "Error": _object({"error": _object({
            "status": {"type": "integer"}, "title": {"type": "string"}, "message": {"type": "string"},
            "parameter": {"type": "string", "description": "Den parameter som var fel (sökningen)."},
        }, required=["status", "title", "message"])}),
        "ArticleRef": _object({"number": {"type": "integer", "minimum": 1, "maximum": 54},
                               "title": {"type": "string"}}),
        "Contact": _object({
            "name": {"type": ["string", "null"],
                     "description": "Bara när personen har godkänt att namnet visas."},
            "role": NULLABLE_STRING,
            "email": {"type": ["string", "null"],
                      "description": "Funktionsbrevlådor, och personliga adresser bara med godkännande."},
        }),
        "Source": _object({"title": {"type": "string"}, "url": NULLABLE_STRING}),
        "Case": _object(case),
        "OpenCase": _object(open_case),
        "CasePage": _page("OpenCase"),
        "DeletedCase": _object({
            "id": {"type": "integer", "description": "Exemplets fasta id (som i /api/v1/cases)."},
            "slug": {"type": "string", "description": "Kortnamnet när exemplet senast var publicerat."},
            "url": {"type": "string", "format": "uri",
                    "description": "Adressen exemplet hade; svarar nu 404 eller 410."},
            "deleted_at": {"type": "string", "format": "date-time",
                           "description": "När exemplet slutade vara publicerat (UTC)."},
            "reason": {"type": "string", "enum": [w.value for w in Withdrawal],
                       "description": "deleted: raderat; archived: arkiverat; unpublished: tillbaka "
                                      "till utkast eller granskning."},
        }),
        "DeletedCasePage": _page("DeletedCase"),
        "SearchResult": _object({
            "slug": {"type": "string"}, "title": {"type": "string"},
            "url": {"type": "string", "format": "uri"}, "summary": {"type": "string"},
            "snippet": {"type": "string", "description": "HTML: träffarna i <mark>, annars escapat."},
            "tags": _array({"type": "string"}), "county": NULLABLE_STRING,
            "organisation": {"type": "string"},
            "organisation_type": {"type": "string", "enum": list(ORGANISATION_TYPES)},
            "year": {"type": ["integer", "null"]},
            "published": {"type": ["string", "null"], "format": "date"},
            "score": {"type": ["number", "null"], "description": "Relevans; null utan sökord."},
        }),
        "SearchResponse": _object({
            "query": {"type": "string"}, "total": count,
            "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "sort": {"type": "string", "enum": ["relevance", "date"]},
            "match": {"type": "string", "enum": ["all", "any", "none", "filters"],
                      "description": "all: alla ord; any: inget hade alla, så något av dem (markeras "
                                     "för läsaren); none: inga sökbara ord; filters: bara filter."},
            "results": _array(_ref("SearchResult")),
            "facets": _object({name: facet for name in
                               ("tag", "county", "organisation_type", "article", "year")}),
            "suggestion": NULLABLE_STRING,
            "translated": {**NULLABLE_STRING, "description": "Engelsk sökning: de svenska ord som söktes."},
            "corrected": {**NULLABLE_STRING, "description": "Inget matchade; svaret gäller detta."},
        }),
        "Typeahead": _object({
            "query": {"type": "string"},
            "suggestions": _array(_object({
                "type": {"type": "string", "enum": ["case", "tag"]}, "label": {"type": "string"},
                "url": {"type": "string", "format": "uri-reference"},
            })),
        }),
        "Tag": _object({"name": {"type": "string"}, "slug": {"type": "string"}, "count": count,
                        "url": {"type": "string", "format": "uri"},
                        "feed": {"type": "string", "format": "uri"}}),
        "County": _object({"code": {"type": "string"}, "name": {"type": "string"},
                           "slug": {"type": "string"}, "count": count,
                           "url": {"type": "string", "format": "uri"}}),
        "Article": _object({"number": {"type": "integer", "minimum": 1, "maximum": 54},
                            "title": {"type": "string"}, "count": count,
                            "url": {"type": "string", "format": "uri"}}),
        "Export": _object({
            "generated": {"type": "string", "format": "date-time"},
            "source": {"type": "string", "format": "uri"},
            "license": {"type": "string", "format": "uri"}, "count": count,
            "cases": _array(_ref("OpenCase")),
        }),
    }


def _query(name: str, schema: dict[str, Any], description: str, many: bool = False) -> dict[str, Any]:
    param: dict[str, Any] = {"name": name, "in": "query", "required": False, "description": description,
                             "schema": _array(schema) if many else schema}
    if many:
        param.update(style="form", explode=True)
    return param


FILTERS = [
    _query("tag", {"type": "string"}, "Taggens namn. Upprepa för flera: alla måste finnas.", many=True),
    _query("county", {"type": "string"}, "Länets namn, t.ex. ”Uppsala län”. Upprepa: något av dem.",
           many=True),
    _query("organisation_type", {"type": "string", "enum": list(ORGANISATION_TYPES)},
           "Organisationstyp. Upprepa: någon av dem.", many=True),
    _query("article", {"type": "integer", "minimum": 1, "maximum": 54},
           "Barnkonventionens artikel. Upprepa: alla måste finnas.", many=True),
    _query("year_from", {"type": "integer", "minimum": 1900, "maximum": 2100}, "Startår från och med."),
    _query("year_to", {"type": "integer", "minimum": 1900, "maximum": 2100},
           "Startår till och med (inte före year_from)."),
]
PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}, "Sida, från 1."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
           "Träffar per sida (högst 100)."),
]
CACHE_HEADERS = {
    "ETag": {"schema": {"type": "string"}, "description": "Skicka i If-None-Match för 304."},
    "Last-Modified": {"schema": {"type": "string"}},
}


def _json(schema: dict[str, Any], description: str, headers: bool = True) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description,
                                "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = CACHE_HEADERS
    return response


def _errors(*codes: int) -> dict[str, Any]:
    texts = {400: "Ogiltig parameter (meddelandet säger vilken).", 404: "Finns inte.",
             410: "Avpublicerad."}
    return {str(code): _json(_ref("Error"), texts[code], headers=False) for code in codes}


NOT_MODIFIED = {"304": {"description": "Oförändrad sedan If-None-Match/If-Modified-Since."}}


def _get(operation_id: str, description: str, params: list[dict[str, Any]], responses: dict[str, Any],
         tag: str) -> dict[str, Any]:
    summary = description.split(". ")[0].rstrip(".")
    return {"get": {"operationId": operation_id, "summary": summary, "description": description,
                    "parameters": params, "responses": responses, "tags": [tag]}}


def _paths() -> dict[str, Any]:
    ok = "200"
    return {
        "/api/v1/cases": _get(
            "listCases",
            "Publicerade exempel sida för sida, med samma filter som sökningen. För skördning: "
            "`updated_since` och `sort=updated_asc`.",
            [*FILTERS,
             _query("updated_since",
                    {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]},
                    "Bara exempel ändrade från och med detta datum (ÅÅÅÅ-MM-DD) eller denna tidpunkt "
                    "(ISO 8601; utan tidszon räknas UTC)."),
             _query("sort", {"type": "string", "enum": ["published", "updated", "updated_asc"],
                             "default": "published"},
                    "published: nyast publicerade först; updated: senast ändrade först; "
                    "updated_asc: äldsta ändring först."),
             *PAGING],
            {ok: _json(_ref("CasePage"), "En sida exempel. Link-huvudet har next/prev/first/last."),
             **NOT_MODIFIED, **_errors(400)}, "Öppna data"),
        "/api/v1/deleted-cases": _get(
            "listDeletedCases",
            "Exempel som har varit publicerade men inte längre är det (raderade, arkiverade eller "
            "tillbaka till utkast), äldst först. För skördning: hämta med `since` = tiden för förra "
            "skördningen och ta bort dem ur kopian; hämta sedan ändringarna i /api/v1/cases med "
            "`updated_since`. Publiceras ett exempel igen försvinner det härifrån och finns åter i "
            "/api/v1/cases. Inga personuppgifter. Listan börjar med databasmigreringen 0003.",
            [_query("since",
                    {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]},
                    "Bara exempel som försvann från och med detta datum (ÅÅÅÅ-MM-DD) eller denna "
                    "tidpunkt (ISO 8601; utan tidszon räknas UTC). Utan: alla."),
             *PAGING],
            {ok: _json(_ref("DeletedCasePage"), "En sida borttagna exempel. Link-huvudet har "
                                                 "next/prev/first/last."),
             **NOT_MODIFIED, **_errors(400)}, "Öppna data"),
        "/api/v1/cases/{slug}": {
            **_get("getCase", "Ett exempel. Inloggade redaktörer ser även opublicerade.",
                   [], {ok: _json(_ref("Case"), "Exemplet."), **NOT_MODIFIED, **_errors(404)}, "Exempel"),
            "parameters": [{"name": "slug", "in": "path", "required": True,
                            "schema": {"type": "string"}, "description": "Exemplets kortnamn."}],
        },
        "/api/v1/search": _get(
            "search",
            "Sök bland publicerade exempel (svensk analys, facetter, stavningsförslag). Tom `q` listar "
            "efter filter, nyast först.",
            [_query("q", {"type": "string"}, "Sökfrågan (högst 1 000 tecken); ”citattecken” för fras."),
             *FILTERS,
             _query("sort", {"type": "string", "enum": ["relevance", "date"]},
                    "relevance (standard med sökord) eller date (standard utan)."),
             _query("page", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1},
                    "Sida, från 1."),
             PAGING[1]],
            {ok: _json(_ref("SearchResponse"), "Träffar, facetter och ev. förslag.", headers=False),
             **_errors(400)}, "Sök"),
        "/api/v1/search/typeahead": _get(
            "typeahead", "Titlar och taggar som börjar med det som skrivits (sökrutans förslag).",
            [_query("q", {"type": "string"}, "Det som skrivits hittills (de första 200 tecknen används).")],
            {ok: _json(_ref("Typeahead"), "Förslagen.", headers=False)}, "Sök"),
        "/api/v1/tags": _get(
            "listTags", "Taggar som används av publicerade exempel, med antal.", [],
            {ok: _json(_object({"tags": _array(_ref("Tag"))}), "Taggarna."), **NOT_MODIFIED}, "Öppna data"),
        "/api/v1/counties": _get(
            "listCounties", "Sveriges län med antal publicerade exempel.", [],
            {ok: _json(_object({"counties": _array(_ref("County"))}), "Länen."), **NOT_MODIFIED},
            "Öppna data"),
        "/api/v1/articles": _get(
            "listArticles", "Barnkonventionens 54 artiklar med antal publicerade exempel.", [],
            {ok: _json(_object({"articles": _array(_ref("Article"))}), "Artiklarna."), **NOT_MODIFIED},
            "Öppna data"),
        "/api/v1/export/cases.json": _get(
            "exportJson", "Alla publicerade exempel i en JSON-fil.", [],
            {ok: _json(_ref("Export"), "Alla exempel."), **NOT_MODIFIED}, "Öppna data"),
        "/api/v1/export/cases.csv": _get(
            "exportCsv",
            "Alla publicerade exempel som CSV (RFC 4180, UTF-8). `dialect=excel-sv` ger semikolon, "
            "BOM för svenska Excel. Text som börjar med = + - @ (eller tabb/CR) får ett inledande ' "
            "(formelskydd i båda). Flervärdesfält skiljs med ”; ”.",
            [_query("dialect", {"type": "string", "enum": ["rfc4180", "excel-sv"], "default": "rfc4180"},
                    "Filformat.")],
            {ok: {"description": "CSV-filen.", "headers": CACHE_HEADERS,
                  "content": {"text/csv": {"schema": {"type": "string"}}}},
             **NOT_MODIFIED, **_errors(400)}, "Öppna data"),
        "/api/v1/openapi.json": _get(
            "openapi", "Det här dokumentet.", [],
            {ok: _json({"type": "object"}, "OpenAPI 3.1."), **NOT_MODIFIED}, "Om API:t"),
    }


def openapi_document() -> dict[str, Any]:
    """The whole document; the server URL is the site the request came to."""
    config = current_app.config
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{config['SITE_NAME']} API",
            "version": "1.0.0",
            "description": (
                "Öppet, läsbart API för goda exempel om barnets rättigheter och mänskliga rättigheter. "
                "Bara publicerade exempel; kontaktuppgifter bara som roller och funktionsbrevlådor. "
                "Alla GET-anrop är öppna för andra webbplatser (CORS) och svarar med ETag/Last-Modified."
            ),
            "license": {"name": "Data: se licensen i exporterna", "url": config["DATA_LICENSE"]},
        },
        "servers": [{"url": origin() + request.root_path}],
        "paths": _paths(),
        "components": {"schemas": _schemas()},
    }
