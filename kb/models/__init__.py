"""The domain model."""
from kb.models.alerts import Alert, AlertToken, OutboxMail, Subscriber
from kb.models.case import (
    EVIDENCE_LEVELS,
    ORGANISATION_TYPES,
    Case,
    Contact,
    Organisation,
    SlugRedirect,
    Source,
    Status,
    Tag,
    case_articles,
    case_municipalities,
    case_tags,
)
from kb.models.content import ContentVersion
from kb.models.history import AuditEvent, CaseEvent, IndexChange, Revision
from kb.models.reference import Article, County, Municipality
from kb.models.search_miss import SearchMiss
from kb.models.tombstone import CaseTombstone, Withdrawal
from kb.models.user import Role, User, UserToken

__all__ = [
    "SearchMiss",
    "Alert",
    "AlertToken",
    "OutboxMail",
    "Subscriber",
    "EVIDENCE_LEVELS",
    "ORGANISATION_TYPES",
    "Article",
    "AuditEvent",
    "CaseEvent",
    "Case",
    "CaseTombstone",
    "Contact",
    "ContentVersion",
    "County",
    "IndexChange",
    "Municipality",
    "Organisation",
    "Revision",
    "Role",
    "SlugRedirect",
    "Source",
    "Status",
    "Tag",
    "User",
    "UserToken",
    "Withdrawal",
    "case_articles",
    "case_municipalities",
    "case_tags",
]
