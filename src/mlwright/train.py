"""The training pipeline, one call per stage: read, prepare, split, search, ensemble, refit,
estimate, save. Reading this file top to bottom shows the architecture.
"""

from __future__ import annotations

import copy
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlwright import __version__
from mlwright._types import DataSource, Task
from mlwright.config import (DEFAULT_LATENCY_TARGET_MS, DEFAULT_SIZE_TARGET_MB, FINAL_STAGE_SHARE, STREAMED_FIT_SHARE, TrainConfig,
                             report_reserve)
from mlwright.data.documents import PATH_COLUMN, is_document_collection, read_documents
from mlwright.data.memory import check_fits_in_memory
from mlwright.data.prepare import PreparedData, prepare_training_data
from mlwright.data.readers import describe_source, read_table
from mlwright.data.sampling import FileSample, sample_file
from mlwright.data.schema import SENSITIVE
from mlwright.data.splits import holdout_split, wants_holdout
from mlwright.data.target import DEFAULT_METRIC
from mlwright.ensemble.caruana import blend, cross_fitted_score, select_ensemble
from mlwright.ensemble.stacking import Holdout, choose_stacker
from mlwright.errors import BudgetError, ConfigError
from mlwright.evaluate.bootstrap import bootstrap_intervals
from mlwright.evaluate.calibration import choose_calibration, replaced_by_layer
from mlwright.evaluate.decision import Decision
from mlwright.evaluate.fairness import resolve_sensitive
from mlwright.evaluate.latency import confirmed_latency_ms, cut_lone_booster, prune_to_latency, without_slow_members
from mlwright.evaluate.model_size import member_megabytes, prune_to_size
from mlwright.evaluate.metrics import Metric, get_metric
from mlwright.evaluate.threshold import DEFAULT_FOR_METRIC, choose_threshold, parse_objective
from mlwright.execution import Executor, LocalExecutor
from mlwright.models.fit_time import model_classes, trial_seconds
from mlwright.models.registry import left_out_notes, portfolio, select_families
from mlwright.predictor import TrainedModel
from mlwright.profile.reference import build_reference
from mlwright.profile.screen import Screening, screen_training_table
from mlwright.registry.recording import Laps, RunRecorder
from mlwright.registry.run_slot import check_register, recorded_run
from mlwright.progress import SearchProgress
from mlwright.report.evidence import RunEvidence, encode_labels, training_sets
from mlwright.report.run_report import write_run_report
from mlwright.search import levers
from mlwright.search.budget import FINAL_FIXED_SECONDS, Budget, refits_seconds
from mlwright.search.checkpoint import Checkpoint
from mlwright.search.context import SearchContext
from mlwright.search.leaderboard import build_leaderboard
from mlwright.search.refit import refit_members, refits_in_time, search_fitted_members, ships_search_fits
from mlwright.search.searcher import Searcher
from mlwright.search.streamed_fit import STREAMED_FAMILY, fit_on_every_row
from mlwright.search.validation import CONFIGS_TO_BAG, choose_validation, validation_folds


def train(data: DataSource, target: str, *, time_limit: float = 120.0, metric: str | None = None,
          task: str | Task | None = None, out: str | os.PathLike | None = None, resume: bool = False,
          executor: Executor | None = None, progress: bool | None = None,
          read_options: dict[str, Any] | None = None, test: DataSource | None = None,
          model_tests: str | os.PathLike | None = None, store: str | Any | bool | None = None,
          register: str | None = None, parent: str | None = None, started_at: float | None = None,
          **settings: Any) -> TrainedModel:
    """Train the best model for ``target`` that fits in ``time_limit`` seconds of wall time.

    ``data`` is a file, a DataFrame or a ``mlwright.data.sql.SqlQuery``. ``settings`` are the
    other fields of :class:`mlwright.config.TrainConfig` (seed, n_jobs, folds, max_trials,
    families, max_latency_ms, max_model_mb, holdout, fail_fast, sensitive, threshold_objective, calibration,
    intended_use, sample_rows). With ``out`` the model is saved to ``out/model``, finished trials to
    ``out/checkpoint``, and the report (``report.html``, ``MODEL_CARD.md``, ``evaluation.json``)
    is written after the search, judged on held-out rows and on ``test`` when given, with the
    checks of ``model_tests`` (a YAML or Python file). ``resume=True`` continues the search in ``out``.

    The run is recorded in ``store`` (a URL or an open store; by default MLWRIGHT_STORE or the
    project's ``.mlwright/store.db``; ``False`` records nothing). ``register=NAME`` registers the
    result as the next version of NAME (``model.info["registered"]`` then holds its URI);
    ``parent`` names the registered version it descends from (``models:/churn/3``).

    The budget counts from ``started_at`` (a ``time.time()`` value; by default the call): the
    command line passes the start of its process, so that the user's clock and the budget agree.
    """
    started = time.time() if started_at is None else float(started_at)
    config = TrainConfig(target=target, time_limit=time_limit, metric=metric, task=task, **settings)
    check_register(register, store)  # a bad name fails now, not after the search
    run_dir = Path(out) if out is not None else None
    with recorded_run(store, data, out, register, _config_facts(config, read_options), target=target,
                      resumed_from=_resumed_run(store, run_dir) if resume else None) as run:
        if run.recorder is not None:
            run.recorder.parent_version(parent)  # an unknown parent fails now, not after the search
        laps = Laps(started)
        model = _pipeline(data, config, run.run_dir, resume=resume, executor=executor, progress=progress,
                          read_options=read_options, test=test, model_tests=model_tests, recorder=run.recorder,
                          laps=laps, started=started)
        if run.recorder is not None:
            run.recorder.finish(model, timings=laps.as_dict(), run_dir=run.run_dir)
            run.registered(model, parent=parent, description=config.intended_use)
        return model


def _pipeline(data: DataSource, config: TrainConfig, run_dir: Path | None, *, resume: bool, executor, progress,
              read_options, test, model_tests, recorder: RunRecorder | None, laps: Laps,
              started: float) -> TrainedModel:
    """Read, check, search, ensemble, decide, estimate, save and report: the stages of training."""
    # the report is written inside the budget too: the search gives its share back
    reserve = report_reserve(config.time_limit) if run_dir is not None else 0.0
    # data larger than memory: the search runs on a sample, the chosen configuration then on every row
    sampled = _sample(data, config, read_options)
    streamed_seconds = STREAMED_FIT_SHARE * float(config.time_limit) if sampled is not None else 0.0
    budget = Budget(started, float(config.time_limit) - reserve - streamed_seconds)
    if sampled is None and isinstance(data, (str, os.PathLike)):
        check_fits_in_memory(data)  # a clear refusal rather than the process killed for memory
    raw = sampled.sample if sampled is not None else _read_training_table(data, config, read_options)
    sensitive = resolve_sensitive(raw, list(config.sensitive), where=_where(data)) if config.sensitive else []
    screening = _screen(raw, config, _where(data))
    prepared = prepare_training_data(raw, config.target, config.task, where=_where(data),
                                     exclude=_exclusions(screening, sensitive, config),
                                     metric=get_metric(config.metric) if config.metric is not None else None)
    test_frame = _read_test(test, prepared, read_options)  # before the search: a bad file fails fast
    task_ = prepared.target.task
    metric_ = get_metric(config.metric or DEFAULT_METRIC[task_], task_)
    if recorder is not None:
        recorder.describe_data(task=task_.value, metric=metric_.name, findings=_screening_facts(screening)["findings"],
                               data={**prepared.fingerprint, "schema": prepared.schema.to_list()})
    laps.mark("read and check")
    train_rows, holdout_rows = _split(prepared, config)
    families = [f for f in select_families(_families(config), task_, len(train_rows))
                if f.name not in levers.LEVERS or levers.on(f.name)]  # the ablation can switch a family off
    prepared.notes.extend(left_out_notes(_families(config), task_, len(train_rows)))
    prepared.notes[:0] = raw.attrs.get("read_notes", [])  # how the file was read: files left out, encodings
    context = _context(prepared, train_rows, metric_, config, budget, families, _resumed_validation(run_dir, resume))
    facts = _run_facts(data, prepared, config, metric_, read_options)
    facts["validation_chosen"] = {"kind": context.validation.kind, "folds": context.validation.folds}
    facts["run_id"] = recorder.run_id if recorder is not None else None
    checkpoint, prior = _checkpoint(run_dir, resume, facts)
    for result in prior if recorder is not None else ():  # a resumed run's record holds every trial it uses
        recorder.on_trial(result, metric_)
    with SearchProgress(config.time_limit, metric_, enabled=progress) as bar:
        def on_result(result) -> None:
            bar.on_result(result)
            if recorder is not None:
                recorder.on_trial(result, metric_)

        results = Searcher(context, families, budget=budget, executor=executor or LocalExecutor(),
                           max_trials=config.max_trials, final_share=FINAL_STAGE_SHARE, checkpoint=checkpoint,
                           on_result=on_result, fail_fast=config.fail_fast).run(prior)
        laps.mark("search")
        bar.stage("ensembling")
        # rows as they were read, for one-row timings: cleaning and parsing count as in service
        sample = raw.drop(columns=[config.target]).head(50)
        if sampled is None:
            model = _final_model(prepared, context, train_rows, results, metric_, config, budget, sample)
        else:
            bar.stage("fitting on every row")
            model = _streamed_model(sampled, prepared, context, holdout_rows, results, metric_, config,
                                    deadline=budget.end + streamed_seconds - FINAL_FIXED_SECONDS,
                                    on_rows=bar.rows_read)
        laps.mark("ensemble and refit")
        bar.stage("estimating")
        # before the estimate, which then scores the model shipped
        _meet_latency(model, sample, context, results, metric_, config)
        # with every row refitted after the estimate, the refit of shipped fits waits until then
        every_row = sampled is None and context.refit_rows is not None
        if sampled is None and not every_row and _refit_late(model, prepared, context, results, config, budget):
            pruned = {key: model.info[key] for key in ("pruned_for_size", "pruned_for_latency")}
            _meet_latency(model, sample, context, results, metric_, config)  # more rows can grow the trees
            for key, names in pruned.items():
                model.info[key] = names + model.info[key]
        # the members' answers on the holdout, predicted once: the second layer's guard, the estimate
        # and the report all read them
        holdout = ((model.member_outputs(prepared.frame.iloc[holdout_rows]), prepared.y[holdout_rows])
                   if len(holdout_rows) else None)
        shipped_oof, decided = _decide(model, context, results, metric_, config, holdout,
                                       deadline=budget.end + streamed_seconds)
        held_out = model.answer(holdout[0]) if holdout is not None else None
        model.info.update(_estimate(prepared, holdout_rows, held_out, context, results, metric_, config, shipped_oof,
                                    stacked=model.decision.stacker is not None))
        model.info.update(_screening_facts(screening))
        model.reference = _reference(prepared, shipped_oof, model, metric_)
        laps.mark("calibrate and estimate")
        judged = model  # the model the holdout scored, and the report's held-out sections score
        if every_row:
            bar.stage("refitting on every row")
            judged = _refit_every_row(model, prepared, context, holdout_rows, results, config, budget, sample)
            laps.mark("refit on every row")
        if recorder is not None:
            model.info["run_id"] = recorder.run_id
        model.info["train_seconds"] = round(time.time() - started, 2)
        if run_dir is not None:
            bar.stage("saving")
            model.save(run_dir / "model")
            if screening.profile is not None:
                screening.profile.write_json(run_dir / "profile.json")
                screening.profile.write_html(run_dir / "profile.html")
            model.leaderboard().to_csv(run_dir / "leaderboard.csv", index=False)
            laps.mark("save")
            bar.stage("report")
            evidence = RunEvidence(
                sets=training_sets(model, raw, prepared, train_rows[context.scored_rows], holdout_rows, held_out, shipped_oof,
                                   validation="holdout" if context.is_holdout else "bagged",
                                   holdout_refitted=judged is not model),
                y_train=context.y, data_source=_where(data), calibration=decided.get("calibration"),
                threshold=decided.get("threshold"), sensitive=tuple(sensitive), tests_spec=model_tests,
                judged_by=judged if judged is not model else None)
            if test_frame is not None:
                evidence.add_test(model, test_frame, where=_where(test))
            # what is left of the budget sizes the report's samples (importance, SHAP, dependence)
            write_run_report(run_dir, model, evidence, intended_use=config.intended_use,
                             seconds=max(started + float(config.time_limit) - time.time(), 0.0))
            laps.mark("report")
    return model


def _read_training_table(data: DataSource, config: TrainConfig, read_options) -> pd.DataFrame:
    """The table to train on. A folder of documents gives one row per file, its class (named as
    the target) from its folder; the file's path is left out, since it names that folder."""
    if not is_document_collection(data):
        return read_table(data, **(read_options or {}))
    frame = read_documents(data, label=config.target)
    return frame.drop(columns=[PATH_COLUMN])


def _sample(data: DataSource, config: TrainConfig, read_options) -> FileSample | None:
    """The sample the search runs on when ``sample_rows`` asks for one (a file's rows only)."""
    if config.sample_rows is None:
        return None
    if not isinstance(data, (str, os.PathLike)):
        raise ConfigError("sample_rows streams a file; this data is not one.", where="sample_rows",
                          fix="pass a Parquet or CSV file, or leave sample_rows out for data already in memory.")
    return sample_file(data, config.target, config.sample_rows, task=config.task, seed=config.seed,
                       read_options=read_options)


def _families(config: TrainConfig) -> tuple[str, ...] | None:
    """With a sample, the search tunes the family that can be fitted on every row afterwards."""
    if config.sample_rows is None:
        return config.families
    return config.families or (STREAMED_FAMILY,)


def _streamed_model(sampled: FileSample, prepared: PreparedData, context: SearchContext, holdout_rows: np.ndarray,
                    results, metric: Metric, config: TrainConfig, *, deadline: float,
                    on_rows=None) -> TrainedModel:
    """The best configuration of the family that streams, fitted on every row of the file but
    the holdout (its estimate stays honest) and the rows that stop its boosting."""
    candidates = [r for r in results if r.ok and r.spec.family == STREAMED_FAMILY]
    if not candidates:
        reasons = "; ".join(f"{r.spec.name}: {r.error}" for r in results[:5]) or "no trial started"
        raise BudgetError(f"no {STREAMED_FAMILY} trial finished on the sample in time ({reasons}).",
                          where="time_limit", fix="give a larger --time-limit or a smaller --sample-rows.")
    best = max(candidates, key=lambda r: r.score)
    fitted = fit_on_every_row(sampled, best, sample_frame=context.frame, sample_y=context.y, schema=prepared.schema,
                              target=prepared.target, n_classes=context.n_classes,
                              held_out=sampled.sample_positions[prepared.source_index[holdout_rows]], seed=config.seed,
                              threads=config.threads, deadline=deadline, on_rows=on_rows)
    info = _model_info(prepared, context, results, metric, config,
                       rows={"train": fitted.facts["rows_fitted"], "total": sampled.rows, "sample": len(context.y)},
                       oof_score=metric.value(context.y_scored, best.oof), skipped=[])
    info["streamed_fit"] = fitted.facts
    info["notes"] = info["notes"] + [
        f"searched on a stratified sample of {len(sampled.sample):,} of {sampled.rows:,} rows; {best.spec.name} "
        f"then fitted on {fitted.facts['rows_fitted']:,} rows streamed from the file."]
    return TrainedModel(schema=prepared.schema, target=prepared.target, metric=metric.name,
                        encoders={fitted.member.style: fitted.encoder}, members=[fitted.member],
                        leaderboard=build_leaderboard(results, metric, {best.spec.name: 1.0}), info=info)


def _reference(prepared: PreparedData, shipped_oof: np.ndarray, model: TrainedModel, metric: Metric) -> dict:
    """What drift monitoring compares later data with: the training columns, the shipped
    model's out-of-fold output and the estimated metric."""
    estimate = model.info["estimate"]
    return build_reference({name: prepared.frame[name].to_numpy() for name in prepared.frame.columns},
                           prepared.schema, task=model.task, classes=list(model.classes_), predictions=shipped_oof,
                           metric={"name": metric.name, "value": estimate["value"], "interval": estimate["interval"],
                                   "greater_is_better": metric.greater_is_better, "method": estimate["method"]})


def _resumed_validation(run_dir: Path | None, resume: bool) -> dict | None:
    """The validation a resumed run chose when it started, which its trials' scores depend on."""
    if not resume or run_dir is None:
        return None
    return (Checkpoint(run_dir / "checkpoint").run_facts() or {}).get("validation_chosen")


def _resumed_run(store, run_dir: Path | None) -> str | None:
    """The id of the run that last wrote ``run_dir`` (the one being resumed), when the store knows it."""
    if store is False or run_dir is None:
        return None
    facts = Checkpoint(run_dir / "checkpoint").run_facts() or {}
    return facts.get("run_id")


def _read_test(test, prepared: PreparedData, read_options) -> pd.DataFrame | None:
    """The labelled test table, read as the training data were and checked for its labels."""
    if test is None:
        return None
    frame = read_table(test, **(read_options or {}))
    encode_labels(prepared.target, frame, _where(test))
    return frame


def _exclusions(screening: Screening, sensitive: list[str], config: TrainConfig) -> list[tuple[str, str, str]]:
    """Columns kept from the model: flagged by the checks, and the sensitive ones unless asked."""
    excluded = [(e.column, e.kind, e.reason) for e in screening.excluded]
    if not config.sensitive_as_feature:
        flagged = {e[0] for e in excluded}
        excluded += [(c, SENSITIVE, "is named sensitive: audited for fairness, not used as a feature")
                     for c in sensitive if c not in flagged]
    return excluded


def _decide(model: TrainedModel, context: SearchContext, results, metric: Metric, config: TrainConfig,
            holdout: tuple[dict, np.ndarray] | None, deadline: float) -> tuple[np.ndarray, dict]:
    """Calibrate the shipped blend, or put a second layer over its members, and set the decision
    threshold, all on out-of-fold rows; ``holdout`` (the members' outputs there, and the labels) lets the second layer's
    leak guard see the members as they answer in service. Returns the out-of-fold output as the
    shipped model gives it (cross-fitted where calibrated or stacked)."""
    oofs = {r.spec.name: r.oof for r in results if r.ok}
    blended = blend(oofs, {m.name: m.weight for m in model.members})
    calibration = None
    if context.task.is_classification:
        calibrator, calibration, shipped = choose_calibration(context.y_scored, blended, metric,
                                                              method=config.calibration, seed=config.seed)
        model.decision = Decision(calibrator)
    else:
        shipped = blended
    shipped, second_layer = _second_layer(model, context, oofs, shipped, metric, config, holdout, deadline)
    threshold = None
    if context.task == Task.BINARY:
        objective = parse_objective(config.threshold_objective or DEFAULT_FOR_METRIC.get(metric.name, "f1"))
        threshold = choose_threshold(context.y_scored == 1, shipped[:, 1], objective)
        model.decision.threshold, model.decision.objective = threshold["value"], threshold["objective"]
    if calibration is not None and second_layer["applied"]:
        calibration = replaced_by_layer(calibration, context.y_scored, shipped,
                                        "the second layer over the members gives the probabilities, fitted on "
                                        "out-of-fold rows (measured cross-fitted)")
    if calibration is not None:
        model.info["calibration"] = {k: calibration[k] for k in ("method", "applied", "reason", "before", "after")}
    model.info["threshold"] = {k: threshold[k] for k in ("value", "objective", "description")} if threshold else None
    model.info["second_layer"] = second_layer
    return shipped, {"calibration": calibration, "threshold": threshold}


def _second_layer(model: TrainedModel, context: SearchContext, oofs: dict, shipped: np.ndarray, metric: Metric,
                  config: TrainConfig, holdout: tuple[dict, np.ndarray] | None,
                  deadline: float) -> tuple[np.ndarray, dict]:
    """A linear layer over the members' outputs, kept only past its guard (``ensemble.stacking``);
    it replaces the calibrator. Returns the shipped out-of-fold output and the facts."""
    if levers.off("stacking") or not config.stacking:
        return shipped, {"applied": False, "reason": "turned off"}
    names = [m.name for m in model.members]
    guard = None
    if holdout is not None:
        guard = Holdout(holdout[0], holdout[1], model.answer(holdout[0]))
    stacker, facts, stacked = choose_stacker({n: oofs[n] for n in names}, context.y_scored, shipped, metric,
                                             context.task, n_classes=context.n_classes, seed=config.seed,
                                             holdout=guard, deadline=deadline)
    if stacker is None:
        return shipped, facts
    model.decision = Decision(stacker=stacker)
    return stacked, facts


def _screen(raw, config: TrainConfig, where: str) -> Screening:
    """Leak and personal-data checks (and the other findings, for the report) before any fit."""
    if not config.checks:
        return Screening(profile=None, excluded=(), kept=())
    return screen_training_table(raw, config.target, config.task, keep=config.keep_columns, seed=config.seed,
                                 where=where)


def _screening_facts(screening: Screening) -> dict:
    return {"findings": [f.to_dict() for f in screening.findings],
            "excluded_columns": {e.column: e.kind for e in screening.excluded},
            "kept_despite_findings": list(screening.kept)}


def _split(prepared: PreparedData, config: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """Training and holdout rows. A sampled run always keeps a holdout unless told not to: its
    final model is not the one the out-of-fold rows measure, and the holdout judges that one."""
    rows = np.arange(len(prepared.y))
    sampled_holdout = True if config.sample_rows is not None and config.holdout is None else config.holdout
    if not wants_holdout(len(rows), sampled_holdout):
        return rows, rows[:0]
    return holdout_split(prepared.y, prepared.target.task, config.seed)


def _context(prepared: PreparedData, rows: np.ndarray, metric: Metric, config: TrainConfig,
             budget: Budget, families: list, resumed: dict | None = None) -> SearchContext:
    """The search's rows and folds. The folds are bagged unless the portfolio's first
    configurations, bagged, would take most of the search (``search.validation``); a resumed
    run keeps the folds its checkpointed trials were scored on."""
    y = prepared.y[rows]
    task = prepared.target.task
    n_classes = len(prepared.target.classes)
    entries = portfolio(families, learned=levers.on("learned_portfolio"))[:CONFIGS_TO_BAG]
    models = [e.time for e in entries]
    n_features = len(prepared.schema.used)

    def bagged(folds: int) -> float:
        return trial_seconds(models, fit_rows=len(rows) * (folds - 1) / folds, fits=folds, cols=n_features,
                             classes=model_classes(n_classes), threads=config.threads)

    requested = "bagged" if levers.off("auto_validation") and config.validation == "auto" else config.validation
    folds = config.folds
    if resumed:
        requested, folds = resumed["kind"], resumed["folds"] if resumed["kind"] == "bagged" else None
    validation = choose_validation(len(rows), requested=requested, folds=folds, bagged_seconds=bagged,
                                   search_seconds=budget.left() * (1 - FINAL_STAGE_SHARE))
    folds_ = validation_folds(y, task, validation, config.seed)
    return SearchContext(frame=prepared.frame.iloc[rows].reset_index(drop=True), y=y, schema=prepared.schema,
                         task=task, n_classes=n_classes, metric=metric, folds=folds_, seed=config.seed,
                         threads=config.threads, validation=validation,
                         text_search_seconds=TEXT_SEARCH_SHARE * budget.left() / len(folds_),
                         refit_rows=len(prepared.y) if len(rows) < len(prepared.y) and levers.on("every_row_refit")
                         else None,
                         member_row_ms=MEMBER_LATENCY_SHARE * _latency_limit(config) if levers.on("row_latency_cap")
                         else float("inf"))


#: The share of the budget text models may spend, over all folds, on settings beyond their default.
TEXT_SEARCH_SHARE = 0.1
#: The share of the one-row latency limit one model's own prediction may take while it trains;
#: the rest goes to reading, cleaning and encoding the row and assembling the answer (letter's
#: LightGBM: 0.32 ms of the 0.80 ms one row takes through the whole model).
MEMBER_LATENCY_SHARE = 0.6


def _alone_ms(prepared: PreparedData, context: SearchContext, candidates: dict, metric: Metric,
              sample: pd.DataFrame, limit_ms: float):
    """One-row milliseconds of a candidate the search fitted, timed alone (once each, and once
    more when over ``limit_ms``)."""
    timed: dict[str, float] = {}

    def alone(name: str) -> float:
        if name not in timed:
            encoders, members = search_fitted_members(context, prepared.schema, {name: candidates[name]}, {name: 1.0})
            model = TrainedModel(schema=prepared.schema, target=prepared.target, metric=metric.name,
                                 encoders=encoders, members=members, leaderboard=pd.DataFrame(), info={})
            timed[name] = confirmed_latency_ms(model, sample, limit_ms, repeats=10)
        return timed[name]

    return alone


def _final_model(prepared, context, train_rows, results, metric, config, budget, sample) -> TrainedModel:
    finished = {r.spec.name: r for r in results if r.ok}
    if not finished:
        reasons = "; ".join(f"{r.spec.name}: {r.error}" for r in results[:5]) or "no trial started"
        raise BudgetError(f"no model finished in {config.time_limit:g} s ({reasons}).", where="time_limit",
                          fix="give a larger --time-limit or pass fewer rows.")
    best = max(finished.values(), key=lambda r: r.score)
    # a resumed search's trials come back without their fitted models: those are refitted
    ships = ships_search_fits(context, budget.seconds) and best.fitted is not None
    candidates = {n: r for n, r in finished.items() if r.fitted is not None} if ships else finished
    weights = select_ensemble({n: r.oof for n, r in candidates.items()}, context.y_scored, metric,
                              config.ensemble_rounds)
    too_slow: list[str] = []
    limit = _latency_limit(config)
    if ships and math.isfinite(limit):  # the search's fits are at hand: each can be timed alone

        def reselect(excluded: set[str]) -> dict[str, float]:
            rest = {n: r.oof for n, r in candidates.items() if n not in excluded}
            return select_ensemble(rest, context.y_scored, metric, config.ensemble_rounds) if rest else {}

        alone_ms = _alone_ms(prepared, context, candidates, metric, sample, limit)
        weights, too_slow = without_slow_members(weights, alone_ms, limit, reselect)
    if ships:
        (encoders, members), skipped = search_fitted_members(context, prepared.schema, candidates, weights), []
    else:
        encoders, members, skipped = refit_members(
            context.frame, context.y, schema=prepared.schema, task=context.task, n_classes=context.n_classes,
            results=finished, weights=weights, seed=config.seed, threads=config.threads,
            deadline=budget.end - FINAL_FIXED_SECONDS, fit_fraction=context.fit_fraction)
    final_weights = {m.name: m.weight for m in members}
    oof_score = metric.value(context.y_scored, blend({n: finished[n].oof for n in final_weights}, final_weights))
    info = _model_info(prepared, context, results, metric, config, oof_score=oof_score, skipped=skipped,
                       rows={"train": int(len(train_rows)), "total": int(len(prepared.y))})
    info["too_slow_alone"] = too_slow
    info["members_refitted"] = not ships
    info["members_fitted_on"] = (
        f"the {len(context.folds[0][0]):,} rows fitted beside the validation holdout, as the search fitted them "
        "(no refit: its time went to the search)" if ships else f"all {len(context.y):,} training rows (refitted)")
    return TrainedModel(schema=prepared.schema, target=prepared.target, metric=metric.name, encoders=encoders,
                        members=members, leaderboard=build_leaderboard(results, metric, final_weights), info=info)


def _refit_every_row(model: TrainedModel, prepared: PreparedData, context: SearchContext, holdout_rows: np.ndarray,
                     results, config: TrainConfig, budget: Budget, sample: pd.DataFrame) -> TrainedModel:
    """Refit the members on every row, the estimate's holdout included, once that holdout has
    scored them, when the search's timings of their fits say the refits end in time and the
    refitted model still meets the latency and size limits. Returns the model the holdout
    judged: the one the report's held-out sections (importance, tests) must score, since the
    refitted members have seen those rows. The estimate describes the members fitted on fewer
    rows; more rows of the same table rarely make them worse (letter at 60 s: log loss 0.108-0.119
    refitted on all 16,000 rows, against 0.143-0.163 as the search fitted them on 11,900)."""
    judged = copy.copy(model)
    judged.info = copy.deepcopy(model.info)
    finished = {r.spec.name: r for r in results if r.ok}
    facts = {"seconds_needed": round(refits_seconds([finished[m.name] for m in model.members], context.refit_fraction), 2),
             "seconds_left": round(budget.end - FINAL_FIXED_SECONDS - time.time(), 2), "done": False}
    model.info["every_row_refit"] = facts
    if not _refit_late(model, prepared, context, results, config, budget, every_row=True):
        return model
    latency = confirmed_latency_ms(model, sample, _latency_limit(config))
    size_limit = config.max_model_mb if config.max_model_mb is not None else DEFAULT_SIZE_TARGET_MB
    size = sum(member_megabytes(model).values())
    if latency > _latency_limit(config) or size > size_limit:  # not pruned again: the estimate scored these members
        model.encoders, model.members, model.info = judged.encoders, judged.members, judged.info
        model.info["every_row_refit"] = {**facts, "reason": "the refitted members broke the latency or size limit"}
        return model
    model.info["single_row_latency_ms"], model.info["members_mb"] = round(latency, 4), round(size, 3)
    model.info["members_fitted_on"] = (
        f"all {len(prepared.y):,} rows, the {len(holdout_rows):,} of the estimate's holdout included: refitted once "
        f"the estimate was measured, which describes the members as fitted on {judged.info['members_fitted_on']}")
    model.info["estimate"]["method"] += "; measured before the members were refitted on every row, these included"
    model.info["holdout_in_final_fit"] = True
    facts["done"] = True
    return judged


def _refit_late(model: TrainedModel, prepared: PreparedData, context: SearchContext, results, config: TrainConfig,
                budget: Budget, every_row: bool = False) -> bool:
    """Refit shipped members on every training row after all, once the size and latency limits
    have pruned the ensemble, when the search's timings of their fits say the refits end in the
    time left; return whether it did. The members pruned away no longer count, which is what
    often makes the refits affordable (26 classes: the lone booster left refits in 5 s)."""
    finished = {r.spec.name: r for r in results if r.ok}
    deadline = budget.end - FINAL_FIXED_SECONDS
    frame, y = (prepared.frame, prepared.y) if every_row else (context.frame, context.y)
    fraction = context.refit_fraction if every_row else context.fit_fraction  # a fold's fit rows, as a share of y
    # after the estimate a second layer stays, as over bagged members refitted: fitted on the search's outputs
    if (model.info["members_refitted"] or model.decision.stacker is not None) and not every_row or not refits_in_time(
            [finished[m.name] for m in model.members], fraction, deadline - time.time(),
            lever="every_row_refit" if every_row else "late_refits"):
        return False
    encoders, members, skipped = refit_members(
        frame, y, schema=prepared.schema, task=context.task, n_classes=context.n_classes,
        results=finished, weights={m.name: m.weight for m in model.members}, seed=config.seed,
        threads=config.threads, deadline=deadline, fit_fraction=fraction)
    if skipped:  # slower than timed: the shipped members stay
        return False
    model.encoders, model.members = encoders, members
    model.info.pop("rounds_cut", None)  # a cut member is refitted whole, and measured again
    model.info["members_refitted"] = True
    model.info["members_fitted_on"] = (f"all {len(context.y):,} training rows (refitted after the search: its "
                                       "timings of the members' fits left time for it)")
    return True


def _model_info(prepared: PreparedData, context: SearchContext, results, metric: Metric, config: TrainConfig, *,
                rows: dict, oof_score: float, skipped: list[str]) -> dict:
    return {
        "mlwright_version": __version__, "task": context.task.value, "metric": metric.name, "rows": rows,
        "folds": len(context.folds), "validation": _validation_facts(context), "trials": len(results), "trials_ok": sum(1 for r in results if r.ok),
        "oof_score": oof_score, "skipped_for_time": skipped, "notes": list(prepared.notes),
        "dropped_columns": {c.name: c.reason for c in prepared.schema.dropped},
        "data_fingerprint": prepared.fingerprint, "seed": config.seed, "time_limit": config.time_limit,
    }


def _validation_facts(context: SearchContext) -> dict:
    validation = context.validation
    return {"kind": "holdout" if context.is_holdout else "bagged", "folds": len(context.folds),
            "rows_scored": int(len(context.scored_rows)),
            "reason": validation.describe() if validation is not None else "folds given"}


def _estimate(prepared, holdout_rows, held_out, context, results, metric, config, shipped_oof, *,
              stacked: bool = False) -> dict:
    """The honest estimate: rows that neither the fits nor the ensemble selection saw. Its
    bootstrap interval goes with it: monitoring weighs a later drop against this uncertainty."""
    if len(holdout_rows):
        y, output = prepared.y[holdout_rows], held_out
        value = metric.value(y, output)
        how = f"holdout of {len(holdout_rows)} rows kept out of the search, the ensemble selection and the members' fits"
    else:
        oofs = {r.spec.name: r.oof for r in results if r.ok}
        y, output = context.y_scored, shipped_oof
        scored = "out-of-fold predictions" if not context.is_holdout else "predictions on the validation holdout"
        if stacked:  # the second layer's own cross-fitted output: fitted on four fifths, scored on the fifth
            value = metric.value(y, output)
            how = (f"{scored} of {len(y)} rows, the second layer fitted on four fifths and scored on the other "
                   "fifth (too few rows to keep a holdout)")
        else:
            value = cross_fitted_score(oofs, context.y_scored, metric, config.ensemble_rounds, config.seed)
            how = (f"{scored} of {len(y)} rows, ensemble chosen on one half and scored on the other (too few rows "
                   "to keep a holdout)")
    interval = bootstrap_intervals(context.task, y, output, (metric.name,), seed=config.seed)[metric.name]
    return {"estimate": {"metric": metric.name, "value": value, "method": how,
                         "interval": list(interval) if interval else None, "rows": int(len(y))}}


def _latency_limit(config: TrainConfig) -> float:
    """The one-row milliseconds the ensemble must meet: the user's, or the default target."""
    return config.max_latency_ms if config.max_latency_ms is not None else DEFAULT_LATENCY_TARGET_MS


def _meet_latency(model: TrainedModel, sample: pd.DataFrame, context: SearchContext, results, metric: Metric,
                  config: TrainConfig) -> None:
    """Prune the ensemble to the size limit, then to the latency limit (the user's, or the default
    targets), giving up as little out-of-fold score as it can; the out-of-fold score is then that
    of the pruned blend. Timed on rows as they were read, so that cleaning and parsing count as
    they will in service."""
    limit = _latency_limit(config)
    oofs = {r.spec.name: r.oof for r in results if r.ok}

    def validation_score(weights: dict[str, float]) -> float:
        return metric.score(context.y_scored, blend(oofs, weights))

    size_limit = config.max_model_mb if config.max_model_mb is not None else DEFAULT_SIZE_TARGET_MB
    size, too_big, cut = (prune_to_size(model, size_limit, validation_score) if math.isfinite(size_limit)
                          else (None, [], {}))
    latency, dropped = prune_to_latency(model, sample, limit, validation_score)
    if latency > limit:
        latency, slow = cut_lone_booster(model, limit, latency, lambda: confirmed_latency_ms(model, sample, limit))
        for name, (before, after) in slow.items():  # rounds before any cut, after the last
            cut[name] = [cut[name][0] if name in cut else before, after]
        if slow and size is not None:
            size = sum(member_megabytes(model).values())
    if dropped or too_big:
        model.info["oof_score"] = metric.value(context.y_scored, blend(oofs, {m.name: m.weight for m in model.members}))
    model.info["model_size_limit_mb"] = size_limit if math.isfinite(size_limit) else None
    model.info["pruned_for_size"] = too_big
    if cut:  # the out-of-fold score above is the uncut member's; the holdout estimate scores the cut one
        model.info["rounds_cut"] = cut
    model.info["members_mb"] = round(size, 3) if size is not None else None
    model.info["latency_limit_ms"] = limit if math.isfinite(limit) else None
    model.info["pruned_for_latency"] = dropped
    model.info["latency_limit_met"] = latency <= limit
    model.info["single_row_latency_ms"] = round(latency, 4)


def _checkpoint(run_dir: Path | None, resume: bool, facts: dict):
    if run_dir is None:
        if resume:
            raise ConfigError("resume needs the run folder.", where="resume", fix="pass out=DIR (--resume DIR).")
        return None, []
    checkpoint = Checkpoint(run_dir / "checkpoint")
    previous = checkpoint.run_facts()
    if resume and previous is not None:
        if previous["data"]["sha256"] != facts["data"]["sha256"]:
            raise ConfigError("the data differ from those of the run being resumed.", where=str(run_dir),
                              fix="resume with the same data, or start a new run in another folder.")
        checkpoint.start({**previous, "run_id": facts.get("run_id")})  # the next resume follows this run
        return checkpoint, checkpoint.load()
    if checkpoint.trials_file.exists():
        checkpoint.trials_file.unlink()
    checkpoint.start(facts)
    return checkpoint, []


def _run_facts(data, prepared: PreparedData, config: TrainConfig, metric: Metric, read_options) -> dict:
    source = str(Path(data).resolve()) if isinstance(data, (str, os.PathLike)) else None
    facts = {"data": prepared.fingerprint, "source": source, **_config_facts(config, read_options),
             "task": prepared.target.task.value, "metric": metric.name}
    described = describe_source(data)
    if described["kind"] == "sql":
        facts["sql"] = described
    return facts


def _config_facts(config: TrainConfig, read_options) -> dict:
    """The settings of a run, as the checkpoint and the store record them."""
    return {"read_options": read_options or {}, "target": config.target,
            "task": config.task.value if isinstance(config.task, Task) else config.task, "metric": config.metric,
            "time_limit": config.time_limit, "seed": config.seed, "folds": config.folds, "validation": config.validation,
            "max_trials": config.max_trials, "families": list(config.families or []), "holdout": config.holdout,
            "max_latency_ms": config.max_latency_ms, "max_model_mb": config.max_model_mb,
            "keep_columns": list(config.keep_columns),
            "checks": config.checks, "sensitive": list(config.sensitive),
            "sensitive_as_feature": config.sensitive_as_feature, "threshold_objective": config.threshold_objective,
            "calibration": config.calibration, "stacking": config.stacking, "intended_use": config.intended_use, "sample_rows": config.sample_rows}


def _where(data: DataSource) -> str:
    return str(data) if isinstance(data, (str, os.PathLike)) else "data"
