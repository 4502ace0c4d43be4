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

selections = sa.Table(
    "selections",
    metadata,
    sa.Column("selection_id", sa.String(36), primary_key=True),
    sa.Column("agency_id", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("stages_json", sa.Text, nullable=False),
    sa.Column("policy_json", sa.Text, nullable=False),
    sa.Column("opened_by", sa.String(64), nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
)
"""A JPT selection (``serving.selections``): ``kind`` ``open`` (seleksi terbuka, PermenPANRB
15/2019) or ``jobfit`` (uji kesesuaian); ``stages_json`` the stages with weights, pass marks and
deadlines as the agency's policy gave them when it opened (``policy_json``: id, version, hash);
``status`` and ``closed_at`` as at the opening (open, NULL): the row is never changed after its
audit entry sealed it; the live status (open, proposed, returned, chosen) and the day the PPK
chose are derived from the proposals and choices (``serving.selections.service``)."""

selection_posts = sa.Table(
    "selection_posts",
    metadata,
    sa.Column("post_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "selection_id",
        sa.String(36),
        sa.ForeignKey("selections.selection_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("position_id", sa.String(128), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("level", sa.String(32), nullable=False),
)
"""The JPT posts a selection fills (one or more)."""

selection_panel = sa.Table(
    "selection_panel",
    metadata,
    sa.Column("member_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "selection_id",
        sa.String(36),
        sa.ForeignKey("selections.selection_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("chair", sa.Boolean, nullable=False),
    sa.Column("added_by", sa.String(64), nullable=False),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
)
"""The panel (panitia seleksi): users with the ``panel`` role, one of them the chair."""

selection_candidates = sa.Table(
    "selection_candidates",
    metadata,
    sa.Column("candidate_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "selection_id",
        sa.String(36),
        sa.ForeignKey("selections.selection_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("nip", sa.String(18), nullable=False),
    sa.Column("position_id", sa.String(128), nullable=False),
    sa.Column("registered_by", sa.String(64), nullable=False),
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
)
"""A candidate registered for one post of a selection."""

selection_declarations = sa.Table(
    "selection_declarations",
    metadata,
    sa.Column("declaration_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "selection_id",
        sa.String(36),
        sa.ForeignKey("selections.selection_id"),
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
"""A panel member's conflict declaration on a selection (``none``, ``relation``, ``recused``;
the latest one counts), as on a shortlist."""

selection_results = sa.Table(
    "selection_results",
    metadata,
    sa.Column("result_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "selection_id",
        sa.String(36),
        sa.ForeignKey("selections.selection_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("nip", sa.String(18), nullable=False),
    sa.Column("stage", sa.String(32), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("entered_by", sa.String(64), nullable=False),
    sa.Column("entered_name", sa.String(128), nullable=False),
    sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("late", sa.Boolean, nullable=False),
)
"""A candidate's score at one stage (0-100), entered by a panel member; a correction is a new
row (the latest counts); ``late`` when entered after the stage's deadline."""

selection_announcements = sa.Table(
    "selection_announcements",
    metadata,
    sa.Column("announcement_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "selection_id",
        sa.String(36),
        sa.ForeignKey("selections.selection_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("stage", sa.String(32), nullable=False),
    sa.Column("passing_json", sa.Text, nullable=False),
    sa.Column("announced_by", sa.String(64), nullable=False),
    sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
)
"""A stage's announcement: who passes (NIPs per post), never anyone's score; it closes the
stage to new results."""

selection_proposals = sa.Table(
    "selection_proposals",
    metadata,
    sa.Column("proposal_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "selection_id",
        sa.String(36),
        sa.ForeignKey("selections.selection_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("position_id", sa.String(128), nullable=False),
    sa.Column("names_json", sa.Text, nullable=False),
    sa.Column("model_order_json", sa.Text, nullable=False),
    sa.Column("divergence_reason", sa.Text, nullable=True),
    sa.Column("proposed_by", sa.String(64), nullable=False),
    sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
)
"""The panel's three names for a post (ranked, each with its reasons), the model's order beside
it, and the written reason when they differ; a returned list is followed by a new proposal."""

selection_choices = sa.Table(
    "selection_choices",
    metadata,
    sa.Column("choice_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "proposal_id",
        sa.Integer,
        sa.ForeignKey("selection_proposals.proposal_id"),
        nullable=False,
        unique=True,
    ),
    sa.Column("selection_id", sa.String(36), nullable=False, index=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("nip", sa.String(18), nullable=True),
    sa.Column("place", sa.Integer, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("decided_by", sa.String(64), nullable=False),
    sa.Column("decider_name", sa.String(128), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
)
"""The PPK's answer to a proposal: ``chosen`` (``nip``, its ``place`` among the three; a place
after the first needs a ``note``) or ``returned`` (with a ``note``)."""
