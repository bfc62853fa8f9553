"""One origin: every absolute URL comes from KB_BASE_URL, and other hosts get 400.

Issue 11, findings 1 (password-reset takeover through the Host header) and 2 (page-cache
poisoning through the Host header). Two layers are tested apart: URLs never depend on the
request's host even when the host check is off, and the host check refuses other hosts.
"""
from __future__ import annotations

import re

import pytest

from kb.extensions import db
from kb.models import Case
from kb.services.mail import outbox
from tests.editor.test_suggest import TIP
from tests.sharing.conftest import cases  # noqa: F401 — two published cases and a draft

ORIGIN = "https://kb.example.se"
ALIAS = "www.kb.example.se"
EVIL = "evil.example"
# Everything a reader, a feed reader, a crawler or an API client gets that holds absolute URLs.
PUBLIC_URLS = (
    "/", "/exempel", "/exempel/bka-budget", "/exempel/bka-budget/versioner",
    "/exempel/bka-budget/version/1", "/exempel/bka-budget/citera.ris",
    "/exempel/bka-budget/citera.bib", "/tagg/styrning", "/sok?q=budget", "/flode.atom",
    "/tagg/styrning/flode.atom", "/sok/flode.atom?q=budget", "/sitemap.xml", "/sitemap-1.xml",
    "/robots.txt", "/oppna-data", "/oppna-data/dcat.rdf", "/api/v1/cases",
    "/api/v1/cases/bka-budget", "/api/v1/tags", "/api/v1/deleted-cases", "/api/v1/openapi.json",
    "/api/v1/export/cases.json",
)


@pytest.fixture
def site(app):
    """The app as deployed at ORIGIN, with the www. alias as an extra trusted host."""
    app.config["BASE_URL"] = ORIGIN
    app.config["TRUSTED_HOSTS"] = ["kb.example.se", ALIAS]
    return app


@pytest.fixture
def host_check_off(site):
    """As if the host check were misconfigured: URLs must still come from the origin."""
    site.config["TRUSTED_HOSTS"] = None
    return site


def _mail_link(pattern: str) -> str:
    return re.search(pattern, outbox()[-1].get_content()).group(0)


def _hosts_in(text: str) -> set[str]:
    return set(re.findall(r"https?://([^/\s\"'<>?]+)", text)) - {
        # Links the content itself holds (sources, licences, vocabularies) are not ours.
        "exempelby.se", "schema.org", "www.w3.org", "purl.org", "xmlns.com", "creativecommons.org",
        "spdx.org", "www.sitemaps.org", "publications.europa.eu", "data.europa.eu", "www.iana.org",
        "json-schema.org", "spec.openapis.org", "www.opengis.net",
    }


@pytest.mark.parametrize("host", [EVIL, ALIAS])
def test_the_reset_mail_links_to_the_configured_origin_whatever_the_host(users, host_check_off,
                                                                         host):
    client = host_check_off.test_client()
    assert client.get("/glomt-losenord", headers={"Host": host}).status_code == 200
    response = client.post("/glomt-losenord", data={"email": "editor@kb.test"}, headers={"Host": host})
    assert response.status_code == 302
    response.close()  # the link is issued and mailed once the answer has gone out
    link = _mail_link(r"https?://\S+/losenord/\S+")
    assert link.startswith(ORIGIN + "/losenord/")
    assert host not in outbox()[-1].get_content()


def test_the_tip_notification_links_to_the_configured_origin(users, host_check_off):
    client = host_check_off.test_client()
    response = client.post("/tipsa", data=TIP, headers={"Host": EVIL})
    assert response.status_code == 302
    case_id = db.session.execute(db.select(Case.id)).scalar_one()
    assert _mail_link(r"https?://\S+/redaktion/\S+") == f"{ORIGIN}/redaktion/exempel/{case_id}"
    assert {m["To"] for m in outbox()} == {"reviewer@kb.test", "admin@kb.test"}
    assert all(EVIL not in m.get_content() for m in outbox())


def test_the_invitation_mail_links_to_the_configured_origin(users, login, host_check_off):
    admin = login(users["admin"])
    admin.set_cookie("session", admin.get_cookie("session", domain="kb.test").value, domain=EVIL)
    response = admin.post("/redaktion/anvandare/ny", headers={"Host": EVIL},
                          data={"email": "ny@kb.test", "name": "Ny Person", "role": "editor"})
    assert response.status_code == 302 and "/redaktion/anvandare/" in response.headers["Location"]
    assert _mail_link(r"https?://\S+/losenord/\S+").startswith(ORIGIN + "/losenord/")


@pytest.mark.usefixtures("cases")
@pytest.mark.parametrize("path", ["/", "/exempel/bka-budget", "/api/v1/cases", "/glomt-losenord"])
def test_a_request_for_another_host_is_refused_with_a_swedish_page(site, path):
    response = site.test_client().get(path, headers={"Host": EVIL})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    if path.startswith("/api/"):
        assert response.json["error"]["message"] == "Kunskapsbanken svarar inte på den här adressen."
    else:
        assert "Kunskapsbanken svarar inte på den här adressen." in body and 'lang="sv"' in body
    assert EVIL not in body


def test_a_reset_request_for_another_host_sends_no_mail(users, site):
    client = site.test_client()
    response = client.post("/glomt-losenord", data={"email": "editor@kb.test"}, headers={"Host": EVIL})
    assert response.status_code == 400
    response.close()
    assert list(outbox()) == []


@pytest.mark.usefixtures("cases")
def test_the_configured_host_and_its_alias_are_served(site):
    client = site.test_client()
    for host in ("kb.example.se", "kb.example.se:443", ALIAS):
        assert client.get("/exempel/bka-budget", headers={"Host": host}).status_code == 200


@pytest.mark.usefixtures("cases")
def test_no_public_response_depends_on_the_requests_host(host_check_off):
    """A poisoned request (several, so any cache would keep it) changes nothing a reader gets,
    and its ETag is the one an ordinary reader gets."""
    client = host_check_off.test_client()
    for path in PUBLIC_URLS:
        for host in (EVIL, EVIL, EVIL, EVIL, ALIAS):
            poisoned = client.get(path, headers={"Host": host})
            assert poisoned.status_code == 200, path
            assert host not in poisoned.get_data(as_text=True), path
        plain = client.get(path, headers={"Host": "kb.example.se"})
        text = plain.get_data(as_text=True)
        assert _hosts_in(text) <= {"kb.example.se"}, (path, _hosts_in(text))
        assert plain.headers.get("ETag") == poisoned.headers.get("ETag"), path
        assert plain.get_data() == poisoned.get_data(), path
    case_page = client.get("/exempel/bka-budget").get_data(as_text=True)
    for marker in ('rel="canonical" href="https://kb.example.se/exempel/bka-budget"',
                   'property="og:url" content="https://kb.example.se/exempel/bka-budget"',
                   'value="https://kb.example.se/exempel/bka-budget"'):  # the share field
        assert marker in case_page
