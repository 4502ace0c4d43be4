"""Objections (keberatan) and correction requests from employees, each with its one answer.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _moment(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _answer(table: str, key: str, verdict: str, text: str) -> None:
    op.create_table(
        f"{table}_answers",
        sa.Column(key, sa.String(36), sa.ForeignKey(f"{table}s.{key}"), primary_key=True),
        sa.Column(verdict, sa.String(16), nullable=False),
        sa.Column(text, sa.Text, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        _moment("answered_at"),
    )


def upgrade() -> None:
    op.create_table(
        "objections",
        sa.Column("objection_id", sa.String(36), primary_key=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("nip", sa.String(18), nullable=False),
        sa.Column(
            "shortlist_id",
            sa.String(36),
            sa.ForeignKey("shortlists.shortlist_id"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        _moment("filed_at"),
        _moment("due_at"),
    )
    op.create_table(
        "corrections",
        sa.Column("correction_id", sa.String(36), primary_key=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("nip", sa.String(18), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("wrong", sa.Text, nullable=False),
        sa.Column("should_be", sa.Text, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        _moment("filed_at"),
        _moment("due_at"),
    )
    for table in ("objections", "corrections"):
        for column in ("agency_id", "nip"):
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column])
    _answer("objection", "objection_id", "outcome", "answer")
    _answer("correction", "correction_id", "status", "note")


def downgrade() -> None:
    op.drop_table("correction_answers")
    op.drop_table("objection_answers")
    for table in ("objections", "corrections"):
        for column in ("agency_id", "nip"):
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    op.drop_table("corrections")
    op.drop_table("objections")
