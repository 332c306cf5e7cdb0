"""Alerts, their timelines, approved exceptions and the notification outbox.

Revision ID: 0003_alerts
Revises: 0002_inbox_timeseries
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vigil.store.types

revision: str = "0003_alerts"
down_revision: str | Sequence[str] | None = "0002_inbox_timeseries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "alert_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=True),
        sa.Column("starts_at", vigil.store.types.UtcDateTime(), nullable=False),
        sa.Column("ends_at", vigil.store.types.UtcDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", vigil.store.types.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_alert_exceptions_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_alert_exceptions_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_exceptions")),
    )
    op.create_index(
        op.f("ix_alert_exceptions_subject_id"),
        "alert_exceptions",
        ["subject_id"],
        unique=False,
    )

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("opened_at", vigil.store.types.UtcDateTime(), nullable=False),
        sa.Column("raised_at", vigil.store.types.UtcDateTime(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("cleared_at", vigil.store.types.UtcDateTime(), nullable=True),
        sa.Column("acknowledged_at", vigil.store.types.UtcDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", vigil.store.types.UtcDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("disposition", sa.String(length=24), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("escalation_level", sa.SmallInteger(), nullable=False),
        sa.Column("evidence_count", sa.Integer(), nullable=False),
        sa.Column("suppressed_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(state = 'resolved')"
            " = (resolved_at IS NOT NULL AND disposition IS NOT NULL)",
            name=op.f("ck_alerts_resolved_has_disposition"),
        ),
        sa.CheckConstraint(
            "disposition IS NULL OR disposition IN ('violation_confirmed',"
            " 'false_alarm', 'technical', 'medical', 'other', 'suppressed')",
            name=op.f("ck_alerts_disposition_known"),
        ),
        sa.CheckConstraint(
            "severity IN ('critical', 'high', 'medium', 'low')",
            name=op.f("ck_alerts_severity_known"),
        ),
        sa.CheckConstraint(
            "state IN ('open', 'acknowledged', 'resolved')",
            name=op.f("ck_alerts_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_alerts_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_alerts_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["suppressed_by"],
            ["alert_exceptions.id"],
            name=op.f("fk_alerts_suppressed_by_alert_exceptions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_alerts_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("episode", name=op.f("uq_alerts_episode")),
    )
    op.create_index(op.f("ix_alerts_device_id"), "alerts", ["device_id"], unique=False)
    op.create_index(
        "ix_alerts_state_raised_at", "alerts", ["state", "raised_at"], unique=False
    )
    op.create_index(
        op.f("ix_alerts_subject_id"), "alerts", ["subject_id"], unique=False
    )
    op.create_index(op.f("ix_alerts_unit_id"), "alerts", ["unit_id"], unique=False)

    op.create_table(
        "alert_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", vigil.store.types.UtcDateTime(), nullable=False),
        sa.Column("what", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "what IN ('opened', 'evidence', 'cleared', 'acknowledged',"
            " 'escalated', 'resolved', 'suppressed', 'note')",
            name=op.f("ck_alert_events_what_known"),
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_events_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_events")),
        sa.UniqueConstraint("key", name=op.f("uq_alert_events_key")),
    )
    op.create_index(
        op.f("ix_alert_events_alert_id"), "alert_events", ["alert_id"], unique=False
    )

    op.create_table(
        "notifications",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", vigil.store.types.UtcDateTime(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", vigil.store.types.UtcDateTime(), nullable=False),
        sa.Column("sent_at", vigil.store.types.UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "channel IN ('webhook', 'email', 'sms', 'stream')",
            name=op.f("ck_notifications_channel_known"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'sent', 'failed_permanently')",
            name=op.f("ck_notifications_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_notifications_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "alert_id",
            "channel",
            "target",
            "purpose",
            name=op.f("uq_notifications_alert_id_channel_target_purpose"),
        ),
    )
    op.create_index(
        op.f("ix_notifications_alert_id"), "notifications", ["alert_id"], unique=False
    )
    op.create_index(
        "ix_notifications_state_next_attempt_at",
        "notifications",
        ["state", "next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_index("ix_notifications_state_next_attempt_at", table_name="notifications")
    op.drop_index(op.f("ix_notifications_alert_id"), table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_alert_events_alert_id"), table_name="alert_events")
    op.drop_table("alert_events")
    op.drop_index(op.f("ix_alerts_unit_id"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_subject_id"), table_name="alerts")
    op.drop_index("ix_alerts_state_raised_at", table_name="alerts")
    op.drop_index(op.f("ix_alerts_device_id"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_index(op.f("ix_alert_exceptions_subject_id"), table_name="alert_exceptions")
    op.drop_table("alert_exceptions")
