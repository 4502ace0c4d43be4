"""The service database's tables (SQLAlchemy Core); the schema itself is made by Alembic."""

from __future__ import annotations

import base64
import zlib

import sqlalchemy as sa

metadata = sa.MetaData()

PACKED = "zlib:"


class PackedText(sa.TypeDecorator[str]):
    """Text kept zlib-compressed at rest (base64 after ``zlib:``); a plain value reads as is.

    A stored shortlist's JSON shrinks about 5 times; code reading the column sees the text.
    """

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return PACKED + base64.b64encode(zlib.compress(value.encode(), 9)).decode("ascii")

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> str | None:
        if value is None or not value.startswith(PACKED):
            return value
        return zlib.decompress(base64.b64decode(value[len(PACKED) :])).decode()


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
    sa.Column("response_json", PackedText, nullable=False),
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
    sa.Column("user_id", sa.String(64), nullable=True),
    sa.Column("seq", sa.Integer, nullable=True),
    sa.Column("content_table", sa.String(64), nullable=True),
    sa.Column("content_id", sa.String(128), nullable=True),
    sa.Column("content_hash", sa.String(64), nullable=True),
)
"""The audit log (``serving.audit``). ``entry_hash`` is the HMAC seal; ``seq`` is the entry's
position in the chain (NULL for entries written before the key: a plain SHA-256 chain);
``content_table``/``content_id`` name the row the entry vouches for and ``content_hash`` is
that row's SHA-256 (NULL with a table named: the row was removed on purpose, e.g. retention)."""

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
    sa.Column("user_id", sa.String(64), nullable=True),
    sa.Column("rank", sa.Integer, nullable=True),
    sa.Column("origin_unit", sa.String(64), nullable=True),
    sa.Column("warning_answers_json", sa.Text, nullable=True),
    sa.Column("supersedes_json", sa.Text, nullable=True),
    sa.Column("supersedes_reason", sa.Text, nullable=True),
    sa.Column("freeze", sa.Boolean, nullable=True),
    sa.Column("minister_letter_number", sa.String(128), nullable=True),
    sa.Column("minister_letter_date", sa.Date, nullable=True),
)
"""A decision is never changed: a change is a new row. ``reviewer`` and ``user_id`` are the
signed-in person (``key:<key_id>`` for a legacy key); ``rank`` is the chosen person's place on
the list (None off the list); ``origin_unit`` their unit when chosen; ``supersedes_json`` the
decision ids a SELECTED replaces, with ``supersedes_reason``; ``freeze`` whether the shortlist
fell in an election freeze, and the Minister's approval letter (UU 10/2016 Pasal 71(2))."""

overrides = sa.Table(
    "overrides",
    metadata,
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
"""An exception to a hard rule: the SELECTED it belongs to stays pending until a second person
with the PPK role approves it."""

declarations = sa.Table(
    "declarations",
    metadata,
    sa.Column("declaration_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "shortlist_id",
        sa.String(36),
        sa.ForeignKey("shortlists.shortlist_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("related_nips_json", sa.Text, nullable=False),
    sa.Column("statement", sa.Text, nullable=True),
    sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
)
"""A member's conflict-of-interest declaration on a shortlist (PP 11/2017 Pasal 190(5)):
``none``, ``relation`` (to ``related_nips_json``) or ``recused``; the latest one counts."""

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

objections = sa.Table(
    "objections",
    metadata,
    sa.Column("objection_id", sa.String(36), primary_key=True),
    sa.Column("agency_id", sa.String(64), nullable=False, index=True),
    sa.Column("nip", sa.String(18), nullable=False, index=True),
    sa.Column(
        "shortlist_id", sa.String(36), sa.ForeignKey("shortlists.shortlist_id"), nullable=False
    ),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
)
"""An employee's objection (keberatan, UU 27/2022 Pasal 10) to a decision or an exclusion on a
shortlist; ``due_at`` is the committee's deadline. Never changed: the answer is its own row."""

objection_answers = sa.Table(
    "objection_answers",
    metadata,
    sa.Column(
        "objection_id",
        sa.String(36),
        sa.ForeignKey("objections.objection_id"),
        primary_key=True,
    ),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
)
"""The committee's one answer to an objection (``UPHELD`` or ``DISMISSED``)."""

corrections = sa.Table(
    "corrections",
    metadata,
    sa.Column("correction_id", sa.String(36), primary_key=True),
    sa.Column("agency_id", sa.String(64), nullable=False, index=True),
    sa.Column("nip", sa.String(18), nullable=False, index=True),
    sa.Column("field", sa.String(64), nullable=False),
    sa.Column("wrong", sa.Text, nullable=False),
    sa.Column("should_be", sa.Text, nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
)
"""An employee's request to correct data held about them (UU 27/2022 Pasal 6), in the agency
admin's queue until ``due_at``. Never changed: the answer is its own row."""

correction_answers = sa.Table(
    "correction_answers",
    metadata,
    sa.Column(
        "correction_id",
        sa.String(36),
        sa.ForeignKey("corrections.correction_id"),
        primary_key=True,
    ),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
)
"""The admin's one answer to a correction request (``ACCEPTED`` or ``REJECTED``, with a note)."""

interests = sa.Table(
    "interests",
    metadata,
    sa.Column("interest_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("nip", sa.String(18), nullable=False, index=True),
    sa.Column("agency_id", sa.String(64), nullable=False, index=True),
    sa.Column("position_id", sa.String(128), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("nip", "position_id", name="uq_interests_nip_position"),
)
"""An employee's expression of interest in an announced open post (the committee sees it)."""

career_preferences = sa.Table(
    "career_preferences",
    metadata,
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
"""An employee's stated career preferences, one row a statement (history kept; the latest is
current). Families and units (in order: preference 1-3) feed the aspiration features from
``made_on``."""

move_requests = sa.Table(
    "move_requests",
    metadata,
    sa.Column("request_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("nip", sa.String(18), nullable=False, index=True),
    sa.Column("agency_id", sa.String(64), nullable=False, index=True),
    sa.Column("made_on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
"""A request to be moved at one's own request (PP 11/2017 Pasal 190, *atas permintaan
sendiri*), with its reason and status (``SUBMITTED``)."""
