"""The Whoosh schema, and how a case becomes a document."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from whoosh import columns, fields
from whoosh.analysis import RegexTokenizer

from kb.search.analysis import folded_words_analyzer, swedish_analyzer, words_analyzer

# Values of facet fields are joined with this separator (tag names may hold commas).
SEP = "\x1f"
META_ID = "__meta__"
# Bump when the schema or the analysis changes: older generations are then rebuilt.
SCHEMA_VERSION = "5"
# Free-text fields and how much a match in each weighs (query-time boosts).
# "articles_text": the Swedish titles of the convention articles a case is linked to.
TEXT_FIELDS = {"title": 3.0, "summary": 2.0, "tags_text": 2.5, "place": 1.5, "body": 1.0,
               "articles_text": 1.0}
ARTICLE_NUMBERS = range(1, 55)  # the UN Convention on the Rights of the Child
FACET_FIELDS = ("tag", "county", "organisation_type", "article", "year")
_MARKUP = re.compile(r"[#*_`>|\[\]()]+")


def _values():
    return RegexTokenizer(r"[^\x1f]+")


def build_schema() -> fields.Schema:
    analyzer = swedish_analyzer()
    text = {name: fields.TEXT(analyzer=analyzer, phrase=True) for name in TEXT_FIELDS}
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        doctype=fields.ID(),
        slug=fields.STORED(),
        title_stored=fields.STORED(),
        meta=fields.STORED(),
        version=fields.STORED(),
        words=fields.TEXT(analyzer=words_analyzer(), phrase=False),
        title_words=fields.TEXT(analyzer=folded_words_analyzer(), phrase=False),
        published=fields.COLUMN(columns.NumericColumn("i", default=0)),
        **text,
        **{name: fields.TEXT(analyzer=_values(), phrase=False) for name in FACET_FIELDS},
    )


def plain_text(markdown: str, headings: bool = True) -> str:
    """The Markdown body without its markup characters; without headings for snippets."""
    lines = (markdown or "").splitlines()
    if not headings:
        lines = [line for line in lines if not line.lstrip().startswith("#")]
    return _MARKUP.sub(" ", "\n".join(lines))


def case_document(case: Any) -> dict[str, Any]:
    """The index document of a published case."""
    # Undated cases sort last under "Nyast först", as they do on /exempel (kb.queries).
    published = case.published
    tags = [t.name for t in case.tags]
    place = [case.organisation.name, case.county.name if case.county else "",
             *(m.name for m in case.municipalities)]
    body = plain_text(case.body)
    return {
        "id": str(case.id),
        "doctype": "case",
        "slug": case.slug,
        "title_stored": case.title,
        "version": case.version,
        "title": case.title,
        "summary": case.summary,
        "tags_text": " . ".join(tags),
        "place": " . ".join(p for p in place if p),
        "body": body,
        "articles_text": " . ".join(a.title for a in case.articles if a.title),
        "words": " ".join((case.title, case.summary, " ".join(tags))),
        "title_words": case.title + " " + " ".join(tags),
        "published": (published or dt.date(1970, 1, 1)).toordinal(),
        "tag": SEP.join(tags),
        "county": case.county.name if case.county else "",
        "organisation_type": case.organisation.organisation_type,
        "article": SEP.join(str(a.number) for a in case.articles),
        "year": str(case.year) if case.year else "",
    }
