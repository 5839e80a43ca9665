"""Review before sending, soft delete and the promise ledger.

Versions get a review status (draft, in_review, approved, sent) and a trail of who moved them;
cases get ``deleted_at`` (soft delete, restorable for 30 days); ledger entries hold each
approved commitment with its history.

Revision ID: 0002_review_ledger
Revises: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa

from assistant.migrations import helpers

revision = "0002_review_ledger"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    helpers.add_columns("cases", sa.Column("deleted_at", sa.DateTime, nullable=True))
    helpers.add_columns(
        "versions",
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
    )
    helpers.create_table(
        "review_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("versions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_status", sa.String(20), nullable=False),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    helpers.create_index("ix_review_events_case_id", "review_events", ["case_id"])
    helpers.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("versions.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("checkpoint", sa.Text, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("proof", sa.Text, nullable=True),
        sa.Column("proof_link", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    helpers.create_index("ix_ledger_entries_case_id", "ledger_entries", ["case_id"])
    helpers.create_index("ix_ledger_entries_due", "ledger_entries", ["due"])
    helpers.create_table(
        "ledger_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "entry_id",
            sa.Integer,
            sa.ForeignKey("ledger_entries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("change", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    helpers.create_index("ix_ledger_events_entry_id", "ledger_events", ["entry_id"])


def downgrade() -> None:
    helpers.drop_table("ledger_events")
    helpers.drop_table("ledger_entries")
    helpers.drop_table("review_events")
    helpers.drop_columns("versions", "status")
    helpers.drop_columns("cases", "deleted_at")
