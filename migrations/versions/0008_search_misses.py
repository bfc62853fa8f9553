"""Searches that found little: query, day, count (no personal data)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_misses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_misses")),
        sa.UniqueConstraint("query", "day", name=op.f("uq_search_misses_query")),
    )
    op.create_index(op.f("ix_search_misses_day"), "search_misses", ["day"])


def downgrade():
    op.drop_index(op.f("ix_search_misses_day"), table_name="search_misses")
    op.drop_table("search_misses")
