"""Team deployment: accounts, teams and roles, sign-in sessions, case ownership, the audit log.

Ownership lives in its own tables (``case_owners``, ``version_authors``), so ``cases`` and
``versions`` are untouched. The audit log is append-only in the database itself: a trigger
refuses UPDATE and DELETE on SQLite and on PostgreSQL alike.

Revision ID: 0005_teams
Revises: 0004_trust_pulse
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assistant.auth.tables import PG_APPEND_ONLY_FUNCTION
from assistant.migrations import helpers

revision = "0005_teams"
down_revision = "0004_trust_pulse"
branch_labels = None
depends_on = None



def _append_only() -> None:
    """Refuse UPDATE and DELETE of audit rows (the models add the same triggers on SQLite when
    a fresh database is created from the metadata)."""
    dialect = op.get_bind().dialect.name
    for verb in ("UPDATE", "DELETE"):
        name = f"audit_events_no_{verb.lower()}"
        if dialect == "sqlite":
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )
        elif dialect == "postgresql":
            op.execute(PG_APPEND_ONLY_FUNCTION)
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON audit_events")
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {verb} ON audit_events "
                "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
            )


def upgrade() -> None:
    helpers.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    helpers.create_index("ix_users_name", "users", ["name"], unique=True)
    helpers.create_table(
        "teams",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
    )
    helpers.create_index("ix_teams_name", "teams", ["name"], unique=True)
    helpers.create_table(
        "memberships",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("role", sa.String(20), nullable=False),
        sa.UniqueConstraint("user_id", "team_id", "role"),
    )
    helpers.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    helpers.create_index("ix_memberships_team_id", "memberships", ["team_id"])
    helpers.create_table(
        "auth_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
    )
    helpers.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id"])
    helpers.create_table(
        "case_owners",
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("created_by", sa.String(100), nullable=False),
    )
    helpers.create_index("ix_case_owners_team_id", "case_owners", ["team_id"])
    helpers.create_table(
        "version_authors",
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("versions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("author", sa.String(100), nullable=False),
    )
    helpers.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Integer, nullable=True),
        sa.Column("version_id", sa.Integer, nullable=True),
        sa.Column("team_id", sa.Integer, nullable=True),
        sa.Column("detail", sa.String(300), nullable=False),
    )
    helpers.create_index("ix_audit_events_at", "audit_events", ["at"])
    helpers.create_index("ix_audit_events_case_id", "audit_events", ["case_id"])
    _append_only()


def downgrade() -> None:
    for name in (
        "audit_events", "version_authors", "case_owners", "auth_sessions", "memberships",
        "teams", "users",
    ):
        helpers.drop_table(name)
