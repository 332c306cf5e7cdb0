"""Inbox, device cursors, bus offsets and the time-series tables.

Revision ID: 0002_inbox_timeseries
Revises: 0001_registry
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vigil.store.types

revision: str = "0002_inbox_timeseries"
down_revision: str | Sequence[str] | None = "0001_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "bus_offsets",
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", vigil.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", name=op.f("pk_bus_offsets")),
    )
    op.create_table(
        "button_events",
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("inbox_id", sa.BigInteger(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("t", vigil.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("inbox_id", "idx", name=op.f("pk_button_events")),
    )
    op.create_index(
        "ix_button_events_device_t", "button_events", ["device_id", "t"], unique=False
    )
    op.create_table(
        "device_status",
        sa.Column("battery_pct", sa.Float(), nullable=False),
        sa.Column("charging", sa.Boolean(), nullable=False),
        sa.Column("signal_dbm", sa.SmallInteger(), nullable=True),
        sa.Column("firmware", sa.String(length=32), nullable=False),
        sa.Column("inbox_id", sa.BigInteger(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("t", vigil.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("inbox_id", "idx", name=op.f("pk_device_status")),
    )
    op.create_index(
        "ix_device_status_device_t", "device_status", ["device_id", "t"], unique=False
    )
    op.create_table(
        "fixes",
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("speed_mps", sa.Float(), nullable=True),
        sa.Column("heading_deg", sa.Float(), nullable=True),
        sa.Column("satellites", sa.SmallInteger(), nullable=True),
        sa.Column("inbox_id", sa.BigInteger(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("t", vigil.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("inbox_id", "idx", name=op.f("pk_fixes")),
    )
    op.create_index("ix_fixes_device_t", "fixes", ["device_id", "t"], unique=False)
    op.create_index("ix_fixes_subject_t", "fixes", ["subject_id", "t"], unique=False)
    op.create_table(
        "tamper_events",
        sa.Column("tamper", sa.String(length=24), nullable=False),
        sa.Column("cleared", sa.Boolean(), nullable=False),
        sa.Column("inbox_id", sa.BigInteger(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("t", vigil.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("inbox_id", "idx", name=op.f("pk_tamper_events")),
    )
    op.create_index(
        "ix_tamper_events_device_t", "tamper_events", ["device_id", "t"], unique=False
    )
    op.create_table(
        "vitals",
        sa.Column("window_s", sa.Integer(), nullable=False),
        sa.Column("heart_rate_bpm", sa.Float(), nullable=True),
        sa.Column("hrv_rmssd_ms", sa.Float(), nullable=True),
        sa.Column("scl_us", sa.Float(), nullable=True),
        sa.Column("scr_per_min", sa.Float(), nullable=True),
        sa.Column("skin_temp_c", sa.Float(), nullable=True),
        sa.Column("spo2_pct", sa.Float(), nullable=True),
        sa.Column("resp_rate_bpm", sa.Float(), nullable=True),
        sa.Column("activity_g", sa.Float(), nullable=True),
        sa.Column("steps", sa.Integer(), nullable=True),
        sa.Column("skin_contact", sa.Boolean(), nullable=False),
        sa.Column("inbox_id", sa.BigInteger(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("t", vigil.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("inbox_id", "idx", name=op.f("pk_vitals")),
    )
    op.create_index("ix_vitals_subject_t", "vitals", ["subject_id", "t"], unique=False)
    op.create_table(
        "device_cursors",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("acked_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_batch_at", vigil.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_device_cursors_device_id_devices"),
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_device_cursors")),
    )
    op.create_table(
        "inbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("received_at", vigil.store.types.UtcDateTime(), nullable=False),
        sa.Column("sent_at", vigil.store.types.UtcDateTime(), nullable=False),
        sa.Column("encoding", sa.String(length=8), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("sig", sa.LargeBinary(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_inbox_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("device_id", "seq", name=op.f("uq_inbox_device_id_seq")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("inbox")
    op.drop_table("device_cursors")
    op.drop_index("ix_vitals_subject_t", table_name="vitals")
    op.drop_table("vitals")
    op.drop_index("ix_tamper_events_device_t", table_name="tamper_events")
    op.drop_table("tamper_events")
    op.drop_index("ix_fixes_subject_t", table_name="fixes")
    op.drop_index("ix_fixes_device_t", table_name="fixes")
    op.drop_table("fixes")
    op.drop_index("ix_device_status_device_t", table_name="device_status")
    op.drop_table("device_status")
    op.drop_index("ix_button_events_device_t", table_name="button_events")
    op.drop_table("button_events")
    op.drop_table("bus_offsets")
