"""Contacts: an explicit consent flag for publishing a named person

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

A contact's name (and a personal address) is shown only when the case file says
``public: true``; existing contacts start as not consented.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("public")
