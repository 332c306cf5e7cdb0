"""Rules as data: a kind, a GeoJSON zone, a daily window, parameters.

Revision ID: 0004_rules
Revises: 0003_alerts
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vigil.store.types

revision: str = "0004_rules"
down_revision: str | Sequence[str] | None = "0003_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("zone", sa.JSON(), nullable=False),
        sa.Column("radius_m", sa.Double(), nullable=True),
        sa.Column("window", sa.JSON(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("active_from", vigil.store.types.UtcDateTime(), nullable=False),
        sa.Column("active_until", vigil.store.types.UtcDateTime(), nullable=True),
        sa.Column("created_at", vigil.store.types.UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('inclusion', 'exclusion')", name=op.f("ck_rules_kind_known")
        ),
        sa.CheckConstraint(
            "(subject_id IS NULL) <> (unit_id IS NULL)", name=op.f("ck_rules_one_scope")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_rules_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_rules_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules")),
    )
    with op.batch_alter_table("rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rules_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rules_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rules_unit_id"))
        batch_op.drop_index(batch_op.f("ix_rules_subject_id"))

    op.drop_table("rules")
