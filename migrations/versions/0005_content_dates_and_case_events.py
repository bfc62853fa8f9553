"""The date of a case's last content change, and workflow steps as events

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

``cases.content_updated`` is what readers see as "Senast uppdaterad": the last change an
editor made to the content, not the last time the row was touched (an import, a status
step). Existing cases start from their publication date, else the last change.
``case_events`` holds submit/publish/archive steps, which are no longer versions.
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_updated", sa.Date(), nullable=True))
    cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("published", sa.Date),
                     sa.column("updated_at", sa.DateTime(timezone=True)),
                     sa.column("content_updated", sa.Date))
    conn = op.get_bind()
    for case_id, published, updated_at in conn.execute(
            sa.select(cases.c.id, cases.c.published, cases.c.updated_at)).all():
        day = published or (updated_at.date() if updated_at is not None else None)
        conn.execute(cases.update().where(cases.c.id == case_id).values(content_updated=day))
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_case_events_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_events_case_id"), ["case_id"], unique=False)


def downgrade():
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_events_case_id"))
    op.drop_table("case_events")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("content_updated")
