"""E-mail alerts (Bevakning) and the mail outbox

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Subscribers, their alerts, hashed link tokens, and mails queued in the same transaction as
what caused them (sent by `kb mail send`).
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "alert_subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmation_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscribers")),
        sa.UniqueConstraint("email", name=op.f("uq_alert_subscribers_email")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.String(600), nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("rhythm", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("covered_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["subscriber_id"], ["alert_subscribers.id"],
                                name=op.f("fk_alerts_subscriber_id_alert_subscribers"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("subscriber_id", "kind", "value", name="uq_alerts_target"),
    )
    op.create_index(op.f("ix_alerts_subscriber_id"), "alerts", ["subscriber_id"])
    op.create_index(op.f("ix_alerts_confirmed_at"), "alerts", ["confirmed_at"])
    op.create_table(
        "alert_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(10), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["subscriber_id"], ["alert_subscribers.id"],
                                name=op.f("fk_alert_tokens_subscriber_id_alert_subscribers"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_alert_tokens")),
    )
    op.create_index(op.f("ix_alert_tokens_subscriber_id"), "alert_tokens", ["subscriber_id"])
    op.create_index(op.f("ix_alert_tokens_expires_at"), "alert_tokens", ["expires_at"])
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(120), nullable=True),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("unsubscribe_url", sa.String(600), nullable=True),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["subscriber_id"], ["alert_subscribers.id"],
                                name=op.f("fk_mail_outbox_subscriber_id_alert_subscribers"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_mail_outbox_dedupe_key")),
    )
    op.create_index(op.f("ix_mail_outbox_status"), "mail_outbox", ["status"])
    op.create_index(op.f("ix_mail_outbox_subscriber_id"), "mail_outbox", ["subscriber_id"])


def downgrade():
    op.drop_table("mail_outbox")
    op.drop_table("alert_tokens")
    op.drop_table("alerts")
    op.drop_table("alert_subscribers")
