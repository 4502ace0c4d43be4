"""The PPK's approvals, draft decrees (SK) with their moves, published announcements.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("approval_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.decision_id"), nullable=True),
        sa.Column(
            "consideration_id",
            sa.Integer,
            sa.ForeignKey("meeting_considerations.consideration_id"),
            nullable=True,
        ),
        sa.Column("meeting_id", sa.String(36), nullable=True),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("exception_approved", sa.Boolean, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decider_name", sa.String(128), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_approvals_decision_id", "approvals", ["decision_id"])
    op.create_index("ix_approvals_consideration_id", "approvals", ["consideration_id"])
    op.create_index("ix_approvals_meeting_id", "approvals", ["meeting_id"])
    op.create_table(
        "decrees",
        sa.Column("decree_id", sa.String(36), primary_key=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("number", sa.String(128), nullable=False),
        sa.Column("drafted_on", sa.Date, nullable=False),
        sa.Column("drafted_by", sa.String(64), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_json", sa.Text, nullable=False),
        sa.UniqueConstraint("agency_id", "seq", name="uq_decrees_agency_seq"),
    )
    op.create_index("ix_decrees_agency_id", "decrees", ["agency_id"])
    op.create_table(
        "decree_moves",
        sa.Column("recommendation", sa.String(24), primary_key=True),
        sa.Column("decree_id", sa.String(36), sa.ForeignKey("decrees.decree_id"), nullable=False),
    )
    op.create_index("ix_decree_moves_decree_id", "decree_moves", ["decree_id"])
    op.create_table(
        "announcements",
        sa.Column("announcement_id", sa.String(36), primary_key=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("meeting_id", sa.String(36), nullable=True),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.Column("publisher_name", sa.String(128), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entries_json", sa.Text, nullable=False),
    )
    op.create_index("ix_announcements_agency_id", "announcements", ["agency_id"])
    op.create_index("ix_announcements_meeting_id", "announcements", ["meeting_id"])


def downgrade() -> None:
    op.drop_table("announcements")
    op.drop_table("decree_moves")
    op.drop_table("decrees")
    op.drop_table("approvals")
