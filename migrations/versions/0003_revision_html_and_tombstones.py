"""Rendered HTML with each revision; tombstones of withdrawn cases for harvesters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

Existing revisions get their body rendered once, here, by the app's one renderer
(kb.markup), so version pages never render Markdown per request. The tombstone table
starts empty: withdrawals before this migration were not recorded.
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

revisions = sa.table("revisions", sa.column("id", sa.Integer), sa.column("data", sa.JSON),
                     sa.column("body_html", sa.Text))


def _backfill_revision_html():
    from kb.markup import render_markdown

    conn = op.get_bind()
    rendered = {}  # the same body in many revisions: render it once
    for row_id, data in conn.execute(sa.select(revisions.c.id, revisions.c.data)).all():
        if isinstance(data, str):  # a driver that hands JSON back as text
            data = json.loads(data)
        body = (data or {}).get("body") or ""
        if body not in rendered:
            rendered[body] = render_markdown(body)
        conn.execute(revisions.update().where(revisions.c.id == row_id).values(body_html=rendered[body]))


def upgrade():
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_html", sa.Text(), nullable=False, server_default=""))
    _backfill_revision_html()
    op.create_table(
        "case_tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_tombstones")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_tombstones_case_id")),
    )
    with op.batch_alter_table("case_tombstones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_tombstones_deleted_at"), ["deleted_at"], unique=False)


def downgrade():
    with op.batch_alter_table("case_tombstones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_tombstones_deleted_at"))
    op.drop_table("case_tombstones")
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_column("body_html")
