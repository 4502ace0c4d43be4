"""Sealed audit entries: the person, the chain position and the row each entry vouches for.

Revision ID: 0004
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = (
    ("user_id", sa.String(64)),
    ("seq", sa.Integer),
    ("content_table", sa.String(64)),
    ("content_id", sa.String(128)),
    ("content_hash", sa.String(64)),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
