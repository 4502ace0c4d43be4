"""Identity: users, page sessions, inter-agency grants; API keys owned by users and expiring.

Revision ID: 0002
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("nip", sa.String(18), nullable=True, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("session_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.String(32), sa.ForeignKey("users.user_id"), nullable=False, index=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "grants",
        sa.Column("grant_id", sa.String(32), primary_key=True),
        sa.Column("from_agency", sa.String(64), nullable=False),
        sa.Column("to_agency", sa.String(64), nullable=False, index=True),
        sa.Column("granted_by", sa.String(32), sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("user_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_api_keys_user_id", ["user_id"])
        batch.create_foreign_key("fk_api_keys_user_id", "users", ["user_id"], ["user_id"])


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_constraint("fk_api_keys_user_id", type_="foreignkey")
        batch.drop_index("ix_api_keys_user_id")
        batch.drop_column("expires_at")
        batch.drop_column("user_id")
    op.drop_table("grants")
    op.drop_table("sessions")
    op.drop_table("users")
