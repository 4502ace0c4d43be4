"""Decisions the rules can trust: the person, supersession, warnings answered, the Minister's
letter; overrides (a PPK's approval of an exception); conflict-of-interest declarations.

Revision ID: 0003
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DECISION_COLUMNS = (
    ("user_id", sa.String(64)),
    ("rank", sa.Integer()),
    ("origin_unit", sa.String(64)),
    ("warning_answers_json", sa.Text()),
    ("supersedes_json", sa.Text()),
    ("supersedes_reason", sa.Text()),
    ("freeze", sa.Boolean()),
    ("minister_letter_number", sa.String(128)),
    ("minister_letter_date", sa.Date()),
)


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        for name, kind in DECISION_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_table(
        "overrides",
        sa.Column("override_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "decision_id",
            sa.Integer,
            sa.ForeignKey("decisions.decision_id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("rules_json", sa.Text, nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("approver_name", sa.String(128), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "declarations",
        sa.Column("declaration_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "shortlist_id",
            sa.String(36),
            sa.ForeignKey("shortlists.shortlist_id"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("related_nips_json", sa.Text, nullable=False),
        sa.Column("statement", sa.Text, nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_declarations_shortlist_id", "declarations", ["shortlist_id"])


def downgrade() -> None:
    op.drop_index("ix_declarations_shortlist_id", "declarations")
    op.drop_table("declarations")
    op.drop_table("overrides")
    with op.batch_alter_table("decisions") as batch:
        for name, _ in reversed(DECISION_COLUMNS):
            batch.drop_column(name)
