"""One content version for every public page's validators

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

A single row, bumped in the same transaction as every change to data that public pages show
(kb/content.py). ETags, Last-Modified and feeds derive from it.
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "content_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 1, "changed_at": dt.datetime.now(dt.UTC)}])


def downgrade():
    op.drop_table("content_version")
