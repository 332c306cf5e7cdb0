"""Registry: units, staff, subjects, orders, devices, assignments, API tokens.

Revision ID: 0001_registry
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vigil.store.types

revision: str = "0001_registry"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN_ASSIGNMENT = sa.text("unassigned_at IS NULL")
_NOT_REVOKED = sa.text("revoked_at IS NULL")


def _id() -> sa.Column[int]:
    """Return an integer primary-key column named id."""
    return sa.Column("id", sa.Integer(), nullable=False)


def _instant(name: str, *, nullable: bool = False) -> sa.Column[object]:
    """Return a UTC instant column."""
    return sa.Column(name, vigil.store.types.UtcDateTime(), nullable=nullable)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "units",
        _id(),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "timezone",
            sa.String(length=64),
            server_default="Asia/Ho_Chi_Minh",
            nullable=False,
        ),
        _instant("created_at"),
        sa.CheckConstraint(
            "level IN ('province', 'commune', 'ward')",
            name=op.f("ck_units_level_known"),
        ),
        sa.CheckConstraint(
            "(level = 'province' AND parent_id IS NULL)"
            " OR (level <> 'province' AND parent_id IS NOT NULL)",
            name=op.f("ck_units_parent_matches_level"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["units.id"], name=op.f("fk_units_parent_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("code", name=op.f("uq_units_code")),
    )

    op.create_table(
        "staff_users",
        _id(),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        _instant("created_at"),
        sa.CheckConstraint(
            "role IN ('admin', 'supervisor', 'officer', 'operator', 'medical',"
            " 'analyst', 'auditor')",
            name=op.f("ck_staff_users_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_staff_users_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_users_username")),
    )

    op.create_table(
        "subjects",
        _id(),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("national_id", sa.String(length=32), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        _instant("created_at"),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["staff_users.id"],
            name=op.f("fk_subjects_officer_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_subjects_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subjects")),
        sa.UniqueConstraint("national_id", name=op.f("uq_subjects_national_id")),
    )
    op.create_index(op.f("ix_subjects_unit_id"), "subjects", ["unit_id"])
    op.create_index(op.f("ix_subjects_officer_id"), "subjects", ["officer_id"])

    op.create_table(
        "orders",
        _id(),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("decision_number", sa.String(length=64), nullable=False),
        sa.Column("issuing_authority", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        _instant("starts_at"),
        _instant("ends_at"),
        sa.Column("conditions", sa.JSON(), nullable=False),
        _instant("ended_early_at", nullable=True),
        sa.Column("end_reason", sa.String(length=500), nullable=True),
        _instant("created_at"),
        sa.CheckConstraint(
            "kind IN ('post_rehabilitation', 'community_treatment',"
            " 'voluntary_treatment', 'substitution_therapy', 'other')",
            name=op.f("ck_orders_kind_known"),
        ),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_orders_ends_after_start")
        ),
        sa.CheckConstraint(
            "ended_early_at IS NULL OR ended_early_at < ends_at",
            name=op.f("ck_orders_ended_early_before_end"),
        ),
        sa.CheckConstraint(
            "(ended_early_at IS NULL AND end_reason IS NULL)"
            " OR (ended_early_at IS NOT NULL AND end_reason IS NOT NULL)",
            name=op.f("ck_orders_early_end_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_orders_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint(
            "issuing_authority",
            "decision_number",
            name=op.f("uq_orders_issuing_authority_decision_number"),
        ),
    )
    op.create_index(op.f("ix_orders_subject_id"), "orders", ["subject_id"])

    op.create_table(
        "devices",
        _id(),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column(
            "state", sa.String(length=16), server_default="stock", nullable=False
        ),
        sa.Column("firmware", sa.String(length=64), nullable=True),
        _instant("registered_at"),
        _instant("retired_at", nullable=True),
        sa.CheckConstraint(
            "state IN ('stock', 'active', 'faulty', 'retired')",
            name=op.f("ck_devices_state_known"),
        ),
        sa.CheckConstraint(
            "length(serial) BETWEEN 1 AND 64", name=op.f("ck_devices_serial_length")
        ),
        sa.CheckConstraint(
            "length(public_key) = 32", name=op.f("ck_devices_public_key_32_bytes")
        ),
        sa.CheckConstraint(
            "(state = 'retired' AND retired_at IS NOT NULL)"
            " OR (state <> 'retired' AND retired_at IS NULL)",
            name=op.f("ck_devices_retired_at_matches_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("serial", name=op.f("uq_devices_serial")),
    )

    op.create_table(
        "device_assignments",
        _id(),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        _instant("assigned_at"),
        _instant("unassigned_at", nullable=True),
        sa.CheckConstraint(
            "unassigned_at IS NULL OR unassigned_at >= assigned_at",
            name=op.f("ck_device_assignments_unassigned_after_assigned"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_device_assignments_device_id_devices"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_device_assignments_subject_id_subjects"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_device_assignments_order_id_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_assignments")),
    )
    for column in ("device_id", "subject_id", "order_id"):
        op.create_index(
            op.f(f"ix_device_assignments_{column}"), "device_assignments", [column]
        )
    for column in ("device_id", "subject_id"):
        op.create_index(
            f"uq_device_assignments_open_{column}",
            "device_assignments",
            [column],
            unique=True,
            sqlite_where=_OPEN_ASSIGNMENT,
            postgresql_where=_OPEN_ASSIGNMENT,
        )

    op.create_table(
        "api_tokens",
        _id(),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=255), nullable=False),
        _instant("created_at"),
        _instant("revoked_at", nullable=True),
        sa.CheckConstraint(
            "length(token_sha256) = 64", name=op.f("ck_api_tokens_sha256_hex_length")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_tokens_token_sha256")),
    )
    op.create_index(
        "uq_api_tokens_active_name",
        "api_tokens",
        ["name"],
        unique=True,
        sqlite_where=_NOT_REVOKED,
        postgresql_where=_NOT_REVOKED,
    )


def downgrade() -> None:
    """Undo this revision."""
    for table in (
        "api_tokens",
        "device_assignments",
        "devices",
        "orders",
        "subjects",
        "staff_users",
        "units",
    ):
        op.drop_table(table)
