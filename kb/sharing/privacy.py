"""What of a contact may be published as open data: roles and functional mailboxes only.

A *functional mailbox* is an address that names a function, not a person
(``barnratt@kommun.se``, ``registrator@lansstyrelsen.se``). We treat an address as
personal, and leave it out, when its local part (before ``@``, accent-folded):

1. contains the contact's first name, last name or initials; or
2. has the ``förnamn.efternamn`` shape: two or three alphabetic parts joined by ``.``,
   ``_`` or ``-`` none of which is a word we know names a function (``barn.och.unga``
   is functional, ``anna.svensson`` is not).

Names are never published. A contact with neither a role nor a functional mailbox is
dropped. When in doubt the rule leaves an address out: a missing mailbox costs a reader a
click to the organisation's site, a published personal address cannot be taken back.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from kb.slugs import slugify

FUNCTIONAL_WORDS = frozenset({
    "admin", "barn", "barnombud", "barnratt", "barnrattsstrateg", "bildning", "demokrati",
    "diarie", "e", "forvaltning", "forvaltningen", "funktion", "folkhalsa", "halsa", "hr",
    "info", "information", "integration", "kansli", "kommun", "kommunen", "kommunikation",
    "kontakt", "kontaktcenter", "kultur", "kundcenter", "lansstyrelsen", "mr", "nämnd", "namnd",
    "och", "omsorg", "press", "region", "regionen", "registrator", "rattigheter", "samordnare",
    "service", "skola", "social", "socialtjansten", "stab", "strategi", "stod", "support",
    "ungdom", "unga", "utbildning", "utveckling", "valfard", "webb",
})
_PARTS = re.compile(r"[._-]")
_NAME_SHAPE = re.compile(r"^[a-z]+(?:[._-][a-z]+){1,2}$")


def _local_part(email: str) -> str:
    """``Åsa.Öberg+x@…`` → ``asa.oberg`` (accents folded, sub-address dropped)."""
    local = email.rsplit("@", 1)[0].split("+", 1)[0]
    folded = unicodedata.normalize("NFKD", local.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9._-]", "", folded)


def _name_tokens(name: str | None) -> tuple[set[str], str]:
    words = [w for w in slugify(name or "").split("-") if w]
    return {w for w in words if len(w) >= 2}, "".join(w[0] for w in words)


def is_functional_mailbox(email: str | None, name: str | None = None) -> bool:
    """True when ``email`` names a function rather than a person (see the module doc)."""
    if not email or "@" not in email:
        return False
    local = _local_part(email)
    if not local:
        return False
    tokens, initials = _name_tokens(name)
    compact = _PARTS.sub("", local)
    if any(token in compact for token in tokens) or (len(initials) >= 2 and compact == initials):
        return False
    if _NAME_SHAPE.match(local):
        return any(part in FUNCTIONAL_WORDS for part in _PARTS.split(local))
    return True


def public_contacts(contacts: list[Any]) -> list[dict[str, str | None]]:
    """Contacts (models or export dicts) as open data: ``role`` and a functional ``email``."""
    published = []
    for contact in contacts:
        get = contact.get if isinstance(contact, dict) else lambda key, c=contact: getattr(c, key)
        role, email = get("role") or None, get("email") or None
        email = email if is_functional_mailbox(email, get("name")) else None
        if role or email:
            published.append({"role": role, "email": email})
    return published
