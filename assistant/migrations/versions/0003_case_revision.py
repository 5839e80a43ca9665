"""Optimistic versioning of cases: a revision counter that every save of a case raises.

A save made from an older revision is refused (``assistant.errors.ConflictError``), so two
people saving the same case at once cannot overwrite each other. Existing cases start at 1.

Revision ID: 0003_case_revision
Revises: 0002_review_ledger
"""

from __future__ import annotations

import sqlalchemy as sa

from assistant.migrations import helpers

revision = "0003_case_revision"
down_revision = "0002_review_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    helpers.add_columns(
        "cases", sa.Column("revision", sa.Integer, nullable=False, server_default="1")
    )


def downgrade() -> None:
    helpers.drop_columns("cases", "revision")
