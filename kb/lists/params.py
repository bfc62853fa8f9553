"""The one parser of a list's query string, bounded before it is split."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

MAX_CASES = 50
MAX_TITLE = 120
MAX_SLUG = 120  # Case.slug's column length
MAX_RAW = MAX_CASES * (MAX_SLUG + 1)
DEFAULT_TITLE = "Min lista"
SLUG_SHAPE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ListTooLong(ValueError):
    """More cases, or a longer title, than a list may have; the message is for the reader."""


@dataclass(frozen=True)
class ReadingList:
    slugs: tuple[str, ...] = ()
    title: str = ""
    ignored: tuple[str, ...] = field(default=(), compare=False)  # malformed entries

    @property
    def display_title(self) -> str:
        return self.title or DEFAULT_TITLE

    def query(self, slugs: tuple[str, ...] | list[str] | None = None) -> dict[str, str]:
        """Query-string arguments for this list (or for the same title with other slugs)."""
        chosen = self.slugs if slugs is None else tuple(slugs)
        args = {"e": ",".join(chosen)}
        if self.title:
            args["titel"] = self.title
        return args

    def with_slugs(self, slugs: list[str] | tuple[str, ...]) -> ReadingList:
        return ReadingList(tuple(slugs), self.title)

    def adding(self, slug: str) -> ReadingList:
        if slug in self.slugs:
            return self
        if len(self.slugs) >= MAX_CASES:
            raise ListTooLong(f"En lista kan innehålla högst {MAX_CASES} exempel.")
        return self.with_slugs((*self.slugs, slug))

    def moved(self, index: int, step: int) -> tuple[str, ...]:
        """The slugs with the one at ``index`` moved ``step`` places (clamped)."""
        slugs = list(self.slugs)
        target = min(max(index + step, 0), len(slugs) - 1)
        slugs.insert(target, slugs.pop(index))
        return tuple(slugs)

    def without(self, index: int) -> tuple[str, ...]:
        return self.slugs[:index] + self.slugs[index + 1:]

    def cookie_value(self) -> str:
        return quote(urlencode(self.query()), safe="")


def parse(raw_slugs: str | None, raw_title: str | None) -> ReadingList:
    """``e`` and ``titel`` → a list; raises :class:`ListTooLong` before splitting huge input."""
    raw_slugs, raw_title = raw_slugs or "", raw_title or ""
    if len(raw_slugs) > MAX_RAW:
        raise ListTooLong(f"Listan är för lång. En lista kan innehålla högst {MAX_CASES} exempel.")
    if len(raw_title) > MAX_TITLE:
        raise ListTooLong(f"Listans rubrik får vara högst {MAX_TITLE} tecken.")
    slugs: list[str] = []
    ignored: list[str] = []
    for part in raw_slugs.split(","):
        slug = part.strip().lower()
        if not slug or slug in slugs:
            continue
        if len(slug) > MAX_SLUG or not SLUG_SHAPE.match(slug):
            ignored.append(slug[:MAX_SLUG])
            continue
        slugs.append(slug)
    if len(slugs) > MAX_CASES:
        raise ListTooLong(f"Listan är för lång. En lista kan innehålla högst {MAX_CASES} exempel.")
    title = " ".join(raw_title.split())
    return ReadingList(tuple(slugs), title, tuple(ignored))
