"""PDF of a list and of a case: titles, facts, permanent links, page numbers, tagged, offline."""
from __future__ import annotations

import shutil
import subprocess

import pytest

pytestmark = pytest.mark.slow  # renders PDFs and runs poppler's tools
POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")


def pdf_text(data: bytes, tmp_path) -> tuple[str, str]:
    if not POPPLER:
        pytest.skip("poppler-utils (pdftotext, pdfinfo) is missing: run `make browser-deps`")
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return text, info


@pytest.fixture
def two(make_case):
    make_case(title="Barnbokslut i Umeå", slug="barnbokslut-umea", organisation="Umeå kommun",
              summary="Umeå redovisar barnens villkor varje år.",
              body="## Bakgrund\n\nText om bakgrunden.\n\n## Genomförande\n\nSå gjorde vi.\n\n"
                   "## Resultat\n\nDet blev bra.\n\n## Lärdomar\n\nBörja tidigt.\n\n"
                   "![bild](https://evil.example/spion.png)\n",
              contacts=[{"name": "Anna Svensson", "role": "Strateg", "email": "anna.svensson@umea.se"}])
    make_case(title="Ungdomsråd i Västerås", slug="ungdomsrad-vasteras")


def test_list_pdf_has_a_cover_every_case_its_link_and_is_tagged_swedish(client, two, tmp_path):
    response = client.get("/lista/pdf?e=barnbokslut-umea,ungdomsrad-vasteras&titel=Underlag till nämnden")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="underlag-till-namnden.pdf"' in response.headers["Content-Disposition"]
    text, info = pdf_text(response.data, tmp_path)
    assert "Underlag till nämnden" in text
    for expected in ("Barnbokslut i Umeå", "Ungdomsråd i Västerås", "Umeå redovisar barnens villkor",
                     "Bakgrund", "Genomförande", "Resultat", "Lärdomar", "Fakta",
                     "http://kb.test/exempel/barnbokslut-umea", "Sida 2"):
        assert expected in text, expected
    assert "anna.svensson@umea.se" not in text and "Anna Svensson" not in text
    assert "Tagged:          yes" in info
    assert "Title:           Underlag till nämnden" in info


def test_case_pdf_and_missing_cases(client, two, tmp_path):
    response = client.get("/exempel/barnbokslut-umea/pdf")
    assert response.status_code == 200
    text, info = pdf_text(response.data, tmp_path)
    assert "Barnbokslut i Umeå" in text and "Tagged:          yes" in info
    assert client.get("/exempel/finns-inte/pdf").status_code == 404
    assert client.get("/lista/pdf?e=finns-inte").status_code == 404
    assert client.get("/lista/pdf?e=" + ",".join(f"e{n}" for n in range(60))).status_code == 400


def test_rendering_fetches_only_our_own_static_files(app):
    from kb.pdf import _fetcher

    with app.test_request_context():
        fetcher = _fetcher()
        css = fetcher.fetch("http://kb.test/static/css/pdf.css")
        assert b"@page" in css.read()
        for url in ("https://evil.example/spion.png", "file:///etc/passwd",
                    "http://kb.test/static/../../kb/config.py", "http://kb.test/redaktion/"):
            with pytest.raises(ValueError):
                fetcher.fetch(url)


def test_pdfs_are_rate_limited_per_address(app, client, two):
    app.config["PDF_LIMIT"] = "2 per minute"
    statuses = [client.get("/exempel/ungdomsrad-vasteras/pdf").status_code for _ in range(2)]
    statuses.append(client.get("/lista/pdf?e=ungdomsrad-vasteras").status_code)
    assert statuses == [200, 200, 429]
