"""The partner trust pulse: survey answers per case and date, one row per statement.

Revision ID: 0004_trust_pulse
Revises: 0003_case_revision
"""

from __future__ import annotations

import sqlalchemy as sa

from assistant.migrations import helpers

revision = "0004_trust_pulse"
down_revision = "0003_case_revision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    helpers.create_table(
        "pulse_responses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("taken_on", sa.Date, nullable=False),
        sa.Column("moment", sa.String(20), nullable=False),
        sa.Column("respondent", sa.String(200), nullable=False),
        sa.Column("open_answer", sa.Text, nullable=False),
        sa.Column("survey_version", sa.Integer, nullable=False),
        sa.Column("survey_hash", sa.String(20), nullable=False),
        sa.Column("entered_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    helpers.create_index("ix_pulse_responses_case_id", "pulse_responses", ["case_id"])
    helpers.create_table(
        "pulse_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "response_id",
            sa.Integer,
            sa.ForeignKey("pulse_responses.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("item_id", sa.String(40), nullable=False),
        sa.Column("dimension", sa.String(40), nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
    )
    helpers.create_index("ix_pulse_answers_response_id", "pulse_answers", ["response_id"])


def downgrade() -> None:
    helpers.drop_table("pulse_answers")
    helpers.drop_table("pulse_responses")
