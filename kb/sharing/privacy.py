"""The one rule for what of a contact is public: on the case page, in the API, the exports,
the feeds, the versions and the comparison page alike.

- A named person is shown (name, role and address as given) only when the case file records
  the person's consent: ``public: true`` on the contact.
- Otherwise only the role is shown, and the address only when it is plainly a *functional
  mailbox*: every part of its local part (split at ``.``, ``_``, ``-``; accents folded, a
  ``+`` sub-address dropped) is a word we know names a function (``barnratt@``,
  ``registrator@``, ``barn.och.unga@``). Anything else (``annsve@``, ``asvensson@``,
  ``anna.svensson@``, ``a.s@``) could be a person and is left out.
- A contact with nothing left to show is dropped.

When in doubt the rule leaves an address out: a missing mailbox costs a reader a click to the
organisation's site, a published personal address cannot be taken back.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

FUNCTIONAL_WORDS = frozenset({
    "admin", "barn", "barnombud", "barnratt", "barnrattsstrateg", "bildning", "demokrati",
    "diarie", "forvaltning", "forvaltningen", "funktion", "folkhalsa", "halsa", "hr",
    "info", "information", "integration", "kansli", "kommun", "kommunen", "kommunstyrelsen", "kommunikation",
    "kontakt", "kontaktcenter", "kultur", "kundcenter", "lansstyrelsen", "nämnd", "namnd",
    "och", "omsorg", "press", "region", "regionen", "registrator", "rattigheter", "samordnare",
    "service", "skola", "social", "socialtjansten", "stab", "strategi", "stod", "support",
    "ungdom", "unga", "utbildning", "utveckling", "valfard", "webb",
})
_PARTS = re.compile(r"[._-]")


def _local_part(email: str) -> str:
    """``Åsa.Öberg+x@…`` → ``asa.oberg`` (accents folded, sub-address dropped)."""
    local = email.rsplit("@", 1)[0].split("+", 1)[0]
    folded = unicodedata.normalize("NFKD", local.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9._-]", "", folded)


def is_functional_mailbox(email: str | None) -> bool:
    """True when every part of the address's local part is a word naming a function."""
    if not email or "@" not in email:
        return False
    parts = [p for p in _PARTS.split(_local_part(email)) if p]
    return bool(parts) and all(part in FUNCTIONAL_WORDS for part in parts)


def _field(contact: Any, key: str) -> Any:
    return contact.get(key) if isinstance(contact, dict) else getattr(contact, key, None)


def public_contact(contact: Any) -> dict[str, str | None] | None:
    """What of one contact (a model or an export dict) may be shown; ``None`` for nothing."""
    role, email = _field(contact, "role") or None, _field(contact, "email") or None
    if _field(contact, "public") is True:
        name = _field(contact, "name") or None
        return {"name": name, "role": role, "email": email} if name or role or email else None
    email = email if is_functional_mailbox(email) else None
    return {"name": None, "role": role, "email": email} if role or email else None


def public_contacts(contacts: list[Any]) -> list[dict[str, str | None]]:
    """Contacts as anyone may see them: ``name`` (with consent), ``role`` and ``email``."""
    return [shown for shown in map(public_contact, contacts) if shown is not None]
