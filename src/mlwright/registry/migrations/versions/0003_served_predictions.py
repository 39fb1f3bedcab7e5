"""Served predictions: every row a prediction service scored, for monitoring.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "served_predictions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("row_index", sa.Integer, nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("model_name", sa.String(200)),
        sa.Column("model_version", sa.Integer),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("prediction", sa.JSON),
        sa.Column("probabilities", sa.JSON),
        sa.Column("latency_ms", sa.Float),
        sa.UniqueConstraint("request_id", "row_index", name="uq_served_predictions_request_row"),
    )
    op.create_index("ix_served_predictions_served_at", "served_predictions", ["served_at"])
    op.create_index("ix_served_predictions_model", "served_predictions", ["model_name", "model_version", "served_at"])


def downgrade() -> None:
    op.drop_table("served_predictions")
