"""Monitoring: drift checks as a time series, and the decisions of champion/challenger retraining.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drift_checks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("model_name", sa.String(200)),
        sa.Column("model_version", sa.Integer),
        sa.Column("current", sa.JSON),
        sa.Column("reference", sa.JSON),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("summary", sa.JSON),
    )
    op.create_index("ix_drift_checks_checked_at", "drift_checks", ["checked_at"])
    op.create_index("ix_drift_checks_model_name", "drift_checks", ["model_name", "checked_at"])
    op.create_table(
        "drift_features",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("check_id", sa.Integer, sa.ForeignKey("drift_checks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("feature", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("statistic", sa.String(30)),
        sa.Column("value", sa.Float),
        sa.Column("p_value", sa.Float),
        sa.Column("psi", sa.Float),
        sa.Column("weight", sa.Float),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("missing_rate", sa.Float),
        sa.Column("new_category_rate", sa.Float),
        sa.Column("details", sa.JSON),
        sa.UniqueConstraint("check_id", "feature", name="uq_drift_features_check_feature"),
    )
    op.create_index("ix_drift_features_check_id", "drift_features", ["check_id"])
    op.create_table(
        "retrain_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_name", sa.String(200), sa.ForeignKey("registered_models.name"), nullable=False),
        sa.Column("champion_id", sa.Integer, sa.ForeignKey("model_versions.id")),
        sa.Column("challenger_id", sa.Integer, sa.ForeignKey("model_versions.id")),
        sa.Column("promoted", sa.Boolean, nullable=False),
        sa.Column("metric", sa.String(50)),
        sa.Column("champion_score", sa.Float),
        sa.Column("challenger_score", sa.Float),
        sa.Column("difference", sa.Float),
        sa.Column("ci_low", sa.Float),
        sa.Column("ci_high", sa.Float),
        sa.Column("p_value", sa.Float),
        sa.Column("margin", sa.Float),
        sa.Column("holdout_rows", sa.Integer),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", sa.JSON),
        sa.Column("decided_by", sa.String(255)),
    )
    op.create_index("ix_retrain_decisions_model_name", "retrain_decisions", ["model_name", "decided_at"])


def downgrade() -> None:
    op.drop_table("retrain_decisions")
    op.drop_table("drift_features")
    op.drop_table("drift_checks")
