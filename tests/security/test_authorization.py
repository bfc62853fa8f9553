"""Who may reach which route: a rule for EVERY route in the app, checked role by role.

ADDING A ROUTE? The suite fails until the route has a rule here. Pick one:

* Anyone may use it (reading pages, the JSON API, feeds, the suggestion form …):
  add the endpoint name (e.g. ``"public.search"``) to ``PUBLIC``. The test then checks that
  an anonymous visitor is never sent to the login page or refused with 401/403, and never
  gets a server error.
* It needs a login or a role: add the endpoint to ``RULES`` with the HTTP status each role
  gets per method, using ``LOGIN`` for "redirected to /login". Requests are sent without a
  body (CSRF checks are off in tests, so POSTs reach the route's own checks). URL arguments
  come from ``world`` below by name; ``"args"`` in a rule overrides them.

Roles are tried in the order anon, editor, reviewer, admin, so a destructive POST by the
admin comes last. ``editor`` wrote the draft that ``case_id`` points at.
"""
from __future__ import annotations

import pytest
from flask import url_for

from kb.extensions import db
from kb.services.cases import save_case

LOGIN = "login"
ROLES = ("anon", "editor", "reviewer", "admin")
SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def _all(status, anon=LOGIN):
    return {"anon": anon, "editor": status, "reviewer": status, "admin": status}


def _roles(anon=LOGIN, editor=403, reviewer=403, admin=200):
    return {"anon": anon, "editor": editor, "reviewer": reviewer, "admin": admin}


PUBLIC = {
    "static",
    # Reading pages
    "public.index", "public.cases", "public.case", "public.tag", "public.county",
    "public.organisation_type", "public.article", "public.articles", "public.about",
    "public.accessibility", "public.personal_data", "public.search", "public.reading_list",
    "public.search_miss",
    "public.list_pdf", "public.case_pdf",
    "public.compare_list", "public.tags", "public.counties", "public.organisation_types",
    # E-mail alerts: sign-up, and links from mails (the token is the authentication)
    "public.alert_signup", "public.alert_confirm", "public.alert_manage", "public.alert_remove",
    "public.alert_unsubscribe",
    # The suggestion form (anyone may suggest a case; rate-limited)
    "public.suggest", "public.suggest_thanks",
    # JSON API and open data
    "api.case", "api.cases", "api.search_cases", "api.search_typeahead", "api.tags",
    "api.counties", "api.articles", "api.export_csv", "api.export_json", "api.openapi",
    "api.deleted_cases",
    # Sharing: feeds, citations, preview cards, published versions, sitemaps
    "sharing.feed", "sharing.search_feed", "sharing.article_feed", "sharing.county_feed", "sharing.tag_feed",
    "sharing.organisation_type_feed", "sharing.citation_bibtex", "sharing.citation_ris",
    "sharing.preview_image", "sharing.preview_image_route", "sharing.revision", "sharing.versions",
    "sharing.open_data", "sharing.dcat", "sharing.robots", "sharing.sitemap",
    "sharing.sitemap_part",
    # Operations
    "health.healthz",
}

RULES = {
    # Signing in and out: open to everyone, but what happens depends on being logged in.
    "auth.login": {"GET": _all(302, anon=200), "POST": _all(302, anon=400)},
    "auth.logout": {"GET": _all(200, anon=302), "POST": _all(302, anon=302)},
    "auth.forgot_password": {"GET": _all(200, anon=200), "POST": _all(400, anon=400)},
    "auth.set_password": {"GET": _all(404, anon=404), "POST": _all(404, anon=404)},
    # Every role: writing and reading in /redaktion
    "editor.dashboard": {"GET": _all(200)},
    "editor.cases": {"GET": _all(200)},
    "editor.case": {"GET": _all(200)},
    "editor.new_case": {"GET": _all(200), "POST": _all(422)},
    "editor.edit_case": {"GET": _all(200), "POST": _all(400)},  # 400: no version in the form
    "editor.change_status": {"POST": _all(400)},  # 400: no workflow step named
    "editor.history": {"GET": _all(200)},
    "editor.revision_view": {"GET": _all(200)},
    "editor.preview": {"POST": _all(200)},
    "editor.tags": {"GET": _all(200)},
    # Reviewers and admins
    "editor.mark_case_reviewed": {"args": {"case_id": "published_id"},
                                  "POST": _roles(reviewer=302, admin=302)},
    "editor.restore_revision": {"POST": _roles(reviewer=302, admin=302)},
    # Admins only
    "editor.delete": {"GET": _roles(), "POST": _roles(admin=302)},
    "editor.users": {"GET": _roles()},
    "editor.user": {"GET": _roles(), "POST": _roles(admin=302)},  # an empty form deactivates
    "editor.invite_user": {"GET": _roles(), "POST": _roles(admin=422)},
    "editor.send_link": {"POST": _roles(admin=302)},
    "editor.audit_log": {"GET": _roles()},
    "editor.search_misses": {"GET": _all(200)},
    "editor.alert_subscribers": {"GET": _roles()},
    "editor.delete_alert_subscriber": {"args": {"subscriber_id": "subscriber_id"},
                                       "POST": _roles(admin=404)},  # 404: no such address
}


@pytest.fixture
def world(users, case_data):
    """Values for URL arguments, by name."""
    published = save_case(case_data(slug="publicerat", title="Publicerat exempel"),
                          user=users["editor"])
    draft = save_case(case_data(slug="utkast", title="Hemligt utkast", status="draft",
                                published=None), user=users["editor"])
    db.session.commit()
    return {
        "case_id": draft.id, "published_id": published.id, "user_id": users["editor"].id,
        "number": 1, "slug": published.slug, "draft_slug": draft.slug,
        "token": "no-such-token", "filename": "css/site.css",
    }


def _rules_by_endpoint(app):
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        found.setdefault(rule.endpoint, set()).update(rule.methods - SKIPPED_METHODS)
    return found


def _url(app, endpoint: str, world: dict, overrides: dict | None = None) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {}
    for name in rule.arguments:
        source = (overrides or {}).get(name, name)
        values[name] = world.get(source, world.get(name, 1))
    return url_for(endpoint, **values)


def _outcome(response) -> int | str:
    response.get_data()  # run streamed bodies to the end before the next request
    response.close()
    if response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return LOGIN
    return response.status_code


def test_every_route_has_a_rule(app):
    routes = _rules_by_endpoint(app)
    missing = sorted(e for e in routes if e not in PUBLIC and e not in RULES)
    assert not missing, (
        f"Routes without an authorization rule: {missing}. Add each to PUBLIC or RULES in "
        "tests/security/test_authorization.py (see the comment at the top).")
    both = sorted(PUBLIC & set(RULES))
    assert not both, f"Listed both as public and with rules: {both}"
    for endpoint, rule in RULES.items():
        if endpoint in routes:
            methods = set(rule) - {"args"}
            assert methods == routes[endpoint], (
                f"{endpoint}: rules for {sorted(methods)}, the route takes {sorted(routes[endpoint])}")


def test_no_rule_names_a_route_that_is_gone(app):
    routes = _rules_by_endpoint(app)
    stale = sorted(e for e in set(RULES) | PUBLIC if e not in routes)
    assert not stale, f"Rules for routes that no longer exist (remove them): {stale}"


@pytest.mark.parametrize("endpoint", sorted(RULES))
def test_each_role_gets_the_expected_answer(app, clients, world, endpoint):
    if endpoint not in _rules_by_endpoint(app):
        pytest.skip(f"{endpoint} is not a route (see test_no_rule_names_a_route_that_is_gone)")
    rule = RULES[endpoint]
    url = _url(app, endpoint, world, rule.get("args"))
    problems = []
    for method in sorted(set(rule) - {"args"}, key=lambda m: m != "GET"):  # GETs before POSTs
        for role in ROLES:
            response = clients[role].open(url, method=method)
            got, wanted = _outcome(response), rule[method][role]
            if got != wanted:
                problems.append(f"{method} {url} as {role}: got {got}, expected {wanted}")
    assert not problems, "\n".join(problems)


def test_public_routes_never_refuse_anonymous_readers(app, clients, world):
    problems = []
    for endpoint, methods in sorted(_rules_by_endpoint(app).items()):
        if endpoint not in PUBLIC:
            continue
        url = _url(app, endpoint, world)
        for method in sorted(methods):
            response = clients["anon"].open(url, method=method)
            got = _outcome(response)
            if got == LOGIN or got in (401, 403) or (isinstance(got, int) and got >= 500):
                problems.append(f"{method} {url}: {got}")
    assert not problems, "Public routes refused an anonymous reader:\n" + "\n".join(problems)


def test_public_routes_never_show_a_draft_to_anonymous_readers(app, clients, world):
    """Every public route that takes a case slug must treat a draft as missing."""
    leaks = []
    for endpoint, methods in sorted(_rules_by_endpoint(app).items()):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        if endpoint not in PUBLIC or "slug" not in rule.arguments or "GET" not in methods:
            continue
        url = _url(app, endpoint, world, {"slug": "draft_slug"})
        response = clients["anon"].get(url)
        body = response.get_data()
        if response.status_code < 300 or b"Hemligt utkast" in body:
            leaks.append(f"GET {url}: {response.status_code}")
    assert not leaks, "Drafts reachable without login:\n" + "\n".join(leaks)
