"""Committee meetings: the meeting, its roster and attendance, its agenda of posts with their
shortlists, and the committee's consideration per post.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("meeting_id", sa.String(36), primary_key=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(128), nullable=True),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("place", sa.Text, nullable=False),
        sa.Column("quorum", sa.Float, nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("chair_name", sa.String(128), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_meetings_agency_id", "meetings", ["agency_id"])
    op.create_table(
        "meeting_members",
        sa.Column("member_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "meeting_id", sa.String(36), sa.ForeignKey("meetings.meeting_id"), nullable=False
        ),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("present_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("meeting_id", "user_id", name="uq_meeting_members_person"),
    )
    op.create_index("ix_meeting_members_meeting_id", "meeting_members", ["meeting_id"])
    op.create_table(
        "meeting_items",
        sa.Column("item_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "meeting_id", sa.String(36), sa.ForeignKey("meetings.meeting_id"), nullable=False
        ),
        sa.Column("position_id", sa.String(128), nullable=False),
        sa.Column(
            "shortlist_id", sa.String(36), sa.ForeignKey("shortlists.shortlist_id"), nullable=True
        ),
        sa.UniqueConstraint("meeting_id", "position_id", name="uq_meeting_items_post"),
    )
    op.create_index("ix_meeting_items_meeting_id", "meeting_items", ["meeting_id"])
    op.create_table(
        "meeting_considerations",
        sa.Column("consideration_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("meeting_items.item_id"), nullable=False),
        sa.Column("nip", sa.String(18), nullable=False),
        sa.Column("rank", sa.Integer, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("justification", sa.Text, nullable=True),
        sa.Column("divergent", sa.Boolean, nullable=False),
        sa.Column("override_basis", sa.Text, nullable=True),
        sa.Column("failed_rules_json", sa.Text, nullable=True),
        sa.Column("voters_json", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorder_name", sa.String(128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_meeting_considerations_item_id", "meeting_considerations", ["item_id"])


def downgrade() -> None:
    for table in ("meeting_considerations", "meeting_items", "meeting_members", "meetings"):
        op.drop_table(table)
