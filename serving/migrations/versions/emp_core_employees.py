"""The employees' side: expressions of interest, career preferences and move requests.

Revision ID: emp_core_1
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "emp_core_1"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interests",
        sa.Column("interest_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("nip", sa.String(18), nullable=False, index=True),
        sa.Column("agency_id", sa.String(64), nullable=False, index=True),
        sa.Column("position_id", sa.String(128), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("nip", "position_id", name="uq_interests_nip_position"),
    )
    op.create_table(
        "career_preferences",
        sa.Column("preference_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("nip", sa.String(18), nullable=False, index=True),
        sa.Column("agency_id", sa.String(64), nullable=False, index=True),
        sa.Column("made_on", sa.Date, nullable=False),
        sa.Column("job_families_json", sa.Text, nullable=False),
        sa.Column("units_json", sa.Text, nullable=False),
        sa.Column("regions_json", sa.Text, nullable=False),
        sa.Column("willing_to_move", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "move_requests",
        sa.Column("request_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("nip", sa.String(18), nullable=False, index=True),
        sa.Column("agency_id", sa.String(64), nullable=False, index=True),
        sa.Column("made_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("move_requests", "career_preferences", "interests"):
        op.drop_table(table)
