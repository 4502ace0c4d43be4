"""The service database's tables (SQLAlchemy Core); the schema itself is made by Alembic."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.String(32), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("agency_id", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.user_id"), nullable=True, index=True),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
)
"""API keys: each belongs to a user (``user_id``; legacy keys have none) and expires."""

users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(128), nullable=False, unique=True),
    sa.Column("nip", sa.String(18), nullable=True, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("agency_id", sa.String(64), nullable=True),
    sa.Column("password_hash", sa.String(255), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
"""People (and service accounts, without NIP or password) who sign in or hold keys."""

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("session_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.user_id"), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)
"""Page sessions: the cookie holds a random id, the table only its hash."""

grants = sa.Table(
    "grants",
    metadata,
    sa.Column("grant_id", sa.String(32), primary_key=True),
    sa.Column("from_agency", sa.String(64), nullable=False),
    sa.Column("to_agency", sa.String(64), nullable=False, index=True),
    sa.Column("granted_by", sa.String(32), sa.ForeignKey("users.user_id"), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
    sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)
"""Time-limited openings of one agency's pool (``from_agency``) to another (PP 11/2017 Ps 190)."""

shortlists = sa.Table(
    "shortlists",
    metadata,
    sa.Column("shortlist_id", sa.String(36), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(32), nullable=False),
    sa.Column("agency_id", sa.String(64), nullable=False, index=True),
    sa.Column("position_id", sa.String(128), nullable=False),
    sa.Column("model_name", sa.String(64), nullable=False),
    sa.Column("model_version", sa.String(32), nullable=False),
    sa.Column("ruleset_version", sa.String(32), nullable=False),
    sa.Column("data_hash", sa.String(64), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("request_json", sa.Text, nullable=False),
    sa.Column("response_json", sa.Text, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("key_id", sa.String(32), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("agency_id", sa.String(64), nullable=True),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("subject", sa.String(128), nullable=False),
    sa.Column("detail_json", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "shortlist_id",
        sa.String(36),
        sa.ForeignKey("shortlists.shortlist_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("nip", sa.String(18), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("justification", sa.Text, nullable=True),
    sa.Column("divergent", sa.Boolean, nullable=False),
    sa.Column("reviewer", sa.String(128), nullable=False),
    sa.Column("key_id", sa.String(32), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
)

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("campaign_id", sa.String(36), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("agency_id", sa.String(64), nullable=False, index=True),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("vacancies", sa.Integer, nullable=False),
    sa.Column("report_json", sa.Text, nullable=False),
)
"""Stored campaign reports (``serving.campaigns.storage``; ``report_json`` carries its
``schema_version``)."""
