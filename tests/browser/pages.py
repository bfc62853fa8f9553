"""Every page type a person can reach, and how to bring a browser to it.

The accessibility audit, the HTML validation and the screenshots all walk this list, so a
new kind of page is added here once and checked in every way.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response

    from .conftest import LiveServer


@dataclass(frozen=True)
class PageType:
    name: str
    open: Callable[[Page, LiveServer], Response]
    # Also written to screenshots/ for a person to look at.
    screenshot: bool = True


def _get(path: Callable[[dict], str] | str, status: int = 200):
    def open_(page: Page, server: LiveServer) -> Response:
        url = path(server.sample) if callable(path) else path
        response = page.goto(server(url))
        assert response is not None and response.status == status, (url, response and response.status)
        return response
    return open_


PAGE_TYPES = [
    PageType("start", _get("/")),
    PageType("case-list", _get("/exempel")),
    PageType("case", _get(lambda s: f"/exempel/{s['case_slug']}")),
    PageType("tag", _get(lambda s: f"/tagg/{s['tag_slug']}"), screenshot=False),
    PageType("county", _get(lambda s: f"/lan/{s['county_slug']}"), screenshot=False),
    PageType("organisation-type", _get("/organisationstyp/kommun"), screenshot=False),
    PageType("article", _get(lambda s: f"/artikel/{s['article']}"), screenshot=False),
    PageType("articles", _get("/artiklar")),
    PageType("about", _get("/om"), screenshot=False),
    PageType("accessibility", _get("/tillganglighet"), screenshot=False),
    PageType("not-found", _get("/exempel/finns-inte-alls", status=404)),
]
