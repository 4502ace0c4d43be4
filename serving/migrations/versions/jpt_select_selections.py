"""JPT selections: posts, panel, candidates, declarations, stage results, announcements, the
panel's three names and the PPK's answer.

Revision ID: jpt_select_1
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "jpt_select_1"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "selections",
        sa.Column("selection_id", sa.String(36), primary_key=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
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
    op.create_table(
        "selection_posts",
        sa.Column("post_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "selection_id", sa.String(36), sa.ForeignKey("selections.selection_id"), nullable=False
        ),
        sa.Column("position_id", sa.String(128), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
    )
    op.create_table(
        "selection_panel",
        sa.Column("member_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "selection_id", sa.String(36), sa.ForeignKey("selections.selection_id"), nullable=False
        ),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("chair", sa.Boolean, nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "selection_candidates",
        sa.Column("candidate_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "selection_id", sa.String(36), sa.ForeignKey("selections.selection_id"), nullable=False
        ),
        sa.Column("nip", sa.String(18), nullable=False),
        sa.Column("position_id", sa.String(128), nullable=False),
        sa.Column("registered_by", sa.String(64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "selection_declarations",
        sa.Column("declaration_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "selection_id", sa.String(36), sa.ForeignKey("selections.selection_id"), nullable=False
        ),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("related_nips_json", sa.Text, nullable=False),
        sa.Column("statement", sa.Text, nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "selection_results",
        sa.Column("result_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "selection_id", sa.String(36), sa.ForeignKey("selections.selection_id"), nullable=False
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
    op.create_table(
        "selection_announcements",
        sa.Column("announcement_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "selection_id", sa.String(36), sa.ForeignKey("selections.selection_id"), nullable=False
        ),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("passing_json", sa.Text, nullable=False),
        sa.Column("announced_by", sa.String(64), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "selection_proposals",
        sa.Column("proposal_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "selection_id", sa.String(36), sa.ForeignKey("selections.selection_id"), nullable=False
        ),
        sa.Column("position_id", sa.String(128), nullable=False),
        sa.Column("names_json", sa.Text, nullable=False),
        sa.Column("model_order_json", sa.Text, nullable=False),
        sa.Column("divergence_reason", sa.Text, nullable=True),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "selection_choices",
        sa.Column("choice_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "proposal_id",
            sa.Integer,
            sa.ForeignKey("selection_proposals.proposal_id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("selection_id", sa.String(36), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("nip", sa.String(18), nullable=True),
        sa.Column("place", sa.Integer, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decider_name", sa.String(128), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_selections_agency_id", "selections", ["agency_id"])
    op.create_index("ix_selection_posts_selection_id", "selection_posts", ["selection_id"])
    op.create_index("ix_selection_panel_selection_id", "selection_panel", ["selection_id"])
    op.create_index(
        "ix_selection_candidates_selection_id", "selection_candidates", ["selection_id"]
    )
    op.create_index(
        "ix_selection_declarations_selection_id", "selection_declarations", ["selection_id"]
    )
    op.create_index("ix_selection_results_selection_id", "selection_results", ["selection_id"])
    op.create_index(
        "ix_selection_announcements_selection_id", "selection_announcements", ["selection_id"]
    )
    op.create_index("ix_selection_proposals_selection_id", "selection_proposals", ["selection_id"])
    op.create_index("ix_selection_choices_selection_id", "selection_choices", ["selection_id"])


def downgrade() -> None:
    op.drop_index("ix_selection_choices_selection_id", "selection_choices")
    op.drop_index("ix_selection_proposals_selection_id", "selection_proposals")
    op.drop_index("ix_selection_announcements_selection_id", "selection_announcements")
    op.drop_index("ix_selection_results_selection_id", "selection_results")
    op.drop_index("ix_selection_declarations_selection_id", "selection_declarations")
    op.drop_index("ix_selection_candidates_selection_id", "selection_candidates")
    op.drop_index("ix_selection_panel_selection_id", "selection_panel")
    op.drop_index("ix_selection_posts_selection_id", "selection_posts")
    op.drop_index("ix_selections_agency_id", "selections")
    op.drop_table("selection_choices")
    op.drop_table("selection_proposals")
    op.drop_table("selection_announcements")
    op.drop_table("selection_results")
    op.drop_table("selection_declarations")
    op.drop_table("selection_candidates")
    op.drop_table("selection_panel")
    op.drop_table("selection_posts")
    op.drop_table("selections")
