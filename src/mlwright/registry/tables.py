"""The store's tables, as the code queries them. The migrations in ``migrations/versions``
create them; a test checks that the two agree, so neither drifts from the other.

    runs              one row per `train`: parameters, data fingerprint, findings, metrics,
                      timings, package versions, git commit, status (running/finished/failed)
    trials            every trial of a run's search: configuration, score, cost, status
    registered_models one row per model name
    model_versions    numbered versions of a name: stage, the run and artifact they come from,
                      the artifact's digest, the parent version of a retrained model
    stage_changes     who moved which version to which stage, when and why
    store_settings    facts fixed when the store was created (where its artifacts live)
    served_predictions every row a prediction service scored: inputs, output, model version,
                      latency, request id (for monitoring; written in batches off the request path)
    drift_checks      one row per `monitor`: which model, which data, how many rows, the verdict
    drift_features    each checked feature's statistic, p-value and verdict: the drift time series
    retrain_decisions champion against challenger: scores, paired test, promoted or not, and why
"""

from __future__ import annotations

from sqlalchemy import (JSON, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

metadata = MetaData()

store_settings = Table(
    "store_settings", metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

runs = Table(
    "runs", metadata,
    Column("id", String(32), primary_key=True),
    Column("status", String(20), nullable=False, index=True),
    Column("started_at", DateTime(timezone=True), nullable=False, index=True),
    Column("finished_at", DateTime(timezone=True)),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("host", String(255)),
    Column("pid", Integer),
    Column("user", String(255)),
    Column("target", String(255)),
    Column("task", String(20)),
    Column("metric", String(50)),
    Column("source", JSON),
    Column("params", JSON),
    Column("data", JSON),
    Column("findings", JSON),
    Column("metrics", JSON),
    Column("timings", JSON),
    Column("environment", JSON),
    Column("git", JSON),
    Column("run_dir", Text),
    Column("error", Text),
    Column("resumed_from", String(32)),
)

trials = Table(
    "trials", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("family", String(50), nullable=False),
    Column("origin", String(50)),
    Column("status", String(20), nullable=False),
    Column("score", Float),
    Column("fit_seconds", Float),
    Column("predict_ms_per_row", Float),
    Column("params", JSON),
    Column("error", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("run_id", "name", name="uq_trials_run_name"),
)

registered_models = Table(
    "registered_models", metadata,
    Column("name", String(200), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(255)),
    Column("description", Text),
)

model_versions = Table(
    "model_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), ForeignKey("registered_models.name"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("stage", String(20), nullable=False),
    # the name while this version is in production, else NULL: a unique column, so the database
    # itself refuses a second production version of a name (NULLs never collide)
    Column("production_slot", String(200), unique=True),
    Column("run_id", String(32), ForeignKey("runs.id")),
    Column("parent_id", Integer, ForeignKey("model_versions.id")),
    Column("artifact_uri", Text, nullable=False),
    Column("artifact_digest", String(64), nullable=False),
    Column("artifact_files", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(255)),
    Column("description", Text),
    UniqueConstraint("name", "version", name="uq_model_versions_name_version"),
)

stage_changes = Table(
    "stage_changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("model_versions.id"), nullable=False, index=True),
    Column("from_stage", String(20), nullable=False),
    Column("to_stage", String(20), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(255)),
    Column("reason", Text),
)

served_predictions = Table(
    "served_predictions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("row_index", Integer, nullable=False),
    Column("served_at", DateTime(timezone=True), nullable=False, index=True),
    # what served it: the registry's name and number when the model came from the registry,
    # and always the reference as served (a models:/ URI or a folder)
    Column("model", Text, nullable=False),
    Column("model_name", String(200)),
    Column("model_version", Integer),
    Column("inputs", JSON, nullable=False),
    Column("prediction", JSON),
    Column("probabilities", JSON),
    Column("latency_ms", Float),
    UniqueConstraint("request_id", "row_index", name="uq_served_predictions_request_row"),
)
Index("ix_served_predictions_model", served_predictions.c.model_name, served_predictions.c.model_version,
      served_predictions.c.served_at)

drift_checks = Table(
    "drift_checks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("checked_at", DateTime(timezone=True), nullable=False, index=True),
    # the model as checked (a models:/ URI or a folder), and its registry name and number if any
    Column("model", Text, nullable=False),
    Column("model_name", String(200)),
    Column("model_version", Integer),
    Column("current", JSON),
    Column("reference", JSON),
    Column("rows", Integer, nullable=False),
    Column("status", Integer, nullable=False),
    Column("verdict", String(20), nullable=False),
    Column("summary", JSON),
)
Index("ix_drift_checks_model_name", drift_checks.c.model_name, drift_checks.c.checked_at)

drift_features = Table(
    "drift_features", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("check_id", Integer, ForeignKey("drift_checks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("feature", String(255), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("statistic", String(30)),
    Column("value", Float),
    Column("p_value", Float),
    Column("psi", Float),
    Column("weight", Float),
    Column("verdict", String(20), nullable=False),
    Column("missing_rate", Float),
    Column("new_category_rate", Float),
    Column("details", JSON),
    UniqueConstraint("check_id", "feature", name="uq_drift_features_check_feature"),
)

retrain_decisions = Table(
    "retrain_decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("model_name", String(200), ForeignKey("registered_models.name"), nullable=False),
    Column("champion_id", Integer, ForeignKey("model_versions.id")),
    Column("challenger_id", Integer, ForeignKey("model_versions.id")),
    Column("promoted", Boolean, nullable=False),
    Column("metric", String(50)),
    Column("champion_score", Float),
    Column("challenger_score", Float),
    Column("difference", Float),
    Column("ci_low", Float),
    Column("ci_high", Float),
    Column("p_value", Float),
    Column("margin", Float),
    Column("holdout_rows", Integer),
    Column("reason", Text, nullable=False),
    Column("evidence", JSON),
    Column("decided_by", String(255)),
)
Index("ix_retrain_decisions_model_name", retrain_decisions.c.model_name, retrain_decisions.c.decided_at)
