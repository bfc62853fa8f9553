"""E-mail addresses: one check for every form, file and command, linear in the input.

``email-validator`` (what WTForms uses) parses an address without backtracking; the length
is checked before it sees the text at all, so no address costs more than 254 characters.
"""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

# RFC 5321: a path is at most 256 octets including the angle brackets.
MAX_EMAIL_LENGTH = 254


def is_valid_email(value: str | None) -> bool:
    """True for a syntactically valid address of at most 254 characters (no DNS look-up).

    ``test_environment`` lets the reserved ``.test`` domain through (tests, demos); it also
    turns off deliverability checks, which need the network."""
    if not value or len(value) > MAX_EMAIL_LENGTH:
        return False
    try:
        validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return False
    return True
