"""Experiment tracking: the store's settings, runs and their trials.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_settings",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True)),
        sa.Column("host", sa.String(255)),
        sa.Column("pid", sa.Integer),
        sa.Column("user", sa.String(255)),
        sa.Column("target", sa.String(255)),
        sa.Column("task", sa.String(20)),
        sa.Column("metric", sa.String(50)),
        sa.Column("source", sa.JSON),
        sa.Column("params", sa.JSON),
        sa.Column("data", sa.JSON),
        sa.Column("findings", sa.JSON),
        sa.Column("metrics", sa.JSON),
        sa.Column("timings", sa.JSON),
        sa.Column("environment", sa.JSON),
        sa.Column("git", sa.JSON),
        sa.Column("run_dir", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("resumed_from", sa.String(32)),
    )
    op.create_index("ix_runs_status", "runs", ["status"])
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_table(
        "trials",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("family", sa.String(50), nullable=False),
        sa.Column("origin", sa.String(50)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("fit_seconds", sa.Float),
        sa.Column("predict_ms_per_row", sa.Float),
        sa.Column("params", sa.JSON),
        sa.Column("error", sa.Text),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("run_id", "name", name="uq_trials_run_name"),
    )
    op.create_index("ix_trials_run_id", "trials", ["run_id"])


def downgrade() -> None:
    op.drop_table("trials")
    op.drop_table("runs")
    op.drop_table("store_settings")
